//! Library half of `cargo xtask`: the static file server and a minimal WebDriver client, shared
//! by the `xtask` binary and the end-to-end tests in `tests/`.

pub mod serve;
pub mod webdriver;
