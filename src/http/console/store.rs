//! The store page: which backend, when the purge last ran and what it removed, "purge now".

use super::layout::{self, time};
use super::{html, see_other, Console, Form, Page};
use crate::service::Service;
use axum::extract::State;
use axum::http::StatusCode;
use maud::html;
use std::sync::Arc;

pub async fn page(State(s): State<Arc<Service>>, console: Console) -> Page {
    let status = s.store_status(&console.who)?;
    let csrf = console.csrf(&s);
    let chrome = console.chrome(&csrf, "store", s.console_take_flash(&console.session));
    let body = html! {
        h1 { "Store" }
        section.card {
            dl.facts {
                dt { "Backend" } dd { code { (status.backend) } }
                dt { "Purge runs every" } dd { (status.purge_interval_seconds) " s" }
                dt { "Last purge" } dd {
                    @if let Some(run) = &status.last_purge {
                        (time(Some(run.at))) " — " (run.outcome) ", " (run.deleted) " rows removed"
                    } @else {
                        span.empty { "No purge has run on this node since it started." }
                    }
                }
            }
            form method="post" action="/console/store/purge" {
                (layout::csrf(&csrf))
                div.actions { button type="submit" { "Purge expired tokens now" } }
            }
        }
    };
    Ok(html(StatusCode::OK, layout::page("Store", &chrome, body)))
}

pub async fn purge(State(s): State<Arc<Service>>, console: Console, form: Form) -> Page {
    form.checked(&s, &console)?;
    let run = s.purge_now(&console.who).await?;
    s.console_flash(
        &console.session,
        format!("Purge {}: {} rows removed.", run.outcome, run.deleted),
    );
    Ok(see_other("/console/store"))
}
