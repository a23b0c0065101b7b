//! Who exists: the default watchlist inside the named universe, unknown tickers (typos, CSV
//! headers, made-up names, unlisted contract months) unknown on every market call, the scale
//! universe big enough for 20,000-symbol scans, contract symbols meaning exactly their contract,
//! and every name at its table level on the anchor date.

use super::date;
use volscreen_core::symbol::AssetClass;
use volscreen_sim::market::{scale_universe, Market, UNKNOWN_SYMBOLS};

/// The default watchlist as the file says it (no fallback: the file must be there).
fn default_watchlist_file() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../config/watchlists/default.csv"
    );
    let text = std::fs::read_to_string(path).expect("config/watchlists/default.csv");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split(',').next().unwrap_or("").trim().to_string())
        .filter(|s| !s.eq_ignore_ascii_case("symbol"))
        .collect()
}

#[test]
fn the_default_watchlist_is_inside_the_named_universe() {
    let list = default_watchlist_file();
    assert!(list.len() >= 500, "{} symbols", list.len());
    let named = Market::named_symbols();
    for as_of in ["2025-06-02", "2026-11-20"] {
        let m = Market::new(date(as_of));
        for s in &list {
            assert!(!m.is_unknown(s), "{as_of}: {s} unknown");
            if !s.starts_with('/') {
                assert!(named.contains(&s.as_str()), "{s} not in data/names.csv");
            }
        }
    }
}

#[test]
fn unknown_tickers_are_unknown_on_every_call() {
    let mut bad: Vec<&str> = UNKNOWN_SYMBOLS.to_vec();
    bad.extend([
        "XYZFOO",
        "APPL",
        "TICKER",
        "ticker",
        "Symbol",
        "GOOGLE",
        "MSFTT",
        "QWERTY",
        "T123X",
        "X",
        "YAA",
        "YAAAAA",
        "/ESF7",
        "/ESZ4",
        "/ESH29",
        "/GCH27",
        "/ESH27:XNYM",
    ]);
    for as_of in ["2025-06-02", "2026-03-20", "2026-11-20"] {
        let m = Market::new(date(as_of));
        for s in &bad {
            assert!(m.is_unknown(s), "{as_of}: {s:?}");
            assert!(m.asset_class(s).is_none(), "{s:?}");
            assert!(m.metrics(s).is_none(), "{s:?}");
            assert!(m.quote(s).is_none(), "{s:?}");
            assert!(m.candles(s).is_none(), "{s:?}");
            assert!(m.option_chain(s).is_none(), "{s:?}");
            assert!(m.iv_history(s).is_empty(), "{s:?}");
            assert!(m.profile(s).is_none(), "{s:?}");
            assert!(m.dividend(s).is_none(), "{s:?}");
            assert!(m
                .earnings_reports(s, date("2025-01-01"), date("2027-12-31"))
                .is_empty());
        }
        // Options on an unknown root: neither the OCC nor the streamer form quotes.
        for s in [
            "APPL  261218C00200000",
            ".APPL261218C200",
            "TICKER261218P50",
        ] {
            assert!(m.quote(s).is_none(), "{s}");
        }
    }
}

#[test]
fn the_scale_universe_supports_20000_symbol_scans() {
    let names = scale_universe(20_000);
    assert_eq!(names.len(), 20_000);
    assert_eq!(names[0], "YAAA");
    assert_eq!(
        names[names.len() - 1].len(),
        5,
        "continues with Y + four letters"
    );
    let m = Market::new(date("2026-11-20"));
    // Every name exists on this date (recent listings are all listed by 2026-10-30) and is an
    // equity; a sample gets full metrics.
    for (i, s) in names.iter().enumerate() {
        assert_eq!(m.asset_class(s), Some(AssetClass::Equity), "{s}");
        if i % 997 == 0 {
            let x = m.metrics(s).expect("metrics");
            assert!(x.iv_index > 0.05 && x.iv_index < 3.0, "{s}: {}", x.iv_index);
        }
    }
    // Mostly thin names: rated 1-2 or unrated, as a broad universe is.
    let sample: Vec<Option<u8>> = names
        .iter()
        .step_by(40)
        .map(|s| m.profile(s).and_then(|p| p.liquidity))
        .collect();
    let thin = sample.iter().filter(|r| r.unwrap_or(0) <= 2).count() as f64;
    assert!(
        thin / sample.len() as f64 > 0.6,
        "{thin} of {}",
        sample.len()
    );
    // Before its listing date a recent listing does not exist.
    let early = Market::new(date("2026-01-02"));
    let recent = names
        .iter()
        .take(2000)
        .filter(|s| early.is_unknown(s))
        .count();
    assert!((20..=100).contains(&recent), "{recent} not yet listed");
}

#[test]
fn contract_symbols_mean_exactly_their_listed_contract() {
    let m = Market::new(date("2026-11-20"));
    let listed = m.futures_contracts("ES");
    let symbols: Vec<&str> = listed.iter().map(|c| c.symbol.as_str()).collect();
    assert_eq!(symbols, ["/ESZ6", "/ESH7", "/ESM7", "/ESU7", "/ESZ7"]);
    for (form, want) in [
        ("/ESH27", "/ESH7"),
        ("/ESH7", "/ESH7"),
        ("/ESH27:XCME", "/ESH7"),
        ("/esz26", "/ESZ6"),
        ("/ESZ7", "/ESZ7"),
    ] {
        let x = m.metrics(form).unwrap_or_else(|| panic!("{form}"));
        assert_eq!(x.symbol, want, "{form}");
        let c = listed.iter().find(|c| c.symbol == want).expect("listed");
        assert_eq!(m.candles(form), m.candles(&c.streamer_symbol), "{form}");
        assert_eq!(
            m.quote(form).and_then(|q| q.last),
            m.candles(&c.streamer_symbol)
                .and_then(|k| k.last().map(|k| k.close))
        );
    }
    // A deferred contract is not the front month: it carries more basis.
    let (z6, h7) = (
        m.quote("/ESZ6").and_then(|q| q.last).expect("Z6"),
        m.quote("/ESH27").and_then(|q| q.last).expect("H7"),
    );
    assert!(h7 > z6, "{h7} vs {z6}");
    // Unlisted months, expired and too-far contracts are unknown, never the root.
    for s in [
        "/ESF7", "/ESG27", "/ESZ5", "/ESZ25", "/ESH28", "/CLF30", "/GCH27", "/6JF27",
    ] {
        assert!(m.is_unknown(s), "{s}");
    }
    // Every listed contract of every product resolves to itself.
    for p in m.futures_products() {
        for c in m.futures_contracts(&p.code) {
            let x = m
                .metrics(&c.symbol)
                .unwrap_or_else(|| panic!("{}", c.symbol));
            assert_eq!(x.symbol, c.symbol);
            assert!(
                m.candles(&c.streamer_symbol).is_some(),
                "{}",
                c.streamer_symbol
            );
        }
    }
    // After its expiry a contract is gone.
    assert!(Market::new(date("2026-12-21")).is_unknown("/ESZ6"));
    assert!(!Market::new(date("2026-12-18")).is_unknown("/ESZ6"));
}

#[test]
fn every_name_sits_at_its_table_level_on_the_anchor_date() {
    let anchor = date("2026-01-02");
    let m = Market::new(anchor);
    let level = |s: &str| m.quote(s).and_then(|q| q.last).unwrap_or(f64::NAN);
    for (s, want) in [
        ("SPX", 6850.0),
        ("NDX", 25_300.0),
        ("AAPL", 272.0),
        ("MCD", 305.0),
        ("PEP", 143.0),
        ("CVX", 150.0),
        ("IBM", 300.0),
        ("VNQ", 89.0),
        ("XLU", 43.0),
        ("TLT", 88.16),
        ("GLD", 398.9),
        ("TQQQ", 53.0),
        ("BRK/B", 500.0),
    ] {
        assert!(
            (level(s) / want - 1.0).abs() < 0.001,
            "{s}: {} vs {want}",
            level(s)
        );
    }
    // The spot of gold is 4,350: the active /GC contract sits a little above it (carry).
    let gc = level("/GC");
    assert!(gc > 4350.0 && gc < 4350.0 * 1.02, "/GC {gc}");
    let jpy = level("/6J");
    assert!((0.0055..0.0075).contains(&jpy), "/6J {jpy}");
    // The yen ticks in half-millionths of a dollar, not cents.
    let q = m.quote("/6J").expect("/6J");
    let (b, a) = (q.bid.expect("bid"), q.ask.expect("ask"));
    assert!(a - b < 0.00001 && a > b, "{b} / {a}");
    let on_tick = |x: f64| ((x / 0.0000005).round() * 0.0000005 - x).abs() < 1e-12;
    assert!(on_tick(jpy) && on_tick(b) && on_tick(a));
}
