//! A console form post: its fields, accepted only with the session's CSRF token.

use super::{error_page, Console};
use crate::service::admin::AdminError;
use crate::service::Service;
use axum::extract::{FromRequest, Request};
use axum::response::Response;
use serde_json::{Map, Value};
use std::sync::Arc;

pub struct Form(Vec<(String, String)>);

impl FromRequest<Arc<Service>> for Form {
    type Rejection = Response;

    async fn from_request(req: Request, state: &Arc<Service>) -> Result<Self, Response> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| error_page(AdminError::Invalid("the form could not be read".into()).into()))?;
        Ok(Form(form_urlencoded::parse(&bytes).into_owned().collect()))
    }
}

impl Form {
    /// The form, if it carries this session's CSRF token; a forged post is refused with 403.
    pub fn checked(self, service: &Service, console: &Console) -> Result<Self, AdminError> {
        match self.get("_csrf") {
            Some(token) if service.console_csrf_ok(&console.session, token) => Ok(self),
            _ => Err(AdminError::Forbidden("the form's CSRF token is missing or wrong")),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// A text field, trimmed; `None` when empty or absent.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty())
    }

    /// Every value of a repeated field (checkboxes), and the words of a space- or comma-separated one.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split([' ', ',', '\n', '\r']))
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// A whole number field into `body`: empty puts `null` when `clear`, nothing otherwise.
    pub fn number(&self, body: &mut Map<String, Value>, name: &str, clear: bool) -> Result<(), AdminError> {
        match self.text(name) {
            None if clear => {
                body.insert(name.into(), Value::Null);
            }
            None => {}
            Some(v) => {
                let n: i64 = v
                    .parse()
                    .map_err(|_| AdminError::Invalid(format!("{name}: must be a whole number")))?;
                body.insert(name.into(), n.into());
            }
        }
        Ok(())
    }
}

/// A payload type read from the JSON the form became, with the field at fault named as the
/// admin API names it.
pub fn payload<T: serde::de::DeserializeOwned>(body: Map<String, Value>) -> Result<T, AdminError> {
    serde_path_to_error::deserialize(Value::Object(body)).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        AdminError::Invalid(format!("{path}: {message}"))
    })
}

/// Splits an `invalid_request` description into the field it names and the words for a person.
pub fn field_error(e: &AdminError) -> Option<(&str, &str)> {
    match e {
        AdminError::Invalid(text) => text.split_once(": "),
        _ => None,
    }
}
