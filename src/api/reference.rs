//! Reference data a client needs to speak the API: verdicts, the workflow and the problem types.

use actix_web::{HttpRequest, HttpResponse};
use serde_json::json;

use super::error::ApiError;
use super::problems;
use super::problems::Problems;
use crate::domain::verdict::Verdict;
use crate::domain::workflow::{Status, TRANSITIONS};

#[utoipa::path(get, path = "/v1/verdicts", tag = "service", summary = "The verdicts, with definitions",
    responses((status = 200, description = "OK", body = serde_json::Value), Problems), security(()))]
pub async fn verdicts() -> HttpResponse {
    let items: Vec<_> =
        Verdict::ALL.iter().map(|v| json!({"verdict": v, "label": v.label(), "definition": v.definition()})).collect();
    HttpResponse::Ok().json(json!({ "items": items }))
}

#[utoipa::path(get, path = "/v1/workflow", tag = "service", summary = "The workflow's states and transitions",
    responses((status = 200, description = "OK", body = serde_json::Value), Problems), security(()))]
pub async fn workflow() -> HttpResponse {
    let statuses: Vec<_> = Status::ALL.iter().map(|s| json!({"status": s, "next": s.next()})).collect();
    let transitions: Vec<_> = TRANSITIONS.iter().map(|(from, to)| json!({"from": from, "to": to})).collect();
    HttpResponse::Ok().json(json!({
        "initial": Status::Submitted,
        "statuses": statuses,
        "transitions": transitions,
        "rules": [
            "Entering verified needs a verdict and at least one evidence item that is not retracted.",
            "A verdict is set only on entering verified; it is kept through publication and reopening."
        ],
    }))
}

#[utoipa::path(get, path = "/problems/{slug}", tag = "service", summary = "What a problem type means",
    params(("slug" = String, Path, description = "The problem type")),
    responses((status = 200, description = "OK", body = serde_json::Value), Problems), security(()))]
pub async fn problem(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let slug = req.match_info().get("slug").unwrap_or_default();
    let problem = problems::find(slug).ok_or_else(|| ApiError::NotFound(format!("no problem type {slug:?}")))?;
    let (status, description) = (problem.status, problem.description);
    Ok(HttpResponse::Ok().json(json!({"type": problems::type_uri(slug), "status": status, "description": description})))
}
