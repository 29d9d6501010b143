//! Plain-text output for people: aligned tables for lists, `key: value` lines for single objects.

use serde_json::Value;

/// Columns padded to their widest cell, separated by two spaces.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Self {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    pub fn render(&self) -> String {
        let columns = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let mut out = String::new();
        for row in std::iter::once(&self.header).chain(&self.rows) {
            let mut line = String::new();
            for (i, width) in widths.iter().enumerate() {
                let cell = row.get(i).map(String::as_str).unwrap_or("");
                if i > 0 {
                    line.push_str("  ");
                }
                line.push_str(cell);
                if i + 1 < columns {
                    line.extend(std::iter::repeat_n(' ', width - cell.chars().count()));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Control characters would break the layout (or drive the terminal): they are shown as `?`.
fn clean(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { '?' } else { c }).collect()
}

/// One value as a cell: `-` for null or an empty list, lists joined with commas, objects as JSON.
pub fn cell(value: &Value) -> String {
    match value {
        Value::Null => "-".into(),
        Value::String(s) => clean(s),
        Value::Array(items) if items.is_empty() => "-".into(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(","),
        Value::Object(map) if map.is_empty() => "-".into(),
        other => clean(&other.to_string()),
    }
}

/// A Unix time as `YYYY-MM-DDTHH:MM:SSZ`; null (no expiry) as `never`.
pub fn time(value: &Value) -> String {
    match value.as_i64() {
        Some(seconds) => utc(seconds),
        None if value.is_null() => "never".into(),
        None => cell(value),
    }
}

/// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm), no time-zone database needed.
fn utc(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// `key: value` lines for one object: the `order` keys first, then whatever else the server sent.
/// Keys in `times` also show their UTC date.
pub fn key_values(value: &Value, order: &[&str], times: &[&str]) -> String {
    let Some(map) = value.as_object() else {
        return format!("{}\n", cell(value));
    };
    let mut keys: Vec<&str> = order.iter().copied().filter(|k| map.contains_key(*k)).collect();
    keys.extend(map.keys().map(String::as_str).filter(|k| !order.contains(k)));
    let width = keys.iter().map(|k| k.chars().count()).max().unwrap_or(0) + 1;
    let mut out = String::new();
    for key in keys {
        let v = &map[key];
        let shown = match v.as_i64() {
            Some(t) if times.contains(&key) => format!("{t} ({})", utc(t)),
            _ if times.contains(&key) => time(v),
            _ => cell(v),
        };
        out.push_str(&format!("{:<width$} {shown}\n", format!("{key}:")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn columns_align_and_lines_have_no_trailing_space() {
        let mut t = Table::new(&["ID", "NAME"]);
        t.push(vec!["a".into(), "Alpha".into()]);
        t.push(vec!["longer".into(), "-".into()]);
        assert_eq!(t.render(), "ID      NAME\na       Alpha\nlonger  -\n");
    }

    #[test]
    fn cells_and_times() {
        assert_eq!(cell(&json!(["a", "b"])), "a,b");
        assert_eq!(cell(&json!([])), "-");
        assert_eq!(cell(&json!(null)), "-");
        assert_eq!(cell(&json!("x\ny")), "x?y");
        assert_eq!(time(&json!(0)), "1970-01-01T00:00:00Z");
        assert_eq!(time(&json!(1_800_000_000)), "2027-01-15T08:00:00Z");
        assert_eq!(time(&json!(951_782_400)), "2000-02-29T00:00:00Z");
        assert_eq!(time(&json!(null)), "never");
    }

    #[test]
    fn key_values_follow_the_order_then_the_rest() {
        let v = json!({"b": 1, "a": "x", "t": 0, "z": [1]});
        assert_eq!(
            key_values(&v, &["a", "t"], &["t"]),
            "a: x\nt: 0 (1970-01-01T00:00:00Z)\nb: 1\nz: 1\n"
        );
    }
}
