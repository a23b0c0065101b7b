//! Tests of the estimators: an independent implementation's values, vectors worked out by hand,
//! the unknown cases with their reasons, and properties over generated histories.

use super::*;
use proptest::prelude::*;

const DAY_MS: i64 = 86_400_000;

fn session(day: i64, o: f64, h: f64, l: f64, c: f64) -> Candle {
    Candle {
        time: 1_700_006_400_000 + day * DAY_MS,
        open: o,
        high: h,
        low: l,
        close: c,
        volume: 1000.0,
    }
}

fn history(rows: &[(f64, f64, f64, f64)]) -> Vec<Candle> {
    rows.iter()
        .enumerate()
        .map(|(i, &(o, h, l, c))| session(i as i64, o, h, l, c))
        .collect()
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()) + 1e-12
}

/// `SESSIONS` of `scripts/estimator-vectors.py` (30 sessions, oldest first: open, high, low, close).
const SESSIONS: [(f64, f64, f64, f64); 30] = [
    (185.78, 186.75, 185.16, 186.39),
    (187.47, 188.00, 185.12, 187.64),
    (187.08, 188.89, 183.12, 183.80),
    (184.53, 188.23, 182.15, 186.74),
    (188.68, 192.27, 187.77, 190.45),
    (189.85, 192.32, 189.63, 192.18),
    (194.57, 197.44, 194.54, 196.84),
    (199.71, 200.83, 198.21, 199.16),
    (199.84, 202.28, 199.26, 201.67),
    (201.54, 202.78, 198.42, 200.68),
    (199.67, 202.71, 198.77, 201.38),
    (201.16, 202.18, 197.55, 201.63),
    (203.40, 204.24, 201.72, 202.78),
    (202.11, 202.89, 197.55, 198.21),
    (197.28, 200.41, 195.77, 199.80),
    (202.01, 204.50, 201.28, 202.94),
    (203.16, 208.04, 201.59, 206.14),
    (207.39, 210.60, 205.38, 209.61),
    (210.60, 212.33, 208.87, 211.15),
    (212.48, 213.85, 211.31, 213.54),
    (210.36, 215.17, 209.92, 211.47),
    (212.90, 219.51, 212.17, 218.86),
    (218.83, 220.04, 212.13, 212.18),
    (212.33, 212.34, 209.46, 209.65),
    (211.35, 217.78, 210.81, 212.38),
    (212.10, 213.25, 209.76, 212.09),
    (212.99, 213.22, 207.55, 209.32),
    (207.58, 208.44, 204.10, 208.16),
    (208.75, 209.51, 204.84, 207.68),
    (207.15, 216.43, 206.94, 214.12),
];

/// Printed by `python3 scripts/estimator-vectors.py` (Python 3.11.7, standard library only: an
/// independent implementation sharing no code with this crate), first block, pasted unchanged.
/// Windows 29 and 30 are the edge of the 30-session history: close-to-close and Yang–Zhang need
/// n + 1 sessions (29 is their longest), the others n (30); 31 is too long for every estimator.
const PYTHON: [(Estimator, usize, Option<f64>); 30] = [
    (Estimator::CloseToClose, 2, Some(0.36870389087716415)),
    (Estimator::Parkinson, 2, Some(0.33831739690636276)),
    (Estimator::GarmanKlass, 2, Some(0.32261808597144914)),
    (Estimator::RogersSatchell, 2, Some(0.31691105736777025)),
    (Estimator::YangZhang, 2, Some(0.3326375887982666)),
    (Estimator::CloseToClose, 10, Some(0.3214172837583658)),
    (Estimator::Parkinson, 10, Some(0.2748557156554031)),
    (Estimator::GarmanKlass, 10, Some(0.2683876432252495)),
    (Estimator::RogersSatchell, 10, Some(0.28060162134062816)),
    (Estimator::YangZhang, 10, Some(0.3049732470061541)),
    (Estimator::CloseToClose, 20, Some(0.2589701092292818)),
    (Estimator::Parkinson, 20, Some(0.24244674070582253)),
    (Estimator::GarmanKlass, 20, Some(0.24543941023842755)),
    (Estimator::RogersSatchell, 20, Some(0.2534530334786092)),
    (Estimator::YangZhang, 20, Some(0.2710913508585784)),
    (Estimator::CloseToClose, 29, Some(0.2453502099984624)),
    (Estimator::Parkinson, 29, Some(0.23125013279809223)),
    (Estimator::GarmanKlass, 29, Some(0.23736734739974455)),
    (Estimator::RogersSatchell, 29, Some(0.2432869162020625)),
    (Estimator::YangZhang, 29, Some(0.2611808550904764)),
    (Estimator::CloseToClose, 30, None),
    (Estimator::Parkinson, 30, Some(0.22784988871935635)),
    (Estimator::GarmanKlass, 30, Some(0.23396014047370123)),
    (Estimator::RogersSatchell, 30, Some(0.23976216667756234)),
    (Estimator::YangZhang, 30, None),
    (Estimator::CloseToClose, 31, None),
    (Estimator::Parkinson, 31, None),
    (Estimator::GarmanKlass, 31, None),
    (Estimator::RogersSatchell, 31, None),
    (Estimator::YangZhang, 31, None),
];

#[test]
fn python_vectors_agree_to_1e_9() {
    let candles = history(&SESSIONS);
    let windows = [2, 10, 20, 29, 30, 31];
    let t = table(&candles, &windows);
    // The same history newest first with a repeated session, as a DXLink snapshot may arrive.
    let mut shuffled = candles.clone();
    shuffled.reverse();
    shuffled.insert(7, shuffled[3]);
    let t2 = table(&shuffled, &windows);
    for (e, n, want) in PYTHON {
        let got = estimate(&candles, e, n);
        match want {
            Some(w) => {
                let v = got.clone().unwrap_or(f64::NAN);
                assert!(close(v, w, 1e-9), "{e} {n}: {got:?} vs python {w}");
            }
            None => assert!(
                matches!(got, Err(EstimatorError::ShortHistory { .. })),
                "{e} {n}: {got:?}"
            ),
        }
        assert_eq!(t.get(e, n), Some(&got), "{e} {n}");
        assert_eq!(t2.get(e, n), Some(&got), "{e} {n} (unsorted input)");
    }
}

/// The by-hand dataset (also printed by the script's second block, which agrees). ℓ = ln 2.
///
/// | session | O | H | L | C | ln H/L | ln C/O | ln H/C | ln H/O | ln L/C | ln L/O | ln O/Cprev |
/// |---|---|---|---|---|---|---|---|---|---|---|---|
/// | 0 (C₀) | 100 | 100 | 100 | 100 | | | | | | | |
/// | 1 | 100 | 200 | 100 | 200 | ℓ | ℓ | 0 | ℓ | −ℓ | 0 | 0 |
/// | 2 | 400 | 800 | 100 | 400 | 3ℓ | 0 | ℓ | ℓ | −2ℓ | −2ℓ | ℓ |
/// | 3 | 400 | 400 | 200 | 200 | ℓ | −ℓ | ℓ | 0 | 0 | −ℓ | 0 |
const HAND: [(f64, f64, f64, f64); 4] = [
    (100.0, 100.0, 100.0, 100.0),
    (100.0, 200.0, 100.0, 200.0),
    (400.0, 800.0, 100.0, 400.0),
    (400.0, 400.0, 200.0, 200.0),
];

fn hand(e: Estimator) -> f64 {
    estimate(&history(&HAND), e, 3).unwrap_or(f64::NAN)
}

/// Closes 100, 200, 400, 200: returns ℓ, ℓ, −ℓ, mean ℓ/3, deviations 2ℓ/3, 2ℓ/3, −4ℓ/3,
/// squares (4 + 4 + 16)/9 ℓ² = 8/3 ℓ², sample variance (8/3)/2 ℓ² = 4/3 ℓ²;
/// σ = ℓ·√(252·4/3) = ℓ·√336 = 0.693147181 × 18.330302780 = 12.705597691.
#[test]
fn close_to_close_by_hand() {
    let v = hand(Estimator::CloseToClose);
    assert!(close(v, LN_2 * 336f64.sqrt(), 1e-12), "{v}");
    assert!((v - 12.705597691).abs() < 1e-8, "{v}");
}

/// Σ ln(H/L)² = (1 + 9 + 1) ℓ² = 11 ℓ²; σ² = 11ℓ² / (4·3·ℓ) = 11ℓ/12;
/// σ = √(252·11ℓ/12) = √(231 ℓ) = √160.117 = 12.653734576.
#[test]
fn parkinson_by_hand() {
    let v = hand(Estimator::Parkinson);
    assert!(close(v, (231.0 * LN_2).sqrt(), 1e-12), "{v}");
    assert!((v - 12.653734576).abs() < 1e-8, "{v}");
}

/// Terms ½ ln(H/L)² − (2ℓ − 1) ln(C/O)²: session 1: ½ℓ² − (2ℓ−1)ℓ², session 2: 9/2 ℓ² − 0,
/// session 3: ½ℓ² − (2ℓ−1)ℓ²; sum (11/2 − 2(2ℓ − 1)) ℓ² = (7.5 − 4ℓ) ℓ²; mean (2.5 − 4ℓ/3) ℓ²;
/// σ = ℓ·√(252·(2.5 − 4ℓ/3)) = ℓ·√(630 − 336ℓ) = ℓ·√397.10305 = 13.812643328.
#[test]
fn garman_klass_by_hand() {
    let v = hand(Estimator::GarmanKlass);
    assert!(close(v, LN_2 * (630.0 - 336.0 * LN_2).sqrt(), 1e-12), "{v}");
    assert!((v - 13.812643328).abs() < 1e-8, "{v}");
}

/// Terms ln(H/C)·ln(H/O) + ln(L/C)·ln(L/O): session 1: 0·ℓ + (−ℓ)·0 = 0; session 2:
/// ℓ·ℓ + (−2ℓ)(−2ℓ) = 5ℓ²; session 3: ℓ·0 + 0·(−ℓ) = 0; mean 5/3 ℓ²;
/// σ = ℓ·√(252·5/3) = ℓ·√420 = 14.205290066.
#[test]
fn rogers_satchell_by_hand() {
    let v = hand(Estimator::RogersSatchell);
    assert!(close(v, LN_2 * 420f64.sqrt(), 1e-12), "{v}");
    assert!((v - 14.205290066).abs() < 1e-8, "{v}");
}

/// Overnight ln(O/Cprev) = 0, ℓ, 0: mean ℓ/3, squares (1 + 4 + 1)/9 ℓ², σ²_o = (2/3)/2 ℓ² = ℓ²/3.
/// Open-to-close ln(C/O) = ℓ, 0, −ℓ: mean 0, σ²_c = 2ℓ²/2 = ℓ². σ²_RS = 5/3 ℓ² (above).
/// n = 3: k = 0.34 / (1.34 + 4/2) = 0.34/3.34 = 17/167.
/// σ² = ℓ²/3 + k ℓ² + (1 − k)·5/3 ℓ² = (2 − 2k/3) ℓ² = (2 − 34/501) ℓ² = 968/501 ℓ²;
/// σ = ℓ·√(252·968/501) = ℓ·√(81312/167) = ℓ·√486.8982 = 15.294826229.
#[test]
fn yang_zhang_by_hand() {
    let v = hand(Estimator::YangZhang);
    assert!(close(v, LN_2 * (81312.0f64 / 167.0).sqrt(), 1e-12), "{v}");
    assert!((v - 15.294826229).abs() < 1e-8, "{v}");
}

#[test]
fn close_to_close_is_the_screens_hv() {
    let candles = history(&SESSIONS);
    for n in [2, 10, 20, 29] {
        let screen = hv::hv(&hv::closes(&candles), n);
        assert_eq!(
            estimate(&candles, Estimator::CloseToClose, n).ok(),
            screen.ok()
        );
    }
}

#[test]
fn short_history_and_bad_window_are_unknown_with_a_reason() {
    let c = history(&SESSIONS[..12]);
    let e = estimate(&c, Estimator::YangZhang, 20).unwrap_err();
    assert_eq!(
        e.to_string(),
        "yang_zhang over 20 sessions needs 21 sessions, have 12"
    );
    let e = estimate(&c, Estimator::Parkinson, 12);
    assert!(e.is_ok(), "{e:?}");
    assert_eq!(
        estimate(&c, Estimator::CloseToClose, 12).unwrap_err(),
        EstimatorError::ShortHistory {
            estimator: Estimator::CloseToClose,
            window: 12,
            needed: 13,
            have: 12
        }
    );
    for w in [0, 1] {
        let e = estimate(&c, Estimator::GarmanKlass, w).unwrap_err();
        assert!(matches!(e, EstimatorError::BadWindow { window, .. } if window == w));
    }
    assert!(table(&[], &DETAIL_WINDOWS)
        .iter()
        .all(|(_, _, r)| r.is_err()));
}

#[test]
fn a_broken_session_makes_the_windows_holding_it_unknown() {
    let broken = [
        ((185.0, 184.0, 185.5, 184.5), "high 184 is below low 185.5"),
        (
            (185.0, 184.9, 184.0, 184.5),
            "high 184.9 is below max(open, close) 185",
        ),
        (
            (185.0, 186.0, 184.8, 184.5),
            "low 184.8 is above min(open, close) 184.5",
        ),
        (
            (f64::NAN, 186.0, 184.0, 184.5),
            "open NaN is not a finite price > 0",
        ),
        (
            (185.0, 186.0, 0.0, 184.5),
            "low 0 is not a finite price > 0",
        ),
        (
            (185.0, f64::INFINITY, 184.0, 184.5),
            "high inf is not a finite price > 0",
        ),
    ];
    for (row, why) in broken {
        let mut rows = SESSIONS;
        rows[24] = row; // the 6th newest session
        let c = history(&rows);
        let date = Date::from_epoch_ms(c[24].time);
        for e in [
            Estimator::Parkinson,
            Estimator::GarmanKlass,
            Estimator::RogersSatchell,
            Estimator::YangZhang,
        ] {
            let err = estimate(&c, e, 6).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("{e} over 6 sessions: the session of {date}: {why}")
            );
            // Windows after it are known.
            assert!(estimate(&c, e, 5).is_ok(), "{e}");
        }
        // Close-to-close reads closes only: a broken high or low does not touch it.
        let c2c = estimate(&c, Estimator::CloseToClose, 10);
        assert_eq!(c2c.is_ok(), row.3 > 0.0, "{why}: {c2c:?}");
    }
    // A bad close: close-to-close over windows holding it (or starting from it) is unknown.
    let mut rows = SESSIONS;
    rows[24].3 = -1.0;
    let c = history(&rows);
    assert!(matches!(
        estimate(&c, Estimator::CloseToClose, 5),
        Err(EstimatorError::BadSession {
            fault: SessionFault::NotPositive { field: "close", .. },
            ..
        })
    ));
    assert!(estimate(&c, Estimator::CloseToClose, 4).is_ok());
    // Yang–Zhang reads C₀, the close before the window: the session before only needs its close.
    let mut rows = SESSIONS;
    rows[24].1 = 1.0; // a broken high in the session before the last 5
    let c = history(&rows);
    assert!(estimate(&c, Estimator::YangZhang, 5).is_ok());
    rows[24].3 = f64::NAN;
    let c = history(&rows);
    let e = estimate(&c, Estimator::YangZhang, 5).unwrap_err();
    assert!(e.to_string().contains("close NaN"), "{e}");
}

#[test]
fn constant_prices_give_zero_not_unknown_and_never_negative_zero() {
    let rows = [(50.0, 50.0, 50.0, 50.0); 12];
    let t = table(&history(&rows), &[10]);
    for (e, _, r) in t.iter() {
        let v = r.clone().unwrap_or(f64::NAN);
        assert!(v == 0.0 && v.is_sign_positive(), "{e}: {r:?}");
    }
    // An up day from low to high: Rogers–Satchell's products are 0·x and x·0 (−0.0 in IEEE).
    let rows = [(50.0, 51.0, 50.0, 51.0), (51.0, 52.0, 51.0, 52.0)];
    let v = estimate(&history(&rows), Estimator::RogersSatchell, 2);
    assert!(
        matches!(v, Ok(x) if x == 0.0 && x.is_sign_positive()),
        "{v:?}"
    );
}

#[test]
fn prices_too_far_apart_are_degenerate_never_nan() {
    let rows = [
        (1e-300, 1e300, 1e-300, 1e300),
        (1e300, 1e300, 1e-300, 1e-300),
        (1e-300, 1e300, 1e-300, 1e300),
    ];
    let t = table(&history(&rows), &[2]);
    for (e, _, r) in t.iter() {
        assert!(
            matches!(r, Err(EstimatorError::Degenerate { .. })),
            "{e}: {r:?}"
        );
    }
}

#[test]
fn names_are_stable_and_the_table_serialises_as_detail_wants() {
    let names: Vec<&str> = Estimator::ALL.iter().map(|e| e.name()).collect();
    assert_eq!(
        names,
        [
            "close_to_close",
            "parkinson",
            "garman_klass",
            "rogers_satchell",
            "yang_zhang"
        ]
    );
    for e in Estimator::ALL {
        assert_eq!(Estimator::from_name(e.name()), Some(e));
        assert_eq!(serde_json::to_value(e).ok(), Some(e.name().into()));
    }
    assert_eq!(Estimator::from_name("yz"), None);
    let t = table(&history(&SESSIONS), &[10, 30]);
    let json = serde_json::to_string(&t).unwrap_or_default();
    let want = format!(
        concat!(
            r#"{{"close_to_close":{{"10":{},"30":null}},"parkinson":{{"10":{},"30":{}}},"#,
            r#""garman_klass":{{"10":{},"30":{}}},"rogers_satchell":{{"10":{},"30":{}}},"#,
            r#""yang_zhang":{{"10":{},"30":null}}}}"#
        ),
        serde_json::json!(t.value(Estimator::CloseToClose, 10)),
        serde_json::json!(t.value(Estimator::Parkinson, 10)),
        serde_json::json!(t.value(Estimator::Parkinson, 30)),
        serde_json::json!(t.value(Estimator::GarmanKlass, 10)),
        serde_json::json!(t.value(Estimator::GarmanKlass, 30)),
        serde_json::json!(t.value(Estimator::RogersSatchell, 10)),
        serde_json::json!(t.value(Estimator::RogersSatchell, 30)),
        serde_json::json!(t.value(Estimator::YangZhang, 10)),
    );
    assert_eq!(json, want);
    assert!(t.value(Estimator::Parkinson, 10).is_some());
    assert_eq!(
        t.get(Estimator::Parkinson, 20),
        None,
        "20 is not a window of this table"
    );
}

/// A well-formed history: from 100, each session gaps, moves and ranges by the generated logs.
fn valid_history() -> impl Strategy<Value = Vec<Candle>> {
    prop::collection::vec(
        (-0.05f64..0.05, -0.08f64..0.08, 0.0f64..0.04, 0.0f64..0.04),
        3..70,
    )
    .prop_map(|steps| {
        let mut prev = 100.0f64;
        let mut out = Vec::with_capacity(steps.len());
        for (i, (gap, body, up, down)) in steps.into_iter().enumerate() {
            let o = prev * gap.exp();
            let c = o * body.exp();
            let h = o.max(c) * up.exp();
            let l = o.min(c) * (-down).exp();
            out.push(session(i as i64, o, h, l, c));
            prev = c;
        }
        out
    })
}

/// Any price at all, including the broken ones.
fn any_price() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => 1.0f64..500.0,
        1 => prop::sample::select(vec![
            0.0, -0.0, -1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e300, 1e-300, 5e-324,
        ]),
        1 => any::<f64>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// On well-formed sessions every estimator is known, finite and ≥ 0 wherever the history is
    /// long enough, and unknown (short history) beyond it.
    #[test]
    fn well_formed_histories_give_finite_non_negative_values(c in valid_history()) {
        let s = Sessions::new(&c);
        for e in Estimator::ALL {
            for n in 2..=c.len() + 1 {
                match s.estimate(e, n) {
                    Ok(v) => prop_assert!(v.is_finite() && v >= 0.0 && v.is_sign_positive()),
                    Err(err) => {
                        prop_assert!(e.sessions_needed(n) > c.len(), "{}", err);
                        let short = matches!(err, EstimatorError::ShortHistory { .. });
                        prop_assert!(short);
                    }
                }
            }
        }
    }

    /// Multiplying every price by a constant leaves every estimator unchanged.
    #[test]
    fn scale_invariant(c in valid_history(), k in prop_oneof![1e-3f64..1e-1, 0.5f64..2.0, 10.0f64..1e4]) {
        let scaled: Vec<Candle> = c
            .iter()
            .map(|x| Candle { open: x.open * k, high: x.high * k, low: x.low * k, close: x.close * k, ..*x })
            .collect();
        let (a, b) = (table(&c, &[2, 5, 20]), table(&scaled, &[2, 5, 20]));
        for ((e, n, x), (_, _, y)) in a.iter().zip(b.iter()) {
            match (x, y) {
                (Ok(x), Ok(y)) => prop_assert!(close(*x, *y, 1e-9), "{} {}: {} vs {}", e, n, x, y),
                (Err(_), Err(_)) => {}
                _ => prop_assert!(false, "{} {}: {:?} vs {:?}", e, n, x, y),
            }
        }
    }

    /// With no intraday range (O = H = L = C every session) the range terms vanish: Parkinson,
    /// Garman–Klass and Rogers–Satchell are 0 and Yang–Zhang is exactly close-to-close (its
    /// overnight returns are the close-to-close returns; σ²_c = σ²_RS = 0).
    #[test]
    fn no_range_means_zero_range_estimators_and_yang_zhang_equals_close_to_close(
        closes in prop::collection::vec(20.0f64..300.0, 4..40)
    ) {
        let c: Vec<Candle> = closes.iter().enumerate().map(|(i, &p)| session(i as i64, p, p, p, p)).collect();
        let n = closes.len() - 1;
        for e in [Estimator::Parkinson, Estimator::GarmanKlass, Estimator::RogersSatchell] {
            prop_assert_eq!(estimate(&c, e, n), Ok(0.0));
        }
        let yz = estimate(&c, Estimator::YangZhang, n);
        let cc = estimate(&c, Estimator::CloseToClose, n);
        prop_assert!(matches!((yz.clone(), cc.clone()), (Ok(a), Ok(b)) if close(a, b, 1e-12)), "{:?} {:?}", yz, cc);
    }

    /// Whatever arrives (NaN, infinities, zeros, negative or huge prices, repeated or unordered
    /// times), every value is unknown with a reason or a finite number ≥ 0: never NaN.
    #[test]
    fn any_input_gives_a_number_or_a_reason_never_nan(
        rows in prop::collection::vec((0i64..40, any_price(), any_price(), any_price(), any_price()), 0..40)
    ) {
        let c: Vec<Candle> = rows.iter().map(|&(d, o, h, l, cl)| session(d, o, h, l, cl)).collect();
        let t = table(&c, &[2, 3, 10, 30]);
        for (e, n, r) in t.iter() {
            if let Ok(v) = r {
                prop_assert!(v.is_finite() && *v >= 0.0 && v.is_sign_positive(), "{} {}: {}", e, n, v);
            }
        }
    }
}
