// Copyright 2020-2021 the Tectonic Project
// Licensed under the MIT License.

//! This crate provides font loading and layout code, as well as C bindings to it.
//!
//! [Tectonic]: https://tectonic-typesetting.github.io/

pub mod engine;
pub mod font;
pub mod manager;
mod utils;

mod c_api;

/// Forgets the caches kept by TeX font number; call before each engine run after the
/// first in a process (paperfig's patch, see `vendor/README.md` in paperfig).
pub fn clear_font_number_caches() {
    c_api::clear_font_number_caches();
}

/// Does our resulting executable link correctly?
#[test]
fn linkage() {}
