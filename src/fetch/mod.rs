//! Fetching evidence from the web, safely: the address guard decides which URLs and addresses the
//! service may ever connect to, the client fetches through it, `extract` reads what a page says, and
//! the link watch archives each page and checks it again on a schedule; `article` fetches the page of
//! an article taken in by its URL.

pub mod archive;
pub mod article;
pub mod client;
pub mod extract;
pub mod guard;
pub mod watch;
