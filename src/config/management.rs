//! `management_listen`: where `/metrics` and the health checks are served for operators, or `off`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;

/// Loopback, so that nothing but the host itself sees the metrics unless an operator says so.
/// 9464 is the port OpenTelemetry's Prometheus exporters use for the same purpose.
pub const DEFAULT_MANAGEMENT: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 9464);

/// The management listener's address, or none at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManagementListen {
    Off,
    At(SocketAddr),
}

impl Default for ManagementListen {
    fn default() -> Self {
        ManagementListen::At(DEFAULT_MANAGEMENT)
    }
}

impl ManagementListen {
    pub fn address(self) -> Option<SocketAddr> {
        match self {
            ManagementListen::Off => None,
            ManagementListen::At(at) => Some(at),
        }
    }
}

impl FromStr for ManagementListen {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s == "off" {
            return Ok(ManagementListen::Off);
        }
        s.parse()
            .map(ManagementListen::At)
            .map_err(|_| format!("{s:?} is neither an address such as {DEFAULT_MANAGEMENT} nor \"off\""))
    }
}

impl fmt::Display for ManagementListen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ManagementListen::Off => f.write_str("off"),
            ManagementListen::At(at) => at.fmt(f),
        }
    }
}

impl Serialize for ManagementListen {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ManagementListen {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // `TESSERA_MANAGEMENT_LISTEN=9100` arrives as a number: refused with the message below.
        String::from(super::StringLike::deserialize(d)?)
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_or_an_address() {
        assert_eq!("off".parse(), Ok(ManagementListen::Off));
        let at: ManagementListen = "0.0.0.0:9100".parse().unwrap();
        assert_eq!(at.address(), Some("0.0.0.0:9100".parse().unwrap()));
        assert_eq!(at.to_string(), "0.0.0.0:9100");
        assert_eq!(ManagementListen::default().to_string(), "127.0.0.1:9464");
        let err = "9100".parse::<ManagementListen>().unwrap_err();
        assert!(err.contains("\"9100\"") && err.contains("off"), "{err}");
    }
}
