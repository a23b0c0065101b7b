//! Screening: named filters, the score and the signal, pure functions over one symbol's fields.
//!
//! - [`filters`]: small independent predicates, each reporting pass/fail with the numbers compared.
//! - [`score`]: the documented 0..100 blend.
//! - [`signal`]: EVENT, RICH, COILED, EXPANDING, DISCOUNT, FAIR.

pub mod filters;
pub mod score;
pub mod signal;
