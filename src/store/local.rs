//! The local store under `.paperfig/` (stub, being written).
pub struct LocalStore;
