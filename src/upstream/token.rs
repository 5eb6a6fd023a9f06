//! Where provider tokens come from. GitHub's: `SKILLMEAT_GITHUB_TOKEN`, then `GITHUB_TOKEN`, then
//! SkillMeat's own `<home>/config.toml` `[settings] github-token`; other providers name their
//! own [`TokenPlaces`] (GitLab: [`super::gitlab::TOKEN`]). Read each time it is needed, never
//! stored, never logged: only [`TokenSource`] (which place supplied it) is ever shown.

use std::path::{Path, PathBuf};

use crate::config::Env;

/// Where one provider's token is looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenPlaces {
    /// Environment variables, in order.
    pub vars: &'static [&'static str],
    /// The key of SkillMeat's `[settings]` table.
    pub settings_key: &'static str,
}

/// GitHub's token.
pub const GITHUB: TokenPlaces = TokenPlaces {
    vars: &TOKEN_VARS,
    settings_key: SETTINGS_KEY,
};

/// Environment variables read for the GitHub token, in order.
pub const TOKEN_VARS: [&str; 2] = ["SKILLMEAT_GITHUB_TOKEN", "GITHUB_TOKEN"];

/// The key of SkillMeat's `[settings]` table holding its GitHub token.
pub const SETTINGS_KEY: &str = "github-token";

/// Which place supplied the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// An environment variable (its name).
    Env(&'static str),
    /// SkillMeat's config file (its path) and the `[settings]` key (`github-token`).
    SkillmeatConfig(PathBuf, &'static str),
}

impl TokenSource {
    /// `env` or `file`, as the other settings' sources.
    pub fn kind(&self) -> &'static str {
        match self {
            TokenSource::Env(_) => "env",
            TokenSource::SkillmeatConfig(..) => "file",
        }
    }

    /// Where exactly, for a person: `SKILLMEAT_GITHUB_TOKEN`, or `/home/me/.skillmeat/config.toml [settings] github-token`.
    pub fn describe(&self) -> String {
        match self {
            TokenSource::Env(name) => (*name).to_string(),
            TokenSource::SkillmeatConfig(p, key) => format!("{} [settings] {key}", p.display()),
        }
    }
}

/// A token and where it came from. `Debug` never shows the token.
#[derive(Clone)]
pub struct Token {
    /// The secret itself.
    pub secret: String,
    /// Where it was found.
    pub source: TokenSource,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("secret", &"<redacted>")
            .field("source", &self.source)
            .finish()
    }
}

fn non_blank(v: &str) -> Option<String> {
    let v = v.trim();
    (!v.is_empty()).then(|| v.to_string())
}

/// The GitHub token in force: see [`find_in`].
pub fn find(env: &dyn Env, home: &Path) -> Option<Token> {
    find_in(&GITHUB, env, home)
}

/// The token in force at `places`: the environment first, then SkillMeat's config file (a file
/// that is missing, unreadable or does not parse supplies none).
pub fn find_in(places: &TokenPlaces, env: &dyn Env, home: &Path) -> Option<Token> {
    for &name in places.vars {
        if let Some(secret) = env.var(name).as_deref().and_then(non_blank) {
            return Some(Token {
                secret,
                source: TokenSource::Env(name),
            });
        }
    }
    let path = crate::config::config_file(home);
    let text = std::fs::read_to_string(&path).ok()?;
    let doc: toml::Table = text.parse().ok()?;
    let secret = doc
        .get("settings")?
        .as_table()?
        .get(places.settings_key)?
        .as_str()
        .and_then(non_blank)?;
    Some(Token {
        secret,
        source: TokenSource::SkillmeatConfig(path, places.settings_key),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn env(p: &[(&str, &str)]) -> BTreeMap<String, String> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const GITLAB: TokenPlaces = crate::upstream::gitlab::TOKEN;

    #[test]
    fn order_blanks_and_skillmeat_config() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        assert!(find(&env(&[]), h).is_none());
        std::fs::write(
            h.join("config.toml"),
            "[settings]\ngithub-token = \"ghp_file\"\n[analytics]\nenabled = false\n",
        )
        .unwrap();
        let t = find(&env(&[]), h).unwrap();
        assert_eq!(t.secret, "ghp_file");
        assert_eq!(t.source.kind(), "file");
        assert!(
            t.source
                .describe()
                .ends_with("config.toml [settings] github-token")
        );
        assert!(!format!("{t:?}").contains("ghp_file"));
        let t = find(&env(&[("GITHUB_TOKEN", "b")]), h).unwrap();
        assert_eq!(
            (t.secret.as_str(), t.source),
            ("b", TokenSource::Env("GITHUB_TOKEN"))
        );
        let t = find(
            &env(&[("GITHUB_TOKEN", "b"), ("SKILLMEAT_GITHUB_TOKEN", "a")]),
            h,
        )
        .unwrap();
        assert_eq!(t.secret, "a");
        let t = find(
            &env(&[("GITHUB_TOKEN", " "), ("SKILLMEAT_GITHUB_TOKEN", "  ")]),
            h,
        )
        .unwrap();
        assert_eq!(
            t.secret, "ghp_file",
            "blank variables fall through to the file"
        );
        assert!(
            find_in(&GITLAB, &env(&[("GITHUB_TOKEN", "b")]), h).is_none(),
            "GitHub's token is not GitLab's"
        );
        std::fs::write(
            h.join("config.toml"),
            "[settings]\ngithub-token = \"ghp_file\"\ngitlab-token = \"glpat_file\"\n",
        )
        .unwrap();
        let t = find_in(&GITLAB, &env(&[]), h).unwrap();
        assert_eq!(t.secret, "glpat_file");
        assert!(t.source.describe().ends_with("[settings] gitlab-token"));
        let t = find_in(&GITLAB, &env(&[("GITLAB_TOKEN", "glpat_env")]), h).unwrap();
        assert_eq!(t.source, TokenSource::Env("GITLAB_TOKEN"));
        std::fs::write(h.join("config.toml"), "[settings\nbroken").unwrap();
        assert!(find(&env(&[]), h).is_none());
    }
}
