//! The score: 0..100, a weighted mean of components that each lie in 0..1.
//!
//! | component | value in 0..1 |
//! |---|---|
//! | premium | mean of clamp((vrp_structural − 1)/(cap − 1)) and clamp((vrp_tactical − 1)/(cap − 1)): only premium above 1 counts |
//! | iv_percentile | the IV percentile itself |
//! | trend | clamp(1 − \|vtr − 1\| / 0.5): best when recent realised volatility matches the longer term |
//! | expected_move | clamp(expected_move / move_cap): more premium to collect |
//! | liquidity | liquidity_rating / 5 |
//!
//! Score = 100 × Σ wᵢcᵢ / Σ wᵢ over the components that are known (an unknown component neither
//! helps nor hurts). Weights and caps live in `[score]` of the configuration.

use crate::config::ScoreWeights;
use crate::model::SymbolFields;

fn clamp01(x: f64) -> f64 {
    if x.is_nan() {
        0.0
    } else {
        x.clamp(0.0, 1.0)
    }
}

/// The premium component of one VRP ratio.
pub fn premium_component(vrp: f64, cap: f64) -> f64 {
    clamp01((vrp - 1.0) / (cap - 1.0))
}

/// Score of a symbol, 0..100, rounded to 0.1; `None` if no component is known.
pub fn score(f: &SymbolFields, w: &ScoreWeights) -> Option<f64> {
    let premium = match (f.vrp_structural, f.vrp_tactical) {
        (Some(s), Some(t)) => {
            Some((premium_component(s, w.premium_cap) + premium_component(t, w.premium_cap)) / 2.0)
        }
        (Some(x), None) | (None, Some(x)) => Some(premium_component(x, w.premium_cap)),
        (None, None) => None,
    };
    let parts = [
        (w.premium, premium),
        (w.iv_percentile, f.iv_percentile.map(clamp01)),
        (w.trend, f.vtr.map(|v| clamp01(1.0 - (v - 1.0).abs() / 0.5))),
        (
            w.expected_move,
            f.expected_move.map(|m| clamp01(m / w.move_cap)),
        ),
        (
            w.liquidity,
            f.liquidity_rating.map(|r| clamp01(r as f64 / 5.0)),
        ),
    ];
    let (num, den) = parts
        .iter()
        .filter_map(|(wt, c)| c.map(|c| (wt * c, *wt)))
        .fold((0.0, 0.0), |(n, d), (a, b)| (n + a, d + b));
    (den > 0.0).then(|| (1000.0 * num / den).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn worked_example() {
        let w = Config::builtin().score;
        // premium: vrp_s 1.5 → 0.5, vrp_t 2.5 → 1.0 (capped) → 0.75
        // ivp 0.8; trend: vtr 1.1 → 0.8; move 0.075/0.15 → 0.5; liquidity 4/5 → 0.8
        // (0.40·0.75 + 0.20·0.8 + 0.10·0.8 + 0.15·0.5 + 0.15·0.8) / 1.0 = 0.735
        let f = SymbolFields {
            vrp_structural: Some(1.5),
            vrp_tactical: Some(2.5),
            iv_percentile: Some(0.8),
            vtr: Some(1.1),
            expected_move: Some(0.075),
            liquidity_rating: Some(4),
            ..SymbolFields::default()
        };
        assert_eq!(score(&f, &w), Some(73.5));
    }

    #[test]
    fn only_premium_above_one_counts_and_unknowns_drop_out() {
        let w = Config::builtin().score;
        let f = SymbolFields {
            vrp_structural: Some(0.7),
            vrp_tactical: Some(0.9),
            iv_percentile: Some(1.0),
            ..SymbolFields::default()
        };
        // premium 0 (weight 0.4), ivp 1 (weight 0.2) → 0.2/0.6
        assert_eq!(score(&f, &w), Some(33.3));
        assert_eq!(score(&SymbolFields::default(), &w), None);
        let max = SymbolFields {
            vrp_structural: Some(9.0),
            vrp_tactical: Some(9.0),
            iv_percentile: Some(1.0),
            vtr: Some(1.0),
            expected_move: Some(1.0),
            liquidity_rating: Some(5),
            ..SymbolFields::default()
        };
        assert_eq!(score(&max, &w), Some(100.0));
    }
}
