//! The pure models behind Roofline Lab's calculators, lessons and exercises.
//!
//! Architecture invariant: nothing here touches a GPU, the DOM or a UI framework (no `wgpu`,
//! `web_sys` or `leptos`). Every model is plain arithmetic with typed validation errors, so the
//! browser, the `lab` CLI and the tests all compute exactly the same numbers.
