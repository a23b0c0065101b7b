//! Option chains and futures listings as the market's typed values: equity/ETF/index chains
//! (expirations from [`options::equity_expirations`], strikes around the price, OCC and streamer
//! symbols), futures products and contracts, and futures option chains in the real symbol formats
//! (`./ESZ6 EWZ6  261218C6000`, streamer `./EWZ26C6000:XCME`).

use super::futures::{self, ContractRef, ExpiryRule, Listed, Product};
use super::options::{self, ExpirationSpec};
use super::{Expiration, FutureContract, FuturesOptionChain, FuturesProduct, OptionChain, Strike};
use crate::calendar;
use volscreen_core::date::Date;
use volscreen_core::symbol::AssetClass;

/// The chain of an equity, ETF or index priced at `price`, with `iv_of(expiration)` the ATM IV.
pub fn equity_chain(
    symbol: &str,
    rating: Option<u8>,
    price: f64,
    as_of: Date,
    iv_of: &dyn Fn(Date) -> f64,
) -> OptionChain {
    let root = options::option_root(symbol);
    // ETFs list dense strikes whatever their rating.
    let liquid = rating.unwrap_or(0) >= 4
        || super::universe::LIQUID.contains(&symbol)
        || volscreen_core::symbol::classify(symbol) == AssetClass::Etf;
    let spacing = options::equity_spacing(symbol, price, liquid);
    let expirations = options::equity_expirations(symbol, as_of, rating)
        .into_iter()
        .map(|e: ExpirationSpec| {
            let t = options::years_to(as_of, e.date);
            // The OCC and streamer symbols share a prefix per expiration.
            let occ = options::occ_symbol(&root, e.date, true, 0.0);
            let occ_prefix = &occ[..occ.len() - 9];
            let streamer = options::streamer_symbol(&root, e.date, true, 0.0);
            let streamer_prefix = &streamer[..streamer.len() - 2];
            let strikes = options::strike_grid(price, iv_of(e.date), t, spacing)
                .into_iter()
                .map(|k| {
                    let milli = (k * 1000.0).round() as u64;
                    let ks = options::fmt_strike(k);
                    // `{milli:08}`, written once for both OCC symbols.
                    let digits = milli.to_string();
                    let pad = 8usize.saturating_sub(digits.len());
                    let symbol = |prefix: &str, kind: char, tail: &str, pad: usize| {
                        let mut s = String::with_capacity(prefix.len() + 1 + pad + tail.len());
                        s.push_str(prefix);
                        s.push(kind);
                        s.extend(std::iter::repeat_n('0', pad));
                        s.push_str(tail);
                        s
                    };
                    Strike {
                        strike_price: k,
                        call: symbol(occ_prefix, 'C', &digits, pad),
                        call_streamer_symbol: symbol(streamer_prefix, 'C', &ks, 0),
                        put: symbol(occ_prefix, 'P', &digits, pad),
                        put_streamer_symbol: symbol(streamer_prefix, 'P', &ks, 0),
                    }
                })
                .collect();
            Expiration {
                expiration_date: e.date,
                days_to_expiration: e.date.days_since(as_of),
                expiration_type: e.kind,
                settlement_type: e.settlement,
                underlying_symbol: String::new(),
                option_root_symbol: String::new(),
                option_contract_symbol: String::new(),
                strikes,
            }
        })
        .collect();
    OptionChain {
        underlying_symbol: symbol.to_string(),
        root_symbol: root,
        option_chain_type: "Standard",
        shares_per_contract: 100,
        // The ticks the chain's quotes are on (`Market::quote` prices them with this quoting).
        tick_sizes: super::quotes::equity_quoting(symbol, rating).tick_sizes(),
        expirations,
    }
}

/// The product as `/instruments/future-products` describes it.
pub fn product_info(p: &Product) -> FuturesProduct {
    FuturesProduct {
        code: p.code.to_string(),
        root_symbol: p.root_symbol(),
        description: p.description.to_string(),
        exchange: p.exchange,
        streamer_exchange_code: p.streamer,
        listed_months: p.listed_months(),
        active_months: p.active_months(),
        notional_multiplier: p.multiplier,
        tick_size: p.tick,
        display_factor: p.display_factor,
        market_sector: p.sector,
        product_type: p.product_type,
        cash_settled: p.cash_settled,
        option_root: p.option_root.to_string(),
        // The ticks the product's option quotes are on (`Market::quote` prices them with this
        // quoting).
        option_tick_sizes: super::quotes::futures_quoting(p.code, p.tick, Some(p.liquidity))
            .tick_sizes(),
    }
}

/// One listed contract as `/instruments/futures` describes it.
pub fn contract_info(p: &Product, l: &Listed, as_of: Date) -> FutureContract {
    FutureContract {
        symbol: l.contract.symbol(p),
        product_code: p.code.to_string(),
        root_symbol: p.root_symbol(),
        expiration_date: l.expiration,
        last_trade_date: l.expiration,
        days_to_expiration: l.expiration.days_since(as_of),
        active_month: l.active,
        next_active_month: l.next_active,
        streamer_symbol: l.contract.streamer_symbol(p),
        exchange: p.exchange,
        streamer_exchange_code: p.streamer,
    }
}

/// An option expiration of a futures product before strikes are attached.
struct FutExp {
    date: Date,
    kind: &'static str,
    underlying: ContractRef,
    /// `EW`, `EW1`, `LO`.
    root: String,
    /// Month and year the option contract symbol names.
    month: u32,
    year: i32,
}

/// Whether a product's monthly options run on every calendar month (serial options) rather than
/// only on its contract months: currencies, Treasuries, metals and grains.
fn serial_months(rule: ExpiryRule) -> bool {
    matches!(
        rule,
        ExpiryRule::Currency
            | ExpiryRule::Treasury
            | ExpiryRule::ThirdLastSession
            | ExpiryRule::Grain
    )
}

/// The last session of the month before `(y, m)`.
fn last_session_before(y: i32, m: u32) -> Date {
    let first = Date::from_ymd(y, m, 1).unwrap_or(Date::from_days(0));
    calendar::trading_day_on_or_before(first.add_days(-1))
}

/// Expiration of the serial monthly option of month `(y, m)`, by the exchanges' rules
/// (simplified, NYSE sessions for exchange days): currencies, the second Friday before the third
/// Wednesday of the month; Treasuries and grains, the last Friday at least two sessions before the
/// last session of the month before; metals, the fourth-last session of the month before.
/// (Other rules list options on their contract months only; for them this is the third Friday.)
fn option_expiry(rule: ExpiryRule, y: i32, m: u32) -> Date {
    let before = calendar::trading_day_on_or_before;
    match rule {
        ExpiryRule::Currency => {
            let third_wed = Date::nth_weekday(y, m, 2, 3).unwrap_or(Date::third_friday(y, m));
            before(third_wed.add_days(-12))
        }
        ExpiryRule::Treasury | ExpiryRule::Grain => {
            let cutoff = calendar::add_trading_days(last_session_before(y, m), -2);
            let back = (cutoff.weekday() + 7 - 4) % 7;
            before(cutoff.add_days(-(back as i32)))
        }
        ExpiryRule::ThirdLastSession => calendar::add_trading_days(last_session_before(y, m), -3),
        _ => before(Date::third_friday(y, m)),
    }
}

fn futures_expirations(p: &Product, listed: &[Listed], as_of: Date) -> Vec<FutExp> {
    let mut out: Vec<FutExp> = Vec::new();
    let underlying_for = |d: Date| {
        listed
            .iter()
            .find(|l| l.expiration >= d)
            .map(|l| l.contract)
    };
    if p.rule == ExpiryRule::ThirdFriday {
        // Serial monthly options on the quarterly contracts.
        let (y0, m0) = (as_of.year(), as_of.month() as i32);
        for i in 0..7 {
            let idx = m0 - 1 + i;
            let (y, m) = (y0 + idx.div_euclid(12), idx.rem_euclid(12) as u32 + 1);
            let d = calendar::trading_day_on_or_before(Date::third_friday(y, m));
            if d < as_of {
                continue;
            }
            if let Some(u) = underlying_for(d) {
                out.push(FutExp {
                    date: d,
                    kind: "Regular",
                    underlying: u,
                    root: p.option_root.to_string(),
                    month: m,
                    year: y,
                });
            }
            if out.len() >= 6 {
                break;
            }
        }
    } else if serial_months(p.rule) {
        // Monthly options on every calendar month, each on the first listed contract of its
        // month or later (January options on the March future), expiring by the product's rule.
        let (y0, m0) = (as_of.year(), as_of.month() as i32);
        for i in 0..12 {
            let idx = m0 - 1 + i;
            let (y, m) = (y0 + idx.div_euclid(12), idx.rem_euclid(12) as u32 + 1);
            let d = option_expiry(p.rule, y, m);
            let Some(l) = listed
                .iter()
                .find(|l| (l.contract.year, l.contract.month) >= (y, m))
            else {
                break;
            };
            if d < as_of || d >= l.expiration {
                continue;
            }
            out.push(FutExp {
                date: d,
                kind: "Regular",
                underlying: l.contract,
                root: p.option_root.to_string(),
                month: m,
                year: y,
            });
            if out.len() >= 6 {
                break;
            }
        }
    } else {
        for l in listed.iter().take(6) {
            let d = calendar::add_trading_days(l.expiration, -3);
            if d >= as_of {
                out.push(FutExp {
                    date: d,
                    kind: "Regular",
                    underlying: l.contract,
                    root: p.option_root.to_string(),
                    month: l.contract.month,
                    year: l.contract.year,
                });
            }
        }
    }
    if p.weeklies {
        let first_fri = as_of.add_days(((4 + 7 - as_of.weekday()) % 7) as i32);
        for w in 0..4 {
            let d = calendar::trading_day_on_or_before(first_fri.add_days(7 * w));
            if d < as_of || out.iter().any(|e| e.date == d) {
                continue;
            }
            let week = (d.day() - 1) / 7 + 1;
            if let Some(u) = underlying_for(d.add_days(if p.rule == ExpiryRule::ThirdFriday {
                0
            } else {
                10
            })) {
                out.push(FutExp {
                    date: d,
                    kind: "Weekly",
                    underlying: u,
                    root: format!("{}{}", p.option_root, week),
                    month: d.month(),
                    year: d.year(),
                });
            }
        }
    }
    out.sort_by_key(|e| e.date);
    out
}

/// Futures option symbol: `./ESZ6 EWZ6  261218C6000` (option contract symbol padded to 5).
pub fn futures_option_symbol(
    p: &Product,
    underlying: &ContractRef,
    option_contract: &str,
    exp: Date,
    call: bool,
    k: f64,
) -> String {
    format!(
        "./{}{} {:<5} {}{}{}",
        p.code,
        underlying.code_suffix(1),
        option_contract,
        options::yymmdd(exp),
        if call { 'C' } else { 'P' },
        options::fmt_strike(k)
    )
}

/// The futures option chain of `p` on `as_of`. `price_of(contract)` is a contract's last price,
/// `iv_of(expiration)` the ATM IV.
pub fn futures_chain(
    p: &'static Product,
    as_of: Date,
    price_of: &dyn Fn(&ContractRef) -> f64,
    iv_of: &dyn Fn(Date) -> f64,
) -> FuturesOptionChain {
    let listed = futures::listed_contracts(p, as_of);
    let futures_rows = listed.iter().map(|l| contract_info(p, l, as_of)).collect();
    let expirations = futures_expirations(p, &listed, as_of)
        .into_iter()
        .map(|e| {
            let probe = ContractRef {
                month: e.month,
                year: e.year,
            };
            let contract_symbol = format!("{}{}", e.root, probe.code_suffix(1));
            let streamer_root = format!("{}{}", e.root, probe.code_suffix(2));
            let f = price_of(&e.underlying);
            let t = options::years_to(as_of, e.date);
            let strikes =
                options::strike_grid(f, iv_of(e.date), t, options::futures_spacing(p.strike_inc))
                    .into_iter()
                    .map(|k| {
                        let streamer = |call: bool| {
                            format!(
                                "./{streamer_root}{}{}:{}",
                                if call { 'C' } else { 'P' },
                                options::fmt_strike(k),
                                p.streamer
                            )
                        };
                        Strike {
                            strike_price: k,
                            call: futures_option_symbol(
                                p,
                                &e.underlying,
                                &contract_symbol,
                                e.date,
                                true,
                                k,
                            ),
                            call_streamer_symbol: streamer(true),
                            put: futures_option_symbol(
                                p,
                                &e.underlying,
                                &contract_symbol,
                                e.date,
                                false,
                                k,
                            ),
                            put_streamer_symbol: streamer(false),
                        }
                    })
                    .collect();
            Expiration {
                expiration_date: e.date,
                days_to_expiration: e.date.days_since(as_of),
                expiration_type: e.kind,
                settlement_type: "PM",
                underlying_symbol: e.underlying.symbol(p),
                option_root_symbol: e.root.clone(),
                option_contract_symbol: contract_symbol,
                strikes,
            }
        })
        .collect();
    FuturesOptionChain {
        product: product_info(p),
        futures: futures_rows,
        expirations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strike_symbols_are_the_occ_and_streamer_symbols() {
        let as_of = Date::from_ymd(2026, 3, 20).unwrap();
        for (symbol, price) in [
            ("AAPL", 255.0),
            ("BRK/B", 480.0),
            ("F", 0.7),
            ("NDX", 21000.0),
        ] {
            let chain = equity_chain(symbol, Some(5), price, as_of, &|_| 0.9);
            let root = &chain.root_symbol;
            assert!(!chain.expirations.is_empty());
            for e in &chain.expirations {
                assert!(!e.strikes.is_empty());
                for s in &e.strikes {
                    let d = e.expiration_date;
                    let k = s.strike_price;
                    assert_eq!(s.call, options::occ_symbol(root, d, true, k));
                    assert_eq!(s.put, options::occ_symbol(root, d, false, k));
                    assert_eq!(
                        s.call_streamer_symbol,
                        options::streamer_symbol(root, d, true, k)
                    );
                    assert_eq!(
                        s.put_streamer_symbol,
                        options::streamer_symbol(root, d, false, k)
                    );
                }
            }
        }
    }
    #[test]
    fn serial_monthly_options_follow_the_exchange_rules() {
        let d = |s: &str| s.parse::<Date>().expect("date");
        // Euro FX January 2027 options: the second Friday before the third Wednesday (Jan 20).
        assert_eq!(
            option_expiry(ExpiryRule::Currency, 2027, 1),
            d("2027-01-08")
        );
        // T-bond March 2027 options: the last Friday at least two sessions before Feb 26.
        assert_eq!(
            option_expiry(ExpiryRule::Treasury, 2027, 3),
            d("2027-02-19")
        );
        // Gold February 2027 options: the fourth-last session of January.
        assert_eq!(
            option_expiry(ExpiryRule::ThirdLastSession, 2027, 2),
            d("2027-01-26")
        );
        let as_of = d("2026-11-20");
        for code in ["6E", "6J", "ZB", "GC", "ZC"] {
            let p = futures::product(code).expect("product");
            let listed = futures::listed_contracts(p, as_of);
            let monthly: Vec<FutExp> = futures_expirations(p, &listed, as_of)
                .into_iter()
                .filter(|e| e.kind == "Regular")
                .collect();
            assert!(monthly.len() >= 5, "{code}: {}", monthly.len());
            for w in monthly.windows(2) {
                // One option month after the other, each before its underlying expires.
                let next = (w[0].year * 12 + w[0].month as i32) + 1;
                assert_eq!(w[1].year * 12 + w[1].month as i32, next, "{code}");
            }
            for e in &monthly {
                let u = listed
                    .iter()
                    .find(|l| l.contract == e.underlying)
                    .expect("listed underlying");
                assert!(e.date < u.expiration && e.date >= as_of, "{code}");
                assert!((u.contract.year, u.contract.month) >= (e.year, e.month));
            }
        }
    }
}
