//! Where upstream versions come from. [`UpstreamProvider`] is what an upstream check asks;
//! [`Github`] (the GitHub REST API, or a GitHub Enterprise server) is its implementation.

use std::collections::HashMap;
use std::future::Future;

use super::github::{self, Cached, CheckOutcome, GithubConfig, RepoQuery};
use crate::error::Result;
use crate::http::Limits;

/// A source of upstream answers: releases, tags, commits and trees per repository.
pub trait UpstreamProvider {
    /// The API root; stored answers are kept under URLs that start with it.
    fn api_url(&self) -> &str;

    /// Answers `queries` (one request per repository and endpoint however many artifacts ask),
    /// each conditional on the answer stored in `cached` under its URL. Failures are reported
    /// per repository in the outcome, never as an error of the whole check.
    fn check(
        &self,
        queries: Vec<RepoQuery>,
        cached: &HashMap<String, Cached>,
    ) -> impl Future<Output = CheckOutcome> + Send;
}

/// The GitHub REST API (`https://api.github.com`, or `https://HOST/api/v3`).
pub struct Github {
    client: reqwest::Client,
    config: GithubConfig,
}

impl Github {
    /// A client for the API at `api_url`, sending `token` (if any) to that host only.
    pub fn new(limits: Limits, api_url: &str, token: Option<String>) -> Result<Github> {
        let client = crate::http::client(&limits)?;
        let mut config = GithubConfig::new(limits);
        config.api_url = api_url.trim_end_matches('/').to_string();
        config.token = token;
        Ok(Github { client, config })
    }
}

impl UpstreamProvider for Github {
    fn api_url(&self) -> &str {
        &self.config.api_url
    }

    fn check(
        &self,
        queries: Vec<RepoQuery>,
        cached: &HashMap<String, Cached>,
    ) -> impl Future<Output = CheckOutcome> + Send {
        github::check(&self.client, &self.config, queries, cached)
    }
}
