//! Roofline Lab's kernels: WGSL sources, the registry, cost models, CPU references and timing.
