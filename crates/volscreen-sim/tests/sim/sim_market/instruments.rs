//! Option chains (monthlies, weeklies, strikes around the price, OCC and streamer symbols), option
//! quotes priced consistently (put-call parity, straddle), underlying quotes, and futures products,
//! contracts and futures option chains.

use super::{check_ohlc, date, AS_OF};
use volscreen_core::date::Date;
use volscreen_core::symbol::AssetClass;
use volscreen_sim::calendar;
use volscreen_sim::market::{scale_universe, Market};

/// A scale-universe name rated 3 or better priced between $20 and $200: an ordinary mid-cap.
fn ordinary_scale_name(m: &Market) -> String {
    scale_universe(200)
        .into_iter()
        .find(|s| {
            let rated = m.metrics(s).and_then(|x| x.liquidity_rating).unwrap_or(0) >= 3;
            let price = m.quote(s).and_then(|q| q.last).unwrap_or(0.0);
            rated && (20.0..200.0).contains(&price)
        })
        .expect("a rated mid-priced scale name")
}

#[test]
fn option_chains_have_monthlies_weeklies_and_strikes_around_the_price() {
    let m = Market::new(date(AS_OF));
    let scale = ordinary_scale_name(&m);
    for s in [
        "AAPL", "SPY", "SPX", "TSLA", "KO", "IWM", "XLF", &scale, "BRK/B",
    ] {
        let chain = m.option_chain(s).expect(s);
        let price = m.quote(s).and_then(|q| q.last).expect("price");
        assert_eq!(chain.underlying_symbol, s);
        assert_eq!(chain.shares_per_contract, 100);
        let regular: Vec<_> = chain
            .expirations
            .iter()
            .filter(|e| e.expiration_type == "Regular")
            .collect();
        assert!(regular.len() >= 12, "{s}: {} monthlies", regular.len());
        for e in &regular {
            let d = e.expiration_date;
            // Third Friday, or the Thursday before when that Friday is a holiday.
            assert!(
                d == Date::third_friday(d.year(), d.month())
                    || d.add_days(1) == Date::third_friday(d.year(), d.month()),
                "{s}: {d}"
            );
        }
        assert!(chain
            .expirations
            .windows(2)
            .all(|w| w[0].expiration_date < w[1].expiration_date));
        for e in &chain.expirations {
            assert_eq!(
                e.days_to_expiration,
                e.expiration_date.days_since(date(AS_OF))
            );
            assert!(e.days_to_expiration >= 0);
            assert!(
                calendar::is_trading_day(e.expiration_date),
                "{s}: {}",
                e.expiration_date
            );
            assert!(e.strikes.len() >= 5, "{s}: {} strikes", e.strikes.len());
            let lo = e.strikes.first().map(|k| k.strike_price).unwrap_or(0.0);
            let hi = e.strikes.last().map(|k| k.strike_price).unwrap_or(0.0);
            assert!(
                lo < price && hi > price,
                "{s} {}: {lo}..{hi} around {price}",
                e.expiration_date
            );
            assert!(
                lo >= price * 0.35 && hi <= price * 1.65,
                "{s}: {lo}..{hi} around {price}"
            );
            let (y, mo, d) = e.expiration_date.ymd();
            let ymd = format!("{:02}{mo:02}{d:02}", y % 100);
            for k in &e.strikes {
                assert_eq!(k.call.len(), 21, "{}", k.call);
                assert_eq!(&k.call[6..12], ymd);
                assert_eq!(&k.call[12..13], "C");
                assert_eq!(&k.put[12..13], "P");
                let milli: u64 = k.call[13..].parse().expect("strike digits");
                assert_eq!(milli, (k.strike_price * 1000.0).round() as u64);
                assert_eq!(k.call[..6].trim_end(), chain.root_symbol);
                let streamer = format!(".{}{ymd}C{}", chain.root_symbol, k.strike_price);
                assert_eq!(k.call_streamer_symbol, streamer);
            }
        }
        if m.metrics(s).and_then(|x| x.liquidity_rating).unwrap_or(0) >= 4 {
            assert!(
                chain
                    .expirations
                    .iter()
                    .any(|e| e.expiration_type == "Weekly"),
                "{s}: weeklies"
            );
        }
    }
    let spx = m.option_chain("SPX").expect("SPX");
    assert!(spx
        .expirations
        .iter()
        .any(|e| e.expiration_type == "Regular" && e.settlement_type == "AM"));
    assert!(spx
        .expirations
        .iter()
        .any(|e| e.expiration_type == "Weekly" && e.settlement_type == "PM"));
    assert_eq!(
        m.option_chain("BRK/B").map(|c| c.root_symbol),
        Some("BRKB".to_string())
    );
    assert!(
        m.option_chain("/ES").is_none(),
        "futures use futures_option_chain"
    );
}

#[test]
fn option_quotes_are_priced_consistently() {
    let m = Market::new(date(AS_OF));
    let scale = ordinary_scale_name(&m);
    for s in ["AAPL", "SPY", "TSLA", "KO", "SPX", &scale] {
        let chain = m.option_chain(s).expect(s);
        let price = m.quote(s).and_then(|q| q.last).expect("price");
        let e = chain
            .expirations
            .iter()
            .filter(|e| e.expiration_type == "Regular")
            .min_by_key(|e| (e.days_to_expiration - 45).abs())
            .expect("a monthly");
        let atm = e
            .strikes
            .iter()
            .min_by(|a, b| {
                (a.strike_price - price)
                    .abs()
                    .total_cmp(&(b.strike_price - price).abs())
            })
            .expect("strike");
        let c = m.quote(&atm.call).expect("call quote");
        let p = m.quote(&atm.put).expect("put quote");
        assert_eq!(c.instrument_type, "Equity Option");
        for q in [&c, &p] {
            let (b, a) = (q.bid.expect("bid"), q.ask.expect("ask"));
            assert!(b > 0.0 && b < a, "{}: {b} / {a}", q.symbol);
        }
        let (cm, pm) = (c.mid.expect("mid"), p.mid.expect("mid"));
        // Put-call parity: C - P ≈ S - K e^{-rT} (r of a few percent).
        let t = e.days_to_expiration as f64 / 365.0;
        let k = atm.strike_price;
        let parity = price - k * (-0.04 * t).exp();
        assert!(
            (cm - pm - parity).abs() < 0.02 * price,
            "{s}: C {cm} P {pm} parity {parity}"
        );
        // The straddle is about 0.8 σ √T of the price.
        let iv = m.metrics(s).map(|x| x.iv_index).expect("metrics");
        let straddle = cm + pm;
        let approx = 0.8 * iv * t.sqrt() * price;
        assert!(
            straddle > 0.6 * approx && straddle < 1.6 * approx,
            "{s}: straddle {straddle} vs {approx}"
        );
        // The streamer symbol quotes the same option.
        let cs = m.quote(&atm.call_streamer_symbol).expect("streamer quote");
        assert_eq!(cs.mid, c.mid);
    }
    // Liquid names quote tighter than illiquid ones.
    assert!(
        m.quote("AAPL  261120C00000500").is_none(),
        "strike not listed"
    );
    assert!(
        m.quote("AAPL  301220C00200000").is_none(),
        "expiration not listed"
    );
    assert!(m.quote("ZZZZ  261218C00200000").is_none(), "unknown root");
    assert!(m.quote("AAPL  261218X00200000").is_none(), "malformed");
    assert!(
        m.quote("./ESZ6 EWZ6  261218C1").is_none(),
        "strike not listed"
    );
}

#[test]
fn underlying_quotes() {
    let m = Market::new(date(AS_OF));
    let q = m.quote("AAPL").expect("AAPL");
    let c = m.candles("AAPL").expect("candles");
    let last = c.last().expect("last");
    assert_eq!(q.instrument_type, "Equity");
    assert_eq!(q.last, Some(last.close));
    assert_eq!(q.prev_close, Some(c[c.len() - 2].close));
    let (b, a) = (q.bid.expect("bid"), q.ask.expect("ask"));
    assert!(b < a && b <= last.close && a >= last.close);
    assert!(q.year_low <= q.day_low && q.year_high >= q.day_high);
    let spx = m.quote("SPX").expect("SPX");
    assert_eq!(spx.instrument_type, "Index");
    assert!(spx.bid.is_none() && spx.ask.is_none());
    let level = spx.last.expect("last");
    assert!((3000.0..12000.0).contains(&level), "SPX {level}");
    let vix = m.quote("VIX").and_then(|q| q.last).expect("VIX");
    assert!((8.0..60.0).contains(&vix), "VIX {vix}");
    let es = m.quote("/ESZ6").expect("/ESZ6");
    assert_eq!(es.instrument_type, "Future");
    assert!(
        (es.last.expect("last") / level - 1.0).abs() < 0.05,
        "ES tracks SPX"
    );
    assert!(m.quote("/ESZ26:XCME").is_some());
}

#[test]
fn futures_products_contracts_and_option_chains() {
    let m = Market::new(date(AS_OF));
    let products = m.futures_products();
    for code in [
        "ES", "NQ", "RTY", "YM", "CL", "NG", "GC", "SI", "HG", "ZB", "ZN", "ZF", "ZT", "6E", "6J",
        "6B", "6A", "6C", "ZC", "ZS", "ZW", "LE", "HE",
    ] {
        let p = products
            .iter()
            .find(|p| p.code == code)
            .unwrap_or_else(|| panic!("{code}"));
        assert_eq!(p.root_symbol, format!("/{code}"));
        assert!(["CME", "CBOT", "NYMEX", "COMEX"].contains(&p.exchange));
        assert!(["XCME", "XCBT", "XNYM", "XCEC"].contains(&p.streamer_exchange_code));
        assert!(p.tick_size > 0.0 && p.notional_multiplier > 0.0);
        let contracts = m.futures_contracts(code);
        assert!(contracts.len() >= 5, "{code}");
        assert_eq!(
            contracts.iter().filter(|c| c.active_month).count(),
            1,
            "{code}"
        );
        assert!(contracts.iter().filter(|c| c.next_active_month).count() <= 1);
        for c in &contracts {
            assert!(c.symbol.starts_with(&p.root_symbol));
            assert!(c
                .streamer_symbol
                .ends_with(&format!(":{}", p.streamer_exchange_code)));
            assert!(c.expiration_date >= date(AS_OF));
            let candles = m.candles(&c.symbol).expect("contract candles");
            assert_eq!(m.candles(&c.streamer_symbol).as_deref(), Some(&*candles));
            check_ohlc(&c.symbol, &candles);
        }
        let metrics = m.metrics(&p.root_symbol).expect("root metrics");
        assert_eq!(metrics.asset_class, AssetClass::Future);
        assert!(metrics.earnings.is_none());
        let chain = m.futures_option_chain(code).expect("chain");
        assert!(!chain.expirations.is_empty(), "{code}");
        for e in &chain.expirations {
            assert!(
                contracts.iter().any(|c| c.symbol == e.underlying_symbol),
                "{code}: {}",
                e.underlying_symbol
            );
            assert!(!e.strikes.is_empty());
            let k = &e.strikes[e.strikes.len() / 2];
            let under = e.underlying_symbol.trim_start_matches('/');
            assert!(
                k.call
                    .starts_with(&format!("./{under} {}", e.option_contract_symbol)),
                "{}",
                k.call
            );
            assert!(k
                .call_streamer_symbol
                .starts_with(&format!("./{}", e.option_root_symbol)));
            assert!(k
                .call_streamer_symbol
                .ends_with(&format!(":{}", p.streamer_exchange_code)));
            let q = m.quote(&k.call).expect("future option quote");
            assert_eq!(q.instrument_type, "Future Option");
            assert!(q.bid.expect("bid") < q.ask.expect("ask"));
            assert_eq!(
                m.quote(&k.put_streamer_symbol).map(|q| q.instrument_type),
                Some("Future Option")
            );
        }
    }
    let es = m.futures_option_chain("ES").expect("ES");
    assert!(es.expirations.iter().any(|e| e.expiration_type == "Weekly"));
    assert!(es
        .expirations
        .iter()
        .any(|e| e.expiration_type == "Regular"));
    let k = &es.expirations[0].strikes[0];
    // Shape of the real symbols: `./ESU3 EW4N3 230728C3990`, streamer `./EW4N23C3990:XCME`.
    let parts: Vec<&str> = k.call.split_whitespace().collect();
    assert_eq!(parts.len(), 3, "{}", k.call);
    assert!(parts[2].len() > 7 && parts[2][6..7] == *"C");
    assert!(m.candles("/ES").is_none(), "a bare root has no candles");
    assert!(m.futures_product("es").is_some());
}
