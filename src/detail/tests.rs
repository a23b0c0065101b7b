//! Unit tests of [`build`]: the estimators and the cone are `vol`'s own numbers over the candles
//! the screen used, every HV shown passes HV's plausibility rule (0 and > 5 become null with a
//! warning), unknowns carry reasons, the term structure is the standard chain's, the filters and
//! the verdict are the screen's, and the expected move is given in price units.

use super::*;
use crate::config::Config;
use crate::model::RequestStats;
use crate::vol::estimators;

const DAY_MS: i64 = 86_400_000;

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

/// `n` weekday sessions ending on 2026-11-20 (a Friday), prices from `close(k)`; open the previous
/// close moved a little, high and low 1 % beyond the body.
fn sessions_by(n: usize, close: impl Fn(usize) -> f64) -> Vec<Candle> {
    let mut days = Vec::with_capacity(n);
    let mut day = d("2026-11-20");
    while days.len() < n {
        if !day.is_weekend() {
            days.push(day);
        }
        day = day.add_days(-1);
    }
    days.reverse();
    let mut prev = close(0);
    days.iter()
        .enumerate()
        .map(|(k, day)| {
            let c = close(k);
            let o = prev * (0.003 * (k as f64).cos()).exp();
            prev = c;
            Candle {
                time: day.epoch_ms(),
                open: o,
                high: o.max(c) * 1.01,
                low: o.min(c) * 0.99,
                close: c,
                volume: 1.0,
            }
        })
        .collect()
}

fn wavy(n: usize) -> Vec<Candle> {
    sessions_by(n, |k| {
        100.0
            * (0.02 * (k as f64 * 0.7).sin() + 0.001 * k as f64 + 0.03 * (k as f64 * 0.05).sin())
                .exp()
    })
}

fn meta() -> DetailMeta {
    DetailMeta {
        tool: "volscreen".into(),
        version: "0".into(),
        source: SourceKind::Demo,
        profile: "balanced".into(),
        scanned_at: "2026-11-20T21:00:00.000Z".into(),
        as_of: d("2026-11-20"),
        candle_history_days: HISTORY_DAYS,
        timings: Timings {
            total_ms: 0.0,
            stages: Vec::new(),
            requests: RequestStats::default(),
        },
    }
}

fn balanced() -> Thresholds {
    Config::builtin().profile("balanced").unwrap()
}

/// An equity that passes every filter of `balanced`.
fn passing() -> SymbolFields {
    SymbolFields {
        asset_class: Some(AssetClass::Equity),
        price: Some(100.0),
        iv: Some(0.5),
        iv_rank: Some(0.6),
        iv_percentile: Some(0.7),
        hv30: Some(0.3),
        hv90: Some(0.3),
        vrp_structural: Some(1.6),
        vrp_tactical: Some(1.6),
        vtr: Some(1.0),
        liquidity_rating: Some(5),
        earnings_date: Some(d("2027-02-01")),
        days_to_earnings: Some(73),
        expiration: Some(d("2027-01-15")),
        dte: Some(56),
        atm_strike: Some(100.0),
        straddle_mid: Some(8.0),
        expected_move: Some(0.08),
        expected_move_method: Some(MoveMethod::Straddle),
        slippage: Some(0.01),
        earnings_before_expiration: Some(false),
        ..SymbolFields::default()
    }
}

struct Case {
    fields: SymbolFields,
    candles: Option<CandleSeries>,
    ivs: Option<Vec<ExpirationIv>>,
    error: Option<(Stage, &'static str)>,
}

impl Case {
    fn new(candles: Vec<Candle>) -> Case {
        Case {
            fields: passing(),
            candles: Some(CandleSeries {
                candles,
                truncated: false,
            }),
            ivs: None,
            error: None,
        }
    }

    fn build(&self) -> Detail {
        let t = balanced();
        build(
            &Input {
                symbol: "TEST",
                fields: &self.fields,
                score: Some(70.0),
                signal: Some(Signal::Rich),
                error: self.error,
                candles: self.candles.as_ref(),
                expiration_ivs: self.ivs.as_deref(),
                thresholds: &t,
                as_of: d("2026-11-20"),
            },
            meta(),
        )
    }
}

#[test]
fn estimators_and_cone_are_the_vol_modules_own_numbers() {
    let candles = wavy(600);
    // Out of order and with a repeated session (the later one wins): sorted as the screen does.
    let mut shuffled = candles.clone();
    shuffled.reverse();
    let mut stale = shuffled[3];
    stale.close *= 0.5;
    shuffled.insert(0, stale);
    let doc = Case::new(shuffled).build();
    for e in Estimator::ALL {
        for w in DETAIL_WINDOWS {
            let want = estimators::estimate(&candles, e, w).unwrap();
            assert_eq!(doc.hv.value(e, w), Some(want), "{e} {w}");
        }
    }
    // Close-to-close is the screen's HV: the same closes through `hv::hv`.
    let closes: Vec<f64> = candles.iter().map(|c| c.close).collect();
    assert_eq!(
        doc.hv.value(Estimator::CloseToClose, 20),
        crate::vol::hv::hv(&closes, 20).ok()
    );
    let cone = cone::cone(&candles, &DETAIL_WINDOWS);
    assert_eq!(doc.cone.len(), DETAIL_WINDOWS.len());
    for (got, want) in doc.cone.iter().zip(&cone) {
        let want = want.as_ref().unwrap();
        assert_eq!(got.window, want.window);
        assert_eq!(
            [got.current, got.min, got.p25, got.median, got.p75, got.max],
            [
                want.current,
                want.min,
                want.p25,
                want.median,
                want.p75,
                want.max
            ]
            .map(Some)
        );
        assert_eq!(got.samples, Some(252));
    }
    assert_eq!(doc.history.sessions, 600);
    assert_eq!(doc.history.last, Some(d("2026-11-20")));
    assert_eq!(
        doc.history.first,
        Some(Date::from_epoch_ms(candles[0].time))
    );
    assert!(doc.warnings.is_empty() && doc.notes.is_empty(), "{doc:?}");
    // The JSON shape: estimators keyed by window.
    let v = serde_json::to_value(&doc).unwrap();
    let row = v["hv"]["yang_zhang"].as_object().unwrap();
    let keys: Vec<&str> = row.keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 7);
    for w in ["10", "20", "30", "60", "90", "120", "252"] {
        assert!(row[w].is_f64(), "{w}");
    }
    assert_eq!(v["cone"][6]["window"], 252);
    assert_eq!(v["verdict"], "candidate");
}

#[test]
fn an_hv_of_exactly_zero_is_null_with_a_warning() {
    // Every session without intraday range (O = H = L = C) but closes that move: the range
    // estimators are exactly 0, close-to-close and Yang–Zhang are not.
    let flat_sessions: Vec<Candle> = wavy(300)
        .into_iter()
        .map(|c| Candle {
            open: c.close,
            high: c.close,
            low: c.close,
            ..c
        })
        .collect();
    let doc = Case::new(flat_sessions).build();
    for e in [
        Estimator::Parkinson,
        Estimator::GarmanKlass,
        Estimator::RogersSatchell,
    ] {
        for w in DETAIL_WINDOWS {
            assert_eq!(doc.hv.value(e, w), None, "{e} {w}");
            let field = format!("hv.{}.{w}", e.name());
            let warning = doc.warnings.iter().find(|x| x.field == field);
            let warning = warning.unwrap_or_else(|| panic!("no warning for {field}"));
            assert_eq!(warning.value, serde_json::json!(0.0));
            assert!(warning.rule.contains("exactly 0"), "{}", warning.rule);
        }
    }
    assert!(doc.hv.value(Estimator::CloseToClose, 20).unwrap() > 0.0);
    assert!(doc.hv.value(Estimator::YangZhang, 20).unwrap() > 0.0);

    // Constant closes: close-to-close and every cone value are 0 → null, each with a warning.
    let constant = sessions_by(300, |_| 50.0);
    let doc = Case::new(constant).build();
    assert_eq!(doc.hv.value(Estimator::CloseToClose, 10), None);
    assert!(doc
        .warnings
        .iter()
        .any(|w| w.field == "hv.close_to_close.10"));
    let c10 = &doc.cone[0];
    assert_eq!((c10.current, c10.min, c10.max), (None, None, None));
    assert_eq!(
        c10.samples,
        Some(252),
        "the windows were there; their values are stale"
    );
    assert!(doc.warnings.iter().any(|w| w.field == "cone.10.current"));
    assert!(doc.warnings.iter().any(|w| w.field == "cone.252.max"));
}

#[test]
fn a_short_history_gives_reasons_never_zeros() {
    let doc = Case::new(wavy(45)).build();
    assert!(doc.hv.value(Estimator::Parkinson, 30).is_some());
    assert_eq!(doc.hv.value(Estimator::Parkinson, 60), None);
    assert_eq!(doc.hv.value(Estimator::YangZhang, 252), None);
    assert!(doc
        .notes
        .iter()
        .any(|n| n == "parkinson over 60 sessions needs 60 sessions, have 45"));
    // 45 closes: the 10-session cone has 35 windows, the 30-session one 15 (< 20): unknown.
    assert_eq!(doc.cone[0].samples, Some(35));
    assert_eq!(doc.cone[2].current, None);
    assert!(
        doc.notes
            .iter()
            .any(|n| n.starts_with("HV30 cone needs 20")),
        "{:?}",
        doc.notes
    );
    assert!(doc.warnings.is_empty());
    assert_eq!(doc.history.sessions, 45);
}

#[test]
fn without_candles_everything_from_them_is_null_with_one_reason() {
    let mut case = Case::new(Vec::new());
    case.candles = None;
    case.error = Some((Stage::Candles, "DXLink: no snapshot within 5 s"));
    case.fields.vrp_structural = None;
    case.fields.vrp_tactical = None;
    case.fields.vtr = None;
    let doc = case.build();
    assert!(doc
        .hv
        .rows
        .iter()
        .all(|(_, r)| r.iter().all(Option::is_none)));
    assert!(doc
        .cone
        .iter()
        .all(|c| c.current.is_none() && c.samples.is_none()));
    assert_eq!(doc.history.sessions, 0);
    assert_eq!(doc.history.first, None);
    assert_eq!(
        doc.notes,
        vec![
            "candles: DXLink: no snapshot within 5 s".to_string(),
            "no candle history: every estimator and the HV cone are unknown".to_string(),
        ]
    );
    assert_eq!(doc.verdict, DetailVerdict::Error);
    let v = serde_json::to_value(&doc).unwrap();
    assert!(v["hv"]["close_to_close"]["20"].is_null());
    assert!(v["cone"][0]["median"].is_null());
}

fn exp_iv(date: Option<&str>, iv: Option<f64>, chain: Option<&str>) -> ExpirationIv {
    ExpirationIv {
        expiration_date: date.map(d),
        option_chain_type: chain.map(str::to_string),
        settlement_type: Some("PM".into()),
        implied_volatility: iv,
    }
}

#[test]
fn the_term_structure_is_the_standard_chains_with_reasons_for_the_rest() {
    let mut case = Case::new(wavy(300));
    case.ivs = Some(vec![
        exp_iv(Some("2027-03-19"), Some(0.25), Some("Standard")),
        exp_iv(Some("2026-12-18"), Some(0.30), None),
        exp_iv(Some("2027-01-15"), Some(0.28), Some("Standard")),
        exp_iv(Some("2027-01-15"), Some(0.90), Some("Non-standard")),
        exp_iv(Some("2027-02-19"), None, Some("Standard")),
        exp_iv(None, Some(0.3), Some("Standard")),
        exp_iv(Some("2027-04-16"), Some(25.0), Some("Standard")),
        exp_iv(Some("2026-11-13"), Some(0.3), Some("Standard")),
    ]);
    let doc = case.build();
    let points: Vec<(String, i64, f64)> = doc
        .term_structure
        .iter()
        .map(|p| (p.expiration.to_string(), p.dte, p.iv))
        .collect();
    assert_eq!(
        points,
        vec![
            ("2026-12-18".to_string(), 28, 0.30),
            ("2027-01-15".to_string(), 56, 0.28),
            ("2027-03-19".to_string(), 119, 0.25),
        ]
    );
    let slope = doc.term_slope.unwrap();
    assert!(slope < -0.02, "{slope}");
    assert_eq!(doc.term_shape, Some(TermShape::Backwardation));
    for needle in [
        "the 2027-01-15 expiration of the Non-standard chain is not used",
        "the 2027-02-19 expiration came without an IV",
        "an expiration IV came without its date",
        "the 2026-11-13 expiration has passed (-7 DTE)",
    ] {
        assert!(
            doc.notes.iter().any(|n| n.contains(needle)),
            "{needle}: {:?}",
            doc.notes
        );
    }
    assert_eq!(doc.warnings.len(), 1, "{:?}", doc.warnings);
    assert_eq!(doc.warnings[0].field, "term_structure.2027-04-16");
    assert_eq!(doc.warnings[0].value, serde_json::json!(25.0));

    // One usable point: no slope, with the reason.
    case.ivs = Some(vec![exp_iv(Some("2026-12-18"), Some(0.3), None)]);
    let doc = case.build();
    assert_eq!((doc.term_slope, doc.term_shape), (None, None));
    assert!(doc.notes.iter().any(|n| n.starts_with("term slope needs")));
    // An empty list is said; no metrics row is not (the scan's error says why).
    case.ivs = Some(Vec::new());
    let doc = case.build();
    assert_eq!(
        doc.notes,
        ["term structure: the service sent no per-expiration IVs"]
    );
    case.ivs = None;
    let doc = case.build();
    assert!(doc.term_structure.is_empty() && doc.notes.is_empty());
}

#[test]
fn filters_and_verdict_are_the_screens() {
    let t = balanced();
    let mut case = Case::new(wavy(300));
    let doc = case.build();
    let want = filters::run(&case.fields, &t, None);
    assert_eq!(doc.filters.len(), want.len());
    for (got, want) in doc.filters.iter().zip(&want) {
        assert_eq!(got.name, want.name);
        assert_eq!(got.outcome, Outcome::from(want.outcome));
        assert_eq!(got.detail, want.detail);
    }
    assert_eq!(doc.verdict, DetailVerdict::Candidate);
    assert_eq!((doc.score, doc.signal), (Some(70.0), Some(Signal::Rich)));

    case.fields.iv_percentile = Some(0.12);
    let doc = case.build();
    assert_eq!(doc.verdict, DetailVerdict::Rejected);
    let ivp = doc
        .filters
        .iter()
        .find(|f| f.name == "iv_percentile")
        .unwrap();
    assert_eq!(
        (ivp.outcome, ivp.detail.as_str()),
        (Outcome::Fail, "iv_percentile 0.12 < 0.50")
    );

    // Every filter passing, but the scan could not have something: error.
    case.fields = passing();
    case.error = Some((Stage::Quotes, "no quotes"));
    assert_eq!(case.build().verdict, DetailVerdict::Error);

    // A future: price and earnings do not apply; the JSON says "n/a".
    case.error = None;
    case.fields.asset_class = Some(AssetClass::Future);
    case.fields.earnings_date = None;
    case.fields.earnings_before_expiration = None;
    let doc = case.build();
    let v = serde_json::to_value(&doc).unwrap();
    let outcome = |name: &str| {
        v["filters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .map(|f| f["outcome"].clone())
    };
    assert_eq!(outcome("price"), Some(serde_json::json!("n/a")));
    assert_eq!(outcome("earnings"), Some(serde_json::json!("n/a")));
    assert_eq!(doc.verdict, DetailVerdict::Candidate);
}

#[test]
fn the_expected_move_in_price_units() {
    let mut case = Case::new(wavy(30));
    let doc = case.build();
    assert_eq!(doc.expected_move_price, Some(8.0), "the straddle itself");
    case.fields.expected_move_method = Some(MoveMethod::IvDte);
    case.fields.straddle_mid = None;
    case.fields.expected_move = Some(0.1);
    let doc = case.build();
    assert!((doc.expected_move_price.unwrap() - 10.0).abs() < 1e-12);
    case.fields.price = None;
    assert_eq!(case.build().expected_move_price, None);
    case.fields.expected_move = None;
    let doc = case.build();
    assert_eq!(
        (doc.expected_move_price, doc.expected_move_method),
        (None, None)
    );
    // Non-finite values never reach the document.
    case.fields.iv = Some(f64::NAN);
    assert_eq!(case.build().iv, None);
}

#[test]
fn candles_after_the_as_of_session_are_not_used() {
    let mut candles = wavy(300);
    let mut late = *candles.last().unwrap();
    late.time += 3 * DAY_MS;
    late.close *= 3.0;
    candles.push(late);
    let doc = Case::new(candles.clone()).build();
    candles.pop();
    let want = estimators::estimate(&candles, Estimator::CloseToClose, 10).unwrap();
    assert_eq!(doc.hv.value(Estimator::CloseToClose, 10), Some(want));
    assert_eq!(doc.history.sessions, 300);
    assert_eq!(doc.history.last, Some(d("2026-11-20")));
}
