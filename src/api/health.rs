use actix_web::HttpResponse;

use super::State;
use super::error::{ApiError, PROBLEM_JSON};
use super::problems::Problems;

/// The process is alive and serving HTTP.
#[utoipa::path(get, path = "/healthz", tag = "service", summary = "The process is alive",
    responses((status = 200, description = "OK", body = serde_json::Value), Problems), security(()))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(r#"{"status":"ok"}"#)
}

/// The database answers reads and the writer is running.
#[utoipa::path(get, path = "/readyz", tag = "service", summary = "The database answers and the writer runs",
    responses((status = 200, description = "OK", body = serde_json::Value), Problems), security(()))]
pub async fn readyz(state: State) -> HttpResponse {
    let (reads, writer) = state.service.ready().await;
    let ready = reads && writer;
    let checks = serde_json::json!({
        "database": if reads { "ok" } else { "failing" },
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
