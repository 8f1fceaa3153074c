//! Pure decisions: what a valid claim or evidence item is, how a claim may move through the workflow,
//! what each verdict means, how confidence is computed, whether a page holds a quote and when a link
//! is checked again. Nothing here does I/O.

pub mod access;
pub mod article;
pub mod claim;
pub mod confidence;
pub mod evidence;
pub mod import;
pub mod intake;
pub mod linkcheck;
pub mod matching;
pub mod normalize;
pub mod publication;
pub mod quote;
pub mod search;
pub mod source;
pub mod validation;
pub mod verdict;
pub mod version;
pub mod webhook;
pub mod workflow;
