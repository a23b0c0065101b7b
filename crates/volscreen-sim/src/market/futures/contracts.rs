//! Futures contracts: a contract month of a product ([`ContractRef`]) and its symbols, parsing
//! root and contract symbols (a contract exists only while it is listed), and which contracts are
//! listed on a date with exactly one active month (and the next one).

use super::product::{month_code, Product};
use super::table::PRODUCTS;
use crate::market::universe::Underlying;
use volscreen_core::date::Date;
use volscreen_core::symbol::month_of_code;

/// A contract month of a product: the contract's month and full year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContractRef {
    pub month: u32,
    pub year: i32,
}

impl ContractRef {
    /// `/ESZ6`.
    pub fn symbol(&self, p: &Product) -> String {
        format!("/{}{}", p.code, self.code_suffix(1))
    }

    /// `/ESZ26:XCME`.
    pub fn streamer_symbol(&self, p: &Product) -> String {
        format!("/{}{}:{}", p.code, self.code_suffix(2), p.streamer)
    }

    /// Month code and 1 or 2 year digits: `Z6`, `Z26`.
    pub fn code_suffix(&self, digits: u32) -> String {
        let code = month_code(self.month).unwrap_or('F');
        let y = self.year.rem_euclid(if digits == 1 { 10 } else { 100 });
        if digits == 1 {
            format!("{code}{y}")
        } else {
            format!("{code}{y:02}")
        }
    }

    pub fn expiration(&self, p: &Product) -> Date {
        p.expiration(self.year, self.month)
    }
}

/// Parse `/ES`, `/ESZ6`, `/ESZ26`, `/ESZ26:XCME` (already uppercased) into a root or a contract
/// of a listed product that is listed on `as_of` (`None` otherwise). One-digit years resolve to
/// the first matching year from `as_of`'s year minus two.
pub fn parse_future(s: &str, as_of: Date) -> Option<Underlying> {
    let (body, exch) = match s.split_once(':') {
        Some((b, e)) => (b, Some(e)),
        None => (s, None),
    };
    let code = body.strip_prefix('/')?;
    if code.is_empty() || !code.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    if let Some(p) = PRODUCTS.iter().find(|p| p.code == code) {
        return exch.is_none().then_some(Underlying::FutureRoot(p));
    }
    // A contract: product code + month letter + 1..=2 year digits. Several products share
    // prefixes (M2K vs MES), so try every product whose code prefixes the body.
    for p in PRODUCTS.iter().filter(|p| code.starts_with(p.code)) {
        let rest = &code[p.code.len()..];
        let mut chars = rest.chars();
        let Some(letter) = chars.next() else { continue };
        let digits: &str = chars.as_str();
        let Some(month) = month_of_code(letter) else {
            continue;
        };
        if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let n: i32 = digits.parse().ok()?;
        let year = if digits.len() == 2 {
            2000 + n
        } else {
            let base = as_of.year() - 2;
            base + (n - base).rem_euclid(10)
        };
        if !p.is_listed(month) {
            continue;
        }
        if let Some(e) = exch {
            if e != p.streamer {
                continue;
            }
        }
        // Exactly that contract, if it is listed on the as-of date: an expired or not yet listed
        // contract is unknown, never the root or another month.
        let c = ContractRef { month, year };
        if listed_contracts(p, as_of).iter().any(|l| l.contract == c) {
            return Some(Underlying::FutureContract(p, c));
        }
    }
    None
}

/// One listed contract as the market lists it on `as_of`.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub contract: ContractRef,
    pub expiration: Date,
    pub active: bool,
    pub next_active: bool,
}

/// The contracts of `p` listed on `as_of`, nearest expiration first, with exactly one active month
/// (the first active-cycle contract expiring more than a week after `as_of`) and the next one.
pub fn listed_contracts(p: &Product, as_of: Date) -> Vec<Listed> {
    let want = match p.listed.len() {
        12 => 12,
        n if n <= 4 => 5,
        _ => 8,
    };
    let mut out: Vec<Listed> = Vec::with_capacity(want);
    let (mut y, mut m) = (as_of.year(), as_of.month());
    // Contracts whose month is a month or two ahead may already expire before their month
    // (crude, gas): start a month back.
    if m == 1 {
        y -= 1;
        m = 12;
    } else {
        m -= 1;
    }
    for _ in 0..48 {
        if p.is_listed(m) {
            let exp = p.expiration(y, m);
            if exp >= as_of {
                out.push(Listed {
                    contract: ContractRef { month: m, year: y },
                    expiration: exp,
                    active: false,
                    next_active: false,
                });
                if out.len() >= want {
                    break;
                }
            }
        }
        m += 1;
        if m > 12 {
            m = 1;
            y += 1;
        }
    }
    let candidates: Vec<usize> = (0..out.len())
        .filter(|&i| p.is_active(out[i].contract.month))
        .collect();
    let active = candidates
        .iter()
        .copied()
        .find(|&i| out[i].expiration.days_since(as_of) > 7)
        .or_else(|| candidates.first().copied());
    if let Some(a) = active {
        out[a].active = true;
        if let Some(&n) = candidates.iter().find(|&&i| i > a) {
            out[n].next_active = true;
        }
    }
    out
}

/// The active contract of `p` on `as_of`.
pub fn active_contract(p: &Product, as_of: Date) -> Option<Listed> {
    listed_contracts(p, as_of).into_iter().find(|l| l.active)
}

#[cfg(test)]
mod tests {
    use super::super::table::product;
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().expect("date")
    }

    #[test]
    fn parses_contract_forms() {
        let as_of = d("2026-11-20");
        let es = product("ES").expect("ES");
        let z26 = ContractRef {
            month: 12,
            year: 2026,
        };
        for s in ["/ESZ6", "/ESZ26", "/ESZ26:XCME"] {
            assert_eq!(
                parse_future(s, as_of),
                Some(Underlying::FutureContract(es, z26)),
                "{s}"
            );
        }
        assert_eq!(parse_future("/ES", as_of), Some(Underlying::FutureRoot(es)));
        assert_eq!(parse_future("/ESF7", as_of), None, "F is not an ES month");
        let h27 = Some(Underlying::FutureContract(
            es,
            ContractRef {
                month: 3,
                year: 2027,
            },
        ));
        for s in ["/ESH27", "/ESH7", "/ESH27:XCME"] {
            assert_eq!(parse_future(s, as_of), h27, "{s}");
        }
        // Expired, and too far out to be listed yet.
        assert_eq!(parse_future("/ESZ5", as_of), None);
        assert_eq!(parse_future("/ESU26", as_of), None);
        assert_eq!(parse_future("/ESH29", as_of), None);
        assert_eq!(
            parse_future("/ESZ6", d("2026-12-21")),
            None,
            "expired on the 18th"
        );
        assert_eq!(parse_future("/ESZ26:XNYM", as_of), None);
        assert_eq!(parse_future("/QQ", as_of), None);
        let m2k = product("M2K").expect("M2K");
        assert_eq!(
            parse_future("/M2KH7", as_of),
            Some(Underlying::FutureContract(
                m2k,
                ContractRef {
                    month: 3,
                    year: 2027
                }
            ))
        );
        assert_eq!(z26.symbol(es), "/ESZ6");
        assert_eq!(z26.streamer_symbol(es), "/ESZ26:XCME");
    }

    #[test]
    fn exactly_one_active_month() {
        let mut day = d("2026-01-02");
        while day < d("2027-06-30") {
            for p in PRODUCTS {
                let l = listed_contracts(p, day);
                assert!(l.len() >= 5, "{} {day}", p.code);
                assert_eq!(l.iter().filter(|c| c.active).count(), 1, "{} {day}", p.code);
                assert!(l.iter().filter(|c| c.next_active).count() <= 1);
                assert!(l.windows(2).all(|w| w[0].expiration <= w[1].expiration));
                assert!(l.iter().all(|c| c.expiration >= day));
            }
            day = day.add_days(5);
        }
        // Within a week of the December expiry, ES rolls to March.
        let l = listed_contracts(product("ES").expect("ES"), d("2026-12-14"));
        let active = l.iter().find(|c| c.active).expect("active");
        assert_eq!(
            active.contract,
            ContractRef {
                month: 3,
                year: 2027
            }
        );
    }
}
