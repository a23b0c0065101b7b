//! Asset classes and symbol forms shared by every layer: equity tickers (`BRK/B`), index symbols
//! (`SPX`), futures roots (`/ES`) and contracts (`/ESZ6`, `/ESZ26`), DXLink streamer symbols
//! (`/ESZ26:XCME`) and candle symbols (`AAPL{=1d}`).

use serde::{Deserialize, Serialize};

/// What kind of underlying a symbol is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AssetClass {
    Equity,
    Etf,
    Index,
    Future,
}

impl AssetClass {
    pub fn as_str(self) -> &'static str {
        match self {
            AssetClass::Equity => "equity",
            AssetClass::Etf => "etf",
            AssetClass::Index => "index",
            AssetClass::Future => "future",
        }
    }
}

/// Cash indices volscreen knows by name (they have no shares and stream under their own names).
pub const INDICES: &[&str] = &["SPX", "NDX", "RUT", "VIX", "DJX", "XSP", "OEX", "XEO"];

/// ETFs (and ETNs) volscreen classifies as `etf`: the exchange-traded funds of the default watchlist
/// and other common ones. The tastytrade API reports ETFs as `Equity`, so the class comes from here.
pub const KNOWN_ETFS: &[&str] = &[
    "SPY", "QQQ", "IWM", "DIA", "XLF", "XLE", "XLK", "XLV", "XLI", "XLY", "XLP", "XLU", "XLB",
    "XLRE", "XLC", "SMH", "SOXX", "TLT", "IEF", "SHY", "GLD", "SLV", "HYG", "JNK", "LQD", "EEM",
    "EFA", "FXI", "KWEB", "ARKK", "ARKG", "SOXL", "SOXS", "TQQQ", "SQQQ", "SPXL", "SPXS", "TNA",
    "FAS", "LABU", "TMF", "UVXY", "VXX", "SVXY", "XBI", "IBB", "KRE", "KBE", "XRT", "XHB", "ITB",
    "XOP", "OIH", "XME", "GDX", "GDXJ", "USO", "UNG", "IBIT", "FBTC", "ETHA", "BITO", "EWZ", "EWJ",
    "EWW", "EWY", "EWT", "INDA", "MCHI", "ASHR", "VNQ", "IYR", "TAN", "ICLN", "URA", "COPX", "SIL",
    "VTI", "VOO", "VEA", "VWO", "BKLN", "EMB", "SCHD", "JETS", "RSP", "IVV",
];

/// The asset class of a normalised symbol: futures start with `/`, the cash indices are listed in
/// [`INDICES`], ETFs in [`KNOWN_ETFS`]; everything else is an equity.
pub fn classify(symbol: &str) -> AssetClass {
    if is_future(symbol) {
        AssetClass::Future
    } else if is_index(symbol) {
        AssetClass::Index
    } else if KNOWN_ETFS.contains(&symbol) {
        AssetClass::Etf
    } else {
        AssetClass::Equity
    }
}

/// Whether `symbol` is a futures root or contract (starts with `/`).
pub fn is_future(symbol: &str) -> bool {
    symbol.starts_with('/')
}

/// Whether `symbol` is a known cash index.
pub fn is_index(symbol: &str) -> bool {
    INDICES.contains(&symbol)
}

/// The DXLink daily candle symbol for a streamer symbol: `AAPL` → `AAPL{=1d}`.
pub fn candle_symbol(streamer_symbol: &str) -> String {
    format!("{streamer_symbol}{{=1d}}")
}

/// Split a candle symbol into its base symbol and its attributes: `AAPL{=1d,tho=true}` →
/// (`AAPL`, `=1d,tho=true`). A symbol without braces has empty attributes.
pub fn split_candle_symbol(s: &str) -> (&str, &str) {
    match (s.find('{'), s.ends_with('}')) {
        (Some(i), true) => (&s[..i], &s[i + 1..s.len() - 1]),
        _ => (s, ""),
    }
}

/// The month code letters of futures contracts, January to December.
pub const MONTH_CODES: [char; 12] = ['F', 'G', 'H', 'J', 'K', 'M', 'N', 'Q', 'U', 'V', 'X', 'Z'];

/// Month (1..=12) of a futures month code letter.
pub fn month_of_code(c: char) -> Option<u32> {
    MONTH_CODES
        .iter()
        .position(|m| *m == c)
        .map(|i| i as u32 + 1)
}

/// The root of a futures contract symbol: `/ESZ6`, `/ESZ26`, `/ESZ26:XCME` → `/ES`; a root stays
/// itself. Returns `None` for something that is not a futures symbol.
pub fn futures_root(symbol: &str) -> Option<String> {
    let body = symbol.strip_prefix('/')?;
    let body = body.split(':').next().unwrap_or(body);
    if body.is_empty() || !body.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    // A contract ends in a month code followed by one or two digits.
    let digits = body
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .count();
    if (1..=2).contains(&digits) && body.len() > digits + 1 {
        let code_at = body.len() - digits - 1;
        let c = body.as_bytes()[code_at] as char;
        if month_of_code(c).is_some() && code_at >= 1 {
            return Some(format!("/{}", &body[..code_at]));
        }
    }
    Some(format!("/{body}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn futures_roots() {
        assert_eq!(futures_root("/ES").as_deref(), Some("/ES"));
        assert_eq!(futures_root("/ESZ6").as_deref(), Some("/ES"));
        assert_eq!(futures_root("/ESZ26").as_deref(), Some("/ES"));
        assert_eq!(futures_root("/ESZ26:XCME").as_deref(), Some("/ES"));
        assert_eq!(futures_root("/6E").as_deref(), Some("/6E"));
        assert_eq!(futures_root("/6EZ6").as_deref(), Some("/6E"));
        assert_eq!(futures_root("/ZB").as_deref(), Some("/ZB"));
        assert_eq!(futures_root("/ZBH27").as_deref(), Some("/ZB"));
        assert_eq!(futures_root("/M2K").as_deref(), Some("/M2K"));
        assert_eq!(futures_root("AAPL"), None);
        assert_eq!(futures_root("/"), None);
    }

    #[test]
    fn candle_symbols() {
        assert_eq!(candle_symbol("AAPL"), "AAPL{=1d}");
        assert_eq!(
            split_candle_symbol("AAPL{=1d,tho=true}"),
            ("AAPL", "=1d,tho=true")
        );
        assert_eq!(
            split_candle_symbol("/ESZ26:XCME{=d}"),
            ("/ESZ26:XCME", "=d")
        );
        assert_eq!(split_candle_symbol("AAPL"), ("AAPL", ""));
    }
}
