//! The price path each futures root and contract follows: a root follows its own path or the one
//! of the index or root it tracks (scaled); every contract follows its root's path times a constant
//! basis that depends only on the contract's expiration, so a contract's candles never depend on
//! the as-of date.

use super::contracts::ContractRef;
use super::product::Product;
use super::table::product;
use crate::market::universe::{self, PathSpec};
use crate::rng::unit;

/// The path a product's root follows (its own, or the index it tracks).
pub fn root_path(p: &Product) -> PathSpec {
    match p.alias {
        Some((base, scale)) if base.starts_with('/') => {
            let mut spec = product(base)
                .map(root_path)
                .unwrap_or_else(|| own_root_path(p));
            spec.anchor_price *= scale;
            spec.tick = p.tick;
            spec.volume = p.volume;
            spec
        }
        Some((base, scale)) => {
            let mut spec = universe::stock_path(base, volscreen_core::symbol::AssetClass::Index);
            spec.anchor_price *= scale;
            spec.tick = p.tick;
            spec.volume = p.volume;
            spec
        }
        None => own_root_path(p),
    }
}

fn own_root_path(p: &Product) -> PathSpec {
    PathSpec {
        key: p.root_symbol(),
        theta: p.vol,
        drift: 0.02,
        anchor_price: p.price,
        tick: p.tick,
        volume: p.volume,
        earnings_k: 0.0,
        earnings_phase: 0,
        earnings_bmo: false,
        listing: None,
        premium: 0.95 + 0.45 * unit(p.code, "premium"),
    }
}

/// The path of one contract: the root's, times a basis fixed by the contract's expiration.
pub fn contract_path(p: &Product, c: &ContractRef) -> PathSpec {
    let mut spec = root_path(p);
    let years = c.expiration(p).days_since(crate::market::path::anchor()) as f64 / 365.25;
    spec.anchor_price *= (p.carry * years).exp();
    spec
}
