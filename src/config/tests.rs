//! Loading and validating settings, layer by layer.

use super::*;
use figment::Jail;

#[test]
fn defaults_without_anything() {
    Jail::expect_with(|_| {
        let c = Config::load(None, Overrides::default()).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.store, "sqlite://tessera.db");
        assert_eq!(c.issuer_for(c.listen), "http://127.0.0.1:8080");
        assert_eq!(c.management_listen.to_string(), "127.0.0.1:9464", "loopback only");
        assert_eq!(c.request_timeout, 10);
        assert_eq!(c.max_http_connections, 0, "derived from the descriptor limit");
        assert_eq!(c.workers, 0, "one per core");
        assert!(!c.huge_pages);
        Ok(())
    });
}

#[test]
fn file_then_env_then_flags() {
    Jail::expect_with(|jail| {
        jail.create_file(
            "custom.toml",
            "listen = \"127.0.0.1:9000\"\nstore = \"memory://\"\nissuer = \"https://auth.example\"\n[sqlite]\nsynchronous = \"normal\"\n",
        )?;
        jail.set_env("TESSERA_STORE", "sqlite://env.db");
        jail.set_env("TESSERA_ADMIN_CLIENT_ID", "ops");
        jail.set_env("TESSERA_ADMIN_CLIENT_SECRET", "12345");
        let c = Config::load(Some(Path::new("custom.toml")), Overrides::default()).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:9000", "from the file");
        assert_eq!(c.store, "sqlite://env.db", "env beats file");
        assert_eq!(c.admin_client_secret.unwrap().expose(), "12345", "numbers stay strings");
        assert_eq!(c.sqlite.synchronous, Synchronous::Normal);
        let flags = Overrides {
            store: Some("memory://".into()),
            listen: None,
        };
        let c = Config::load(Some(Path::new("custom.toml")), flags).unwrap();
        assert_eq!(c.store, "memory://", "flags beat env");
        Ok(())
    });
}

#[test]
fn nested_keys_from_env() {
    Jail::expect_with(|jail| {
        jail.set_env("TESSERA_SQLITE__SYNCHRONOUS", "normal");
        jail.set_env("TESSERA_MANAGEMENT_LISTEN", "127.0.0.1:9100");
        jail.set_env("TESSERA_REQUEST_TIMEOUT", "3");
        jail.set_env("TESSERA_MAX_HTTP_CONNECTIONS", "200");
        jail.set_env("TESSERA_WORKERS", "3");
        jail.set_env("TESSERA_HUGE_PAGES", "true");
        let c = Config::load(None, Overrides::default()).unwrap();
        assert_eq!(c.workers, 3);
        assert!(c.huge_pages);
        assert_eq!(c.sqlite.synchronous, Synchronous::Normal);
        assert_eq!(c.management_listen.to_string(), "127.0.0.1:9100");
        assert_eq!((c.request_timeout, c.max_http_connections), (3, 200));
        Ok(())
    });
}

#[test]
fn management_can_be_turned_off() {
    Jail::expect_with(|jail| {
        jail.create_file("tessera.toml", "management_listen = \"off\"\n")?;
        let c = Config::load(None, Overrides::default()).unwrap();
        assert_eq!(c.management_listen, ManagementListen::Off);
        Ok(())
    });
}

#[test]
fn bad_settings_are_named() {
    for (key, value, named) in [
        ("TESSERA_LISTEN", "not-an-address", "listen"),
        ("TESSERA_LOG", "tessera=[", "log"),
        ("TESSERA_LOG_FORMAT", "xml", "log_format"),
        ("TESSERA_SQLITE__SYNCHRONOUS", "off", "sqlite.synchronous"),
        ("TESSERA_ISSUER", "ftp://x", "issuer"),
        ("TESSERA_MANAGEMENT_LISTEN", "9100", "management_listen"),
        ("TESSERA_REQUEST_TIMEOUT", "0", "request_timeout"),
        ("TESSERA_REQUEST_TIMEOUT", "3601", "request_timeout"),
        ("TESSERA_MAX_HTTP_CONNECTIONS", "-1", "max_http_connections"),
        ("TESSERA_ACTIVE_TOKENS_INTERVAL", "0", "active_tokens_interval"),
    ] {
        Jail::expect_with(|jail| {
            jail.set_env(key, value);
            let err = Config::load(None, Overrides::default())
                .unwrap_err()
                .to_string()
                .to_lowercase();
            assert!(err.contains(named), "{key}={value}: {err}");
            Ok(())
        });
    }
    Jail::expect_with(|jail| {
        jail.set_env("TESSERA_ADMIN_CLIENT_ID", "ops admin");
        jail.set_env("TESSERA_ADMIN_CLIENT_SECRET", "12345");
        let err = Config::load(None, Overrides::default()).unwrap_err().to_string();
        assert!(err.contains("admin_client_id \"ops admin\" must be"), "{err}");
        Ok(())
    });
    Jail::expect_with(|_| {
        let err = Config::load(Some(Path::new("missing.toml")), Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing.toml"), "{err}");
        Ok(())
    });
}

#[test]
fn an_admin_secret_that_form_encoding_changes_is_refused_without_showing_it() {
    for bad in ["pa+ss", "100%sure", "sp ace", "a/b", "a:b", "caf\u{e9}", "q=1&r", "x*"] {
        Jail::expect_with(|jail| {
            jail.set_env("TESSERA_ADMIN_CLIENT_ID", "ops");
            jail.set_env("TESSERA_ADMIN_CLIENT_SECRET", bad);
            let err = Config::load(None, Overrides::default()).unwrap_err().to_string();
            assert!(
                err.contains("admin_client_secret (TESSERA_ADMIN_CLIENT_SECRET)") && err.contains("letters, digits"),
                "{bad}: {err}"
            );
            assert!(!err.contains(bad), "the secret is not shown: {err}");
            Ok(())
        });
    }
    let generated = crate::token::generate_key_text();
    for good in ["Az09-._~", "12345", generated.as_str()] {
        Jail::expect_with(|jail| {
            jail.set_env("TESSERA_ADMIN_CLIENT_ID", "ops");
            jail.set_env("TESSERA_ADMIN_CLIENT_SECRET", good);
            assert!(Config::load(None, Overrides::default()).is_ok(), "{good}");
            Ok(())
        });
    }
}

#[test]
fn variables_that_name_no_setting_are_ignored_and_named() {
    Jail::expect_with(|jail| {
        // What Kubernetes injects beside a Service named `tessera`, and the CLI's own variable.
        jail.set_env("TESSERA_SERVICE_HOST", "10.0.0.7");
        jail.set_env("TESSERA_PORT", "tcp://10.0.0.7:8080");
        jail.set_env("TESSERA_PORT_8080_TCP_ADDR", "10.0.0.7");
        jail.set_env("TESSERA_URL", "http://127.0.0.1:8080");
        jail.set_env("TESSERA_LISTN", "127.0.0.1:1");
        jail.set_env("TESSERA_STORE", "memory://");
        let c = Config::load(None, Overrides::default()).unwrap();
        assert_eq!(c.store, "memory://", "known settings still apply");
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        for name in [
            "TESSERA_SERVICE_HOST",
            "TESSERA_PORT",
            "TESSERA_PORT_8080_TCP_ADDR",
            "TESSERA_LISTN",
        ] {
            assert!(c.ignored_env.iter().any(|n| n == name), "{name} in {:?}", c.ignored_env);
        }
        assert!(!c.ignored_env.iter().any(|n| n == "TESSERA_URL"), "the CLI's own");
        assert!(!c.ignored_env.iter().any(|n| n == "TESSERA_STORE"));
        Ok(())
    });
}

#[test]
fn a_typo_in_the_file_stays_fatal() {
    Jail::expect_with(|jail| {
        jail.create_file(
            "tessera.toml",
            "listn = \"127.0.0.1:9000\"\n[sqlite]\nsynchronus = \"full\"\n",
        )?;
        let err = Config::load(None, Overrides::default()).unwrap_err().to_string();
        assert!(
            err.contains("unknown setting \"listn\"") && err.contains("tessera.toml"),
            "{err}"
        );
        Ok(())
    });
}

#[test]
fn listen_takes_host_names() {
    Jail::expect_with(|jail| {
        let flag = Overrides {
            listen: Some("localhost:8081".into()),
            store: None,
        };
        let c = Config::load(None, flag).unwrap();
        assert!(c.listen.ip().is_loopback() && c.listen.port() == 8081, "{}", c.listen);
        jail.set_env("TESSERA_LISTEN", "localhost:8082");
        assert_eq!(Config::load(None, Overrides::default()).unwrap().listen.port(), 8082);
        jail.create_file("tessera.toml", "listen = \"localhost:8083\"\n")?;
        jail.set_env("TESSERA_LISTEN", "no-such-host.invalid:8080");
        let err = Config::load(None, Overrides::default()).unwrap_err().to_string();
        assert!(
            err.starts_with("configuration: listen: cannot resolve \"no-such-host.invalid:8080\""),
            "{err}"
        );
        assert!(err.contains("TESSERA_LISTEN"), "names where it came from: {err}");
        Ok(())
    });
}

#[test]
fn messages_show_no_internals() {
    let flag = || Overrides {
        listen: Some("localhost:99999".into()),
        store: None,
    };
    Jail::expect_with(|jail| {
        let mut messages = vec![Config::load(None, flag()).unwrap_err().to_string()];
        for (key, value) in [
            ("TESSERA_LISTEN", "localhost"),
            ("TESSERA_LOG_FORMAT", "xml"),
            ("TESSERA_PURGE_INTERVAL", "soon"),
            ("TESSERA_LOG", "tessera=["),
        ] {
            jail.set_env(key, value);
            messages.push(Config::load(None, Overrides::default()).unwrap_err().to_string());
            jail.set_env(key, "");
            std::env::remove_var(key);
        }
        jail.create_file("tessera.toml", "listn = 1\nlog_format = \"xml\"\n")?;
        messages.push(Config::load(None, Overrides::default()).unwrap_err().to_string());
        assert!(
            messages[0].contains("listen") && messages[0].contains("command line"),
            "{}",
            messages[0]
        );
        for m in messages {
            for internal in ["src/", ".rs:", "default.", "global.", "``", "tessera::", "Overrides"] {
                assert!(!m.contains(internal), "{internal:?} in {m}");
            }
        }
        Ok(())
    });
}

#[test]
fn debug_never_shows_secrets() {
    let c = Config {
        admin_client_secret: Some(Secret::new("topsecret".into())),
        token_key: Some(Secret::new("keykeykey".into())),
        ..Config::default()
    };
    let shown = format!("{c:?}");
    assert!(!shown.contains("topsecret") && !shown.contains("keykeykey"));
}

#[test]
fn previous_keys_from_a_comma_separated_env_value_or_a_toml_list() {
    let exposed = |c: &Config| {
        c.token_previous_keys
            .iter()
            .map(|k| k.expose().clone())
            .collect::<Vec<_>>()
    };
    Jail::expect_with(|jail| {
        jail.set_env("TESSERA_TOKEN_PREVIOUS_KEYS", "k-one_A");
        assert_eq!(exposed(&Config::load(None, Overrides::default()).unwrap()), ["k-one_A"]);
        jail.set_env("TESSERA_TOKEN_PREVIOUS_KEYS", "k-one_A, k2,");
        assert_eq!(
            exposed(&Config::load(None, Overrides::default()).unwrap()),
            ["k-one_A", "k2"]
        );
        jail.set_env("TESSERA_TOKEN_PREVIOUS_KEYS", "[k3,k4]");
        assert_eq!(
            exposed(&Config::load(None, Overrides::default()).unwrap()),
            ["k3", "k4"]
        );
        Ok(())
    });
    Jail::expect_with(|jail| {
        jail.create_file("tessera.toml", "token_previous_keys = [\"k5\", \"k6\"]\n")?;
        assert_eq!(
            exposed(&Config::load(None, Overrides::default()).unwrap()),
            ["k5", "k6"]
        );
        Ok(())
    });
}
