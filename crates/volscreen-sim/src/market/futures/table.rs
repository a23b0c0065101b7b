//! The futures products the demo market lists, one named-field record per product, grouped by
//! line: identity, classification, months, contract terms, option terms, price model. Adding a
//! product is adding a record here; nothing else lists products.

use super::product::{ExpiryRule as R, Product};

/// Every listed month (`F` January .. `Z` December).
const ALL12: &str = "FGHJKMNQUVXZ";
/// The quarterly cycle (March, June, September, December).
const QTR: &str = "HMUZ";
const EI: &str = "Equity Index";
const FIN: &str = "Financial";

/// Every futures product the demo market lists, in the order `/instruments/future-products`
/// lists them.
#[rustfmt::skip]
pub static PRODUCTS: &[Product] = &[
    Product {
        code: "ES", description: "E-Mini S&P 500", exchange: "CME", streamer: "XCME",
        sector: EI, product_type: FIN, cash_settled: true,
        listed: QTR, active: QTR, rule: R::ThirdFriday,
        multiplier: 50.0, tick: 0.25, display_factor: 0.01,
        option_root: "EW", strike_inc: 5.0, weeklies: true,
        price: 6000.0, vol: 0.16, alias: Some(("SPX", 1.0)), carry: 0.015, volume: 1.6e6,
    },
    Product {
        code: "MES", description: "Micro E-Mini S&P 500", exchange: "CME", streamer: "XCME",
        sector: EI, product_type: FIN, cash_settled: true,
        listed: QTR, active: QTR, rule: R::ThirdFriday,
        multiplier: 5.0, tick: 0.25, display_factor: 0.01,
        option_root: "EX", strike_inc: 5.0, weeklies: true,
        price: 6000.0, vol: 0.16, alias: Some(("SPX", 1.0)), carry: 0.015, volume: 1.2e6,
    },
    Product {
        code: "NQ", description: "E-Mini Nasdaq-100", exchange: "CME", streamer: "XCME",
        sector: EI, product_type: FIN, cash_settled: true,
        listed: QTR, active: QTR, rule: R::ThirdFriday,
        multiplier: 20.0, tick: 0.25, display_factor: 0.01,
        option_root: "QNE", strike_inc: 25.0, weeklies: true,
        price: 21000.0, vol: 0.2, alias: Some(("NDX", 1.0)), carry: 0.015, volume: 6.0e5,
    },
    Product {
        code: "MNQ", description: "Micro E-Mini Nasdaq-100", exchange: "CME", streamer: "XCME",
        sector: EI, product_type: FIN, cash_settled: true,
        listed: QTR, active: QTR, rule: R::ThirdFriday,
        multiplier: 2.0, tick: 0.25, display_factor: 0.01,
        option_root: "MQE", strike_inc: 25.0, weeklies: true,
        price: 21000.0, vol: 0.2, alias: Some(("NDX", 1.0)), carry: 0.015, volume: 9.0e5,
    },
    Product {
        code: "RTY", description: "E-Mini Russell 2000", exchange: "CME", streamer: "XCME",
        sector: EI, product_type: FIN, cash_settled: true,
        listed: QTR, active: QTR, rule: R::ThirdFriday,
        multiplier: 50.0, tick: 0.1, display_factor: 0.01,
        option_root: "R3E", strike_inc: 5.0, weeklies: true,
        price: 2300.0, vol: 0.22, alias: Some(("RUT", 1.0)), carry: 0.015, volume: 1.5e5,
    },
    Product {
        code: "M2K", description: "Micro E-Mini Russell 2000", exchange: "CME", streamer: "XCME",
        sector: EI, product_type: FIN, cash_settled: true,
        listed: QTR, active: QTR, rule: R::ThirdFriday,
        multiplier: 5.0, tick: 0.1, display_factor: 0.01,
        option_root: "M2E", strike_inc: 5.0, weeklies: false,
        price: 2300.0, vol: 0.22, alias: Some(("RUT", 1.0)), carry: 0.015, volume: 1.0e5,
    },
    Product {
        code: "YM", description: "E-Mini Dow ($5)", exchange: "CBOT", streamer: "XCBT",
        sector: EI, product_type: FIN, cash_settled: true,
        listed: QTR, active: QTR, rule: R::ThirdFriday,
        multiplier: 5.0, tick: 1.0, display_factor: 1.0,
        option_root: "OYM", strike_inc: 100.0, weeklies: true,
        price: 44000.0, vol: 0.15, alias: Some(("DJX", 100.0)), carry: 0.015, volume: 1.2e5,
    },
    Product {
        code: "MYM", description: "Micro E-Mini Dow", exchange: "CBOT", streamer: "XCBT",
        sector: EI, product_type: FIN, cash_settled: true,
        listed: QTR, active: QTR, rule: R::ThirdFriday,
        multiplier: 0.5, tick: 1.0, display_factor: 1.0,
        option_root: "MYE", strike_inc: 100.0, weeklies: false,
        price: 44000.0, vol: 0.15, alias: Some(("DJX", 100.0)), carry: 0.015, volume: 8.0e4,
    },
    Product {
        code: "CL", description: "Crude Oil", exchange: "NYMEX", streamer: "XNYM",
        sector: "Energy", product_type: "Physical", cash_settled: false,
        listed: ALL12, active: ALL12, rule: R::Crude,
        multiplier: 1000.0, tick: 0.01, display_factor: 0.01,
        option_root: "LO", strike_inc: 0.5, weeklies: true,
        price: 68.0, vol: 0.35, alias: None, carry: -0.03, volume: 3.5e5,
    },
    Product {
        code: "MCL", description: "Micro WTI Crude Oil", exchange: "NYMEX", streamer: "XNYM",
        sector: "Energy", product_type: "Physical", cash_settled: true,
        listed: ALL12, active: ALL12, rule: R::Crude,
        multiplier: 100.0, tick: 0.01, display_factor: 0.01,
        option_root: "MCO", strike_inc: 0.5, weeklies: false,
        price: 68.0, vol: 0.35, alias: Some(("/CL", 1.0)), carry: -0.03, volume: 8.0e4,
    },
    Product {
        code: "NG", description: "Natural Gas", exchange: "NYMEX", streamer: "XNYM",
        sector: "Energy", product_type: "Physical", cash_settled: false,
        listed: ALL12, active: ALL12, rule: R::NatGas,
        multiplier: 10000.0, tick: 0.001, display_factor: 0.001,
        option_root: "ON", strike_inc: 0.05, weeklies: true,
        price: 3.6, vol: 0.6, alias: None, carry: 0.05, volume: 1.5e5,
    },
    Product {
        code: "GC", description: "Gold", exchange: "COMEX", streamer: "XCEC",
        sector: "Metals", product_type: "Physical", cash_settled: false,
        listed: "GJMQVZ", active: "GJMQZ", rule: R::ThirdLastSession,
        multiplier: 100.0, tick: 0.1, display_factor: 0.1,
        option_root: "OG", strike_inc: 5.0, weeklies: true,
        price: 2650.0, vol: 0.16, alias: None, carry: 0.04, volume: 2.0e5,
    },
    Product {
        code: "MGC", description: "Micro Gold", exchange: "COMEX", streamer: "XCEC",
        sector: "Metals", product_type: "Physical", cash_settled: false,
        listed: "GJMQVZ", active: "GJMQZ", rule: R::ThirdLastSession,
        multiplier: 10.0, tick: 0.1, display_factor: 0.1,
        option_root: "MGO", strike_inc: 5.0, weeklies: false,
        price: 2650.0, vol: 0.16, alias: Some(("/GC", 1.0)), carry: 0.04, volume: 5.0e4,
    },
    Product {
        code: "SI", description: "Silver", exchange: "COMEX", streamer: "XCEC",
        sector: "Metals", product_type: "Physical", cash_settled: false,
        listed: "FHKNUZ", active: "HKNUZ", rule: R::ThirdLastSession,
        multiplier: 5000.0, tick: 0.005, display_factor: 0.001,
        option_root: "SO", strike_inc: 0.25, weeklies: true,
        price: 31.0, vol: 0.3, alias: None, carry: 0.04, volume: 7.0e4,
    },
    Product {
        code: "HG", description: "Copper", exchange: "COMEX", streamer: "XCEC",
        sector: "Metals", product_type: "Physical", cash_settled: false,
        listed: ALL12, active: "HKNUZ", rule: R::ThirdLastSession,
        multiplier: 25000.0, tick: 0.0005, display_factor: 0.0001,
        option_root: "HXE", strike_inc: 0.05, weeklies: false,
        price: 4.3, vol: 0.23, alias: None, carry: 0.02, volume: 8.0e4,
    },
    Product {
        code: "ZB", description: "30-Year U.S. Treasury Bond", exchange: "CBOT", streamer: "XCBT",
        sector: "Interest Rates", product_type: FIN, cash_settled: false,
        listed: QTR, active: QTR, rule: R::Treasury,
        multiplier: 1000.0, tick: 0.03125, display_factor: 0.01,
        option_root: "OZB", strike_inc: 0.5, weeklies: true,
        price: 117.0, vol: 0.11, alias: None, carry: -0.005, volume: 3.0e5,
    },
    Product {
        code: "ZN", description: "10-Year U.S. Treasury Note", exchange: "CBOT", streamer: "XCBT",
        sector: "Interest Rates", product_type: FIN, cash_settled: false,
        listed: QTR, active: QTR, rule: R::Treasury,
        multiplier: 1000.0, tick: 0.015625, display_factor: 0.01,
        option_root: "OZN", strike_inc: 0.25, weeklies: true,
        price: 111.0, vol: 0.065, alias: None, carry: -0.005, volume: 1.2e6,
    },
    Product {
        code: "ZF", description: "5-Year U.S. Treasury Note", exchange: "CBOT", streamer: "XCBT",
        sector: "Interest Rates", product_type: FIN, cash_settled: false,
        listed: QTR, active: QTR, rule: R::Treasury,
        multiplier: 1000.0, tick: 0.0078125, display_factor: 0.01,
        option_root: "OZF", strike_inc: 0.25, weeklies: false,
        price: 107.5, vol: 0.045, alias: None, carry: -0.005, volume: 6.0e5,
    },
    Product {
        code: "ZT", description: "2-Year U.S. Treasury Note", exchange: "CBOT", streamer: "XCBT",
        sector: "Interest Rates", product_type: FIN, cash_settled: false,
        listed: QTR, active: QTR, rule: R::Treasury,
        multiplier: 2000.0, tick: 0.00390625, display_factor: 0.01,
        option_root: "OZT", strike_inc: 0.125, weeklies: false,
        price: 103.5, vol: 0.02, alias: None, carry: -0.003, volume: 3.0e5,
    },
    Product {
        code: "6E", description: "Euro FX", exchange: "CME", streamer: "XCME",
        sector: "Currencies", product_type: FIN, cash_settled: false,
        listed: QTR, active: QTR, rule: R::Currency,
        multiplier: 125000.0, tick: 0.00005, display_factor: 0.0001,
        option_root: "EUU", strike_inc: 0.005, weeklies: true,
        price: 1.1, vol: 0.075, alias: None, carry: 0.02, volume: 2.0e5,
    },
    Product {
        code: "6J", description: "Japanese Yen", exchange: "CME", streamer: "XCME",
        sector: "Currencies", product_type: FIN, cash_settled: false,
        listed: QTR, active: QTR, rule: R::Currency,
        multiplier: 12500000.0, tick: 0.0000005, display_factor: 0.000001,
        option_root: "JPU", strike_inc: 0.00005, weeklies: false,
        price: 0.0067, vol: 0.1, alias: None, carry: 0.035, volume: 1.3e5,
    },
    Product {
        code: "6B", description: "British Pound", exchange: "CME", streamer: "XCME",
        sector: "Currencies", product_type: FIN, cash_settled: false,
        listed: QTR, active: QTR, rule: R::Currency,
        multiplier: 62500.0, tick: 0.0001, display_factor: 0.0001,
        option_root: "GBU", strike_inc: 0.005, weeklies: false,
        price: 1.27, vol: 0.08, alias: None, carry: 0.005, volume: 8.0e4,
    },
    Product {
        code: "6A", description: "Australian Dollar", exchange: "CME", streamer: "XCME",
        sector: "Currencies", product_type: FIN, cash_settled: false,
        listed: QTR, active: QTR, rule: R::Currency,
        multiplier: 100000.0, tick: 0.00005, display_factor: 0.0001,
        option_root: "ADU", strike_inc: 0.005, weeklies: false,
        price: 0.65, vol: 0.1, alias: None, carry: -0.005, volume: 8.0e4,
    },
    Product {
        code: "6C", description: "Canadian Dollar", exchange: "CME", streamer: "XCME",
        sector: "Currencies", product_type: FIN, cash_settled: false,
        listed: QTR, active: QTR, rule: R::Currency,
        multiplier: 100000.0, tick: 0.00005, display_factor: 0.0001,
        option_root: "CAU", strike_inc: 0.005, weeklies: false,
        price: 0.72, vol: 0.06, alias: None, carry: -0.01, volume: 6.0e4,
    },
    Product {
        code: "ZC", description: "Corn", exchange: "CBOT", streamer: "XCBT",
        sector: "Grains", product_type: "Physical", cash_settled: false,
        listed: "HKNUZ", active: "HKNUZ", rule: R::Grain,
        multiplier: 50.0, tick: 0.25, display_factor: 0.01,
        option_root: "OZC", strike_inc: 5.0, weeklies: true,
        price: 440.0, vol: 0.22, alias: None, carry: 0.03, volume: 2.5e5,
    },
    Product {
        code: "ZS", description: "Soybeans", exchange: "CBOT", streamer: "XCBT",
        sector: "Grains", product_type: "Physical", cash_settled: false,
        listed: "FHKNQUX", active: "FHKNQUX", rule: R::Grain,
        multiplier: 50.0, tick: 0.25, display_factor: 0.01,
        option_root: "OZS", strike_inc: 10.0, weeklies: true,
        price: 1020.0, vol: 0.18, alias: None, carry: 0.02, volume: 1.5e5,
    },
    Product {
        code: "ZW", description: "Chicago SRW Wheat", exchange: "CBOT", streamer: "XCBT",
        sector: "Grains", product_type: "Physical", cash_settled: false,
        listed: "HKNUZ", active: "HKNUZ", rule: R::Grain,
        multiplier: 50.0, tick: 0.25, display_factor: 0.01,
        option_root: "OZW", strike_inc: 5.0, weeklies: false,
        price: 550.0, vol: 0.28, alias: None, carry: 0.04, volume: 9.0e4,
    },
    Product {
        code: "LE", description: "Live Cattle", exchange: "CME", streamer: "XCME",
        sector: "Livestock", product_type: "Physical", cash_settled: false,
        listed: "GJMQVZ", active: "GJMQVZ", rule: R::LastSession,
        multiplier: 400.0, tick: 0.025, display_factor: 0.01,
        option_root: "LE", strike_inc: 1.0, weeklies: false,
        price: 190.0, vol: 0.15, alias: None, carry: -0.01, volume: 4.0e4,
    },
    Product {
        code: "HE", description: "Lean Hogs", exchange: "CME", streamer: "XCME",
        sector: "Livestock", product_type: "Physical", cash_settled: true,
        listed: "GJKMNQVZ", active: "GJKMNQVZ", rule: R::TenthSession,
        multiplier: 400.0, tick: 0.025, display_factor: 0.01,
        option_root: "HE", strike_inc: 1.0, weeklies: false,
        price: 85.0, vol: 0.25, alias: None, carry: 0.02, volume: 3.5e4,
    },
    Product {
        code: "BTC", description: "Bitcoin", exchange: "CME", streamer: "XCME",
        sector: "Cryptocurrency", product_type: FIN, cash_settled: true,
        listed: ALL12, active: ALL12, rule: R::LastFriday,
        multiplier: 5.0, tick: 5.0, display_factor: 1.0,
        option_root: "BTC", strike_inc: 1000.0, weeklies: false,
        price: 95000.0, vol: 0.5, alias: None, carry: 0.06, volume: 1.5e4,
    },
];

/// A product by code (`ES`; a leading `/` is accepted; case-insensitive).
pub fn product(code: &str) -> Option<&'static Product> {
    let code = code.trim().trim_start_matches('/').to_ascii_uppercase();
    PRODUCTS.iter().find(|p| p.code == code)
}
