//! The integration tests: one binary, each module a group, every test against a real server over HTTP
//! with its own SQLite file.

mod fixtures;
mod helpers;

mod access;
mod admin;
mod articles;
mod browser;
mod claimreview;
mod claims;
mod defences;
mod desk;
mod durability;
mod errors;
mod evidence;
mod filter_combinations;
mod hardening;
mod history;
mod import_export;
mod interfaces;
mod links;
mod listing;
mod matching;
mod openapi;
mod publishing;
mod reference;
mod round_trip;
mod search;
mod sources;
mod tamper;
mod torture;
mod vectors;
mod webhooks;
mod workflow;
