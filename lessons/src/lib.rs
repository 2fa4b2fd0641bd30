//! The pure models behind Roofline Lab's calculators, lessons and exercises.
//!
//! Architecture invariant: nothing here touches a GPU, the DOM or a UI framework (no `wgpu`,
//! `web_sys` or `leptos`). Every model is plain arithmetic with typed validation errors, so the
//! browser, the `lab` CLI and the tests all compute exactly the same numbers.
//!
//! Each model is a module with an input struct (with `validate()`), a report struct and a
//! `compute` function: [`roofline`] (and the iron law), [`decode`], [`kv_cache`], [`speculative`] and
//! [`zero`]. [`presets`] holds GPU datasheet figures and model shapes with their sources. Byte
//! counts are exact integers; rates and times are `f64`.
//!
//! The lessons themselves are Markdown files in `lessons/content/`, compiled in by [`content`];
//! [`lesson`] parses them, [`math`] turns their TeX into MathML and [`exercise`] computes every
//! exercise answer from the models above; [`kernel_exercise`] declares and grades the kernel
//! exercises (the WGSL itself runs in the `kernels` crate). [`course_lab`] reads an
//! instructor's lab file (which
//! lessons and exercises a course lab covers) and checks it against the lessons. [`number`]
//! reads numbers as people type them, for every calculator field and answer box.

pub mod content;
pub mod course_lab;
pub mod decode;
pub mod error;
pub mod exercise;
pub mod fusion;
pub mod kernel_cost;
pub mod kernel_exercise;
pub mod kv_cache;
pub mod lesson;
pub mod math;
pub mod memory;
pub mod number;
pub mod presets;
pub mod quant;
pub mod roofline;
pub mod serving;
pub mod speculative;
pub mod utilization;
pub mod zero;

pub use error::ModelError;
