//! Equity, ETF and index option chains on the wire: the nested item of
//! `/option-chains/{symbol}/nested` and the flat rows of `/option-chains/{symbol}`.
//!
//! Strike prices are strings; `days-to-expiration` and `shares-per-contract` are numbers; every
//! strike carries its OCC symbols (`call`, `put`) and streamer symbols (`.AAPL260417C200`). The
//! nested item's `tick-sizes` are the ticks the chain's quotes are on (the market's quoting rule:
//! `[{"value": "0.01"}]` for SPY, `[{"value": "0.05", "threshold": "3.0"}, {"value": "0.1"}]` for
//! SPX). The flat rows, like the real service's equity option instruments, carry no tick sizes.

use super::{date_time, num, num_str, tick_sizes, Row, TICK_DECIMALS};
use crate::market::{Expiration, OptionChain, Strike};
use serde::Serialize;
use serde_json::{json, Value};
use volscreen_core::date::Date;
use volscreen_core::symbol::AssetClass;

/// Fields the `missing` fault never drops from a nested chain item.
pub const NESTED_REQUIRED: &[&str] = &[
    "underlying-symbol",
    "root-symbol",
    "option-chain-type",
    "expirations",
];

/// Fields the `missing` fault never drops from a flat option row.
pub const FLAT_REQUIRED: &[&str] = &[
    "symbol",
    "streamer-symbol",
    "strike-price",
    "option-type",
    "expiration-date",
    "underlying-symbol",
    "root-symbol",
];

/// Decimals of strike prices (`"172.5"`).
const STRIKE: usize = 4;

/// The one `data.items` item of `/option-chains/{symbol}/nested`.
pub fn nested_item(chain: &OptionChain, class: Option<AssetClass>) -> Value {
    Row::new()
        .set("underlying-symbol", chain.underlying_symbol.as_str())
        .set("root-symbol", chain.root_symbol.as_str())
        .set("option-chain-type", chain.option_chain_type)
        .set("shares-per-contract", chain.shares_per_contract)
        .set("tick-sizes", tick_sizes(&chain.tick_sizes))
        .set("deliverables", json!([deliverable(chain, class)]))
        .set(
            "expirations",
            chain.expirations.iter().map(expiration).collect::<Vec<_>>(),
        )
        .done()
}

/// The whole body of `/option-chains/{symbol}/nested` (`{"context": ..., "data": {"items":
/// [item]}}`) serialised straight to bytes: byte for byte what serialising
/// `items_envelope(vec![nested_item(chain, class)], context)` writes, without building the
/// `Value` tree (an order of magnitude cheaper on a chain of thousands of strikes).
pub fn nested_body(chain: &OptionChain, class: Option<AssetClass>, context: &str) -> Vec<u8> {
    let shares = chain.shares_per_contract;
    let underlying = chain.underlying_symbol.as_str();
    let index = class == Some(AssetClass::Index);
    let body = WireEnvelope {
        context,
        data: WireItems {
            items: [WireNested {
                deliverables: [WireDeliverable {
                    amount: num_str(f64::from(shares), 1),
                    deliverable_type: if index { "Cash" } else { "Shares" },
                    description: if index {
                        format!("Cash settled {underlying} index")
                    } else {
                        format!("{shares} shares of {underlying}")
                    },
                    id: stable_id(&chain.root_symbol),
                    instrument_type: if index { "Index" } else { "Equity" },
                    percent: "100",
                    root_symbol: &chain.root_symbol,
                    symbol: underlying,
                }],
                expirations: WireExpirations(&chain.expirations),
                option_chain_type: chain.option_chain_type,
                root_symbol: &chain.root_symbol,
                shares_per_contract: shares,
                tick_sizes: chain
                    .tick_sizes
                    .iter()
                    .filter_map(|t| {
                        Some(WireTick {
                            threshold: t.threshold.and_then(|x| num_str(x, TICK_DECIMALS)),
                            value: num_str(t.value, TICK_DECIMALS)?,
                        })
                    })
                    .collect(),
                underlying_symbol: underlying,
            }],
        },
    };
    // About 120 bytes a strike.
    let strikes: usize = chain.expirations.iter().map(|e| e.strikes.len()).sum();
    let mut out = Vec::with_capacity(1024 + strikes * 128);
    serde_json::to_writer(&mut out, &body).expect("a chain always serialises");
    out
}

// The wire structs below list their fields in sorted (byte-wise) order of their kebab-case names:
// `serde_json::Value` objects are sorted maps, and the bytes must not change.

#[derive(Serialize)]
struct WireEnvelope<'a> {
    context: &'a str,
    data: WireItems<'a>,
}

#[derive(Serialize)]
struct WireItems<'a> {
    items: [WireNested<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct WireNested<'a> {
    deliverables: [WireDeliverable<'a>; 1],
    expirations: WireExpirations<'a>,
    option_chain_type: &'a str,
    root_symbol: &'a str,
    shares_per_contract: u32,
    tick_sizes: Vec<WireTick>,
    underlying_symbol: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct WireDeliverable<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    amount: Option<String>,
    deliverable_type: &'static str,
    description: String,
    id: u64,
    instrument_type: &'static str,
    percent: &'static str,
    root_symbol: &'a str,
    symbol: &'a str,
}

#[derive(Serialize)]
struct WireTick {
    #[serde(skip_serializing_if = "Option::is_none")]
    threshold: Option<String>,
    value: String,
}

struct WireExpirations<'a>(&'a [Expiration]);

impl Serialize for WireExpirations<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|e| WireExpiration {
            days_to_expiration: e.days_to_expiration,
            expiration_date: WireDate(e.expiration_date),
            expiration_type: e.expiration_type,
            settlement_type: e.settlement_type,
            strikes: WireStrikes(&e.strikes),
        }))
    }
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct WireExpiration<'a> {
    days_to_expiration: i32,
    expiration_date: WireDate,
    expiration_type: &'a str,
    settlement_type: &'a str,
    strikes: WireStrikes<'a>,
}

/// A date as its `Display` form (`2026-04-17`), without an intermediate `String`.
struct WireDate(Date);

impl Serialize for WireDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

struct WireStrikes<'a>(&'a [Strike]);

impl Serialize for WireStrikes<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|k| WireStrike {
            call: &k.call,
            call_streamer_symbol: &k.call_streamer_symbol,
            put: &k.put,
            put_streamer_symbol: &k.put_streamer_symbol,
            strike_price: num_str(k.strike_price, STRIKE),
        }))
    }
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct WireStrike<'a> {
    call: &'a str,
    call_streamer_symbol: &'a str,
    put: &'a str,
    put_streamer_symbol: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    strike_price: Option<String>,
}

fn deliverable(chain: &OptionChain, class: Option<AssetClass>) -> Value {
    let index = class == Some(AssetClass::Index);
    let underlying = chain.underlying_symbol.as_str();
    let shares = chain.shares_per_contract;
    Row::new()
        .set("id", stable_id(&chain.root_symbol))
        .set("root-symbol", chain.root_symbol.as_str())
        .set("deliverable-type", if index { "Cash" } else { "Shares" })
        .set(
            "description",
            if index {
                format!("Cash settled {underlying} index")
            } else {
                format!("{shares} shares of {underlying}")
            },
        )
        .opt("amount", num(f64::from(shares), 1))
        .set("symbol", underlying)
        .set("instrument-type", if index { "Index" } else { "Equity" })
        .set("percent", "100")
        .done()
}

/// A small positive id derived from a name (FNV-1a), stable across runs.
fn stable_id(name: &str) -> u64 {
    let h = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    100_000 + h % 900_000
}

fn expiration(e: &Expiration) -> Value {
    Row::new()
        .set("expiration-type", e.expiration_type)
        .set("expiration-date", e.expiration_date.to_string())
        .set("days-to-expiration", e.days_to_expiration)
        .set("settlement-type", e.settlement_type)
        .set("strikes", e.strikes.iter().map(strike).collect::<Vec<_>>())
        .done()
}

/// One strike with both options' symbols (shared with futures option chains).
pub fn strike(s: &Strike) -> Value {
    Row::new()
        .opt("strike-price", num(s.strike_price, STRIKE))
        .set("call", s.call.as_str())
        .set("call-streamer-symbol", s.call_streamer_symbol.as_str())
        .set("put", s.put.as_str())
        .set("put-streamer-symbol", s.put_streamer_symbol.as_str())
        .done()
}

/// When an option of this expiration stops trading: the close (20:00 UTC) for PM settlement, the
/// morning settlement time (14:30 UTC) for AM settlement.
pub fn stops_trading_at(date: Date, settlement_type: &str) -> Value {
    date_time(
        date,
        if settlement_type == "AM" {
            "14:30"
        } else {
            "20:00"
        },
    )
}

/// The rows of `/option-chains/{symbol}`: one per option, call before put, by expiration and strike.
pub fn flat_rows(chain: &OptionChain, class: Option<AssetClass>) -> Vec<Value> {
    let exercise = if class == Some(AssetClass::Index) {
        "European"
    } else {
        "American"
    };
    let mut rows = Vec::new();
    for e in &chain.expirations {
        for s in &e.strikes {
            for (kind, symbol, streamer) in [
                ("C", &s.call, &s.call_streamer_symbol),
                ("P", &s.put, &s.put_streamer_symbol),
            ] {
                let stops = stops_trading_at(e.expiration_date, e.settlement_type);
                rows.push(
                    Row::new()
                        .set("symbol", symbol.as_str())
                        .set("instrument-type", "Equity Option")
                        .set("active", true)
                        .opt("strike-price", num(s.strike_price, STRIKE))
                        .set("root-symbol", chain.root_symbol.as_str())
                        .set("underlying-symbol", chain.underlying_symbol.as_str())
                        .set("expiration-date", e.expiration_date.to_string())
                        .set("exercise-style", exercise)
                        .set("shares-per-contract", chain.shares_per_contract)
                        .set("option-type", kind)
                        .set("option-chain-type", chain.option_chain_type)
                        .set("expiration-type", e.expiration_type)
                        .set("settlement-type", e.settlement_type)
                        .set("stops-trading-at", stops.clone())
                        .set("expires-at", stops)
                        .set("days-to-expiration", e.days_to_expiration)
                        .set("is-closing-only", false)
                        .set("streamer-symbol", streamer.as_str())
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
    use serde_json::json;

    fn chain() -> OptionChain {
        let d = Date::from_ymd(2026, 4, 17).unwrap();
        OptionChain {
            underlying_symbol: "AAPL".into(),
            root_symbol: "AAPL".into(),
            option_chain_type: "Standard",
            shares_per_contract: 100,
            tick_sizes: vec![
                TickSize {
                    value: 0.01,
                    threshold: Some(3.0),
                },
                TickSize {
                    value: 0.05,
                    threshold: None,
                },
            ],
            expirations: vec![Expiration {
                expiration_date: d,
                days_to_expiration: 28,
                expiration_type: "Regular",
                settlement_type: "PM",
                underlying_symbol: String::new(),
                option_root_symbol: String::new(),
                option_contract_symbol: String::new(),
                strikes: vec![Strike {
                    strike_price: 172.5,
                    call: "AAPL  260417C00172500".into(),
                    call_streamer_symbol: ".AAPL260417C172.5".into(),
                    put: "AAPL  260417P00172500".into(),
                    put_streamer_symbol: ".AAPL260417P172.5".into(),
                }],
            }],
        }
    }

    #[test]
    fn nested_and_flat_shapes() {
        let item = nested_item(&chain(), Some(AssetClass::Equity));
        assert_eq!(item["shares-per-contract"], 100);
        let e = &item["expirations"][0];
        assert_eq!(e["days-to-expiration"], 28);
        assert_eq!(e["strikes"][0]["strike-price"], "172.5");
        assert_eq!(item["deliverables"][0]["deliverable-type"], "Shares");
        // As recorded in option-chains-nested-AAPL.json.
        assert_eq!(
            item["tick-sizes"],
            json!([{"value": "0.01", "threshold": "3.0"}, {"value": "0.05"}])
        );
        let mut spy = chain();
        spy.tick_sizes = vec![TickSize {
            value: 0.01,
            threshold: None,
        }];
        // As recorded in option-chains-nested-SPY.json.
        assert_eq!(
            nested_item(&spy, Some(AssetClass::Etf))["tick-sizes"],
            json!([{"value": "0.01"}])
        );
        let rows = flat_rows(&chain(), Some(AssetClass::Equity));
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["option-type"], "C");
        assert_eq!(rows[1]["streamer-symbol"], ".AAPL260417P172.5");
        assert_eq!(rows[1]["instrument-type"], "Equity Option");
    }
}
