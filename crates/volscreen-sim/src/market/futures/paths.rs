//! The price path each futures root and contract follows. A root is the spot: its own path, or
//! the one of the index or root it tracks, scaled. A contract is the spot times its basis on each
//! session, exp(carry × years from the session to the contract's expiration): deferred contracts
//! sit above the spot in contango and below it in backwardation, and the basis shrinks to nothing
//! at expiry. A contract's candles depend on their own sessions only, never on the as-of date.

use super::contracts::ContractRef;
use super::product::Product;
use super::table::product;
use crate::market::universe::{self, PathSpec};
use crate::rng::unit;

/// The path a product's root (the spot) follows: its own, or the index or root it tracks.
pub fn root_path(p: &Product) -> PathSpec {
    let tracked = match p.alias {
        Some((base, scale)) => {
            let spec = match base.strip_prefix('/').and_then(product) {
                // Roots track roots one level deep (the micros), never themselves.
                Some(b) if b.code != p.code && b.alias.is_none() => own_root_path(b),
                Some(_) => own_root_path(p),
                None => universe::stock_path(base),
            };
            Some((spec, scale))
        }
        None => None,
    };
    match tracked {
        Some((spec, scale)) => PathSpec {
            anchor_price: spec.anchor_price * scale,
            tick: p.tick,
            volume: p.volume,
            listing: None,
            earnings_k: 0.0,
            earnings: None,
            ..spec
        },
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
        earnings: None,
        listing: None,
        premium: 0.95 + 0.45 * unit(p.code, "premium"),
        follow: None,
        basis: None,
    }
}

/// The path of one contract: the spot's, times its basis on each session.
pub fn contract_path(p: &Product, c: &ContractRef) -> PathSpec {
    PathSpec {
        basis: Some((c.expiration(p), p.carry)),
        ..root_path(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_follow_their_index_or_root() {
        let es = product("ES").expect("ES");
        let spx = universe::stock_path("SPX");
        let root = root_path(es);
        assert_eq!(root.key, spx.key);
        assert_eq!(root.anchor_price, spx.anchor_price);
        assert_eq!(root.tick, 0.25);
        let mgc = root_path(product("MGC").expect("MGC"));
        assert_eq!(mgc.key, "/GC");
        let ym = root_path(product("YM").expect("YM"));
        assert!((ym.anchor_price / universe::stock_path("DJX").anchor_price - 100.0).abs() < 1e-9);
        let z6 = ContractRef {
            month: 12,
            year: 2026,
        };
        let c = contract_path(es, &z6);
        assert_eq!(c.basis, Some((z6.expiration(es), es.carry)));
        assert_eq!(c.key, root.key);
    }
}
