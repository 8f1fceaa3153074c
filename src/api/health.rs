use actix_web::HttpResponse;

use super::State;
use super::error::{ApiError, PROBLEM_JSON};

/// The process is alive and serving HTTP.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "service",
    summary = "The process is alive",
    responses((status = 200, description = "OK", body = serde_json::Value), crate::api::openapi::Problems),
    security(())
)]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(r#"{"status":"ok"}"#)
}

/// The database answers reads and the writer is running.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "service",
    summary = "The database answers and the writer runs",
    responses((status = 200, description = "OK", body = serde_json::Value), crate::api::openapi::Problems),
    security(())
)]
pub async fn readyz(state: State) -> HttpResponse {
    let reads = state.store.reader.read(|conn| Ok(conn.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?)).await;
    let writer = state.store.writer.is_running();
    let ready = reads.is_ok() && writer;
    let checks = serde_json::json!({
        "database": if reads.is_ok() { "ok" } else { "failing" },
        "writer": if writer { "running" } else { "stopped" },
    });
    if ready {
        return HttpResponse::Ok().json(serde_json::json!({"status": "ready", "checks": checks}));
    }
    let mut problem = ApiError::Unavailable.body(None, Some("/readyz"));
    problem["checks"] = checks;
    HttpResponse::ServiceUnavailable()
        .content_type(PROBLEM_JSON)
        .insert_header(("retry-after", "1"))
        .body(problem.to_string())
}
