//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]` annotations and the
//! types' `ToSchema` derives, served at `/openapi.json`; interactive docs at `/docs` from a Swagger UI
//! build that is part of the binary (nothing is fetched from a CDN).

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::problems::Problem;
use super::{
    articles, audit, claimreview, claims, evidence, health, history, import, keys, links, metrics, reference, review,
};
use super::{matching, merges, sources, transitions, webhooks};
use crate::domain::validation::FieldError;

struct BearerKey;

impl Modify for BearerKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("An API key, `cck_<prefix>_<secret>`, from `claimcheck keys create` or /v1/admin/keys"))
            .build();
        components.add_security_scheme("key", SecurityScheme::Http(scheme));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "claimcheck", description = "Claims, evidence, a verification workflow and an explainable confidence."),
    modifiers(&BearerKey),
    components(schemas(Problem, FieldError)),
    security(("key" = [])),
    paths(
        health::healthz, health::readyz, metrics::metrics, reference::problem, reference::verdicts, reference::workflow,
        claims::list, claims::create, claims::get, claims::update, claims::similar, matching::find,
        evidence::list, evidence::attach, evidence::get, evidence::update, evidence::retract,
        links::attention, links::snapshot, links::original, links::check,
        transitions::create, history::list, merges::list, merges::split, review::assign, review::queue, review::stats,
        claimreview::one, claimreview::feed, import::import,
        articles::create, articles::list, articles::get, articles::accept,
        sources::list, sources::get, sources::create, sources::update,
        keys::list, keys::create, keys::revoke, audit::list, audit::verify,
        webhooks::list, webhooks::create, webhooks::get, webhooks::delete, webhooks::deliveries,
    ),
    tags(
        (name = "claims", description = "Claims and their workflow"),
        (name = "evidence", description = "Evidence, its archived pages and link checks"),
        (name = "review", description = "What reviewers work from"),
        (name = "sources", description = "The Sources registry: the desk's reliability for each site"),
        (name = "articles", description = "Articles and transcripts: the claims worth checking in them"),
        (name = "claimreview", description = "schema.org ClaimReview in and out"),
        (name = "admin", description = "Keys, audit log and webhooks"),
        (name = "service", description = "Health and reference"),
    )
)]
pub struct ApiDoc;

/// `GET /openapi.json`.
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(ApiDoc::openapi().to_json().unwrap_or_default())
}

const DOCS_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>claimcheck API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script></body></html>"#;

const DOCS_INIT: &str =
    r##"window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });"##;

/// `GET /docs`.
pub async fn docs() -> HttpResponse {
    asset(DOCS_PAGE.as_bytes(), "text/html; charset=utf-8")
}

/// The docs page's script and styles.
pub async fn docs_asset(file: actix_web::web::Path<String>) -> HttpResponse {
    match file.as_str() {
        "init.js" => asset(DOCS_INIT.as_bytes(), "text/javascript"),
        "swagger-ui-bundle.js" => {
            asset(include_bytes!("../../assets/swagger-ui/swagger-ui-bundle.js"), "text/javascript")
        }
        "swagger-ui.css" => asset(include_bytes!("../../assets/swagger-ui/swagger-ui.css"), "text/css"),
        _ => HttpResponse::NotFound().finish(),
    }
}

fn asset(body: &'static [u8], kind: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(kind)
        .insert_header(("cache-control", "public, max-age=3600"))
        .insert_header((
            "content-security-policy",
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
        ))
        .body(body)
}
