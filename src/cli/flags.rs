//! The flags that say how figures are built, shared by the subcommands that build or report
//! on a build, and their one way into checked options (`GenOptions::new`).

use crate::options::{Driver, Flags, GenOptions, OptionsError};
use crate::progress::Verbosity;

/// Network and cost: `gen`, `build`, `watch`, and `status` (which reports what a build with
/// them would refuse).
#[derive(clap::Args, Debug)]
pub struct NetworkFlags {
    /// Use no network: no remote cache; figures that need a hosted provider fail (cached
    /// ones are placed).
    #[arg(long)]
    pub offline: bool,
    /// Refuse the build if new hosted submissions would cost more than N (credits, quota
    /// units: each service's own unit).
    #[arg(long, value_name = "N")]
    pub max_cost: Option<f64>,
}

/// How figures are built: `gen`, `build`, `watch`.
#[derive(clap::Args, Debug)]
pub struct BuildFlags {
    /// Figures to build at once (default: number of CPUs).
    #[arg(short = 'j', long = "jobs", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: Option<u16>,
    /// Make nothing and call no provider: every figure must come from the local or remote
    /// cache with the outputs paperfig.lock records; otherwise fail, naming each figure that
    /// would change and which input changed.
    #[arg(long)]
    pub locked: bool,
    /// --locked and --offline together.
    #[arg(long)]
    pub frozen: bool,
    #[command(flatten)]
    pub network: NetworkFlags,
}

impl NetworkFlags {
    /// The options of a build with these flags (`status` asks what it would do).
    pub fn options(&self, verbosity: Verbosity) -> GenOptions {
        let flags = Flags { offline: self.offline, max_cost: self.max_cost, verbosity, ..Flags::default() };
        GenOptions::new(&flags, Driver::Once).expect("network flags alone always make options")
    }
}

impl BuildFlags {
    /// The options `driver` builds with.
    pub fn options(&self, verbosity: Verbosity, driver: Driver) -> Result<GenOptions, OptionsError> {
        let flags = Flags {
            jobs: self.jobs.map(usize::from),
            offline: self.network.offline,
            locked: self.locked,
            frozen: self.frozen,
            max_cost: self.network.max_cost,
            verbosity,
        };
        GenOptions::new(&flags, driver)
    }
}
