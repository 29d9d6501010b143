//! Strict `application/x-www-form-urlencoded` parsing: UTF-8 only, no repeated parameters
//! (RFC 6749 §3.1) but `resource` (RFC 8707 §2), empty values treated as absent (§3.1), at most [`MAX_PARAMS`] parameters,
//! and work linear in the input: the requests parsed here come before any authentication.

use crate::service::OAuthError;
use percent_encoding::percent_decode_str;
use std::borrow::Cow;
use std::hash::BuildHasher;

pub type Pairs<'a> = Vec<(Cow<'a, str>, Cow<'a, str>)>;

/// The most parameters one request may carry, query and body together. The largest request
/// this server reads (an authorization request with PKCE and client credentials) has about ten,
/// so 64 leaves room for extensions while bounding what an unauthenticated request costs.
pub const MAX_PARAMS: usize = 64;

/// Slots of the table of names seen: twice the cap keeps it at most half full, so a lookup
/// probes about two slots whatever the names (the hash is seeded per request).
const SLOTS: usize = 2 * MAX_PARAMS;
// The table holds `index + 1` of each name in a byte.
const _: () = assert!(MAX_PARAMS < u8::MAX as usize);

fn decode(raw: &str) -> Result<Cow<'_, str>, OAuthError> {
    let plus_free: Cow<'_, str> = if raw.contains('+') {
        Cow::Owned(raw.replace('+', " "))
    } else {
        Cow::Borrowed(raw)
    };
    if !plus_free.contains('%') {
        return Ok(plus_free);
    }
    let decoded = percent_decode_str(&plus_free)
        .decode_utf8()
        .map_err(|_| OAuthError::InvalidRequest("a parameter is not valid UTF-8 after percent-decoding".into()))?;
    Ok(Cow::Owned(decoded.into_owned()))
}

/// Parses `input` (a body or a query string).
pub fn parse(input: &[u8]) -> Result<Pairs<'_>, OAuthError> {
    parse_all(&[input])
}

/// The one parameter a request may repeat: RFC 8707 §2 names one target per `resource`.
const MAY_REPEAT: &str = "resource";

/// Parses a query string and a form body as one request: a name in both is repeated, and the
/// cap counts them together.
pub fn parse_all<'a>(inputs: &[&'a [u8]]) -> Result<Pairs<'a>, OAuthError> {
    parse_counted(inputs, &foldhash::fast::RandomState::default(), &mut 0)
}

/// The parser, adding to `steps` one per parameter read and one per name compared, so the tests
/// can bound its work without a clock.
fn parse_counted<'a>(
    inputs: &[&'a [u8]],
    hasher: &impl BuildHasher,
    steps: &mut usize,
) -> Result<Pairs<'a>, OAuthError> {
    let mut pairs: Pairs<'a> = Vec::with_capacity(4);
    // `index + 1` into `pairs` of each name seen, at its hash's slot or the next free one after.
    let mut seen = [0u8; SLOTS];
    for input in inputs {
        let text = std::str::from_utf8(input)
            .map_err(|_| OAuthError::InvalidRequest("the request is not valid UTF-8".into()))?;
        for part in text.split('&').filter(|p| !p.is_empty()) {
            if pairs.len() == MAX_PARAMS {
                return Err(OAuthError::InvalidRequest(
                    format!("too many parameters: at most {MAX_PARAMS}").into(),
                ));
            }
            *steps += 1;
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            let (k, v) = (decode(k)?, decode(v)?);
            let mut slot = hasher.hash_one(&*k) as usize % SLOTS;
            let mut repeat = false;
            while let Some(at) = seen[slot].checked_sub(1) {
                *steps += 1;
                if pairs[usize::from(at)].0 == k {
                    if k != MAY_REPEAT {
                        return Err(OAuthError::InvalidRequest(format!("parameter {k} is repeated").into()));
                    }
                    repeat = true;
                    break;
                }
                slot = (slot + 1) % SLOTS;
            }
            if !repeat {
                seen[slot] = (pairs.len() + 1) as u8;
            }
            pairs.push((k, v));
        }
    }
    // Absent only now: a name sent empty and again with a value is still repeated.
    pairs.retain(|(_, v)| !v.is_empty());
    Ok(pairs)
}

/// Finds and removes a parameter.
pub fn take<'a>(pairs: &mut Pairs<'a>, name: &str) -> Option<Cow<'a, str>> {
    let at = pairs.iter().position(|(k, _)| k == name)?;
    Some(pairs.swap_remove(at).1)
}

pub fn get<'p>(pairs: &'p Pairs<'_>, name: &str) -> Option<&'p str> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_plus_and_percent() {
        let pairs = parse(b"a=b+c&d=%C3%A9%20x&e=").unwrap();
        assert_eq!(get(&pairs, "a"), Some("b c"));
        assert_eq!(get(&pairs, "d"), Some("é x"));
        assert_eq!(get(&pairs, "e"), None, "empty means absent");
    }

    fn is_error(result: Result<Pairs<'_>, OAuthError>, says: &str) -> bool {
        matches!(result, Err(OAuthError::InvalidRequest(m)) if m.contains(says))
    }

    #[test]
    fn refuses_repeats_and_bad_utf8() {
        assert!(is_error(parse(b"a=1&a=2"), "parameter a is repeated"));
        let resources = parse(b"resource=urn%3Aa&resource=urn%3Ab&audience=x").unwrap();
        assert_eq!(
            resources.iter().filter(|(k, _)| k == "resource").count(),
            2,
            "RFC 8707 §2"
        );
        assert!(is_error(parse(b"a=&a=2"), "repeated"), "empty, then with a value");
        assert!(is_error(parse(b"a=1&%61=2"), "repeated"), "names compare decoded");
        assert!(is_error(parse_all(&[b"a=1", b"b=1&a=2"]), "repeated"), "query and body");
        assert!(parse(b"a=%FF").is_err());
        assert!(parse(&[b'a', b'=', 0xC3]).is_err());
    }

    #[test]
    fn take_removes() {
        let mut pairs = parse(b"client_id=x&grant_type=y").unwrap();
        assert_eq!(take(&mut pairs, "client_id").as_deref(), Some("x"));
        assert_eq!(get(&pairs, "client_id"), None);
    }

    /// `n` distinct names, as in the attack this bounds: `p0=v&p1=v&…`.
    fn names(n: usize) -> String {
        (0..n).map(|i| format!("p{i}=v")).collect::<Vec<_>>().join("&")
    }

    #[test]
    fn at_most_max_params_query_and_body_together() {
        assert_eq!(parse(names(MAX_PARAMS).as_bytes()).unwrap().len(), MAX_PARAMS);
        assert!(is_error(
            parse(names(MAX_PARAMS + 1).as_bytes()),
            "too many parameters: at most 64"
        ));
        let (query, body) = (names(MAX_PARAMS / 2), names(MAX_PARAMS / 2 + 1).replace('p', "q"));
        assert!(is_error(
            parse_all(&[query.as_bytes(), body.as_bytes()]),
            "too many parameters"
        ));
    }

    /// The parser's steps (parameters read plus names compared) for `input`, under a fixed seed.
    fn steps(input: &str, seed: u64) -> (usize, bool) {
        let mut steps = 0;
        let hasher = foldhash::fast::FixedState::with_seed(seed);
        let ok = parse_counted(&[input.as_bytes()], &hasher, &mut steps).is_ok();
        (steps, ok)
    }

    #[test]
    fn work_is_linear_in_the_parameters_and_stops_at_the_cap() {
        for seed in 0..16 {
            for n in 1..=MAX_PARAMS {
                let (work, ok) = steps(&names(n), seed);
                assert!(ok);
                // Comparing each name with every earlier one would take n(n+1)/2: 2 080 at 64.
                assert!(work <= 3 * n, "seed {seed}: {work} steps for {n} parameters");
            }
            // 8 000 names in 64 KB cost what 65 do: the parser stops at the first over the cap.
            let (capped, ok) = steps(&names(8_000), seed);
            assert!(!ok);
            assert_eq!(capped, steps(&names(MAX_PARAMS + 1), seed).0);
            assert!(capped <= 3 * MAX_PARAMS, "seed {seed}: {capped} steps");
        }
    }
}
