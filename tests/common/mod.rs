//! Helpers shared by the integration tests: files on disk and a cache over a temp SkillMeat home.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;

use skillmeat_cache::{Cache, Options};

/// Writes `s` to `p`, creating its folders.
pub fn write(p: &Path, s: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, s).unwrap();
}

/// A cache over the SkillMeat home `home`, with no environment variable in play.
pub fn open_home(home: &Path) -> Cache {
    let env: BTreeMap<String, String> = BTreeMap::new();
    Cache::open_with_env(
        Options {
            home: Some(home.into()),
            ..Default::default()
        },
        &env,
    )
    .unwrap()
}
