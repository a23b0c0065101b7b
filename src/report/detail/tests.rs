//! Unit tests of the text view: what each section shows, the cone's drawing on its shared scale,
//! unknowns as `—`, colour only when asked, and the width respected.

use super::*;
use crate::date::Date;
use crate::detail::{DetailMeta, FilterLine, History, HvTable};
use crate::model::{RequestStats, Signal, SourceKind, Timings, Warning};
use crate::vol::estimators::DETAIL_WINDOWS;
use crate::vol::term::TermPoint;

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

fn row(window: usize, v: [f64; 6]) -> ConeEntry {
    ConeEntry {
        window,
        current: Some(v[0]),
        min: Some(v[1]),
        p25: Some(v[2]),
        median: Some(v[3]),
        p75: Some(v[4]),
        max: Some(v[5]),
        samples: Some(252),
    }
}

fn sample() -> Detail {
    let mut cone: Vec<ConeEntry> = DETAIL_WINDOWS
        .iter()
        .map(|&w| row(w, [0.5, 0.2, 0.3, 0.4, 0.6, 0.8]))
        .collect();
    cone[6] = ConeEntry {
        window: 252,
        current: None,
        min: None,
        p25: None,
        median: None,
        p75: None,
        max: None,
        samples: None,
    };
    Detail {
        meta: DetailMeta {
            tool: "volscreen".into(),
            version: "0".into(),
            source: SourceKind::Demo,
            profile: "balanced".into(),
            scanned_at: "2026-11-20T21:00:00.000Z".into(),
            as_of: d("2026-11-20"),
            candle_history_days: 800,
            timings: Timings {
                total_ms: 1.0,
                stages: Vec::new(),
                requests: RequestStats::default(),
            },
        },
        symbol: "TSLA".into(),
        asset_class: Some(AssetClass::Equity),
        price: Some(487.37),
        iv: Some(0.7856),
        iv_rank: Some(0.7121),
        iv_percentile: Some(0.7012),
        liquidity_rating: Some(5),
        hv: HvTable {
            windows: DETAIL_WINDOWS.to_vec(),
            rows: Estimator::ALL
                .iter()
                .map(|&e| {
                    let mut v = vec![Some(0.25); 7];
                    if e == Estimator::YangZhang {
                        v[6] = None;
                    }
                    (e, v)
                })
                .collect(),
        },
        history: History {
            sessions: 552,
            first: Some(d("2024-09-11")),
            last: Some(d("2026-11-20")),
            truncated: false,
        },
        cone,
        term_structure: vec![
            TermPoint {
                expiration: d("2026-12-18"),
                dte: 28,
                iv: 0.40,
            },
            TermPoint {
                expiration: d("2027-01-15"),
                dte: 56,
                iv: 0.80,
            },
        ],
        term_slope: Some(5.214),
        term_shape: Some(TermShape::Contango),
        vrp_structural: Some(1.7),
        vrp_tactical: Some(1.3),
        iv_hv_spread: Some(0.18),
        vtr: Some(1.3),
        expiration: Some(d("2027-01-15")),
        dte: Some(56),
        atm_strike: Some(487.5),
        straddle_mid: Some(119.875),
        expected_move: Some(0.246),
        expected_move_price: Some(119.875),
        expected_move_method: Some(MoveMethod::Straddle),
        slippage: Some(0.0057),
        earnings_date: Some(d("2027-01-22")),
        days_to_earnings: Some(63),
        earnings_before_expiration: Some(false),
        score: Some(68.1),
        signal: Some(Signal::Expanding),
        verdict: DetailVerdict::Candidate,
        filters: vec![
            FilterLine {
                name: "vrp_structural".into(),
                outcome: Outcome::Pass,
                detail: "vrp_structural 1.70 > 1.10".into(),
            },
            FilterLine {
                name: "iv_percentile".into(),
                outcome: Outcome::Fail,
                detail: "iv_percentile 0.12 < 0.50".into(),
            },
            FilterLine {
                name: "price".into(),
                outcome: Outcome::NotApplicable,
                detail: "price n/a (futures are exempt)".into(),
            },
            FilterLine {
                name: "slippage".into(),
                outcome: Outcome::Unknown,
                detail: "slippage unknown (no quotes)".into(),
            },
        ],
        notes: vec!["yang_zhang over 252 sessions needs 253 sessions, have 252".into()],
        warnings: vec![Warning::number(
            "hv.parkinson.10",
            0.0,
            "hv.parkinson.10 of exactly 0 means constant closes: stale or broken data",
        )],
    }
}

fn plain(d: &Detail) -> String {
    render(
        d,
        &Options {
            color: false,
            width: None,
        },
    )
}

#[test]
fn every_section_is_there() {
    let text = plain(&sample());
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "TSLA · equity · price 487.37 · IV 78.6% · IVR 71.2% · IVP 70.1% · liquidity 5"
    );
    assert_eq!(
        lines[1],
        "demo · as of 2026-11-20 · profile balanced · candidate · score 68.1 · EXPANDING"
    );
    assert!(text.contains("552 sessions, 2024-09-11 → 2026-11-20"));
    let header = lines
        .iter()
        .find(|l| l.contains("10d") && l.contains("252d"))
        .unwrap();
    assert_eq!(header.split_whitespace().count(), 7);
    let yz = lines.iter().find(|l| l.starts_with("Yang–Zhang")).unwrap();
    assert_eq!(
        yz.split_whitespace().collect::<Vec<_>>()[1..],
        ["25.0%", "25.0%", "25.0%", "25.0%", "25.0%", "25.0%", "—"]
    );
    assert!(text
        .contains("IV term structure (slope +5.214 per year, contango; bars from 30.0% to 80.0%)"));
    // 40 % is a fifth of the way from 30 % to 80 %: 6 of 30 cells.
    let near = lines.iter().find(|l| l.contains("2026-12-18")).unwrap();
    assert!(
        near.contains(" ██████ ") && !near.contains("███████"),
        "{near}"
    );
    let chosen = lines
        .iter()
        .find(|l| l.contains("2027-01-15") && l.contains("56d"))
        .unwrap();
    assert!(chosen.ends_with("◀ chosen"), "{chosen}");
    assert!(text.contains(
        "expiration 2027-01-15 (56 DTE) · ATM strike 487.50 · straddle mid 119.88 · slippage 0.6%"
    ));
    assert!(
        text.contains("expected move ±24.6% = ±119.88 (ATM straddle / price)"),
        "{text}"
    );
    assert!(text.contains("earnings 2027-01-22 (in 63 days) · after the expiration"));
    for (mark, name) in [
        ("✓", "vrp_structural"),
        ("✗", "iv_percentile"),
        ("n/a", "price"),
        ("?", "slippage"),
    ] {
        let line = lines
            .iter()
            .find(|l| l.trim_start().starts_with(mark) && l.contains(name))
            .unwrap_or_else(|| panic!("{mark} {name}:\n{text}"));
        assert!(line.contains(name));
    }
    assert!(
        text.contains("  ! hv.parkinson.10=0.0 (hv.parkinson.10 of exactly 0"),
        "{text}"
    );
    assert!(text.contains("  - yang_zhang over 252 sessions needs 253"));
    assert!(!text.contains('\x1b'), "no colour unless asked");
}

#[test]
fn the_cone_is_drawn_on_one_scale() {
    let doc = sample();
    let text = plain(&doc);
    let line = |w: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{w:>5}  ")))
            .unwrap_or_else(|| panic!("no cone row {w}:\n{text}"))
            .to_string()
    };
    let r10 = line("10d");
    for c in [MIN_CAP, WHISKER, BOX, MEDIAN, CURRENT, MAX_CAP] {
        assert!(r10.contains(c), "{c} in {r10}");
    }
    assert!(
        r10.ends_with("50.0%   20.0%   30.0%   40.0%   60.0%   80.0%     252"),
        "{r10}"
    );
    // Unknown window: said so, numbers as —.
    let r252 = line("252d");
    assert!(
        r252.contains("unknown (see notes)") && r252.contains('—'),
        "{r252}"
    );
    // The drawing: 20 % .. 80 % on 12 cells (index = round((x − 0.2) / 0.6 × 11)).
    // min 0 · p25 2 · median 4 · current 6 · p75 7 · max 11 (0.52: clear of rounding ties).
    let r = row(10, [0.52, 0.2, 0.3, 0.4, 0.6, 0.8]);
    assert_eq!(cone_bar(&r, 0.2, 0.8, 12).unwrap(), "▕─██┃█●█───▏");
    // A row narrower than the scale sits inside it.
    let narrow = row(20, [0.45, 0.4, 0.45, 0.51, 0.58, 0.7]);
    assert_eq!(cone_bar(&narrow, 0.2, 0.8, 12).unwrap(), "    ▕●┃█─▏  ");
    // Degenerate inputs never panic.
    let flat = row(30, [0.3; 6]);
    assert_eq!(cone_bar(&flat, 0.3, 0.3, 12).unwrap().chars().count(), 12);
    assert_eq!(cone_bar(&flat, 0.2, 0.8, 0), Some(String::new()));
    let mut unknown = flat.clone();
    unknown.max = None;
    assert_eq!(cone_bar(&unknown, 0.2, 0.8, 12), None);
}

#[test]
fn colour_only_when_asked_and_the_width_is_kept() {
    let doc = sample();
    let coloured = render(
        &doc,
        &Options {
            color: true,
            width: Some(120),
        },
    );
    assert!(coloured.contains("\x1b[1mTSLA\x1b[0m"));
    assert!(coloured.contains("\x1b[32mcandidate\x1b[0m"));
    assert!(coloured.contains("\x1b[31m✗"));
    for width in [80u16, 100, 120] {
        let text = render(
            &doc,
            &Options {
                color: false,
                width: Some(width),
            },
        );
        for l in text.lines().filter(|l| l.contains(MIN_CAP)) {
            assert!(l.chars().count() <= usize::from(width), "{width}: {l}");
        }
    }
}

#[test]
fn unknowns_print_as_a_dash() {
    let mut doc = sample();
    doc.price = None;
    doc.iv_rank = None;
    doc.term_structure.clear();
    doc.term_slope = None;
    doc.term_shape = None;
    doc.expiration = None;
    doc.dte = None;
    doc.expected_move = None;
    doc.expected_move_price = None;
    doc.expected_move_method = None;
    doc.earnings_date = None;
    doc.asset_class = Some(AssetClass::Etf);
    doc.score = None;
    doc.signal = None;
    doc.cone.iter_mut().for_each(|c| {
        c.min = None;
        c.max = None;
    });
    let text = plain(&doc);
    assert!(
        text.starts_with("TSLA · etf · price — · IV 78.6% · IVR — ·"),
        "{text}"
    );
    assert!(text.contains("· score — · —"));
    assert!(text.contains("IV term structure (slope —, —)\n  no per-expiration IVs"));
    assert!(text.contains("expiration — ·"));
    assert!(text.contains("expected move —"));
    assert!(text.contains("earnings none (an etf has no earnings)"));
    assert!(text.contains("HV cone") && text.contains("  unknown (see notes)"));
}

#[test]
fn eighths_of_a_block() {
    assert_eq!(eighths(1.0, 3), "███");
    assert_eq!(eighths(0.5, 3), "█▌");
    assert_eq!(eighths(0.0, 3), "");
    assert_eq!(eighths(f64::NAN, 3), "");
    assert_eq!(eighths(2.0, 2), "██");
}
