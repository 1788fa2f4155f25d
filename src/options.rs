//! How a build runs, checked: the modes a driver asks for, as types. Every driver (`gen`,
//! `build`, `status`, `watch`, the mdBook preprocessor) turns what it was given into
//! [`GenOptions`] through the one constructor [`GenOptions::new`]; the stages below read
//! the modes, never the flags.
//!
//! | mode | values | decided by |
//! |---|---|---|
//! | [`Network`] | online, offline | `--offline`, `--frozen` |
//! | [`HostedPolicy`] | build (with a budget), defer, refuse | offline → refuse; `watch` → defer; else build (`--max-cost`) |
//! | [`LockMode`] | update, locked | `--locked`, `--frozen` |

use crate::progress::Verbosity;

/// Whether the build may use the network at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Network {
    /// The remote cache is used and hosted providers may be asked.
    Online,
    /// `--offline`: no remote cache, no hosted provider.
    Offline,
}

/// What happens to hosted figures that are not cached.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum HostedPolicy {
    /// Submit them, after the account checks; refuse the whole build when the new
    /// submissions would cost more than `max_cost` (`--max-cost`).
    Build { max_cost: Option<f64> },
    /// Leave them out of this build as [`crate::run::Outcome::Deferred`]: `watch` builds
    /// them in the background and rebuilds when they arrive.
    Defer,
    /// `--offline`: each fails, naming the provider it needs.
    Refuse,
}

/// How the build stands to `paperfig.lock`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockMode {
    /// Figures are built as needed and the lockfile is rewritten with them.
    Update,
    /// `--locked`: make nothing and call no provider; every figure comes from the stores with
    /// the outputs the lockfile records, else fails saying why (see `crate::locked`). The
    /// lockfile is not rewritten.
    Locked,
}

/// Which driver runs the build; it decides what uncached hosted figures do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Driver {
    /// One build: `gen`, `build`, `status`.
    Once,
    /// `watch`: hosted figures are deferred to a background thread.
    Watch,
    /// The mdBook preprocessor.
    Mdbook,
}

/// What a driver was asked for, unchecked: the command line's flags, or the settings a
/// driver reads elsewhere (`[preprocessor.paperfig] jobs`).
#[derive(Clone, Debug, Default)]
pub struct Flags {
    /// `-j N`; `None` = one per CPU.
    pub jobs: Option<usize>,
    pub offline: bool,
    pub locked: bool,
    /// `--frozen` = `--locked --offline`.
    pub frozen: bool,
    pub max_cost: Option<f64>,
    pub verbosity: Verbosity,
}

/// Why flags cannot make options.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OptionsError {
    #[error("`watch` rebuilds figures as they change; --locked and --frozen are for one-shot builds")]
    LockedWatch,
}

/// The checked options of a build.
#[derive(Clone, Debug)]
pub struct GenOptions {
    /// Builtin figures made at once.
    pub threads: usize,
    pub verbosity: Verbosity,
    pub network: Network,
    pub hosted: HostedPolicy,
    pub lock: LockMode,
}

impl GenOptions {
    /// The options `driver` runs with, given `flags`.
    pub fn new(flags: &Flags, driver: Driver) -> Result<GenOptions, OptionsError> {
        let offline = flags.offline || flags.frozen;
        let locked = flags.locked || flags.frozen;
        if locked && driver == Driver::Watch {
            return Err(OptionsError::LockedWatch);
        }
        let network = if offline { Network::Offline } else { Network::Online };
        let hosted = match (network, driver) {
            (Network::Offline, _) => HostedPolicy::Refuse,
            (Network::Online, Driver::Watch) => HostedPolicy::Defer,
            (Network::Online, Driver::Once | Driver::Mdbook) => HostedPolicy::Build { max_cost: flags.max_cost },
        };
        Ok(GenOptions {
            threads: flags.jobs.unwrap_or_else(default_threads).max(1),
            verbosity: flags.verbosity,
            network,
            hosted,
            lock: if locked { LockMode::Locked } else { LockMode::Update },
        })
    }
}

/// One thread per CPU.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(flags: Flags, driver: Driver) -> GenOptions {
        GenOptions::new(&flags, driver).unwrap()
    }

    #[test]
    fn each_driver_decides_what_hosted_figures_do() {
        let once = opts(Flags { max_cost: Some(3.0), ..Flags::default() }, Driver::Once);
        assert_eq!((once.network, once.hosted), (Network::Online, HostedPolicy::Build { max_cost: Some(3.0) }));
        let watch = opts(Flags::default(), Driver::Watch);
        assert_eq!((watch.network, watch.hosted), (Network::Online, HostedPolicy::Defer));
        for driver in [Driver::Once, Driver::Watch, Driver::Mdbook] {
            let offline = opts(Flags { offline: true, ..Flags::default() }, driver);
            assert_eq!((offline.network, offline.hosted), (Network::Offline, HostedPolicy::Refuse), "{driver:?}");
        }
    }

    #[test]
    fn frozen_is_locked_and_offline_and_watch_refuses_it() {
        let frozen = opts(Flags { frozen: true, ..Flags::default() }, Driver::Once);
        assert_eq!((frozen.network, frozen.lock), (Network::Offline, LockMode::Locked));
        let locked = opts(Flags { locked: true, ..Flags::default() }, Driver::Once);
        assert_eq!((locked.network, locked.lock), (Network::Online, LockMode::Locked));
        for flags in [Flags { locked: true, ..Flags::default() }, Flags { frozen: true, ..Flags::default() }] {
            assert_eq!(GenOptions::new(&flags, Driver::Watch).unwrap_err(), OptionsError::LockedWatch);
        }
    }

    #[test]
    fn jobs_default_to_the_cpus_and_are_at_least_one() {
        assert_eq!(opts(Flags { jobs: Some(3), ..Flags::default() }, Driver::Once).threads, 3);
        assert_eq!(opts(Flags { jobs: Some(0), ..Flags::default() }, Driver::Once).threads, 1);
        assert_eq!(opts(Flags::default(), Driver::Once).threads, default_threads());
    }
}
