//! paperfig's integration tests: one binary that drives the real `paperfig` executable on
//! projects in temporary folders, and checks its outputs with real parsers and tools.

mod util;

mod build_json;
mod cache;
mod command;
mod compile;
mod engines;
mod errors;
mod example;
mod extract;
mod extract_book;
mod extract_tight;
mod extract_use;
mod faults;
mod figure_swap;
mod formats;
mod goldens;
mod hosted;
mod hosted_banana_papermill;
mod hosted_check;
mod hosted_doc_readings;
mod hosted_drafts;
mod hosted_edges;
mod hosted_figure_inputs;
mod hosted_inputs;
mod hosted_notes;
mod hosted_papermill_tasks;
mod hosted_webhooks;
mod latex;
mod latex_package;
mod layers;
mod locked;
mod markdown_tex;
mod mdbook;
mod placeholders;
mod plot_gallery;
mod remote;
mod sandbox;
mod servers;
mod snapshots;
mod tex_install;
mod tikz;
mod watch;
