//! The demo market's named universe: the data table `data/names.csv` (compiled in), parsed once
//! into a static. One row per real equity, ETF and index the market knows, with its approximate
//! price level, long-run volatility, liquidity rating, earnings cycle, what it tracks (for ETFs
//! and derived indices) and, for recent IPOs, its listing date. The file's header comment
//! documents the columns, the sources and the precision.
//!
//! A malformed table never panics at run time: the table is then empty (every named symbol is
//! unknown) and the unit test `the_table_parses` fails, naming the line.

use std::collections::HashMap;
use std::sync::LazyLock;
use volscreen_core::date::Date;
use volscreen_core::symbol::AssetClass;

/// The table's text.
pub const TABLE_TEXT: &str = include_str!("../../data/names.csv");

/// The header row (after the `#` comments).
const HEADER: &str = "symbol,class,price,vol,liq,earnings,tracks,listed,name";

/// How a derived instrument follows its base.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Relation {
    /// The base's path, price × factor.
    Scale(f64),
    /// Daily log returns = beta × the base's plus the instrument's own noise.
    Beta(f64),
    /// Close-to-close simple returns = leverage × the base's, less fees and financing.
    Daily(f64),
    /// 100 × the base's 30-day implied volatility (the VIX from the S&P 500).
    Vix,
    /// Short-term VIX futures: beta × the VIX's daily log moves, less the contango roll.
    VixFutures(f64),
}

/// What a derived instrument follows: a table name or a futures root (`/GC`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Track {
    pub base: &'static str,
    pub relation: Relation,
}

/// An equity's quarterly earnings cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cycle {
    /// Month of the quarter in which it reports (1..=3).
    pub month: u32,
    /// Typical day of that month (1..=31; the month's last day when it is shorter).
    pub day: u32,
    /// Before the open (`BMO`) rather than after the close (`AMC`).
    pub bmo: bool,
    /// Days by which the annual report (the one in the January-March window) comes later than
    /// the quarterly ones.
    pub annual_delay: u32,
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct Name {
    pub symbol: &'static str,
    pub class: AssetClass,
    /// Close at the anchor date; `None` when derived (the VIX).
    pub price: Option<f64>,
    /// Long-run annualised volatility; `None` when it follows from `tracks`.
    pub vol: Option<f64>,
    /// Liquidity rating 1..=5.
    pub liquidity: u8,
    pub earnings: Option<Cycle>,
    pub tracks: Option<Track>,
    /// First session of a recent listing.
    pub listed: Option<Date>,
    pub description: &'static str,
}

/// The parsed table with an index by symbol.
#[derive(Debug, Default)]
pub struct Table {
    names: Vec<Name>,
    index: HashMap<&'static str, usize>,
}

impl Table {
    pub fn get(&self, symbol: &str) -> Option<&Name> {
        self.index.get(symbol).map(|&i| &self.names[i])
    }

    /// Every row, in file order.
    pub fn all(&self) -> &[Name] {
        &self.names
    }
}

static TABLE: LazyLock<Table> = LazyLock::new(|| parse(TABLE_TEXT).unwrap_or_default());

/// The row of `symbol` (normalised: trimmed, uppercase).
pub fn lookup(symbol: &str) -> Option<&'static Name> {
    TABLE.get(symbol)
}

/// Every row, in file order.
pub fn all() -> &'static [Name] {
    TABLE.all()
}

fn number(field: &str, what: &str) -> Result<Option<f64>, String> {
    if field.is_empty() {
        return Ok(None);
    }
    match field.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        _ => Err(format!("{what} {field:?} is not a number")),
    }
}

fn cycle(field: &str) -> Result<Option<Cycle>, String> {
    if field.is_empty() {
        return Ok(None);
    }
    let parts: Vec<&str> = field.split('/').collect();
    let bad = || format!("earnings {field:?} is not M/D/B or M/D/A, optionally +N");
    let [m, d, t] = parts.as_slice() else {
        return Err(bad());
    };
    let month: u32 = m.parse().map_err(|_| bad())?;
    let day: u32 = d.parse().map_err(|_| bad())?;
    let (t, delay) = t.split_once('+').unwrap_or((t, "0"));
    let annual_delay: u32 = delay.parse().map_err(|_| bad())?;
    let bmo = match t {
        "B" => true,
        "A" => false,
        _ => return Err(bad()),
    };
    if !(1..=3).contains(&month) || !(1..=31).contains(&day) || annual_delay > 45 {
        return Err(bad());
    }
    Ok(Some(Cycle {
        month,
        day,
        bmo,
        annual_delay,
    }))
}

fn track(field: &'static str) -> Result<Option<Track>, String> {
    if field.is_empty() {
        return Ok(None);
    }
    let bad = || format!("tracks {field:?} is not KIND:BASE:FACTOR");
    let mut it = field.split(':');
    let (Some(kind), Some(base), Some(factor), None) = (it.next(), it.next(), it.next(), it.next())
    else {
        return Err(bad());
    };
    let f: f64 = factor.parse().map_err(|_| bad())?;
    if !f.is_finite() || f == 0.0 || base.is_empty() {
        return Err(bad());
    }
    let relation = match kind {
        "scale" if f > 0.0 => Relation::Scale(f),
        "beta" if f > 0.0 => Relation::Beta(f),
        "daily" => Relation::Daily(f),
        "vix" => Relation::Vix,
        "vixf" if f > 0.0 => Relation::VixFutures(f),
        _ => return Err(bad()),
    };
    Ok(Some(Track { base, relation }))
}

/// Whether `s` can be a table symbol: 1..=6 characters from `A-Z` and `/` (`BRK/B`), starting
/// with a letter.
fn symbol_ok(s: &str) -> bool {
    let b = s.as_bytes();
    (1..=6).contains(&b.len())
        && b[0].is_ascii_uppercase()
        && b.iter().all(|c| c.is_ascii_uppercase() || *c == b'/')
        && !s.ends_with('/')
}

fn row(fields: &[&'static str]) -> Result<Name, String> {
    let [symbol, class, price, vol, liq, earnings, tracks, listed, name] = fields else {
        return Err(format!("{} columns, want 9", fields.len()));
    };
    if !symbol_ok(symbol) {
        return Err(format!("symbol {symbol:?} is malformed"));
    }
    let class = match *class {
        "equity" => AssetClass::Equity,
        "etf" => AssetClass::Etf,
        "index" => AssetClass::Index,
        other => return Err(format!("class {other:?} is not equity, etf or index")),
    };
    let price = number(price, "price")?;
    let vol = number(vol, "vol")?;
    let tracks = track(tracks)?;
    if price.is_some_and(|p| p <= 0.0) {
        return Err("price must be positive".into());
    }
    if vol.is_some_and(|v| !(0.01..=3.0).contains(&v)) {
        return Err("vol must be within 0.01..3".into());
    }
    // Own paths and beta followers need their level and their volatility; the VIX needs neither;
    // scaled and leveraged names take the volatility from their base.
    match tracks.map(|t| t.relation) {
        None | Some(Relation::Beta(_)) if price.is_none() || vol.is_none() => {
            return Err("price and vol are required".into())
        }
        Some(Relation::Scale(_) | Relation::Daily(_) | Relation::VixFutures(_))
            if price.is_none() || vol.is_some() =>
        {
            return Err("a scaled or leveraged name has a price and no vol".into())
        }
        _ => {}
    }
    let liquidity: u8 = liq
        .parse()
        .ok()
        .filter(|l| (1..=5).contains(l))
        .ok_or_else(|| format!("liq {liq:?} is not 1..5"))?;
    let earnings = cycle(earnings)?;
    if (class == AssetClass::Equity) != earnings.is_some() {
        return Err("equities have an earnings cycle, funds and indices none".into());
    }
    let listed = if listed.is_empty() {
        None
    } else {
        Some(
            listed
                .parse::<Date>()
                .map_err(|_| format!("listed {listed:?} is not YYYY-MM-DD"))?,
        )
    };
    Ok(Name {
        symbol,
        class,
        price,
        vol,
        liquidity,
        earnings,
        tracks,
        listed,
        description: name,
    })
}

/// Parse the table text: `#` comment lines and blank lines skipped, then the header, then one
/// row per name. Errors name the line.
pub fn parse(text: &'static str) -> Result<Table, String> {
    let mut table = Table::default();
    let mut header = false;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if !header {
            if line != HEADER {
                return Err(format!("line {n}: header {line:?}, want {HEADER:?}"));
            }
            header = true;
            continue;
        }
        let fields: Vec<&'static str> = line.split(',').map(str::trim).collect();
        let name = row(&fields).map_err(|e| format!("line {n}: {e}"))?;
        if table.index.insert(name.symbol, table.names.len()).is_some() {
            return Err(format!("line {n}: {} listed twice", name.symbol));
        }
        table.names.push(name);
    }
    if !header {
        return Err("no header".into());
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses() {
        let t = parse(TABLE_TEXT).unwrap_or_else(|e| panic!("data/names.csv: {e}"));
        assert!(t.all().len() > 480, "{}", t.all().len());
        assert_eq!(all().len(), t.all().len());
        let aapl = lookup("AAPL").expect("AAPL");
        assert_eq!(aapl.class, AssetClass::Equity);
        assert_eq!(
            aapl.earnings,
            Some(Cycle {
                month: 1,
                day: 30,
                bmo: false,
                annual_delay: 0,
            })
        );
        assert_eq!(
            lookup("SPY").and_then(|n| n.tracks),
            Some(Track {
                base: "SPX",
                relation: Relation::Scale(0.0998)
            })
        );
        assert!(lookup("APPL").is_none() && lookup("TICKER").is_none());
        assert_eq!(
            lookup("KO")
                .and_then(|n| n.earnings)
                .map(|c| c.annual_delay),
            Some(18)
        );
    }

    #[test]
    fn malformed_rows_are_errors_not_panics() {
        let ok = "symbol,class,price,vol,liq,earnings,tracks,listed,name\n";
        assert!(parse(ok).is_ok());
        for bad in [
            "AAPL,equity,272,0.26,5,1/30/A,,,Apple,extra",
            "AAPL,stock,272,0.26,5,1/30/A,,,Apple",
            "AAPL,equity,-1,0.26,5,1/30/A,,,Apple",
            "AAPL,equity,272,0.26,6,1/30/A,,,Apple",
            "AAPL,equity,272,0.26,5,4/30/A,,,Apple",
            "AAPL,equity,272,0.26,5,1/32/A,,,Apple",
            "AAPL,equity,272,0.26,5,1/30/A+x,,,Apple",
            "AAPL,equity,272,0.26,5,1/30/A+60,,,Apple",
            "AAPL,equity,272,0.26,5,1/30/X,,,Apple",
            "AAPL,equity,272,0.26,5,,,,Apple",
            "AAPL,equity,272,,5,1/30/A,,,Apple",
            "SPY,etf,684,,5,1/30/A,scale:SPX:0.0998,,SPDR",
            "SPY,etf,684,0.2,5,,scale:SPX:0.0998,,SPDR",
            "SPY,etf,684,,5,,scale:SPX,,SPDR",
            "SPY,etf,684,,5,,copy:SPX:1,,SPDR",
            "aapl,equity,272,0.26,5,1/30/A,,,Apple",
            "AAPL,equity,272,0.26,5,1/30/A,,2025-13-01,Apple",
            "AAPL,equity,abc,0.26,5,1/30/A,,,Apple",
        ] {
            let text: &'static str = Box::leak(format!("# c\n{ok}{bad}\n").into_boxed_str());
            let err = parse(text).err().unwrap_or_default();
            assert!(err.starts_with("line 3:"), "{bad}: {err:?}");
        }
        let twice: &'static str = Box::leak(
            format!("{ok}X,equity,1,0.2,1,1/1/A,,,x\nX,equity,1,0.2,1,1/1/A,,,x\n")
                .into_boxed_str(),
        );
        assert!(parse(twice).is_err());
        assert!(parse("symbol,class\n").is_err());
    }
}
