//! Configuration: `config/volscreen.toml` (compiled in as the defaults) and `--config FILE` on top.
//!
//! A user file has the same shape as the built-in one and may leave any key out: missing keys keep
//! the built-in value (each section's `Default` is the built-in section), user profiles are added to
//! or replace the built-in ones. Unknown keys, wrong types and out-of-range values are errors that
//! name `file:line:column`. [`Config::profile`] resolves a profile name into filter [`Thresholds`].

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

/// The built-in configuration text.
pub const BUILTIN_TOML: &str = include_str!("../config/volscreen.toml");
/// How the built-in configuration is named in messages.
pub const BUILTIN_NAME: &str = "config/volscreen.toml (built in)";

/// Scan-wide settings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
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
#[serde(default, deny_unknown_fields)]
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
#[serde(default, deny_unknown_fields)]
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
#[serde(default, deny_unknown_fields)]
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
}

/// Score weights and saturation points.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
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
#[serde(default, deny_unknown_fields)]
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

fn builtin() -> &'static Config {
    static BUILTIN: OnceLock<Config> = OnceLock::new();
    BUILTIN.get_or_init(|| {
        let raw: RawBuiltin = toml::from_str(BUILTIN_TOML)
            .unwrap_or_else(|e| panic!("{BUILTIN_NAME} is invalid: {e}"));
        raw.0
    })
}

/// Parses the built-in file with every section required (so a key missing there is a build bug).
struct RawBuiltin(Config);

impl<'de> Deserialize<'de> for RawBuiltin {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Strict {
            scan: StrictScan,
            rest: StrictRest,
            dxlink: StrictDx,
            filters: StrictThresholds,
            score: StrictScore,
            profiles: BTreeMap<String, ProfileOverrides>,
        }
        // Mirrors without `default`: every key must be present in the built-in file.
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct StrictScan {
            default_profile: String,
            timeout_secs: f64,
            hv_floor: f64,
            target_dte: i32,
            dte_min: i32,
            dte_max: i32,
            earnings_event_days: i32,
            candle_history_days: i32,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct StrictRest {
            concurrency: usize,
            rate_per_sec: f64,
            burst: f64,
            timeout_secs: f64,
            max_retries: u32,
            metrics_chunk: usize,
            by_type_chunk: usize,
            speculative_chains: usize,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct StrictDx {
            connections: usize,
            channels_per_connection: usize,
            snapshots_per_channel: usize,
            symbol_deadline_secs: f64,
            connect_timeout_secs: f64,
            quote_deadline_secs: f64,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct StrictThresholds {
            vrp_structural_min: f64,
            vrp_tactical_min: f64,
            iv_percentile_min: f64,
            liquidity_rating_min: u8,
            price_min: f64,
            slippage_max: f64,
            vtr_min: f64,
            earnings_allowed: bool,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct StrictScore {
            premium: f64,
            iv_percentile: f64,
            trend: f64,
            expected_move: f64,
            liquidity: f64,
            premium_cap: f64,
            move_cap: f64,
        }
        let s = Strict::deserialize(d)?;
        Ok(RawBuiltin(Config {
            scan: ScanConfig {
                default_profile: s.scan.default_profile,
                timeout_secs: s.scan.timeout_secs,
                hv_floor: s.scan.hv_floor,
                target_dte: s.scan.target_dte,
                dte_min: s.scan.dte_min,
                dte_max: s.scan.dte_max,
                earnings_event_days: s.scan.earnings_event_days,
                candle_history_days: s.scan.candle_history_days,
            },
            rest: RestConfig {
                concurrency: s.rest.concurrency,
                rate_per_sec: s.rest.rate_per_sec,
                burst: s.rest.burst,
                timeout_secs: s.rest.timeout_secs,
                max_retries: s.rest.max_retries,
                metrics_chunk: s.rest.metrics_chunk,
                by_type_chunk: s.rest.by_type_chunk,
                speculative_chains: s.rest.speculative_chains,
            },
            dxlink: DxLinkSettings {
                connections: s.dxlink.connections,
                channels_per_connection: s.dxlink.channels_per_connection,
                snapshots_per_channel: s.dxlink.snapshots_per_channel,
                symbol_deadline_secs: s.dxlink.symbol_deadline_secs,
                connect_timeout_secs: s.dxlink.connect_timeout_secs,
                quote_deadline_secs: s.dxlink.quote_deadline_secs,
            },
            filters: Thresholds {
                vrp_structural_min: s.filters.vrp_structural_min,
                vrp_tactical_min: s.filters.vrp_tactical_min,
                iv_percentile_min: s.filters.iv_percentile_min,
                liquidity_rating_min: s.filters.liquidity_rating_min,
                price_min: s.filters.price_min,
                slippage_max: s.filters.slippage_max,
                vtr_min: s.filters.vtr_min,
                earnings_allowed: s.filters.earnings_allowed,
            },
            score: ScoreWeights {
                premium: s.score.premium,
                iv_percentile: s.score.iv_percentile,
                trend: s.score.trend,
                expected_move: s.score.expected_move,
                liquidity: s.score.liquidity,
                premium_cap: s.score.premium_cap,
                move_cap: s.score.move_cap,
            },
            profiles: s.profiles,
        }))
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

    /// Parse configuration text (same shape as the built-in file) on top of the built-in values.
    pub fn parse(text: &str, name: &str) -> Result<Config, ConfigError> {
        let user: Config = toml::from_str(text).map_err(|e| ConfigError::Invalid {
            path: name.to_string(),
            message: toml_error_message(text, &e),
        })?;
        let mut profiles = builtin().profiles.clone();
        profiles.extend(user.profiles.clone());
        let merged = Config { profiles, ..user };
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

/// A TOML parse error as `LINE:COL: message` (1-based), for prefixing with the file name.
pub fn toml_error_message(text: &str, err: &toml::de::Error) -> String {
    let msg = err.message().trim().to_string();
    match err.span() {
        Some(span) => {
            let (line, col) = line_col(text, span.start);
            format!("{line}:{col}: {msg}")
        }
        None => format!(" {msg}"),
    }
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
