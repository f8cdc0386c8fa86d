//! Who is asking: the client's address, from the socket, or from
//! `X-Forwarded-For` only when the socket's peer is a proxy the server was
//! told to trust (`ServerConfig::trusted_proxies`). Anyone can write that
//! header, so trusting it from anyone would let a client pick its own
//! address (and dodge or aim a per-address throttle).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::state::SharedState;

/// The client's address as the server judges it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    /// The address of a request: the peer, or the right-most untrusted hop
    /// of `X-Forwarded-For` when the peer is a trusted proxy. Requests with
    /// no socket (in-process tests) count as loopback.
    pub fn of(parts: &Parts, trusted_proxies: &[IpAddr]) -> Self {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
        if !trusted_proxies.contains(&peer) {
            return Self(peer);
        }
        // Walk from the nearest hop outwards, skipping our own proxies.
        let hops: Vec<IpAddr> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|hop| hop.trim().parse().ok())
            .collect();
        let client = hops
            .iter()
            .rev()
            .find(|ip| !trusted_proxies.contains(ip))
            .copied()
            .unwrap_or(peer);
        Self(client)
    }
}

impl std::fmt::Display for ClientAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl FromRequestParts<SharedState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &SharedState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self::of(parts, &state.config.trusted_proxies))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(peer: &str, forwarded: Option<&str>) -> Parts {
        let mut req = Request::get("/").body(()).unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(peer.parse().unwrap(), 5000)));
        if let Some(f) = forwarded {
            req.headers_mut()
                .insert("x-forwarded-for", f.parse().unwrap());
        }
        req.into_parts().0
    }

    #[test]
    fn forwarded_for_counts_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        // A client writing the header itself is judged by its socket.
        let direct = parts("203.0.113.7", Some("198.51.100.1"));
        assert_eq!(ClientAddr::of(&direct, &[proxy]).to_string(), "203.0.113.7");
        // Through the trusted proxy: the right-most hop that is not ours,
        // not the left-most one the client may have forged.
        let proxied = parts("10.0.0.5", Some("1.2.3.4, 198.51.100.1"));
        assert_eq!(
            ClientAddr::of(&proxied, &[proxy]).to_string(),
            "198.51.100.1"
        );
        // No usable header: the proxy itself.
        let bare = parts("10.0.0.5", None);
        assert_eq!(ClientAddr::of(&bare, &[proxy]).to_string(), "10.0.0.5");
    }
}
