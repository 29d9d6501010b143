//! What differs between PostgreSQL and MySQL/MariaDB: DDL, placeholders, locks, bounded deletes.

use std::borrow::Cow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    MySql,
}

/// Schema steps for PostgreSQL. Ids compare byte-wise (`COLLATE "C"`) so paging order is stable.
const POSTGRES: &[&str] = &[
    r#"
CREATE TABLE tenants (
    id        VARCHAR(63) COLLATE "C" PRIMARY KEY,
    name      VARCHAR(200) NOT NULL,
    settings  TEXT NOT NULL
);
CREATE TABLE clients (
    client_id     VARCHAR(128) COLLATE "C" PRIMARY KEY,
    tenant        VARCHAR(63) COLLATE "C" NOT NULL,
    name          VARCHAR(200) NOT NULL,
    secret_hash   VARCHAR(64),
    grant_types   TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,
    authorities   TEXT NOT NULL,
    is_public     BIGINT NOT NULL,
    settings      TEXT NOT NULL
);
CREATE INDEX clients_tenant ON clients (tenant);
CREATE TABLE users (
    tenant        VARCHAR(63) COLLATE "C" NOT NULL,
    username      VARCHAR(128) COLLATE "C" NOT NULL,
    password_hash TEXT NOT NULL,
    authorities   TEXT NOT NULL,
    enabled       BIGINT NOT NULL,
    PRIMARY KEY (tenant, username)
);
CREATE TABLE tokens (
    id          VARCHAR(22) COLLATE "C" PRIMARY KEY,
    kind        VARCHAR(8) NOT NULL,
    tenant      VARCHAR(63) COLLATE "C" NOT NULL,
    client_id   VARCHAR(128) COLLATE "C" NOT NULL,
    subject     VARCHAR(128) COLLATE "C" NOT NULL,
    scopes      TEXT COLLATE "C" NOT NULL,
    authorities TEXT NOT NULL,
    issued_at   BIGINT NOT NULL,
    expires_at  BIGINT,
    state       VARCHAR(8) NOT NULL,
    properties  TEXT,
    grant_id    VARCHAR(22) COLLATE "C" NOT NULL
);
CREATE INDEX tokens_client ON tokens (client_id, kind, state);
CREATE INDEX tokens_grant ON tokens (grant_id);
CREATE INDEX tokens_subject ON tokens (tenant, subject);
CREATE INDEX tokens_expires ON tokens (expires_at);
CREATE TABLE leases (
    name     VARCHAR(32) PRIMARY KEY,
    holder   VARCHAR(64) NOT NULL,
    until_at BIGINT NOT NULL
);
"#,
    r#"
CREATE TABLE consents (
    client_id  VARCHAR(128) COLLATE "C" NOT NULL,
    subject    VARCHAR(128) COLLATE "C" NOT NULL,
    tenant     VARCHAR(63) COLLATE "C" NOT NULL,
    scopes     TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (client_id, subject)
);
CREATE INDEX consents_subject ON consents (tenant, subject);
"#,
    THROTTLE_POSTGRES,
    USED_AT,
    EXTRA_POSTGRES,
    super::signing_keys::POSTGRES_TABLE,
];

/// When a used refresh token or code was first exchanged: the refresh grace counts from it
/// (step 4 on PostgreSQL, 5 on MySQL). Rows used before it read as used when issued.
const USED_AT: &str = "ALTER TABLE tokens ADD COLUMN used_at BIGINT";

/// An access token's audiences and, for a JWT, the token sealed under the token key, as JSON
/// (step 6 on PostgreSQL, 7 on MySQL).
const EXTRA_POSTGRES: &str = "ALTER TABLE tokens ADD COLUMN extra TEXT";
const EXTRA_MYSQL: &str = "ALTER TABLE tokens ADD COLUMN extra MEDIUMTEXT";

/// The throttles' counters, shared by every node (step 3 on PostgreSQL, 4 on MySQL).
const THROTTLE_POSTGRES: &str = r#"
CREATE TABLE throttle (
    name     VARCHAR(200) COLLATE "C" PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_at  BIGINT NOT NULL
);
CREATE INDEX throttle_last ON throttle (last_at);
"#;

/// Where a MySQL step names the server's binary NO PAD collation; `migrate` puts in the name.
pub const NOPAD_BIN: &str = "{nopad_bin}";

/// The binary NO PAD collations, MariaDB's then MySQL 8's: the first the server has is used.
pub const NOPAD_BIN_NAMES: [&str; 2] = ["utf8mb4_nopad_bin", "utf8mb4_0900_bin"];

/// Schema steps for MySQL 8 / MariaDB: binary collation, since ids and names are case-sensitive;
/// and NO PAD (step 3), since `utf8mb4_bin` ignores trailing spaces and took `billing ` for `billing`.
const MYSQL: &[&str] = &[
    r#"
CREATE TABLE tenants (
    id        VARCHAR(63) NOT NULL PRIMARY KEY,
    name      VARCHAR(200) NOT NULL,
    settings  TEXT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE clients (
    client_id     VARCHAR(128) NOT NULL PRIMARY KEY,
    tenant        VARCHAR(63) NOT NULL,
    name          VARCHAR(200) NOT NULL,
    secret_hash   VARCHAR(64),
    grant_types   TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,
    authorities   TEXT NOT NULL,
    is_public     BIGINT NOT NULL,
    settings      TEXT NOT NULL,
    INDEX clients_tenant (tenant)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE users (
    tenant        VARCHAR(63) NOT NULL,
    username      VARCHAR(128) NOT NULL,
    password_hash TEXT NOT NULL,
    authorities   TEXT NOT NULL,
    enabled       BIGINT NOT NULL,
    PRIMARY KEY (tenant, username)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE tokens (
    id          VARCHAR(22) NOT NULL PRIMARY KEY,
    kind        VARCHAR(8) NOT NULL,
    tenant      VARCHAR(63) NOT NULL,
    client_id   VARCHAR(128) NOT NULL,
    subject     VARCHAR(128) NOT NULL,
    scopes      TEXT NOT NULL,
    authorities TEXT NOT NULL,
    issued_at   BIGINT NOT NULL,
    expires_at  BIGINT,
    state       VARCHAR(8) NOT NULL,
    properties  MEDIUMTEXT,
    grant_id    VARCHAR(22) NOT NULL,
    INDEX tokens_client (client_id, kind, state),
    INDEX tokens_grant (grant_id),
    INDEX tokens_subject (tenant, subject),
    INDEX tokens_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE leases (
    name     VARCHAR(32) NOT NULL PRIMARY KEY,
    holder   VARCHAR(64) NOT NULL,
    until_at BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
"#,
    r#"
CREATE TABLE consents (
    client_id  VARCHAR(128) NOT NULL,
    subject    VARCHAR(128) NOT NULL,
    tenant     VARCHAR(63) NOT NULL,
    scopes     TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (client_id, subject),
    INDEX consents_subject (tenant, subject)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
"#,
    r#"
ALTER TABLE tenants CONVERT TO CHARACTER SET utf8mb4 COLLATE {nopad_bin};
ALTER TABLE clients CONVERT TO CHARACTER SET utf8mb4 COLLATE {nopad_bin};
ALTER TABLE users CONVERT TO CHARACTER SET utf8mb4 COLLATE {nopad_bin};
ALTER TABLE tokens CONVERT TO CHARACTER SET utf8mb4 COLLATE {nopad_bin};
ALTER TABLE consents CONVERT TO CHARACTER SET utf8mb4 COLLATE {nopad_bin};
ALTER TABLE leases CONVERT TO CHARACTER SET utf8mb4 COLLATE {nopad_bin};
"#,
    r#"
CREATE TABLE throttle (
    name     VARCHAR(200) NOT NULL PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_at  BIGINT NOT NULL,
    INDEX throttle_last (last_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={nopad_bin};
"#,
    USED_AT,
    EXTRA_MYSQL,
    super::signing_keys::MYSQL_TABLE,
];

impl Dialect {
    pub fn from_scheme(scheme: &str) -> Option<Self> {
        match scheme {
            "postgres" | "postgresql" => Some(Dialect::Postgres),
            "mysql" | "mariadb" => Some(Dialect::MySql),
            _ => None,
        }
    }

    /// Queries are written with `?`; PostgreSQL wants `$1, $2, …`.
    pub fn sql(self, text: &'static str) -> Cow<'static, str> {
        match self {
            Dialect::MySql => Cow::Borrowed(text),
            Dialect::Postgres => Cow::Owned(self.sql_owned(text)),
        }
    }

    pub fn sql_owned(self, text: &str) -> String {
        if self == Dialect::MySql {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len() + 16);
        let mut n = 0;
        for c in text.chars() {
            if c == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(c);
            }
        }
        out
    }

    pub fn migrations(self) -> &'static [&'static str] {
        match self {
            Dialect::Postgres => POSTGRES,
            Dialect::MySql => MYSQL,
        }
    }

    /// Session-level lock held while migrating, so nodes starting together migrate once.
    pub fn lock_migrations(self) -> &'static str {
        match self {
            Dialect::Postgres => "SELECT pg_advisory_lock(727365)",
            Dialect::MySql => "SELECT GET_LOCK('tessera_migrate', 60)",
        }
    }

    pub fn unlock_migrations(self) -> &'static str {
        match self {
            Dialect::Postgres => "SELECT pg_advisory_unlock(727365)",
            Dialect::MySql => "SELECT RELEASE_LOCK('tessera_migrate')",
        }
    }

    /// Run on each connection of the token readers. PostgreSQL would otherwise settle, after five
    /// runs, on a generic plan for `id = ANY(…)`: one chosen while the table was small is a
    /// sequential scan, kept as the table grows to millions (lookups went from 0.1 ms to a second).
    /// A plan made for each run's ids always takes the primary key. MySQL plans every run anyway.
    pub fn reader_setup(self) -> Option<&'static str> {
        match self {
            Dialect::Postgres => Some("SET plan_cache_mode = force_custom_plan"),
            Dialect::MySql => None,
        }
    }

    /// Makes sure a throttle counter row exists (at zero), so it can be locked `FOR UPDATE`.
    pub fn ensure_throttle_row(self) -> &'static str {
        match self {
            Dialect::Postgres => {
                "INSERT INTO throttle (name, failures, last_at) VALUES ($1, 0, 0) ON CONFLICT (name) DO NOTHING"
            }
            Dialect::MySql => "INSERT IGNORE INTO throttle (name, failures, last_at) VALUES (?, 0, 0)",
        }
    }

    /// Deletes one bounded batch of expired tokens (MySQL has `DELETE … LIMIT`, PostgreSQL not).
    pub fn purge(self) -> &'static str {
        match self {
            Dialect::Postgres => {
                "DELETE FROM tokens WHERE id IN \
                 (SELECT id FROM tokens WHERE expires_at IS NOT NULL AND expires_at < $1 LIMIT $2)"
            }
            Dialect::MySql => "DELETE FROM tokens WHERE expires_at IS NOT NULL AND expires_at < ? LIMIT ?",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres() {
        assert_eq!(Dialect::Postgres.sql("a = ? AND b = ?"), "a = $1 AND b = $2");
        assert_eq!(Dialect::MySql.sql("a = ?"), "a = ?");
    }
}
