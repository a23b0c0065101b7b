//! Test fixtures shared by the cache's unit tests: a scratch directory per test and two option
//! chains (an equity chain and a futures chain with its contracts) to store and read back.

use crate::date::Date;
use crate::tastytrade::{ChainKind, Expiration, FutureContract, OptionChain, Strike};
use std::path::PathBuf;

/// A fresh directory for one test, removed on drop.
pub(super) struct Dir(PathBuf);

impl Dir {
    pub(super) fn new(tag: &str) -> Dir {
        let p =
            std::env::temp_dir().join(format!("volscreen-cache-unit-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Dir(p)
    }

    pub(super) fn file(&self) -> PathBuf {
        self.0.join("candles.sqlite3")
    }

    /// Every file in the directory but the cache and its companions.
    pub(super) fn others(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                let name = p.file_name().unwrap().to_string_lossy().to_string();
                !name.starts_with("candles.sqlite3") || name.starts_with("candles.sqlite3.foreign-")
            })
            .collect();
        v.sort();
        v
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(super) fn day(s: &str) -> Date {
    s.parse().unwrap()
}

fn strike(root: &str, exp: &str, price: f64) -> Strike {
    let k = format!("{:08}", (price * 1000.0) as i64);
    Strike {
        price,
        call: Some(format!("{root:<6}{exp}C{k}")),
        call_streamer: Some(format!(".{root}{exp}C{price}")),
        put: Some(format!("{root:<6}{exp}P{k}")),
        put_streamer: Some(format!(".{root}{exp}P{price}")),
    }
}

/// An equity chain with two roots' worth of expirations, odd fields and a one-sided strike.
pub(super) fn equity_chain() -> OptionChain {
    let mut weekly = Expiration {
        date: day("2026-12-24"),
        dte: Some(34),
        expiration_type: Some("Weekly".into()),
        settlement: Some("PM".into()),
        root_symbol: Some("SPXW".into()),
        option_root_symbol: None,
        chain_type: Some("Standard".into()),
        shares_per_contract: Some(100.0),
        underlying_symbol: Some("SPX".into()),
        strikes: (0..40)
            .map(|k| strike("SPXW", "261224", 5000.0 + 5.0 * k as f64))
            .collect(),
    };
    weekly.strikes[3].put = None;
    weekly.strikes[3].put_streamer = None;
    let monthly = Expiration {
        date: day("2027-01-15"),
        dte: None,
        expiration_type: Some("Regular".into()),
        settlement: Some("AM".into()),
        root_symbol: Some("SPX".into()),
        option_root_symbol: None,
        chain_type: None,
        shares_per_contract: None,
        underlying_symbol: Some("SPX".into()),
        strikes: (0..25)
            .map(|k| strike("SPX", "270115", 4900.0 + 12.5 * k as f64))
            .collect(),
    };
    OptionChain {
        symbol: "SPX".into(),
        kind: ChainKind::Equity,
        underlying: Some("SPX".into()),
        expirations: vec![weekly, monthly],
        futures: Vec::new(),
    }
}

/// A futures chain with its contracts (and text beyond ASCII where a server may send it).
pub(super) fn futures_chain() -> OptionChain {
    let exp = Expiration {
        date: day("2026-12-18"),
        dte: Some(-2),
        expiration_type: Some("Quarterly".into()),
        settlement: None,
        root_symbol: Some("/ES".into()),
        option_root_symbol: Some("ES".into()),
        chain_type: None,
        shares_per_contract: Some(50.0),
        underlying_symbol: Some("/ESZ6".into()),
        strikes: vec![
            Strike {
                price: 6000.0,
                call: Some("./ESZ6 ESZ6 261218C6000".into()),
                call_streamer: Some("./ESZ26C6000:XCME".into()),
                put: Some("./ESZ6 ESZ6 261218P6000".into()),
                put_streamer: Some("./ESZ26P6000:XCME".into()),
            },
            Strike {
                price: 6005.25,
                call: Some("./ESZ6 ESZ6 261218C6005.25é".into()),
                call_streamer: Some("./ESZ26C6005.25é:XCME".into()),
                put: Some("./ESZ6 ESZ6 261218P6005.25è".into()),
                put_streamer: None,
            },
        ],
    };
    OptionChain {
        symbol: "ES".into(),
        kind: ChainKind::Future,
        underlying: None,
        expirations: vec![exp],
        futures: vec![FutureContract {
            symbol: "/ESZ6".into(),
            product_code: Some("ES".into()),
            root_symbol: Some("/ES".into()),
            streamer_symbol: Some("/ESZ26:XCME".into()),
            expiration_date: Some(day("2026-12-18")),
            last_trade_date: None,
            days_to_expiration: Some(28),
            active_month: Some(true),
            next_active_month: Some(false),
            active: None,
            is_tradeable: Some(true),
            is_closing_only: Some(false),
            exchange: Some("CME".into()),
            description: Some("E-mini S&P 500 – Dezember".into()),
        }],
    }
}
