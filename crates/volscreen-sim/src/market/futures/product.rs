//! What a futures product is: the [`Product`] record (codes, exchange, months, contract terms,
//! option terms and the parameters of its price model) and the [`ExpiryRule`]s that turn a
//! contract month into a last trade date.
//!
//! Expiration rules are the exchanges' standing rules, simplified, with NYSE sessions standing in
//! for exchange business days.

use crate::calendar;
use volscreen_core::date::Date;
use volscreen_core::symbol::MONTH_CODES;

/// How a product's contracts expire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryRule {
    /// Third Friday of the contract month (equity index futures).
    ThirdFriday,
    /// Three sessions before the 25th of the month before the contract month (crude oil).
    Crude,
    /// Three sessions before the first day of the contract month (natural gas).
    NatGas,
    /// Third-last session of the contract month (metals).
    ThirdLastSession,
    /// Seven sessions before the last session of the contract month (Treasuries).
    Treasury,
    /// Two sessions before the third Wednesday of the contract month (currencies).
    Currency,
    /// The session before the 15th of the contract month (grains).
    Grain,
    /// Last session of the contract month (live cattle).
    LastSession,
    /// Tenth session of the contract month (lean hogs).
    TenthSession,
    /// Last Friday of the contract month (bitcoin).
    LastFriday,
}

/// A futures product.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    /// Product code without the slash (`ES`).
    pub code: &'static str,
    pub description: &'static str,
    /// Listing exchange (`CME`).
    pub exchange: &'static str,
    /// Exchange code in streamer symbols (`XCME`).
    pub streamer: &'static str,
    /// Month codes of the listed contracts (`HMUZ`).
    pub listed: &'static str,
    /// Month codes that can be the active month (a subset of `listed`).
    pub active: &'static str,
    /// Notional multiplier (dollars per point).
    pub multiplier: f64,
    /// Price tick.
    pub tick: f64,
    pub display_factor: f64,
    /// Market sector (`Equity Index`, `Energy`, ...).
    pub sector: &'static str,
    /// `Financial` or `Physical`.
    pub product_type: &'static str,
    pub cash_settled: bool,
    /// Futures option root (`EW`).
    pub option_root: &'static str,
    /// Spot price level at the anchor date (when not an alias), in the contract's quote units.
    pub price: f64,
    /// Long-run volatility (when not an alias).
    pub vol: f64,
    /// Path shared with another symbol (an index or another root), scaled.
    pub alias: Option<(&'static str, f64)>,
    pub rule: ExpiryRule,
    /// Base option strike increment.
    pub strike_inc: f64,
    /// Annual carry: on each session a contract is priced at the spot path times
    /// exp(carry × years from the session to its expiration), so the basis shrinks to nothing at
    /// expiry (r − q for equity indices, about r for metals, the rate difference for currencies,
    /// negative in backwardation).
    pub carry: f64,
    /// Liquidity rating of the product (1..=5).
    pub liquidity: u8,
    /// Typical daily contract volume.
    pub volume: f64,
    /// Whether options have weekly expirations.
    pub weeklies: bool,
}

impl Product {
    pub fn root_symbol(&self) -> String {
        format!("/{}", self.code)
    }

    pub fn listed_months(&self) -> Vec<char> {
        self.listed.chars().collect()
    }

    pub fn active_months(&self) -> Vec<char> {
        self.active.chars().collect()
    }

    /// Whether contracts of `month` (1..=12) are listed.
    pub(super) fn is_listed(&self, month: u32) -> bool {
        month_code(month).is_some_and(|c| self.listed.contains(c))
    }

    /// Whether a contract of `month` (1..=12) can be the active month.
    pub(super) fn is_active(&self, month: u32) -> bool {
        month_code(month).is_some_and(|c| self.active.contains(c))
    }

    /// Expiration (last trade) date of the contract for `month` of `year`.
    pub fn expiration(&self, year: i32, month: u32) -> Date {
        let first = Date::from_ymd(year, month, 1).unwrap_or(Date::from_days(0));
        let last_session = calendar::trading_day_on_or_before(
            Date::from_ymd(
                year,
                month,
                volscreen_core::date::days_in_month(year, month),
            )
            .unwrap_or(first),
        );
        match self.rule {
            ExpiryRule::ThirdFriday => {
                calendar::trading_day_on_or_before(Date::third_friday(year, month))
            }
            ExpiryRule::Crude => {
                let (py, pm) = if month == 1 {
                    (year - 1, 12)
                } else {
                    (year, month - 1)
                };
                let d25 = Date::from_ymd(py, pm, 25).unwrap_or(first);
                calendar::add_trading_days(d25, -3)
            }
            ExpiryRule::NatGas => calendar::add_trading_days(first.add_days(-1), -2),
            ExpiryRule::ThirdLastSession => calendar::add_trading_days(last_session, -2),
            ExpiryRule::Treasury => calendar::add_trading_days(last_session, -7),
            ExpiryRule::Currency => {
                let wed = Date::nth_weekday(year, month, 2, 3).unwrap_or(first);
                calendar::add_trading_days(wed, -2)
            }
            ExpiryRule::Grain => calendar::prev_trading_day(first.add_days(14)),
            ExpiryRule::LastSession => last_session,
            ExpiryRule::TenthSession => {
                calendar::add_trading_days(calendar::trading_day_on_or_after(first), 9)
            }
            ExpiryRule::LastFriday => {
                calendar::trading_day_on_or_before(Date::last_weekday(year, month, 4))
            }
        }
    }
}

/// Month code letter of a month (1..=12).
pub fn month_code(month: u32) -> Option<char> {
    MONTH_CODES.get(month.checked_sub(1)? as usize).copied()
}

#[cfg(test)]
mod tests {
    use super::super::product;
    use volscreen_core::date::Date;

    #[test]
    fn expirations() {
        let es = product("ES").expect("ES");
        assert_eq!(
            es.expiration(2026, 12),
            Date::from_ymd(2026, 12, 18).expect("date")
        );
        let cl = product("CL").expect("CL");
        // CLF7: 25 Dec 2026 is a holiday; three sessions before 24 Dec.
        assert!(cl.expiration(2027, 1) < Date::from_ymd(2026, 12, 24).expect("date"));
        let e6 = product("6E").expect("6E");
        assert_eq!(
            e6.expiration(2026, 12),
            Date::from_ymd(2026, 12, 14).expect("date")
        );
    }
}
