//! Pure decisions: what a valid claim or evidence item is, how a claim may move through the workflow,
//! what each verdict means and how confidence is computed. Nothing here does I/O.

pub mod access;
pub mod claim;
pub mod confidence;
pub mod evidence;
pub mod normalize;
pub mod relevance;
pub mod validation;
pub mod verdict;
pub mod workflow;
