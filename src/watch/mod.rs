//! Watch mode: a driver that keeps the paper built while its sources are edited. It calls
//! the same stages as `build` (`generate_scanned`, then `compile`); it never forks them.
//!
//! - [`events`]: notify's debouncer, reduced to the relevant changed paths (no access
//!   events, none of paperfig's own outputs, no editor temporary files).
//! - [`state`]: the sources held in memory and the files each figure reads; a batch of
//!   paths → [`state::Changes`].
//! - [`run`]: the loop: rebuild, one status line per rebuild, errors shown and survived.
//! - [`hosted`]: uncached hosted figures are built on a background thread; the document
//!   is compiled without them (previous version or placeholder) and again when they arrive.
//! - [`signal`]: SIGINT/SIGTERM stop the loop between steps.

pub mod events;
pub mod hosted;
pub mod run;
pub mod signal;
pub mod state;

pub use run::{Options, Status, watch};
