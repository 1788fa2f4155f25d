//! paperfig: figures as code for papers and books.
pub mod digest;
pub mod provider;
pub mod render;
pub mod store;
