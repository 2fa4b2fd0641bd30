//! End-to-end tests of the served app live in `tests/tests/`; `cargo xtask test` runs them
//! against a freshly built `dist/` (passed in `ROOFLINE_DIST`).

use std::path::PathBuf;

/// Serves `$ROOFLINE_DIST` on a free port and returns the base URL. Panics with instructions when
/// the variable is missing: these tests only make sense after `cargo xtask dist`.
pub fn serve_dist() -> String {
    let dist = std::env::var("ROOFLINE_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            panic!("ROOFLINE_DIST is not set: run the end-to-end tests through `cargo xtask test`")
        });
    assert!(
        dist.join("index.html").exists(),
        "{} has no index.html",
        dist.display()
    );
    let port = xtask::serve::spawn(dist, 0).expect("binding a local port");
    format!("http://127.0.0.1:{port}")
}
