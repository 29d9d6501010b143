//! The descriptor budget. At start the soft `RLIMIT_NOFILE` is raised to the hard limit, and the
//! main listener takes at most what is left after a reserve for everything else: a flood of
//! connections then waits in the listen backlog instead of leaving the process without a
//! descriptor for its store, its files or its management listener.

use nix::sys::resource::{getrlimit, setrlimit, Resource};

/// Connections the management listener keeps open at once: a scraper and a few probes.
pub const MANAGEMENT_CONNECTIONS: usize = 16;

/// Descriptors kept for all but the main listener's connections: stdio, the listeners, the key
/// and SQLite files, the signal pipe and slack; two per connection worker (its runtime's epoll and
/// wake-up descriptors); the SQL pool (`max_connections`) and the 4 writers and 4 readers beside
/// it; the management listener's connections.
pub fn reserve(workers: usize, store_pool: u32) -> u64 {
    const FIXED: u64 = 64;
    const SQL_HELD: u64 = 8;
    FIXED + 2 * workers as u64 + u64::from(store_pool) + SQL_HELD + MANAGEMENT_CONNECTIONS as u64
}

/// Raises the soft descriptor limit to the hard one and returns the limit now in force.
pub fn raise_descriptor_limit() -> u64 {
    let (soft, hard) = match getrlimit(Resource::RLIMIT_NOFILE) {
        Ok(limits) => limits,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the descriptor limit (RLIMIT_NOFILE)");
            return 1024;
        }
    };
    if soft >= hard {
        tracing::info!(limit = soft, "descriptor limit (RLIMIT_NOFILE)");
        return soft;
    }
    match setrlimit(Resource::RLIMIT_NOFILE, hard, hard) {
        Ok(()) => {
            tracing::info!(from = soft, to = hard, "raised the descriptor limit (RLIMIT_NOFILE)");
            hard
        }
        // An unlimited hard limit is refused above fs.nr_open, for one.
        Err(e) => {
            tracing::warn!(error = %e, limit = soft, hard, "cannot raise the descriptor limit (RLIMIT_NOFILE)");
            soft
        }
    }
}

/// The main listener's connection cap: `configured` (`max_http_connections`), or all that the
/// descriptor limit leaves after `reserve` when 0.
pub fn connection_cap(configured: usize, limit: u64, reserve: u64) -> anyhow::Result<usize> {
    let available = usize::try_from(limit.saturating_sub(reserve)).unwrap_or(usize::MAX);
    if available == 0 {
        anyhow::bail!(
            "the descriptor limit (RLIMIT_NOFILE {limit}) leaves no connection for the listener once \
             {reserve} are kept for the store, files and the management listener; raise it (ulimit -n, \
             systemd LimitNOFILE=)"
        );
    }
    match configured {
        0 => Ok(available),
        n if n <= available => Ok(n),
        n => anyhow::bail!(
            "max_http_connections {n} is more than the {available} connections the descriptor limit \
             allows (RLIMIT_NOFILE {limit}, {reserve} kept for the store, files and the management \
             listener); raise the limit (ulimit -n, systemd LimitNOFILE=) or lower max_http_connections"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_is_what_the_reserve_leaves() {
        let reserve = reserve(2, 16);
        assert_eq!(reserve, 64 + 4 + 16 + 8 + 16);
        assert_eq!(connection_cap(0, 512, reserve).unwrap(), 512 - 108);
        assert_eq!(connection_cap(100, 512, reserve).unwrap(), 100);
        let err = connection_cap(500, 512, reserve).unwrap_err().to_string();
        assert!(err.contains("max_http_connections 500") && err.contains("404"), "{err}");
        let err = connection_cap(0, 100, reserve).unwrap_err().to_string();
        assert!(err.contains("RLIMIT_NOFILE 100"), "{err}");
    }

    #[test]
    fn the_limit_ends_at_least_where_it_was() {
        let (soft, _) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
        assert!(raise_descriptor_limit() >= soft);
    }
}
