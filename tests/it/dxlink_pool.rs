//! Test support shared by the DXLink client suites (`dxlink_client`, `dxlink_quotes`): a demo
//! market on a random loopback port with given faults and latency, and a candle pool on it.

use volscreen::date::Date;
use volscreen::dxlink::{CandlePool, DxLinkConfig};
use volscreen::sim::{start_local, Faults, LatencyProfile, SimOptions, SimServer};

/// The market date both suites use.
pub fn as_of() -> Date {
    Date::from_ymd(2026, 3, 13).expect("valid date")
}

/// A demo market as of [`as_of`] with `faults` (a `--faults` spec) and `latency`.
pub async fn market(faults: &str, latency: LatencyProfile) -> SimServer {
    let mut opts = SimOptions::new(as_of());
    opts.faults = Faults::parse(faults).expect("fault spec");
    opts.latency = latency;
    start_local(opts).await.expect("market starts")
}

/// A candle pool on `server` with a fresh quote token.
pub fn pool(server: &SimServer, cfg: DxLinkConfig) -> CandlePool {
    CandlePool::connect(
        server.dxlink_url(),
        server.state.auth.issue_quote_token(),
        cfg,
    )
}
