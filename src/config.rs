//! Configuration: `config/volscreen.toml` (compiled in as the defaults) and, on top, `--config FILE`
//! or else the user's file at the XDG location ([`user_config_path`]) when there is one.
//!
//! A user file has the same shape as the built-in one and may leave any key out: the user's TOML is
//! merged over the built-in TOML (section by section, key by key; a user profile replaces a built-in
//! profile of the same name) and the result is deserialised once, so missing keys keep the built-in
//! value. The built-in file must have every key (no struct has a serde default), and each section's
//! `Default` is its built-in value. Unknown keys, wrong types and out-of-range values are errors that
//! name `file:line:column`. [`Config::profile`] resolves a profile name into filter [`Thresholds`].

use serde::Deserialize;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use toml::de::{DeTable, DeValue};
use toml::Spanned;
use volscreen_core::toml_error::toml_error_message;

/// The built-in configuration text.
pub const BUILTIN_TOML: &str = include_str!("../config/volscreen.toml");
/// How the built-in configuration is named in messages.
pub const BUILTIN_NAME: &str = "config/volscreen.toml (built in)";

/// Scan-wide settings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanConfig {
    pub default_profile: String,
    pub timeout_secs: f64,
    pub hv_floor: f64,
    pub target_dte: i32,
    pub dte_min: i32,
    pub dte_max: i32,
    pub earnings_event_days: i32,
    pub candle_history_days: i32,
}

/// REST request layer settings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestConfig {
    pub concurrency: usize,
    pub rate_per_sec: f64,
    pub burst: f64,
    pub timeout_secs: f64,
    pub max_retries: u32,
    pub metrics_chunk: usize,
    pub by_type_chunk: usize,
    pub speculative_chains: usize,
}

/// DXLink candle pool settings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DxLinkSettings {
    pub connections: usize,
    pub channels_per_connection: usize,
    pub snapshots_per_channel: usize,
    pub symbol_deadline_secs: f64,
    pub connect_timeout_secs: f64,
    pub quote_deadline_secs: f64,
}

/// Filter thresholds (the `[filters]` section is the `balanced` profile).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub vrp_structural_min: f64,
    pub vrp_tactical_min: f64,
    pub iv_percentile_min: f64,
    pub liquidity_rating_min: u8,
    pub price_min: f64,
    pub slippage_max: f64,
    pub vtr_min: f64,
    /// Earnings on or before the chosen expiration are allowed (the `earnings` filter passes).
    pub earnings_allowed: bool,
    /// Command-line thresholds on fields that have no filter of their own in the profile
    /// (`--min iv_rank=0.3`); never read from a file.
    #[serde(skip)]
    pub extra: Vec<ExtraFilter>,
}

/// A command-line threshold on a numeric field without a filter of its own in the profile:
/// `--min iv_rank=0.3` becomes the filter `min_iv_rank` (`screen::bounds` checks it with the
/// outcomes of every filter). `commands::plan` builds it; names are the screen's column names.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtraFilter {
    /// The filter's name: `min_FIELD` or `max_FIELD`.
    pub name: &'static str,
    /// The JSON field compared.
    pub field: &'static str,
    /// `true`: the value must be at most `limit`; `false`: at least `limit`.
    pub is_max: bool,
    pub limit: f64,
}

/// Score weights and saturation points.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreWeights {
    pub premium: f64,
    pub iv_percentile: f64,
    pub trend: f64,
    pub expected_move: f64,
    pub liquidity: f64,
    pub premium_cap: f64,
    pub move_cap: f64,
}

/// A profile: a description and the thresholds it changes.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileOverrides {
    pub description: Option<String>,
    pub vrp_structural_min: Option<f64>,
    pub vrp_tactical_min: Option<f64>,
    pub iv_percentile_min: Option<f64>,
    pub liquidity_rating_min: Option<u8>,
    pub price_min: Option<f64>,
    pub slippage_max: Option<f64>,
    pub vtr_min: Option<f64>,
    pub earnings_allowed: Option<bool>,
}

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub scan: ScanConfig,
    pub rest: RestConfig,
    pub dxlink: DxLinkSettings,
    pub filters: Thresholds,
    pub score: ScoreWeights,
    pub profiles: BTreeMap<String, ProfileOverrides>,
}

/// A configuration problem, with the file and position when known.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {message}")]
    Io { path: String, message: String },
    #[error("{path}:{message}")]
    Invalid { path: String, message: String },
    #[error("unknown profile {name:?} (known: {known})")]
    UnknownProfile { name: String, known: String },
}

/// Where the user's configuration is looked for when `--config` is not given:
/// `$XDG_CONFIG_HOME/volscreen/config.toml`, else `$HOME/.config/volscreen/config.toml` (as the
/// XDG Base Directory specification says, an empty or relative `XDG_CONFIG_HOME` is ignored).
/// `None` when neither variable gives an absolute directory.
pub fn user_config_path() -> Option<PathBuf> {
    user_config_path_in(
        std::env::var_os("XDG_CONFIG_HOME").as_deref(),
        std::env::var_os("HOME").as_deref(),
    )
}

/// [`user_config_path`] for given values of `XDG_CONFIG_HOME` and `HOME`.
pub fn user_config_path_in(
    xdg_config_home: Option<&OsStr>,
    home: Option<&OsStr>,
) -> Option<PathBuf> {
    let absolute = |v: &OsStr| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    xdg_config_home
        .and_then(absolute)
        .or_else(|| home.and_then(absolute).map(|h| h.join(".config")))
        .map(|dir| dir.join("volscreen").join("config.toml"))
}

fn builtin() -> &'static Config {
    static BUILTIN: OnceLock<Config> = OnceLock::new();
    // No struct has `#[serde(default)]`: a key missing from the built-in file is an error here
    // (a build bug, caught by the tests), so every merged configuration has every key.
    BUILTIN.get_or_init(|| {
        toml::from_str(BUILTIN_TOML).unwrap_or_else(|e| panic!("{BUILTIN_NAME} is invalid: {e}"))
    })
}

/// The user's document merged over the built-in one, two levels deep: a user key inside a section
/// (`[rest] concurrency`, `[profiles] mine`) replaces the built-in entry of that name, so a user
/// profile replaces a built-in profile of the same name as a whole. Values keep their spans, so an
/// error in a user value or an unknown user key points into the user's text.
fn merge<'i>(base: &mut DeTable<'i>, user: DeTable<'i>) {
    for (key, value) in user {
        let span = value.span();
        match (base.get_mut(&key).map(Spanned::get_mut), value.into_inner()) {
            (Some(DeValue::Table(section)), DeValue::Table(entries)) => {
                for (k, v) in entries {
                    // Remove first so that the key, too, carries the user's span.
                    section.remove(&k);
                    section.insert(k, v);
                }
            }
            (_, value) => {
                base.remove(&key);
                base.insert(key, Spanned::new(span, value));
            }
        }
    }
}

macro_rules! default_from_builtin {
    ($($ty:ty => $field:ident),* $(,)?) => {
        $(impl Default for $ty {
            fn default() -> Self {
                builtin().$field.clone()
            }
        })*
    };
}

default_from_builtin!(
    ScanConfig => scan,
    RestConfig => rest,
    DxLinkSettings => dxlink,
    Thresholds => filters,
    ScoreWeights => score,
);

impl Default for Config {
    fn default() -> Self {
        builtin().clone()
    }
}

impl Config {
    /// The built-in configuration.
    pub fn builtin() -> Config {
        builtin().clone()
    }

    /// The built-in configuration with `path` read on top of it.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Io {
            path: name.clone(),
            message: e.to_string(),
        })?;
        Config::parse(&text, &name)
    }

    /// The built-in configuration with the user's file ([`user_config_path`]) read on top of it,
    /// with that file's path; `None` when there is no such file. A file that exists but cannot be
    /// read or is invalid is an error, as with `--config`.
    pub fn load_user() -> Result<Option<(Config, PathBuf)>, ConfigError> {
        let Some(path) = user_config_path() else {
            return Ok(None);
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Some((
                Config::parse(&text, &path.display().to_string())?,
                path,
            ))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ConfigError::Io {
                path: path.display().to_string(),
                message: e.to_string(),
            }),
        }
    }

    /// Parse configuration text (same shape as the built-in file) on top of the built-in values.
    pub fn parse(text: &str, name: &str) -> Result<Config, ConfigError> {
        let invalid = |e: toml::de::Error| ConfigError::Invalid {
            path: name.to_string(),
            message: toml_error_message(text, &e),
        };
        let user = DeTable::parse(text).map_err(invalid)?;
        let mut doc = DeTable::parse(BUILTIN_TOML).map_err(|e| ConfigError::Invalid {
            path: BUILTIN_NAME.to_string(),
            message: toml_error_message(BUILTIN_TOML, &e),
        })?;
        let span = doc.span();
        merge(doc.get_mut(), user.into_inner());
        // Every built-in entry deserialises (see `builtin`), so an error's span lies in `text`.
        let merged = Config::deserialize(toml::de::Deserializer::from(Spanned::new(
            span,
            doc.into_inner(),
        )))
        .map_err(invalid)?;
        merged.validate(text, name)?;
        Ok(merged)
    }

    /// Range checks; a failure names the key and its line in `text`.
    fn validate(&self, text: &str, name: &str) -> Result<(), ConfigError> {
        let mut checks: Vec<(&str, &str, bool, &str)> = vec![
            (
                "scan",
                "timeout_secs",
                self.scan.timeout_secs > 0.0,
                "must be > 0",
            ),
            ("scan", "hv_floor", self.scan.hv_floor > 0.0, "must be > 0"),
            (
                "scan",
                "dte_min",
                0 <= self.scan.dte_min && self.scan.dte_min <= self.scan.dte_max,
                "must satisfy 0 <= dte_min <= dte_max",
            ),
            (
                "scan",
                "target_dte",
                (self.scan.dte_min..=self.scan.dte_max).contains(&self.scan.target_dte),
                "must lie within dte_min..=dte_max",
            ),
            (
                "scan",
                "candle_history_days",
                self.scan.candle_history_days >= 30,
                "must be >= 30",
            ),
            (
                "rest",
                "concurrency",
                self.rest.concurrency >= 1,
                "must be >= 1",
            ),
            (
                "rest",
                "rate_per_sec",
                self.rest.rate_per_sec > 0.0,
                "must be > 0",
            ),
            ("rest", "burst", self.rest.burst >= 1.0, "must be >= 1"),
            (
                "rest",
                "timeout_secs",
                self.rest.timeout_secs > 0.0,
                "must be > 0",
            ),
            (
                "rest",
                "metrics_chunk",
                (1..=500).contains(&self.rest.metrics_chunk),
                "must be within 1..=500",
            ),
            (
                "rest",
                "by_type_chunk",
                (1..=100).contains(&self.rest.by_type_chunk),
                "must be within 1..=100 (the service refuses more)",
            ),
            (
                "dxlink",
                "connections",
                self.dxlink.connections >= 1,
                "must be >= 1",
            ),
            (
                "dxlink",
                "channels_per_connection",
                self.dxlink.channels_per_connection >= 1,
                "must be >= 1",
            ),
            (
                "dxlink",
                "snapshots_per_channel",
                self.dxlink.snapshots_per_channel >= 1,
                "must be >= 1",
            ),
            (
                "dxlink",
                "symbol_deadline_secs",
                self.dxlink.symbol_deadline_secs > 0.0,
                "must be > 0",
            ),
            (
                "dxlink",
                "connect_timeout_secs",
                self.dxlink.connect_timeout_secs > 0.0,
                "must be > 0",
            ),
            (
                "dxlink",
                "quote_deadline_secs",
                self.dxlink.quote_deadline_secs > 0.0,
                "must be > 0",
            ),
        ];
        let score_ok = |v: f64| v.is_finite() && v >= 0.0;
        for (key, v) in [
            ("premium", self.score.premium),
            ("iv_percentile", self.score.iv_percentile),
            ("trend", self.score.trend),
            ("expected_move", self.score.expected_move),
            ("liquidity", self.score.liquidity),
        ] {
            checks.push(("score", key, score_ok(v), "must be a finite weight >= 0"));
        }
        checks.push((
            "score",
            "premium_cap",
            self.score.premium_cap > 1.0,
            "must be > 1",
        ));
        checks.push((
            "score",
            "move_cap",
            self.score.move_cap > 0.0,
            "must be > 0",
        ));
        if let Some((section, key, _, msg)) = checks.into_iter().find(|c| !c.2) {
            return Err(invalid_at(text, name, section, key, msg));
        }
        self.filters
            .check()
            .map_err(|(key, msg)| invalid_at(text, name, "filters", key, msg))?;
        if !self.profiles.contains_key(&self.scan.default_profile) {
            return Err(invalid_at(
                text,
                name,
                "scan",
                "default_profile",
                "names no profile",
            ));
        }
        for pname in self.profiles.keys() {
            let section = format!("profiles.{pname}");
            self.resolve(pname).and_then(|t| {
                t.check().map_err(|(k, m)| ConfigError::Invalid {
                    path: name.to_string(),
                    message: locate(text, &section, k).map_or_else(
                        || format!(" [{section}] {k} {m}"),
                        |(l, c)| format!("{l}:{c}: [{section}] {k} {m}"),
                    ),
                })
            })?;
        }
        Ok(())
    }

    fn resolve(&self, name: &str) -> Result<Thresholds, ConfigError> {
        let o = self
            .profiles
            .get(name)
            .ok_or_else(|| ConfigError::UnknownProfile {
                name: name.to_string(),
                known: self.profiles.keys().cloned().collect::<Vec<_>>().join(", "),
            })?;
        let f = &self.filters;
        Ok(Thresholds {
            vrp_structural_min: o.vrp_structural_min.unwrap_or(f.vrp_structural_min),
            vrp_tactical_min: o.vrp_tactical_min.unwrap_or(f.vrp_tactical_min),
            iv_percentile_min: o.iv_percentile_min.unwrap_or(f.iv_percentile_min),
            liquidity_rating_min: o.liquidity_rating_min.unwrap_or(f.liquidity_rating_min),
            price_min: o.price_min.unwrap_or(f.price_min),
            slippage_max: o.slippage_max.unwrap_or(f.slippage_max),
            vtr_min: o.vtr_min.unwrap_or(f.vtr_min),
            earnings_allowed: o.earnings_allowed.unwrap_or(f.earnings_allowed),
            extra: Vec::new(),
        })
    }

    /// The thresholds of a profile (`[filters]` with the profile's overrides applied).
    pub fn profile(&self, name: &str) -> Result<Thresholds, ConfigError> {
        self.resolve(name)
    }

    /// Profile names, sorted.
    pub fn profile_names(&self) -> Vec<String> {
        self.profiles.keys().cloned().collect()
    }
}

impl Thresholds {
    /// Range checks of the thresholds: `Err((key, message))`.
    fn check(&self) -> Result<(), (&'static str, &'static str)> {
        let fin = |v: f64| v.is_finite() && v >= 0.0;
        if !fin(self.vrp_structural_min) {
            return Err(("vrp_structural_min", "must be a finite ratio >= 0"));
        }
        if !fin(self.vrp_tactical_min) {
            return Err(("vrp_tactical_min", "must be a finite ratio >= 0"));
        }
        if !(0.0..=1.0).contains(&self.iv_percentile_min) {
            return Err(("iv_percentile_min", "must be a fraction within 0..=1"));
        }
        if self.liquidity_rating_min > 5 {
            return Err(("liquidity_rating_min", "must be within 0..=5"));
        }
        if !fin(self.price_min) {
            return Err(("price_min", "must be a finite price >= 0"));
        }
        if !fin(self.slippage_max) {
            return Err(("slippage_max", "must be a finite fraction >= 0"));
        }
        if !fin(self.vtr_min) {
            return Err(("vtr_min", "must be a finite ratio >= 0"));
        }
        Ok(())
    }
}

fn invalid_at(text: &str, name: &str, section: &str, key: &str, msg: &str) -> ConfigError {
    let message = match locate(text, section, key) {
        Some((line, col)) => format!("{line}:{col}: [{section}] {key} {msg}"),
        // The key is not in the user's file: it came from the built-in defaults.
        None => format!(" [{section}] {key} {msg} (value from {BUILTIN_NAME})"),
    };
    ConfigError::Invalid {
        path: name.to_string(),
        message,
    }
}

/// Line and column (1-based) of `key = ...` inside `[section]` of a TOML text.
pub fn locate(text: &str, section: &str, key: &str) -> Option<(usize, usize)> {
    let mut current = String::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_start();
        if let Some(rest) = line.strip_prefix('[') {
            current = rest.split(']').next().unwrap_or("").trim().to_string();
            continue;
        }
        if current == section {
            if let Some((k, _)) = line.split_once('=') {
                if k.trim() == key {
                    return Some((i + 1, raw.len() - line.len() + 1));
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_config_is_found_at_the_xdg_location() {
        let p = |xdg: Option<&str>, home: Option<&str>| {
            user_config_path_in(xdg.map(OsStr::new), home.map(OsStr::new))
        };
        let at = |s: &str| Some(PathBuf::from(s));
        assert_eq!(
            p(Some("/x/conf"), Some("/home/u")),
            at("/x/conf/volscreen/config.toml")
        );
        assert_eq!(
            p(None, Some("/home/u")),
            at("/home/u/.config/volscreen/config.toml")
        );
        // Empty or relative XDG_CONFIG_HOME is ignored (XDG Base Directory specification).
        assert_eq!(
            p(Some(""), Some("/home/u")),
            at("/home/u/.config/volscreen/config.toml")
        );
        assert_eq!(
            p(Some("rel"), Some("/home/u")),
            at("/home/u/.config/volscreen/config.toml")
        );
        assert_eq!(p(None, Some("")), None);
        assert_eq!(p(None, None), None);
    }

    #[test]
    fn builtin_parses_and_profiles_resolve() {
        let c = Config::builtin();
        assert_eq!(c.scan.default_profile, "balanced");
        let b = c.profile("balanced").unwrap();
        assert_eq!(b.vrp_structural_min, 1.10);
        assert_eq!(b.vrp_tactical_min, 1.15);
        assert_eq!(b.iv_percentile_min, 0.50);
        assert_eq!(b.liquidity_rating_min, 4);
        assert_eq!(b.price_min, 25.0);
        assert_eq!(b.slippage_max, 0.05);
        assert_eq!(b.vtr_min, 0.85);
        let broad = c.profile("broad").unwrap();
        assert_eq!(
            (broad.vrp_structural_min, broad.iv_percentile_min),
            (1.0, 0.30)
        );
        assert_eq!(broad.liquidity_rating_min, 0);
        let hq = c.profile("high_quality").unwrap();
        assert_eq!((hq.vrp_structural_min, hq.iv_percentile_min), (1.2, 0.70));
        let ag = c.profile("aggressive").unwrap();
        assert_eq!(
            (
                ag.vrp_structural_min,
                ag.iv_percentile_min,
                ag.price_min,
                ag.liquidity_rating_min
            ),
            (0.90, 0.40, 10.0, 3)
        );
        assert!(matches!(
            c.profile("yolo"),
            Err(ConfigError::UnknownProfile { .. })
        ));
        // The built-in text also passes the user-file path (validation included).
        assert_eq!(Config::parse(BUILTIN_TOML, "x").unwrap(), c);
    }

    #[test]
    fn user_files_override_and_add() {
        let c = Config::parse(
            "[rest]\nconcurrency = 4\n\n[profiles.mine]\nvrp_structural_min = 1.5\n",
            "my.toml",
        )
        .unwrap();
        assert_eq!(c.rest.concurrency, 4);
        assert_eq!(
            c.rest.metrics_chunk,
            Config::builtin().rest.metrics_chunk,
            "unset keys keep the built-in value"
        );
        assert_eq!(c.profile("mine").unwrap().vrp_structural_min, 1.5);
        assert_eq!(c.profile("mine").unwrap().iv_percentile_min, 0.50);
        assert!(c.profile("broad").is_ok(), "built-in profiles stay");
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let e = Config::parse("[rest]\nconcurrency = 4\nbogus = 1\n", "my.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("my.toml:3:1:"), "{e}");
        assert!(e.contains("bogus"), "{e}");
        let e = Config::parse("[rest]\nconcurrency = \"many\"\n", "my.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("my.toml:2:"), "{e}");
        let e = Config::parse("# c\n[filters]\niv_percentile_min = 50\n", "my.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("my.toml:3:1: [filters] iv_percentile_min"),
            "{e}"
        );
        let e = Config::parse("[profiles.x]\nprice_min = -1\n", "p.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("p.toml:2:1: [profiles.x] price_min"), "{e}");
        let e = Config::parse("[scan]\ndefault_profile = \"nope\"\n", "s.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("s.toml:2:1:"), "{e}");
        let e = Config::parse("[rest\n", "b.toml").unwrap_err().to_string();
        assert!(e.starts_with("b.toml:1:"), "{e}");
    }

    #[test]
    fn a_user_profile_replaces_the_builtin_one_whole() {
        let c = Config::parse("[profiles.broad]\nvrp_tactical_min = 2.0\n", "u.toml").unwrap();
        let broad = c.profile("broad").unwrap();
        assert_eq!(broad.vrp_tactical_min, 2.0);
        // broad's own overrides are gone: the rest comes from [filters].
        assert_eq!(broad.iv_percentile_min, c.filters.iv_percentile_min);
        assert_eq!(broad.liquidity_rating_min, c.filters.liquidity_rating_min);
    }

    #[test]
    fn every_key_is_required_of_the_builtin_shape() {
        // Without serde defaults a document missing a key does not deserialise on its own: the
        // built-in file must have every key, and a user file is merged over it first.
        let partial = BUILTIN_TOML.replace("hv_floor = 0.05", "");
        let e = toml::from_str::<Config>(&partial).unwrap_err().to_string();
        assert!(e.contains("hv_floor"), "{e}");
        assert!(Config::parse("", "empty.toml").is_ok());
    }

    #[test]
    fn merged_errors_point_into_the_user_file() {
        let e = Config::parse("[scan]\nhv_floor = 0.1\n\n[bogus]\nx = 1\n", "u.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("u.toml:4:2: unknown field `bogus`"), "{e}");
        let e = Config::parse("[profiles.x]\nfoo = 1\n", "u.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("u.toml:2:1: unknown field `foo`"), "{e}");
        let e = Config::parse("scan = 3\n", "u.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("u.toml:1:8: invalid type"), "{e}");
        let e = Config::parse("[dxlink]\nconnections = -1\n", "u.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("u.toml:2:15:"), "{e}");
    }
}
