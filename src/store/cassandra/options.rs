//! `cassandra://host[:port][,host[:port]…]/keyspace?replication_factor=N&read_consistency=…&write_consistency=…`

use scylla::statement::Consistency;

/// The port of a node named without one.
pub const DEFAULT_PORT: u16 = 9042;

/// Where the store's Cassandra is and how it reads and writes there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CassandraOptions {
    /// `host:port` of each contact point, in the URL's order.
    pub nodes: Vec<String>,
    pub keyspace: String,
    /// Used only when the keyspace is created (SimpleStrategy); an existing keyspace keeps its own.
    pub replication_factor: u32,
    pub read_consistency: Consistency,
    pub write_consistency: Consistency,
}

/// What is wrong with a `cassandra://` URL, naming the bad part.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cassandra URL: {0}")]
pub struct BadUrl(pub String);

fn bad(why: impl Into<String>) -> BadUrl {
    BadUrl(why.into())
}

impl CassandraOptions {
    pub fn parse(url: &str) -> Result<Self, BadUrl> {
        let rest = url
            .strip_prefix("cassandra://")
            .ok_or_else(|| bad("the scheme must be cassandra://"))?;
        let (location, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (hosts, keyspace) = location
            .split_once('/')
            .ok_or_else(|| bad("no keyspace: cassandra://host[:port]/keyspace"))?;
        let nodes = hosts.split(',').map(node).collect::<Result<Vec<_>, _>>()?;
        if !is_keyspace_name(keyspace) {
            return Err(bad(format!(
                "keyspace {keyspace:?}: a letter then up to 47 letters, digits or underscores"
            )));
        }
        let mut options = CassandraOptions {
            nodes,
            keyspace: keyspace.to_ascii_lowercase(),
            replication_factor: 1,
            read_consistency: Consistency::LocalQuorum,
            write_consistency: Consistency::LocalQuorum,
        };
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            match &*key {
                "replication_factor" => {
                    options.replication_factor = value
                        .parse()
                        .ok()
                        .filter(|n| *n >= 1)
                        .ok_or_else(|| bad(format!("replication_factor {value:?}: a whole number from 1")))?;
                }
                "read_consistency" => {
                    options.read_consistency = consistency(&key, &value)?;
                    if options.read_consistency == Consistency::Any {
                        return Err(bad("read_consistency ANY: ANY is for writes only"));
                    }
                }
                "write_consistency" => options.write_consistency = consistency(&key, &value)?,
                other => {
                    return Err(bad(format!(
                        "unknown setting {other:?} (replication_factor, read_consistency, write_consistency)"
                    )))
                }
            }
        }
        Ok(options)
    }
}

/// `host[:port]` or `[v6 address][:port]`, as `host:port`.
fn node(text: &str) -> Result<String, BadUrl> {
    let bad_node = |why: &str| bad(format!("node {text:?}: {why}"));
    let (host, port) = if let Some(v6) = text.strip_prefix('[') {
        let (host, after) = v6.split_once(']').ok_or_else(|| bad_node("no closing ]"))?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or_else(|| bad_node("text after ]"))?),
        };
        (format!("[{host}]"), port)
    } else {
        match text.split_once(':') {
            Some((host, port)) => (host.to_string(), Some(port)),
            None => (text.to_string(), None),
        }
    };
    if host.is_empty() || host == "[]" {
        return Err(bad_node("no host"));
    }
    if !host.chars().all(|c| c.is_ascii_alphanumeric() || "-._[]:".contains(c)) {
        return Err(bad_node("not a host name or address"));
    }
    let port = match port {
        None => DEFAULT_PORT,
        Some(p) => p
            .parse()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| bad_node("port is not 1-65535"))?,
    };
    Ok(format!("{host}:{port}"))
}

/// CQL's unquoted keyspace names: a letter, then letters, digits and `_`, at most 48 in all.
fn is_keyspace_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.len() <= 48
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn consistency(key: &str, value: &str) -> Result<Consistency, BadUrl> {
    Ok(match value.to_ascii_uppercase().as_str() {
        "ANY" => Consistency::Any,
        "ONE" => Consistency::One,
        "TWO" => Consistency::Two,
        "THREE" => Consistency::Three,
        "QUORUM" => Consistency::Quorum,
        "ALL" => Consistency::All,
        "LOCAL_QUORUM" => Consistency::LocalQuorum,
        "EACH_QUORUM" => Consistency::EachQuorum,
        "LOCAL_ONE" => Consistency::LocalOne,
        _ => {
            return Err(bad(format!(
                "{key} {value:?}: one of ANY, ONE, TWO, THREE, QUORUM, ALL, LOCAL_QUORUM, EACH_QUORUM, LOCAL_ONE"
            )))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(url: &str) -> String {
        CassandraOptions::parse(url).unwrap_err().to_string()
    }

    #[test]
    fn defaults_are_local_quorum_one_replica_and_port_9042() {
        let o = CassandraOptions::parse("cassandra://127.0.0.1/tessera").unwrap();
        assert_eq!(o.nodes, ["127.0.0.1:9042"]);
        assert_eq!(o.keyspace, "tessera");
        assert_eq!(o.replication_factor, 1);
        assert_eq!(o.read_consistency, Consistency::LocalQuorum);
        assert_eq!(o.write_consistency, Consistency::LocalQuorum);
    }

    #[test]
    fn several_nodes_and_every_setting() {
        let o = CassandraOptions::parse(
            "cassandra://a.example:9043,127.0.0.2,[::1]:9044,[fe80::1]/Auth_1?replication_factor=3\
             &read_consistency=one&write_consistency=ANY",
        )
        .unwrap();
        assert_eq!(
            o.nodes,
            ["a.example:9043", "127.0.0.2:9042", "[::1]:9044", "[fe80::1]:9042"]
        );
        assert_eq!(o.keyspace, "auth_1", "unquoted CQL names are lowercase");
        assert_eq!(o.replication_factor, 3);
        assert_eq!(o.read_consistency, Consistency::One);
        assert_eq!(o.write_consistency, Consistency::Any);
    }

    #[test]
    fn errors_name_the_bad_part() {
        assert!(err("postgres://h/k").contains("cassandra://"));
        assert!(err("cassandra://h").contains("no keyspace"));
        assert!(err("cassandra://h/").contains("keyspace \"\""));
        assert!(err("cassandra://h/1ks").contains("keyspace \"1ks\""));
        assert!(err("cassandra://h/a-b").contains("keyspace \"a-b\""));
        assert!(err(&format!("cassandra://h/{}", "k".repeat(49))).contains("keyspace"));
        assert!(err("cassandra://h,/k").contains("node \"\": no host"));
        assert!(err("cassandra://h:0/k").contains("node \"h:0\": port"));
        assert!(err("cassandra://h:70000/k").contains("node \"h:70000\": port"));
        assert!(err("cassandra://h:x/k").contains("node \"h:x\""));
        assert!(err("cassandra://[::1/k").contains("no closing ]"));
        assert!(err("cassandra://h@x/k").contains("node \"h@x\""));
        assert!(err("cassandra://h/k?replication_factor=0").contains("replication_factor \"0\""));
        assert!(err("cassandra://h/k?replication_factor=two").contains("replication_factor \"two\""));
        assert!(err("cassandra://h/k?read_consistency=most").contains("read_consistency \"most\""));
        assert!(err("cassandra://h/k?write_consistency=").contains("write_consistency \"\""));
        assert!(err("cassandra://h/k?read_consistency=any").contains("ANY is for writes only"));
        assert!(err("cassandra://h/k?consistency=one").contains("unknown setting \"consistency\""));
    }
}
