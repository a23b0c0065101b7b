//! Where the data comes from: the tastytrade service (credentials from the environment) or the
//! demo market started in-process on a loopback port. Either way the scan then talks to a base URL
//! through the same client code.

use crate::date::Date;
#[cfg(feature = "demo")]
use crate::sim::{self, Faults, LatencyProfile, SimOptions};
use crate::tastytrade::Secret;

/// The data source of a scan.
#[derive(Debug, Clone)]
pub enum Source {
    /// The built-in demo market, started in-process (builds with the `demo` feature).
    #[cfg(feature = "demo")]
    Demo {
        latency: Box<LatencyProfile>,
        faults: Faults,
    },
    /// The tastytrade API (or anything that speaks it, e.g. `volscreen sim serve`).
    Tastytrade {
        base_url: String,
        client_secret: Secret,
        refresh_token: Secret,
    },
}

impl Source {
    /// `demo` or `tastytrade`.
    pub fn name(&self) -> &'static str {
        self.kind().as_str()
    }

    /// Which kind of source this is (`meta.source`).
    pub fn kind(&self) -> crate::model::SourceKind {
        match self {
            #[cfg(feature = "demo")]
            Source::Demo { .. } => crate::model::SourceKind::Demo,
            Source::Tastytrade { .. } => crate::model::SourceKind::Tastytrade,
        }
    }
}

/// Environment variables holding credentials, in order of preference.
pub const SECRET_VARS: [&str; 2] = ["TASTYTRADE_CLIENT_SECRET", "TT_CLIENT_SECRET"];
pub const REFRESH_VARS: [&str; 2] = ["TASTYTRADE_REFRESH_TOKEN", "TT_REFRESH_TOKEN"];
pub const URL_VAR: &str = "TASTYTRADE_API_URL";

fn first_env(names: &[&str]) -> Option<String> {
    names
        .iter()
        .filter_map(|n| std::env::var(n).ok())
        .find(|v| !v.trim().is_empty())
}

/// Credentials from the environment: `(client_secret, refresh_token)` when a refresh token is set.
pub fn env_credentials() -> Option<(Secret, Secret)> {
    let refresh = first_env(&REFRESH_VARS)?;
    let secret = first_env(&SECRET_VARS).unwrap_or_default();
    Some((Secret::new(secret), Secret::new(refresh)))
}

/// The base URL from `TASTYTRADE_API_URL`, if set.
pub fn env_api_url() -> Option<String> {
    first_env(&[URL_VAR])
}

/// A running source: the base URL and credentials to use, and the demo server to keep alive.
pub struct Connected {
    pub base_url: String,
    pub client_secret: Secret,
    pub refresh_token: Secret,
    /// The in-process demo market, when the source is `demo`.
    pub server: Option<DemoServer>,
}

/// The in-process demo market a scan keeps alive.
#[cfg(feature = "demo")]
pub type DemoServer = sim::SimServer;
/// No demo market in this build: never constructed.
#[cfg(not(feature = "demo"))]
#[derive(Debug)]
pub enum DemoServer {}

/// Start the source (the demo market binds a loopback port; tastytrade needs nothing).
#[cfg_attr(not(feature = "demo"), allow(unused_variables))]
pub async fn connect(source: &Source, as_of: Date) -> std::io::Result<Connected> {
    match source {
        #[cfg(feature = "demo")]
        Source::Demo { latency, faults } => {
            let options = SimOptions {
                latency: (**latency).clone(),
                faults: faults.clone(),
                ..SimOptions::new(as_of)
            };
            let server = sim::start_local(options).await?;
            Ok(Connected {
                base_url: server.base_url(),
                client_secret: Secret::new(sim::DEMO_SECRET),
                refresh_token: Secret::new(sim::DEMO_SECRET),
                server: Some(server),
            })
        }
        Source::Tastytrade {
            base_url,
            client_secret,
            refresh_token,
        } => Ok(Connected {
            base_url: base_url.clone(),
            client_secret: client_secret.clone(),
            refresh_token: refresh_token.clone(),
            server: None,
        }),
    }
}
