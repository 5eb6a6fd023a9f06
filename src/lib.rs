//! # @skillmeat/cache core
//!
//! A persistent cache of SkillMeat projects and the Claude Code artifacts deployed in them:
//! SQLite storage ([`store`]), a lenient incremental scanner of the SkillMeat layout ([`scan`]),
//! layered configuration ([`config`]), and the [`Cache`] that ties them together. The Node-API
//! binding lives in `binding` and only converts types and errors; everything else is plain Rust,
//! tested with `cargo test`.

pub mod cache;
pub mod config;
pub mod error;
pub mod events;
#[cfg(test)]
mod fuzz_tests;
pub mod http;
pub mod market;
pub mod model;
pub mod options;
mod panic;
mod private_fs;
pub mod scan;
pub mod search;
pub mod store;
pub mod upstream;
pub mod values;
pub mod version;
pub mod watch;

#[cfg(feature = "node")]
#[doc(hidden)]
pub mod binding;

pub use cache::{Cache, RefreshOptions};
pub use config::Options;
pub use error::{Error, Result};
