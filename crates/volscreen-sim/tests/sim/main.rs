//! The demo market's integration tests, one binary: its REST server ([`sim_rest`]), its DXLink
//! server ([`sim_dxlink`]) and its market model ([`sim_market`]), all through the crate's public
//! API and real loopback sockets. [`dxlink_client`] and [`dxlink_schema`] are test support: a small
//! independent DXLink client and the AsyncAPI schema validator.
//!
//! Recorded tastytrade responses are the workspace's (`../../tests/fixtures/tastytrade/`); the
//! DXLink AsyncAPI document is this crate's (`tests/fixtures/dxlink/asyncapi.yml`).

mod dxlink_client;
mod dxlink_schema;
mod sim_dxlink;
mod sim_market;
mod sim_rest;
