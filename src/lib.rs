//! claimcheck: claims, evidence, a verification workflow and an explainable confidence, served over
//! HTTP from one binary with an embedded SQLite database.

pub mod admin;
pub mod api;
pub mod claimreview;
pub mod config;
pub mod domain;
pub mod embed;
pub mod export;
pub mod fetch;
pub mod healthcheck;
pub mod import;
pub mod progress;
pub mod queue;
pub mod service;
pub mod site;
pub mod store;
pub mod telemetry;
pub mod webhooks;

mod startup;

pub use startup::{Application, load_matching, shutdown_signal};
