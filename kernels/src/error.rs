//! The one error type of the kernels crate. Every message says what went wrong and, where the
//! user can act, what is allowed.

use thiserror::Error;

/// Why a kernel could not be set up, run or checked.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum KernelError {
    /// The browser has no `navigator.gpu`.
    #[error(
        "WebGPU is not available in this browser: use a recent Chrome, Edge or Firefox \
         Nightly, or start Chromium with --enable-unsafe-webgpu (on Linux also \
         --enable-features=Vulkan)"
    )]
    NoWebGpu,
    /// No adapter matched the request.
    #[error("no GPU adapter could be found: {0}")]
    NoAdapter(String),
    /// The adapter would not give us a device.
    #[error("the GPU adapter refused to create a device: {0}")]
    DeviceRequest(String),
    /// The device was lost (driver reset, tab in the background for long, GPU removed).
    #[error("the GPU device was lost ({0}); reload the page or rerun the command to get a new one")]
    DeviceLost(String),
    /// No kernel or variant by that name.
    #[error("unknown kernel '{name}'; available: {available}")]
    UnknownKernel {
        /// What was asked for.
        name: String,
        /// The names that exist.
        available: String,
    },
    /// The shape is meaningless for this kernel (zero sizes, wrong kind).
    #[error("invalid shape for {kernel}: {reason}")]
    InvalidShape {
        /// Kernel name.
        kernel: String,
        /// What is wrong and what is allowed.
        reason: String,
    },
    /// The adapter lacks a feature the variant needs.
    #[error(
        "{kernel} is unsupported on this adapter: it needs the adapter feature {feature}, which \
         this adapter does not offer"
    )]
    MissingFeature {
        /// Kernel and variant.
        kernel: String,
        /// The missing feature.
        feature: String,
    },
    /// The adapter offers a feature the variant needs, but wgpu marks it experimental and the
    /// user did not opt in.
    #[error(
        "{kernel} needs the adapter feature {feature}, which this adapter offers but wgpu marks \
         experimental: opt in with `lab bench --experimental`"
    )]
    ExperimentalNotEnabled {
        /// Kernel and variant.
        kernel: String,
        /// The feature.
        feature: String,
    },
    /// The adapter has the features, but not in a form the variant can use (a subgroup size or
    /// a cooperative-matrix shape it does not list).
    #[error("{kernel} is unsupported on this adapter: {reason}")]
    Unsupported {
        /// Kernel and variant.
        kernel: String,
        /// What the variant needs and what the adapter offers.
        reason: String,
    },
    /// A buffer, binding or dispatch would exceed one of the device's limits.
    #[error("{what} needs {needed} but this device's {limit} is {allowed}")]
    LimitExceeded {
        /// What needed it (a buffer name, a dispatch).
        what: String,
        /// The WebGPU limit's name, e.g. `maxStorageBufferBindingSize`.
        limit: &'static str,
        /// How much was needed, with its unit.
        needed: String,
        /// What the device allows, with its unit.
        allowed: String,
    },
    /// The WGSL did not compile or the pipeline did not validate.
    #[error("shader or pipeline error in {kernel}: {message}")]
    Shader {
        /// Kernel and variant.
        kernel: String,
        /// The compiler's message.
        message: String,
    },
    /// The GPU could not allocate a kernel's buffers, though each is within the device's limits.
    #[error(
        "the GPU ran out of memory allocating the buffers of {kernel} at this size; try a \
         smaller size ({message})"
    )]
    OutOfMemory {
        /// Kernel and variant.
        kernel: String,
        /// The error the GPU reported.
        message: String,
    },
    /// The GPU reported an error while running (validation or out of memory).
    #[error("GPU error while running {kernel}: {message}")]
    Gpu {
        /// Kernel and variant.
        kernel: String,
        /// The error as the GPU API reported it.
        message: String,
    },
    /// A replacement WGSL (a student's exercise, or `lab bench --wgsl`) did not compile; each
    /// message has line and column.
    #[error("{kernel} did not compile: {}", join(messages))]
    Compile {
        /// The exercise family, or the kernel variant whose source was replaced.
        kernel: String,
        /// The compiler's errors, in source order.
        messages: Vec<crate::exercise::CompileMessage>,
    },
    /// A replacement WGSL compiled but does not fit the harness it runs in (bindings, entry
    /// points, override constants).
    #[error(
        "{kernel} compiled, but the harness could not use it: {message}. It expects {contract}"
    )]
    Contract {
        /// The exercise family, or the kernel variant whose source was replaced.
        kernel: String,
        /// What the pipeline or bind group creation reported.
        message: String,
        /// What the harness expects.
        contract: String,
    },
    /// Reading results back from the GPU failed.
    #[error("could not read results back from the GPU: {0}")]
    Readback(String),
}

fn join(messages: &[crate::exercise::CompileMessage]) -> String {
    messages
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
