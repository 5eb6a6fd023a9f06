//! Marketplace listings: parsing a Claude Code `marketplace.json` or a SkillMeat broker listing
//! into entries. Fetching and storing them is the cache's (`cache::market`); all network access
//! goes through [`crate::http`].

pub mod parse;
