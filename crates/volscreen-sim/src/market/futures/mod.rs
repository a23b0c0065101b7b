//! Futures in the demo market, one job per file:
//!
//! - `product.rs`: what a product is ([`Product`]) and its expiration rules ([`ExpiryRule`]);
//! - `table.rs`: the listed products ([`PRODUCTS`]), one named-field record each;
//! - `contracts.rs`: contract months and symbols, parsing them, and the listed contracts of a
//!   date with their active month;
//! - `paths.rs`: the price path each root and contract follows.
//!
//! Everything here is a pure function of its arguments; the market (`super`) caches and shapes it.

mod contracts;
mod paths;
mod product;
mod table;

pub use contracts::{active_contract, listed_contracts, parse_future, ContractRef, Listed};
pub use paths::{contract_path, root_path};
pub use product::{ExpiryRule, Product};
pub use table::{product, PRODUCTS};
