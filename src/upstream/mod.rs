//! Upstream checks against a GitHub-API-compatible server, without storage: [`spec`] parses an
//! artifact's source, [`resolve::queries`] groups artifacts into one query per repository,
//! [`github::check`] asks the API (one request per repository and endpoint, revalidated with
//! cached ETags), and [`resolve::resolve`] reads each artifact's upstream out of the answers.

#![deny(missing_docs)]

pub(crate) mod answer;
pub mod github;
pub mod policy;
pub mod provider;
pub mod resolve;
pub mod spec;
pub mod token;

pub use github::{
    Cached, CheckOutcome, CommitQuery, GithubConfig, RateLimit, Release, RemoteError, RepoAnswer,
    RepoQuery, Tree, TreeEntry, check,
};
pub use provider::{Github, UpstreamProvider};
pub use resolve::{Resolved, queries, resolve, resolve_spec, tree_entry, tree_queries};
pub use spec::{SourceSpec, VersionSpec};
