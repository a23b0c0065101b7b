//! Screening: named filters, the score and the signal, pure functions over one symbol's fields.
//!
//! - [`filters`]: small independent predicates, each reporting pass/fail with the numbers compared.
//! - [`columns`]: the numeric columns by JSON name (what `--sort` and `--min`/`--max` name).
//! - [`bounds`]: command-line thresholds (`--min`/`--max`) on the profile.
//! - [`exclude`]: symbols and classes left out of the scan (`--exclude`, `--exclude-class`).
//! - [`score`]: the documented 0..100 blend.
//! - [`rank`]: the candidates' order (by score, or `--sort FIELD`).
//! - [`signal`]: EVENT, RICH, COILED, EXPANDING, DISCOUNT, FAIR.

pub mod bounds;
pub mod columns;
pub mod exclude;
pub mod filters;
pub mod rank;
pub mod score;
pub mod signal;
