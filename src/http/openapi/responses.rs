//! The error responses every route shares (`#/components/responses/…`), and the 503 that every
//! operation touching the store may answer, added in one place.

use super::ErrorBody;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, Ref, RefOr};
use utoipa::{Modify, ToResponse, ToSchema};

fn error_response(description: &str) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name(ErrorBody::name())))
            .build(),
    )
}

/// Declares a reusable error response (`#/components/responses/NAME`).
macro_rules! error_responses {
    ($($name:ident => $description:expr $(, header $header:literal: $header_doc:literal)?;)*) => {$(
        pub struct $name;
        impl<'r> ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<Response>) {
                #[allow(unused_mut)]
                let mut response = error_response($description);
                $(
                    response = response.header(
                        $header,
                        HeaderBuilder::new()
                            .schema(Some(ObjectBuilder::new().schema_type(Type::String).build()))
                            .description(Some($header_doc))
                            .build(),
                    );
                )?
                (stringify!($name), response.build().into())
            }
        }
    )*};
}

error_responses! {
    BadRequest => "Bad JSON, query, path or values (`invalid_request`); the description names the field.";
    Unauthorized => "Missing, invalid, expired or revoked bearer token (`unauthorized`).",
        header "WWW-Authenticate": "RFC 6750: `Bearer realm=\"tessera\"` when the request carries no bearer token, \
            `Bearer realm=\"tessera\", error=\"invalid_token\"` when its token is not a live access token";
    Forbidden => "The token lacks the role or authority, or the resource is in another tenant (`forbidden`).",
        header "WWW-Authenticate": "RFC 6750: `Bearer realm=\"tessera\", error=\"insufficient_scope\"`";
    NotFound => "No such tenant, client, user or token (`not_found`).";
    Conflict => "The id is taken (`conflict`).";
    NotActive => "The token has expired, was revoked or was used (`conflict`): it stays so, and nothing was changed.";
    OAuthBadRequest => "RFC 6749 §5.2: `invalid_request`, `invalid_grant`, `unauthorized_client`, \
        `unsupported_grant_type`, `invalid_scope`, `invalid_target` (RFC 8707: a `resource` that is not an \
        absolute URI without fragment, or a malformed `audience`) (and `invalid_token` from check_token; \
        `unauthorized_client` from revocation of a token issued to another client).";
    InvalidClient => "Client authentication failed (`invalid_client`): wrong, missing or unreadable credentials, \
        or another scheme than Basic in `Authorization` (a bearer token included).",
        header "WWW-Authenticate": "`Basic realm=\"tessera\"`, on every 401, whatever method the client tried";
    TooManyActiveTokens => "The client holds its limit of active access tokens (`too_many_active_tokens`), or \
        too many failed attempts lately for the client's secret or the user's password (`too_many_attempts`: \
        even the right one waits).",
        header "Retry-After": "Whole seconds to wait: until the client's earliest active token expires (absent if \
            none ever does), or until the next attempt is taken";
    ActiveTokenLimit => "The client holds its limit of active access tokens (`too_many_active_tokens`).",
        header "Retry-After": "Whole seconds until the client's earliest active token expires (absent if none \
            ever does)";
    TooManyAttempts => "Too many failed attempts lately for this client's secret (`too_many_attempts`): even \
        the right one waits.",
        header "Retry-After": "Whole seconds until the next attempt is taken";
    Unavailable => "The store cannot serve right now, e.g. the database is down or the disk full \
        (`temporarily_unavailable`); the server recovers by itself.",
        header "Retry-After": "Whole seconds to wait before retrying";
}

/// Every operation that reads or writes the store can answer 503 while the store cannot serve;
/// only those that never touch it (probes of the process, discovery, this document) cannot.
pub(super) struct StoreOutages;

impl Modify for StoreOutages {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        const STORELESS: [&str; 4] = [
            "/healthz",
            "/openapi.json",
            "/.well-known/oauth-authorization-server",
            "/readyz",
        ];
        let unavailable = RefOr::Ref(Ref::from_response_name("Unavailable"));
        for (path, item) in openapi.paths.paths.iter_mut() {
            if STORELESS.contains(&path.as_str()) {
                continue;
            }
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
                &mut item.options,
            ];
            for operation in operations.into_iter().flatten() {
                operation
                    .responses
                    .responses
                    .entry("503".into())
                    .or_insert(unavailable.clone());
            }
        }
    }
}
