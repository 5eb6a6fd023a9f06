//! Upstream checks against the hosts of artifacts' sources, without storage: [`spec`] parses an
//! artifact's source (host included), [`provider`] holds the vocabulary every provider speaks and
//! picks the provider serving a host ([`github`], [`gitlab`]), [`resolve::queries`] groups
//! artifacts into one query per repository, a provider asks its API (one request per repository
//! and endpoint, revalidated with cached ETags), and [`resolve::resolve`] reads each artifact's
//! upstream out of the answers.

#![deny(missing_docs)]

pub(crate) mod answer;
pub mod github;
pub mod gitlab;
pub mod policy;
pub mod provider;
pub mod resolve;
mod session;
pub mod spec;
pub mod token;

pub use github::{Github, GithubConfig, check};
pub use gitlab::Gitlab;
pub use provider::{
    Cached, CheckOutcome, CommitQuery, PROVIDERS, ProviderKind, RateLimit, Release, RemoteError,
    RepoAnswer, RepoQuery, Setup, Tree, TreeEntry, UpstreamProvider, describe_reset,
};
pub use resolve::{Resolved, queries, resolve, resolve_spec, tree_entry, tree_queries};
pub use spec::{SourceSpec, VersionSpec};
