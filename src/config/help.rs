//! `tessera serve --help`'s list of settings: every field of [`Config`], its environment variable
//! and its default, read from the config itself so that a new setting cannot be left out.

use super::Config;
use serde_json::Value;

fn flatten(prefix: &str, value: &Value, rows: &mut Vec<(String, String)>) {
    match value {
        Value::Object(fields) => {
            for (name, inner) in fields {
                let key = if prefix.is_empty() {
                    name.clone()
                } else {
                    format!("{prefix}.{name}")
                };
                flatten(&key, inner, rows);
            }
        }
        Value::Null => rows.push((prefix.to_string(), "unset".into())),
        Value::String(s) => rows.push((prefix.to_string(), s.clone())),
        other => rows.push((prefix.to_string(), other.to_string())),
    }
}

/// One line per setting: `name  TESSERA_NAME  default`.
pub fn settings_help() -> String {
    let mut rows = Vec::new();
    flatten(
        "",
        &serde_json::to_value(Config::default()).unwrap_or_default(),
        &mut rows,
    );
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut text = String::from(
        "Settings (tessera.toml key, environment variable, default; flags win over the environment, which wins over the file):\n",
    );
    for (key, default) in rows {
        let env = format!("TESSERA_{}", key.replace('.', "__").to_uppercase());
        let env_width = width + 10;
        text.push_str(&format!("  {key:width$}  {env:env_width$}  {default}\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_is_listed_with_its_variable() {
        let help = settings_help();
        for line in [
            "TESSERA_LISTEN",
            "TESSERA_ADMIN_CLIENT_SECRET",
            "TESSERA_SQLITE__SYNCHRONOUS",
            "TESSERA_PURGE_GRACE",
        ] {
            assert!(help.contains(line), "{line} missing from\n{help}");
        }
        assert!(help.contains("127.0.0.1:8080"));
    }
}
