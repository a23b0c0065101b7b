//! `GET /option-chains/{symbol}/nested` and its flat form `GET /option-chains/{symbol}`.
//!
//! The symbol is taken from the raw path and percent-decoded, so `BRK%2FB` and a literal `BRK/B`
//! both work. An unknown symbol is a 404 with the error envelope. Both forms cost the profile's
//! `option_chain_ms` (340 ms under `seed`, measured for the flat form the reference screener uses);
//! they are counted apart in `/__sim/stats` (`option-chains-nested`, `option-chains-flat`).

use super::fixtures;
use super::gate::{self, Endpoint, Reply};
use super::query::decode;
use super::reply::ApiError;
use super::shape::{chains, items_envelope};
use crate::latency::{ms, LatencyProfile};
use crate::market::OptionChain;
use crate::SimState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;

use std::sync::Arc;

/// Route prefix.
pub const PREFIX: &str = "/option-chains/";

/// A parsed chain request path: the underlying (or futures code) and whether it is the nested form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainPath {
    pub symbol: String,
    pub nested: bool,
}

/// Read `{symbol}[/nested]` after `prefix` in a raw request path.
pub fn parse_path(path: &str, prefix: &str) -> Result<ChainPath, ApiError> {
    let rest = path.strip_prefix(prefix).unwrap_or(path);
    let (rest, nested) = match rest.strip_suffix("/nested") {
        Some(r) => (r, true),
        None => (rest, false),
    };
    let symbol = decode(rest, false).map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok(ChainPath { symbol, nested })
}

/// The stats name and the response time of a chain request: both forms cost the same.
pub fn endpoint(profile: &LatencyProfile, nested: bool) -> Endpoint {
    let name = if nested {
        "option-chains-nested"
    } else {
        "option-chains-flat"
    };
    Endpoint::new(name, 1, ms(profile.rest.option_chain_ms))
}

/// The handler of both forms.
pub async fn get(State(state): State<Arc<SimState>>, headers: HeaderMap, uri: Uri) -> Response {
    let parsed = parse_path(uri.path(), PREFIX);
    let nested = parsed.as_ref().map(|p| p.nested).unwrap_or(true);
    let ep = endpoint(state.latency(), nested).reject(parsed.as_ref().err().cloned());
    gate::serve(&state, &headers, ep, || match &parsed {
        Ok(p) => produce(&state, p),
        Err(e) => Err(e.clone()),
    })
    .await
}

fn produce(state: &SimState, p: &ChainPath) -> Result<Reply, ApiError> {
    let context = if p.nested {
        format!("{PREFIX}{}/nested", p.symbol)
    } else {
        format!("{PREFIX}{}", p.symbol)
    };
    let keep = if p.nested {
        chains::NESTED_REQUIRED
    } else {
        chains::FLAT_REQUIRED
    };
    if let Some(body) = fixtures::serve(state, &context)? {
        return Ok(Reply::rows(body, keep));
    }
    if p.nested {
        // Serialised once per symbol and market date (the market is deterministic for its date).
        let key = (state.market().as_of(), p.symbol.clone());
        if let Some(body) = state.chain_bodies.get(&key) {
            return Ok(Reply::json_rows((*body).clone(), keep));
        }
        let chain = chain_of(state, p)?;
        let class = state.market().asset_class(&p.symbol);
        let body = state.chain_bodies.get_or(&key, || {
            Bytes::from(chains::nested_body(&chain, class, &context))
        });
        return Ok(Reply::json_rows((*body).clone(), keep));
    }
    let chain = chain_of(state, p)?;
    let class = state.market().asset_class(&p.symbol);
    Ok(Reply::rows(
        items_envelope(chains::flat_rows(&chain, class), &context),
        keep,
    ))
}

fn chain_of(state: &SimState, p: &ChainPath) -> Result<OptionChain, ApiError> {
    state
        .market()
        .option_chain(&p.symbol)
        .filter(|_| !p.symbol.is_empty())
        .ok_or_else(|| ApiError::not_found(format!("No option chain for {:?}", p.symbol)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        let p = parse_path("/option-chains/BRK%2FB/nested", PREFIX).unwrap();
        assert_eq!(
            p,
            ChainPath {
                symbol: "BRK/B".into(),
                nested: true
            }
        );
        let p = parse_path("/option-chains/BRK/B", PREFIX).unwrap();
        assert_eq!(
            p,
            ChainPath {
                symbol: "BRK/B".into(),
                nested: false
            }
        );
        assert!(parse_path("/option-chains/%FF", PREFIX).is_err());
    }

    /// The flat form costs what the nested one does (340 ms under `seed`), under every profile.
    #[test]
    fn both_forms_cost_the_same() {
        let seed = LatencyProfile::seed();
        let (flat, nested) = (endpoint(&seed, false), endpoint(&seed, true));
        assert_eq!(flat.latency, std::time::Duration::from_millis(340));
        assert_eq!(flat.latency, nested.latency);
        assert_eq!(
            (flat.name, nested.name),
            ("option-chains-flat", "option-chains-nested")
        );
        let mut custom = LatencyProfile::none();
        custom.rest.option_chain_ms = 123.0;
        custom.rest.other_ms = 7.0;
        assert_eq!(
            endpoint(&custom, false).latency,
            std::time::Duration::from_millis(123)
        );
    }

    /// The typed nested body is byte for byte the `Value` tree's serialisation, cached or not,
    /// and parses back to the same tree (what the `missing` fault works on).
    #[test]
    fn nested_body_matches_the_value_tree() {
        use crate::SimOptions;
        use volscreen_core::date::Date;
        for as_of in [
            Date::from_ymd(2026, 3, 20).unwrap(),
            Date::from_ymd(2025, 12, 31).unwrap(),
        ] {
            let state = SimState::new(SimOptions::new(as_of));
            for symbol in [
                "AAPL", "SPY", "SPX", "BRK/B", "XLF", "NDX", "VIX", "YQWX", "F",
            ] {
                let chain = state.market.option_chain(symbol).expect(symbol);
                let class = state.market.asset_class(symbol);
                let context = format!("{PREFIX}{symbol}/nested");
                let old = items_envelope(vec![chains::nested_item(&chain, class)], &context);
                let old_bytes = old.to_string();
                let new = chains::nested_body(&chain, class, &context);
                assert_eq!(std::str::from_utf8(&new).unwrap(), old_bytes, "{symbol}");
                let path = ChainPath {
                    symbol: symbol.into(),
                    nested: true,
                };
                for _ in 0..2 {
                    let reply = produce(&state, &path).unwrap();
                    assert_eq!(reply.keep, Some(chains::NESTED_REQUIRED));
                    match &reply.body {
                        gate::Body::Json(b) => assert_eq!(&b[..], old_bytes.as_bytes(), "{symbol}"),
                        other => panic!("{symbol}: not serialised: {other:?}"),
                    }
                    assert_eq!(reply.body.into_value(), old, "{symbol}");
                }
            }
        }
    }
}

#[cfg(test)]
mod timing {
    use super::*;
    use crate::market::Market;
    use std::time::Instant;
    use volscreen_core::date::Date;

    pub(super) fn symbols() -> Vec<&'static str> {
        crate::market::LIQUID
            .iter()
            .copied()
            .filter(|s| !s.starts_with('/'))
            .take(50)
            .collect()
    }

    /// `cargo test --release --lib sim::rest::chains::timing -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn nested_chain_cost() {
        let as_of = Date::from_ymd(2026, 3, 20).unwrap();
        let syms = symbols();
        let market = Market::new(as_of);
        // Warm the price series (a scan has fetched metrics and candles already).
        for s in &syms {
            market.candles(s);
        }
        let t = Instant::now();
        let chains: Vec<_> = syms
            .iter()
            .map(|s| market.option_chain(s).unwrap())
            .collect();
        let gen = t.elapsed();
        let t = Instant::now();
        let _c: Vec<_> = syms
            .iter()
            .map(|s| market.option_chain(s).unwrap())
            .collect();
        let clone = t.elapsed();
        let t = Instant::now();
        let values: Vec<_> = chains
            .iter()
            .zip(&syms)
            .map(|(c, s)| {
                let ctx = format!("{PREFIX}{s}/nested");
                items_envelope(vec![chains::nested_item(c, market.asset_class(s))], &ctx)
            })
            .collect();
        let build = t.elapsed();
        let t = Instant::now();
        let bytes: usize = values.iter().map(|v| v.to_string().len()).sum();
        let ser = t.elapsed();
        let t = Instant::now();
        let typed: usize = chains
            .iter()
            .zip(&syms)
            .map(|(c, s)| {
                let ctx = format!("{PREFIX}{s}/nested");
                chains::nested_body(c, market.asset_class(s), &ctx).len()
            })
            .sum();
        let typed_t = t.elapsed();
        assert_eq!(typed, bytes);
        let n = syms.len() as f64;
        let per = |d: std::time::Duration| d.as_secs_f64() * 1e3 / n;
        eprintln!(
            "{} chains, {} KB avg: gen {:.2} ms, clone {:.2} ms, value {:.2} ms, to_string {:.2} ms, typed {:.2} ms",
            syms.len(),
            bytes / syms.len() / 1024,
            per(gen),
            per(clone),
            per(build),
            per(ser),
            per(typed_t)
        );
    }
}
