//! Library half of xtask: the static file server and a minimal WebDriver client, shared with the
//! end-to-end tests.
