//! Usage: bad usage exits 2, every argument is described, and help never shows the admin secret.

use super::{tessera, tessera_with};
use crate::helpers::spawn;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_credentials_and_bad_usage_exit_2() {
    let s = spawn().await;
    let run = tessera_with(&[("TESSERA_URL", s.base.as_str())], &["tenant", "list"], None).await;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("TESSERA_ADMIN_CLIENT_ID"), "{run:?}");
    assert!(run.stderr.contains("--admin-client-secret"), "{run:?}");

    let run = tessera(&s, &["tenant", "create"]).await;
    assert_eq!(run.code, 2, "a missing argument: {run:?}");
    let run = tessera(&s, &["tenant", "create", "x", "--token-policy", "sometimes"]).await;
    assert_eq!(run.code, 2, "{run:?}");
    let run = tessera(&s, &["tenant", "get", "x", "--url", "ftp://example.com"]).await;
    assert_eq!(run.code, 2, "{run:?}");

    // Numbers the server refuses are refused by the parser, naming the option and the rule.
    for (option, value, says) in [
        ("--max-active-tokens", "-5", "1 or more"),
        ("--max-active-tokens", "0", "must be at least 1"),
        ("--access-token-ttl", "0", "must not be 0"),
        ("--access-token-ttl", "400000000", "at most ten years"),
    ] {
        let run = tessera(&s, &["tenant", "create", "x", option, value]).await;
        assert_eq!(run.code, 2, "{option} {value}: {run:?}");
        assert!(run.stderr.contains(option) && run.stderr.contains(says), "{run:?}");
    }
    tessera(
        &s,
        &[
            "tenant",
            "create",
            "x",
            "--access-token-ttl",
            "-1",
            "--max-active-tokens",
            "1",
        ],
    )
    .await
    .ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_positional_argument_is_described() {
    let s = spawn().await;
    for (noun, verbs) in [
        ("tenant", &["get", "create", "update", "delete"][..]),
        ("client", &["list", "get", "create", "update", "delete", "secret"]),
        ("user", &["list", "get", "create", "update", "delete"]),
        ("token", &["list", "revoke-all", "get", "update", "delete"]),
        ("authorization", &["list", "set-scopes", "delete"]),
    ] {
        for verb in verbs {
            let help = tessera(&s, &[noun, verb, "--help"]).await.ok().stdout;
            let arguments = help.split("Arguments:").nth(1).unwrap_or_default();
            for line in arguments.lines().skip(1).take_while(|l| l.starts_with("  <")) {
                let described = line.split_once('>').is_some_and(|(_, rest)| !rest.trim().is_empty());
                assert!(described, "{noun} {verb}: {line:?} has no description");
            }
        }
    }
    // `serve --help` names every setting's environment variable, and JSON output ends its line.
    let serve = tessera(&s, &["serve", "--help"]).await.ok().stdout;
    for variable in [
        "TESSERA_STORE",
        "TESSERA_MANAGEMENT_LISTEN",
        "TESSERA_SQLITE__SYNCHRONOUS",
    ] {
        assert!(serve.contains(variable), "{variable}: {serve}");
    }
    assert!(tessera(&s, &["tenant", "list", "--json"])
        .await
        .ok()
        .stdout
        .ends_with("]\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_never_shows_the_admin_secret() {
    let envs = [("TESSERA_ADMIN_CLIENT_SECRET", "hunter2-admin-secret")];
    for args in [&["tenant", "list", "--help"][..], &["client", "create", "--help"]] {
        let run = tessera_with(&envs, args, None).await;
        assert_eq!(run.code, 0, "{run:?}");
        assert!(run.stdout.contains("TESSERA_ADMIN_CLIENT_SECRET"), "{run:?}");
        assert!(!run.stdout.contains("hunter2"), "{run:?}");
    }
}
