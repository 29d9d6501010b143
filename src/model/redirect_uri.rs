//! Which requested redirect URIs a client's registered ones admit: the same string, or for a
//! loopback registration the same URI on any port (RFC 8252 §7.3, RFC 9700 §2.1). A native app
//! listens on whatever port the system gives it, so it cannot know the port when it registers.

/// A loopback redirect URI with its port taken out. Only `http` on the literal addresses
/// `127.0.0.1` and `[::1]` counts: `localhost` may resolve elsewhere (RFC 8252 §8.3), and an
/// authority with userinfo is never loopback.
#[derive(Debug, PartialEq, Eq)]
struct Loopback<'a> {
    host: &'a str,
    /// Path and query, as written: they must match exactly.
    rest: &'a str,
}

impl<'a> Loopback<'a> {
    fn parse(uri: &'a str) -> Option<Self> {
        let after_scheme = uri.strip_prefix("http://")?;
        let host = ["127.0.0.1", "[::1]"]
            .into_iter()
            .find(|h| after_scheme.starts_with(h))?;
        let after_host = &after_scheme[host.len()..];
        let rest = match after_host.strip_prefix(':') {
            Some(port_and_rest) => {
                let end = port_and_rest
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(port_and_rest.len());
                port_and_rest[..end].parse::<u16>().ok().filter(|p| *p != 0)?;
                &port_and_rest[end..]
            }
            None => after_host,
        };
        // Anything else here (`@`, `.evil.example`, `\`) means the host was not the address.
        (rest.is_empty() || rest.starts_with(['/', '?'])).then_some(Loopback { host, rest })
    }
}

/// Whether `requested` may be used where `registered` is registered.
pub fn admits(registered: &str, requested: &str) -> bool {
    if registered == requested {
        return true;
    }
    match (Loopback::parse(registered), Loopback::parse(requested)) {
        (Some(registered), Some(requested)) => registered == requested,
        _ => false,
    }
}

/// Whether any of a client's registered redirect URIs admits `requested`.
pub fn is_registered(registered: &[String], requested: &str) -> bool {
    registered.iter().any(|r| admits(r, requested))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_registrations_admit_any_port() {
        for (registered, requested) in [
            ("http://127.0.0.1/cb", "http://127.0.0.1:53127/cb"),
            ("http://127.0.0.1:8080/cb", "http://127.0.0.1:53127/cb"),
            ("http://127.0.0.1:8080/cb", "http://127.0.0.1/cb"),
            ("http://[::1]:8080/cb?app=1", "http://[::1]:9/cb?app=1"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:65535"),
            ("https://app.example/cb", "https://app.example/cb"),
        ] {
            assert!(admits(registered, requested), "{registered} admits {requested}");
        }
    }

    #[test]
    fn everything_else_is_an_exact_match() {
        for (registered, requested) in [
            // Other hosts and schemes keep their port.
            ("https://127.0.0.1:8080/cb", "https://127.0.0.1:9000/cb"),
            ("http://localhost:8080/cb", "http://localhost:9000/cb"),
            ("http://app.example:8080/cb", "http://app.example:9000/cb"),
            ("http://127.0.0.2:8080/cb", "http://127.0.0.2:9000/cb"),
            ("http://127.0.0.1:8080/cb", "http://[::1]:8080/cb"),
            ("http://127.0.0.1:8080/cb", "http://localhost:8080/cb"),
            ("http://127.0.0.1:8080/cb", "https://127.0.0.1:8080/cb"),
            ("http://127.0.0.1:8080/cb", "HTTP://127.0.0.1:9000/cb"),
            // Userinfo and look-alike hosts are not loopback.
            ("http://127.0.0.1:8080/cb", "http://user@127.0.0.1:9000/cb"),
            ("http://127.0.0.1:8080/cb", "http://127.0.0.1:9000@evil.example/cb"),
            ("http://127.0.0.1:8080/cb", "http://127.0.0.1.evil.example:9000/cb"),
            ("http://127.0.0.1:8080/cb", "http://127.0.0.1:9000\\@evil.example/cb"),
            ("http://127.0.0.1/", "http://127.0.0.1@evil.example/"),
            // Path, query and fragment must be equal.
            ("http://127.0.0.1:8080/cb", "http://127.0.0.1:9000/other"),
            ("http://127.0.0.1:8080/cb", "http://127.0.0.1:9000/cb/"),
            ("http://127.0.0.1:8080/cb", "http://127.0.0.1:9000/CB"),
            ("http://127.0.0.1:8080/cb?a=1", "http://127.0.0.1:9000/cb?a=2"),
            ("http://127.0.0.1:8080/cb?a=1", "http://127.0.0.1:9000/cb"),
            ("http://127.0.0.1:8080/cb", "http://127.0.0.1:9000/cb?a=1"),
            ("http://127.0.0.1:8080/cb", "http://127.0.0.1:9000/cb#frag"),
            // Not a port.
            ("http://127.0.0.1:8080/cb", "http://127.0.0.1:65536/cb"),
            ("http://127.0.0.1:8080/cb", "http://127.0.0.1:0/cb"),
            ("http://127.0.0.1:8080/cb", "http://127.0.0.1:/cb"),
            ("http://127.0.0.1:8080/cb", "http://127.0.0.1:+90/cb"),
        ] {
            assert!(
                !admits(registered, requested),
                "{registered} must not admit {requested}"
            );
        }
    }

    #[test]
    fn any_registered_uri_may_admit() {
        let registered = ["https://app.example/cb".to_string(), "http://[::1]/cb".to_string()];
        assert!(is_registered(&registered, "http://[::1]:4000/cb"));
        assert!(is_registered(&registered, "https://app.example/cb"));
        assert!(!is_registered(&registered, "http://127.0.0.1:4000/cb"));
        assert!(!is_registered(&[], "http://[::1]/cb"));
    }
}
