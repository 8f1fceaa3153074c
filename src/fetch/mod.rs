//! Fetching evidence from the web, safely. So far: the address guard, which decides which URLs and
//! addresses the service may ever connect to.

pub mod guard;
