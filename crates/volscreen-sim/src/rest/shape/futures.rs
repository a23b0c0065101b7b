//! Futures on the wire: future products, contracts (`/instruments/futures`), and futures option
//! chains in nested (`data.futures[]` + `data.option-chains[]`) and flat form.
//!
//! Shapes follow `instruments-futures-ES.json` and `futures-option-chains-nested-ES.json`:
//! multipliers and tick sizes as strings, month codes as one-letter strings, streamer symbols with
//! the exchange code (`/ESZ26:XCME`, `./EW4N23C3990:XCME`). Option tick sizes (a contract's
//! `option-tick-sizes`, a nested chain expiration's `tick-sizes`) are the ticks the product's
//! option quotes are on (`[{"value": "0.05", "threshold": "5.0"}, {"value": "0.25"}]` for ES, as
//! recorded); the flat rows, like the real service's future option instruments, carry none.

use super::chains::strike;
use super::{date_time, num, tick_sizes, Row, TICK_DECIMALS};
use crate::market::{Expiration, FutureContract, FuturesOptionChain, FuturesProduct};
use serde_json::{json, Value};

/// Fields the `missing` fault never drops from a contract row.
pub const CONTRACT_REQUIRED: &[&str] = &[
    "symbol",
    "product-code",
    "streamer-symbol",
    "active-month",
    "expiration-date",
];

/// Fields the `missing` fault never drops from a product row.
pub const PRODUCT_REQUIRED: &[&str] = &["code", "root-symbol"];

/// Fields the `missing` fault never drops from a flat futures option row.
pub const OPTION_REQUIRED: &[&str] = &[
    "symbol",
    "streamer-symbol",
    "strike-price",
    "option-type",
    "expiration-date",
    "underlying-symbol",
];

/// Decimals of multipliers and strikes (tick sizes: [`TICK_DECIMALS`]).
const DECIMALS: usize = 6;

/// Time of day (UTC) futures stop trading on their last trade date.
const FUTURES_STOP: &str = "13:30";

/// Time of day (UTC) futures options stop trading.
const OPTIONS_STOP: &str = "20:00";

fn months(m: &[char]) -> Value {
    m.iter().map(|c| c.to_string()).collect::<Vec<_>>().into()
}

/// A `future-product` object (also the rows of `/instruments/future-products`).
pub fn product(p: &FuturesProduct) -> Value {
    let first_notice = !p.cash_settled;
    let roll_name = p
        .market_sector
        .to_ascii_lowercase()
        .replace([' ', '-'], "_");
    Row::new()
        .set("root-symbol", p.root_symbol.as_str())
        .set("code", p.code.as_str())
        .set("description", p.description.as_str())
        .set("clearing-code", p.code.as_str())
        .set("clearport-code", p.code.as_str())
        .set("legacy-code", p.code.as_str())
        .set("exchange", p.exchange)
        .set("legacy-exchange-code", p.exchange)
        .set("product-type", p.product_type)
        .set("listed-months", months(&p.listed_months))
        .set("active-months", months(&p.active_months))
        .opt("notional-multiplier", num(p.notional_multiplier, DECIMALS))
        .opt("tick-size", num(p.tick_size, TICK_DECIMALS))
        .opt("display-factor", num(p.display_factor, DECIMALS))
        .set("streamer-exchange-code", p.streamer_exchange_code)
        .set("small-notional", false)
        .set("back-month-first-calendar-symbol", true)
        .set("first-notice", first_notice)
        .set("cash-settled", p.cash_settled)
        .set("security-group", p.code.as_str())
        .set("market-sector", p.market_sector)
        .set("supported", true)
        .set(
            "roll",
            json!({
                "name": roll_name,
                "active-count": p.active_months.len(),
                "cash-settled": p.cash_settled,
                "business-days-offset": 4,
                "first-notice": first_notice,
            }),
        )
        .done()
}

/// One `/instruments/futures` row. `roll_target` is the next contract's symbol, if any.
pub fn contract(c: &FutureContract, p: &FuturesProduct, roll_target: Option<&str>) -> Value {
    let stops = date_time(c.last_trade_date, FUTURES_STOP);
    let tick = json!([{ "value": num(p.tick_size, TICK_DECIMALS) }]);
    Row::new()
        .set("symbol", c.symbol.as_str())
        .set("product-code", c.product_code.as_str())
        .opt("contract-size", num(p.notional_multiplier, DECIMALS))
        .opt("tick-size", num(p.tick_size, TICK_DECIMALS))
        .opt("notional-multiplier", num(p.notional_multiplier, DECIMALS))
        .set("main-fraction", "0.0")
        .set("sub-fraction", "0.0")
        .opt("display-factor", num(p.display_factor, DECIMALS))
        .set("last-trade-date", c.last_trade_date.to_string())
        .set("expiration-date", c.expiration_date.to_string())
        .set("closing-only-date", c.last_trade_date.to_string())
        .set("active", true)
        .set("active-month", c.active_month)
        .set("next-active-month", c.next_active_month)
        .set("is-closing-only", false)
        .set("stops-trading-at", stops.clone())
        .set("expires-at", stops)
        .set(
            "product-group",
            format!("{}_{}", c.exchange, c.product_code),
        )
        .set("exchange", c.exchange)
        .set("exchange-symbol", c.symbol.trim_start_matches('/'))
        .opt("roll-target-symbol", roll_target.map(Value::from))
        .set("streamer-exchange-code", c.streamer_exchange_code)
        .set("streamer-symbol", c.streamer_symbol.as_str())
        .set("back-month-first-calendar-symbol", true)
        .set("is-tradeable", true)
        .set("future-product", product(p))
        .set("tick-sizes", tick)
        .set("option-tick-sizes", tick_sizes(&p.option_tick_sizes))
        .done()
}

/// The rows of a product's contracts, each pointing at the next one as its roll target.
pub fn contracts(list: &[FutureContract], p: &FuturesProduct) -> Vec<Value> {
    list.iter()
        .enumerate()
        .map(|(i, c)| contract(c, p, list.get(i + 1).map(|n| n.symbol.as_str())))
        .collect()
}

/// The `data` object of `/futures-option-chains/{code}/nested`.
pub fn option_chain_nested(chain: &FuturesOptionChain) -> Value {
    let p = &chain.product;
    let futures: Vec<Value> = chain
        .futures
        .iter()
        .map(|c| {
            let stops = date_time(c.last_trade_date, FUTURES_STOP);
            Row::new()
                .set("symbol", c.symbol.as_str())
                .set("root-symbol", c.root_symbol.as_str())
                .set("expiration-date", c.expiration_date.to_string())
                .set("days-to-expiration", c.days_to_expiration)
                .set("active-month", c.active_month)
                .set("next-active-month", c.next_active_month)
                .set("stops-trading-at", stops.clone())
                .set("expires-at", stops)
                .done()
        })
        .collect();
    let expirations: Vec<Value> = chain
        .expirations
        .iter()
        .map(|e| nested_expiration(e, p))
        .collect();
    json!({
        "futures": futures,
        "option-chains": [{
            "underlying-symbol": p.root_symbol,
            "root-symbol": p.root_symbol,
            "exercise-style": "American",
            "expirations": expirations,
        }],
    })
}

fn nested_expiration(e: &Expiration, p: &FuturesProduct) -> Value {
    let stops = date_time(e.expiration_date, OPTIONS_STOP);
    Row::new()
        .set("underlying-symbol", e.underlying_symbol.as_str())
        .set("root-symbol", p.root_symbol.as_str())
        .set("option-root-symbol", e.option_root_symbol.as_str())
        .set("option-contract-symbol", e.option_contract_symbol.as_str())
        .set("asset", e.option_root_symbol.as_str())
        .set("expiration-date", e.expiration_date.to_string())
        .set("days-to-expiration", e.days_to_expiration)
        .set("expiration-type", e.expiration_type)
        .set("settlement-type", e.settlement_type)
        .opt("display-factor", num(p.display_factor, DECIMALS))
        .set("strike-factor", "1.0")
        .set("stops-trading-at", stops.clone())
        .set("expires-at", stops)
        .set("tick-sizes", tick_sizes(&p.option_tick_sizes))
        .set("strikes", e.strikes.iter().map(strike).collect::<Vec<_>>())
        .done()
}

/// The rows of `/futures-option-chains/{code}`: one per option, call before put.
pub fn option_chain_flat(chain: &FuturesOptionChain) -> Vec<Value> {
    let p = &chain.product;
    let mut rows = Vec::new();
    for e in &chain.expirations {
        let stops = date_time(e.expiration_date, OPTIONS_STOP);
        for s in &e.strikes {
            for (kind, symbol, streamer) in [
                ("C", &s.call, &s.call_streamer_symbol),
                ("P", &s.put, &s.put_streamer_symbol),
            ] {
                rows.push(
                    Row::new()
                        .set("symbol", symbol.as_str())
                        .set("instrument-type", "Future Option")
                        .set("underlying-symbol", e.underlying_symbol.as_str())
                        .set("product-code", p.code.as_str())
                        .set("expiration-date", e.expiration_date.to_string())
                        .set("root-symbol", p.root_symbol.as_str())
                        .set("option-root-symbol", e.option_root_symbol.as_str())
                        .set("option-contract-symbol", e.option_contract_symbol.as_str())
                        .opt("strike-price", num(s.strike_price, DECIMALS))
                        .set("exchange", p.exchange)
                        .set("streamer-symbol", streamer.as_str())
                        .set("option-type", kind)
                        .set("exercise-style", "American")
                        .set("is-vanilla", true)
                        .set("is-primary-deliverable", true)
                        .set("future-price-ratio", "1.0")
                        .set("multiplier", "1.0")
                        .set("underlying-count", "1.0")
                        .set("is-confirmed", true)
                        .opt("display-factor", num(p.display_factor, DECIMALS))
                        .set("settlement-type", e.settlement_type)
                        .set("strike-factor", "1.0")
                        .set("maturity-date", e.expiration_date.to_string())
                        .set("expiration-type", e.expiration_type)
                        .set("days-to-expiration", e.days_to_expiration)
                        .set("is-closing-only", false)
                        .set("active", true)
                        .set("stops-trading-at", stops.clone())
                        .set("expires-at", stops.clone())
                        .done(),
                );
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::TickSize;
    use volscreen_core::date::Date;

    fn es() -> FuturesProduct {
        FuturesProduct {
            code: "ES".into(),
            root_symbol: "/ES".into(),
            description: "E-mini S&P 500".into(),
            exchange: "CME",
            streamer_exchange_code: "XCME",
            listed_months: vec!['H', 'M', 'U', 'Z'],
            active_months: vec!['H', 'M', 'U', 'Z'],
            notional_multiplier: 50.0,
            tick_size: 0.25,
            display_factor: 0.01,
            market_sector: "Equity Index",
            product_type: "Financial",
            cash_settled: true,
            option_root: "EW".into(),
            option_tick_sizes: vec![
                TickSize {
                    value: 0.05,
                    threshold: Some(5.0),
                },
                TickSize {
                    value: 0.25,
                    threshold: None,
                },
            ],
        }
    }

    fn contract_at(m: char, y: i32, active: bool) -> FutureContract {
        let d = Date::third_friday(y, volscreen_core::symbol::month_of_code(m).unwrap());
        FutureContract {
            symbol: format!("/ES{m}{}", y % 10),
            product_code: "ES".into(),
            root_symbol: "/ES".into(),
            expiration_date: d,
            last_trade_date: d,
            days_to_expiration: 30,
            active_month: active,
            next_active_month: !active,
            streamer_symbol: format!("/ES{m}{}:XCME", y % 100),
            exchange: "CME",
            streamer_exchange_code: "XCME",
        }
    }

    #[test]
    fn contracts_roll_to_the_next_one() {
        let list = [contract_at('M', 2026, true), contract_at('U', 2026, false)];
        let rows = contracts(&list, &es());
        assert_eq!(rows[0]["roll-target-symbol"], "/ESU6");
        assert!(rows[1].get("roll-target-symbol").is_none());
        assert_eq!(rows[0]["streamer-symbol"], "/ESM26:XCME");
        assert_eq!(rows[0]["future-product"]["roll"]["name"], "equity_index");
        assert_eq!(rows[0]["future-product"]["listed-months"][0], "H");
        assert_eq!(rows[0]["notional-multiplier"], "50.0");
        assert_eq!(rows[0]["product-group"], "CME_ES");
        assert_eq!(rows[0]["tick-sizes"], json!([{"value": "0.25"}]));
        assert_eq!(
            rows[0]["option-tick-sizes"],
            json!([{"value": "0.05", "threshold": "5.0"}, {"value": "0.25"}]),
            "as recorded in instruments-futures-ES.json"
        );
    }
}
