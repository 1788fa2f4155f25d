//! PLACEHOLDER until the store branch lands.
use super::*;
use std::path::Path;
pub struct LocalStore;
impl LocalStore {
    pub fn open(_dir: &Path) -> Result<LocalStore, StoreError> { Ok(LocalStore) }
}
impl Store for LocalStore {
    fn describe(&self) -> String { String::new() }
    fn get_action(&self, _key: &Digest) -> Result<Lookup<ActionEntry>, StoreError> { Ok(Lookup::Miss) }
    fn put_action(&self, _entry: &ActionEntry) -> Result<(), StoreError> { Ok(()) }
    fn get_object(&self, _digest: &Digest) -> Result<Lookup<Vec<u8>>, StoreError> { Ok(Lookup::Miss) }
    fn put_object(&self, bytes: &[u8]) -> Result<Digest, StoreError> { Ok(Digest::of(bytes)) }
}
