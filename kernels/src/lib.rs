//! Roofline Lab's kernels: WGSL sources, the registry, cost models, CPU references and the
//! timing harness, for the browser (WebGPU) and native (Vulkan, Metal, DX12) alike.
//!
//! Architecture invariant: this crate knows nothing of any UI (no `leptos`); the browser app and
//! the `lab` CLI both call [`run_kernel`] with a [`Gpu`] and get back a [`Measurement`].

pub mod attention;
pub mod ceilings;
mod error;
pub mod exercise;
pub mod gemv;
pub mod gpu;
pub mod harness;
pub mod matmul;
pub mod measurement;
pub mod peak;
pub mod quant;
pub mod registry;
pub mod rng;
pub mod run;
pub mod shape;
pub mod stream;
pub mod unroll;

pub use error::KernelError;
pub use gpu::{AdapterChoice, AdapterSummary, DeviceOptions, Gpu};
pub use harness::{TimeStats, TimingMethod, TimingOptions};
pub use measurement::{Measurement, ResultsFile, Verification};
pub use registry::{KernelSpec, REGISTRY};
pub use run::{RunOptions, run_kernel, run_kernel_scaled, run_kernel_source, run_kernel_with};
pub use shape::{Cost, Dtype, Shape};
