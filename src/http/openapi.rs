//! The OpenAPI 3.1 document (`GET /openapi.json`), generated from the same `routes!` calls that
//! build the router (`super::api`), the handlers' `#[utoipa::path]` annotations and the DTOs'
//! `ToSchema` derives. This module adds what no handler says by itself: the security schemes,
//! the shared error responses, and schemas for the types that serialize by hand.

use super::errors::ErrorBody;
use crate::model::{AccessTokenFormat, GrantType, TokenKind, TokenPolicy};
use crate::service::introspect::{CheckToken, Introspection};
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::Operation;

use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr, Required};
use utoipa::{Modify, OpenApi, PartialSchema, ToResponse, ToSchema};

mod responses;
pub use responses::*;

/// `TokenPolicy`, `TokenKind` and `GrantType` serialize as snake_case strings (see `crate::model`).
fn string_enum(description: &str, values: &[&'static str]) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(values.iter().copied()))
        .into()
}

impl PartialSchema for TokenPolicy {
    fn schema() -> RefOr<Schema> {
        let all = [TokenPolicy::Multi, TokenPolicy::Reuse, TokenPolicy::SinglePerSubject];
        string_enum(
            "How access tokens are issued: `multi` (a new token each time, within the active-token limit), `reuse` (the same active token back for the same client, subject and scopes) or `single_per_subject` (a new token revokes the subject's earlier ones).",
            &all.map(TokenPolicy::as_str),
        )
    }
}
impl ToSchema for TokenPolicy {}

impl PartialSchema for AccessTokenFormat {
    fn schema() -> RefOr<Schema> {
        let all = [AccessTokenFormat::Opaque, AccessTokenFormat::Jwt];
        string_enum(
            "What access tokens are issued as: `opaque` (a value only this server understands) or `jwt` (an RFC 9068 JWT that gateways verify against `/.well-known/jwks.json`; still listed, limited, updated and revoked here).",
            &all.map(AccessTokenFormat::as_str),
        )
    }
}
impl ToSchema for AccessTokenFormat {}

impl PartialSchema for GrantType {
    fn schema() -> RefOr<Schema> {
        string_enum(
            "An OAuth grant type (RFC 6749 §4).",
            &GrantType::ALL.map(GrantType::as_str),
        )
    }
}
impl ToSchema for GrantType {}

impl PartialSchema for TokenKind {
    fn schema() -> RefOr<Schema> {
        let all = [TokenKind::Access, TokenKind::Refresh, TokenKind::Code];
        string_enum("What a token is.", &all.map(TokenKind::as_str))
    }
}
impl ToSchema for TokenKind {}

fn field(ty: impl Into<SchemaType>, description: &str) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(ty).description(Some(description))
}

fn strings(description: &str) -> ArrayBuilder {
    ArrayBuilder::new()
        .items(ObjectBuilder::new().schema_type(Type::String))
        .description(Some(description))
}

/// Serialized by hand (`service::introspect`): `{"active":false}`, or the fields below plus the
/// token's `properties` (which never override a field of introspection's own).
impl PartialSchema for Introspection {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .description(Some(
                "RFC 7662 answer. Inactive, unknown, forged or foreign tokens: `{\"active\": false}` only. \
                 An active token also carries its `properties` as extra members.",
            ))
            .property("active", field(Type::Boolean, "Whether the token is usable now."))
            .required("active")
            .property("scope", field(Type::String, "Space-separated scopes."))
            .property("client_id", field(Type::String, "The client the token was issued to."))
            .property("username", field(Type::String, "The user, for user tokens."))
            .property(
                "sub",
                field(Type::String, "The user, or the client for application tokens."),
            )
            .property(
                "token_type",
                field(Type::String, "`Bearer` (access) or `refresh_token`."),
            )
            .property(
                "exp",
                field(Type::Integer, "Expiry, Unix seconds; absent if it never expires."),
            )
            .property("iat", field(Type::Integer, "Issued at, Unix seconds."))
            .property("iss", field(Type::String, "The issuer URL."))
            .property("authorities", strings("Roles and permissions the token carries."))
            .property("user_type", field(Type::String, "`application` or `user`."))
            .property(
                "aud",
                field(
                    Type::String,
                    "The audience (a string, or an array of several): what the request's `resource` / `audience` or the `audience` setting named, else the client id for a JWT; absent for an opaque token issued for none.",
                ),
            )
            .additional_properties(Some(utoipa::openapi::schema::AdditionalProperties::FreeForm(true)))
            .into()
    }
}
impl ToSchema for Introspection {}

/// Serialized by hand (`service::introspect`): the Spring-style answer [O].
impl PartialSchema for CheckToken {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .description(Some("Spring-style check_token answer (only for active tokens)."))
            .property("active", field(Type::Boolean, "Always `true`."))
            .required("active")
            .property(
                "exp",
                field(Type::Integer, "Expiry, Unix seconds; absent if it never expires."),
            )
            .property("client_id", field(Type::String, "The client the token was issued to."))
            .required("client_id")
            .property("user_name", field(Type::String, "The user, for user tokens."))
            .property("authorities", strings("Roles and permissions the token carries."))
            .required("authorities")
            .property("aud", field(Type::String, "The audience, as introspection reports it."))
            .property("scope", strings("The token's scopes."))
            .required("scope")
            .into()
    }
}
impl ToSchema for CheckToken {}

/// Security schemes: the admin API takes a bearer access token; `/oauth` takes the client's
/// credentials by HTTP Basic (`client_secret_basic`) or in the form (`client_secret_post`).
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut bearer = Http::new(HttpAuthScheme::Bearer);
        bearer.description = Some(
            "An access token from `POST /oauth/token`: `ROLE_ADMIN` of tenant `system`, `ROLE_ADMIN_CUSTOMER` \
             (own tenant) or `Auth.Customer.*:READ|UPDATE` authorities."
                .into(),
        );
        components.add_security_scheme("bearer", SecurityScheme::Http(bearer));
        let mut basic = Http::new(HttpAuthScheme::Basic);
        basic.description = Some(
            "`client_secret_basic`; `client_secret_post` (client_id and client_secret in the form) works too.".into(),
        );
        components.add_security_scheme("basic", SecurityScheme::Http(basic));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tessera",
        description = "OAuth 2.0 authorization server for the whole life of a token: issue, introspect, \
            list, limit, update and revoke. Every error body is `{\"error\": code, \"error_description\": text}`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    components(
        schemas(ErrorBody),
        responses(
            BadRequest,
            Unauthorized,
            Forbidden,
            NotFound,
            Conflict,
            NotActive,
            OAuthBadRequest,
            InvalidClient,
            TooManyActiveTokens,
            ActiveTokenLimit,
            TooManyAttempts,
            Unavailable
        )
    ),
    modifiers(&SecuritySchemes, &StoreOutages),
    tags(
        (name = "oauth", description = "RFC 6749 token endpoint, RFC 7662 introspection, RFC 7009 revocation"),
        (name = "tenants", description = "Tenants and their token settings"),
        (name = "clients", description = "Clients of a tenant"),
        (name = "users", description = "Users of a tenant"),
        (name = "tokens", description = "Issued tokens: list, read, update, revoke"),
        (name = "backup", description = "A consistent snapshot of a SQLite store"),
        (name = "operations", description = "What the server admin watches: request stats, token counts, the store"),
        (name = "keys", description = "JWT access-token signing keys: list and rotate"),
        (name = "meta", description = "Discovery, probes and this document"),
    )
)]
pub struct ApiDoc;

/// `request_body(content = Option<T>)` makes a body optional but also documents a JSON `null`
/// body, which no handler accepts: an optional body is one that may be left out, so keep `T`.
fn strip_null_body(operation: &mut Operation) {
    let Some(RefOr::T(body)) = &mut operation.request_body else {
        return;
    };
    if body.required == Some(Required::True) {
        return;
    }
    for content in body.content.values_mut() {
        let RefOr::T(Content {
            schema: Some(schema), ..
        }) = content
        else {
            continue;
        };
        if let RefOr::T(Schema::OneOf(one_of)) = schema {
            let is_null =
                |s: &RefOr<Schema>| matches!(s, RefOr::T(Schema::Object(o)) if o.schema_type == Type::Null.into());
            if let [a, b] = &one_of.items[..] {
                match (is_null(a), is_null(b)) {
                    (false, true) => *schema = a.clone(),
                    (true, false) => *schema = b.clone(),
                    _ => {}
                }
            }
        }
    }
}

/// Which field of a created resource fills which path parameter.
const CREATED_IDS: [(&str, &str); 3] = [("tenant", "id"), ("client", "client_id"), ("user", "username")];

fn path_params(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
}

/// OpenAPI links from each `201 Created` to the operations on what it created: `POST /x` links to
/// every operation under `/x/{id}` whose path parameters it can fill — those of the request, plus
/// the new id from the answer. Clients (and schemathesis' stateful phase) follow them.
fn add_links(doc: &mut utoipa::openapi::OpenApi) {
    let targets: Vec<(String, String)> = doc
        .paths
        .paths
        .iter()
        .flat_map(|(path, item)| {
            let operations = [&item.get, &item.put, &item.post, &item.delete, &item.patch];
            operations
                .into_iter()
                .flatten()
                .filter_map(|op| Some((path.clone(), op.operation_id.clone()?)))
                .collect::<Vec<_>>()
        })
        .collect();
    for (path, item) in doc.paths.paths.iter_mut() {
        let Some(RefOr::T(created)) = item.post.as_mut().and_then(|op| op.responses.responses.get_mut("201")) else {
            continue;
        };
        for (target_path, operation_id) in &targets {
            let Some(rest) = target_path.strip_prefix(&format!("{path}/{{")) else {
                continue;
            };
            let Some((new_param, field)) = CREATED_IDS.iter().find(|(p, _)| rest.starts_with(&format!("{p}}}"))) else {
                continue;
            };
            let known: Vec<&str> = path_params(path).collect();
            if !path_params(target_path).all(|p| p == *new_param || known.contains(&p)) {
                continue;
            }
            let mut link = LinkBuilder::new()
                .operation_id(operation_id.as_str())
                .parameter(*new_param, format!("$response.body#/{field}"));
            for p in &known {
                link = link.parameter(*p, format!("$request.path.{p}"));
            }
            created.links.insert(operation_id.clone(), link.build().into());
        }
    }
}

/// Finishes the document of `super::api`: what every admin operation shares is added once here
/// rather than on 25 handlers — the bearer requirement and the 401 answer to a missing or bad
/// token —, optional request bodies lose their `null` alternative, and creations get their links.
pub fn finish(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    add_links(&mut doc);
    for (path, item) in doc.paths.paths.iter_mut() {
        let admin = path.starts_with("/admin/");
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            strip_null_body(operation);
            if admin {
                operation.security = Some(vec![SecurityRequirement::new("bearer", Vec::<String>::new())]);
                operation
                    .responses
                    .responses
                    .entry("401".into())
                    .or_insert_with(|| Ref::from_response_name(Unauthorized::response().0).into());
            }
        }
    }
    doc
}
