//! paperfig's integration tests: one binary that drives the real `paperfig` executable on
//! projects in temporary folders, and checks its outputs with real parsers and tools.

mod util;

mod cache;
mod command;
mod errors;
mod example;
mod formats;
mod latex;
mod locked;
mod mdbook;
mod remote;
mod servers;
