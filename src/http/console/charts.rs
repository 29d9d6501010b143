//! Line charts drawn on the server as SVG (no script): request rate and p50/p99 latency of one
//! route over the sampled minutes.

use crate::metrics::Sample;
use maud::{html, Markup};

const W: f64 = 320.0;
const H: f64 = 100.0;

/// One polyline of `values` scaled to `max`; missing values break nothing, they are skipped.
fn points(values: &[Option<f64>], max: f64) -> String {
    let step = if values.len() > 1 {
        W / (values.len() - 1) as f64
    } else {
        0.0
    };
    values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| format!("{:.1},{:.1}", i as f64 * step, H - (v / max) * (H - 6.0) - 3.0)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn last(values: &[Option<f64>]) -> String {
    match values.iter().rev().flatten().next() {
        Some(v) if *v >= 10.0 => format!("{v:.0}"),
        Some(v) => format!("{v:.2}"),
        None => "–".into(),
    }
}

/// `lines`: (legend, colour, values); the label says what the chart shows and the last values.
fn chart(label: &str, unit: &str, lines: &[(&str, &str, Vec<Option<f64>>)]) -> Markup {
    let max = lines
        .iter()
        .flat_map(|(_, _, v)| v.iter().flatten().copied())
        .fold(0.0f64, f64::max)
        .max(f64::EPSILON);
    let summary = lines
        .iter()
        .map(|(name, _, v)| format!("{name} {} {unit}", last(v)))
        .collect::<Vec<_>>()
        .join(", ");
    html! {
        figure {
            svg.chart viewBox={ "0 0 " (W) " " (H) } role="img" aria-label={ (label) ", latest: " (summary) } {
                line x1="0" y1=(H - 1.0) x2=(W) y2=(H - 1.0) stroke="#9aa5b1" stroke-width="1" {}
                @for (_, colour, values) in lines {
                    polyline points=(points(values, max)) fill="none" stroke=(colour) stroke-width="2" {}
                }
            }
            figcaption {
                (label) ":"
                @for (name, colour, values) in lines {
                    span class={ "key " (key_class(colour)) } aria-hidden="true" {}
                    (name) " " (last(values)) " " (unit)
                }
                " (peak " (format!("{max:.2}")) ")"
            }
        }
    }
}

fn key_class(colour: &str) -> &'static str {
    if colour == ORANGE {
        "key-orange"
    } else {
        "key-blue"
    }
}

const BLUE: &str = "#1f4ad1";
const ORANGE: &str = "#b45309";

pub fn route(name: &str, samples: &[Sample]) -> Markup {
    let rate: Vec<Option<f64>> = samples.iter().map(|s| Some(s.requests_per_second)).collect();
    let p50: Vec<Option<f64>> = samples.iter().map(|s| s.p50_ms).collect();
    let p99: Vec<Option<f64>> = samples.iter().map(|s| s.p99_ms).collect();
    html! {
        div.card {
            h2 { (name) }
            @if samples.is_empty() {
                p.empty { "No samples yet: the server records one every 10 seconds. Come back in a moment." }
            } @else {
                (chart("Requests per second", "req/s", &[("rate", BLUE, rate)]))
                (chart("Latency", "ms", &[("p50", BLUE, p50), ("p99", ORANGE, p99)]))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_points_into_the_box_and_skips_gaps() {
        assert_eq!(points(&[Some(0.0), None, Some(2.0)], 2.0), "0.0,97.0 320.0,3.0");
        assert_eq!(last(&[Some(1.0), None]), "1.00");
    }
}
