//! `--locked`, `--offline`, `--frozen`: the flags every building subcommand shares
//! (`#[command(flatten)] policy: PolicyArgs`), turned into one [`BuildPolicy`].

use crate::BuildPolicy;

#[derive(clap::Args, Debug, Clone, Copy, Default)]
pub struct PolicyArgs {
    /// Make nothing and call no provider: every figure must come from the local or remote
    /// cache with the outputs paperfig.lock records; otherwise fail, saying which figure would
    /// change and which input changed.
    #[arg(long)]
    pub locked: bool,
    /// Use no network: no remote cache, no hosted provider.
    #[arg(long)]
    pub offline: bool,
    /// --locked and --offline together.
    #[arg(long)]
    pub frozen: bool,
}

impl From<PolicyArgs> for BuildPolicy {
    fn from(a: PolicyArgs) -> BuildPolicy {
        BuildPolicy::new(a.locked, a.offline, a.frozen)
    }
}
