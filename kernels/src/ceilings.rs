//! The measured roofs of the roofline: memory bandwidth over a sweep of working-set sizes (read
//! and copy; where a size fits in a cache the sweep shows that cache's bandwidth) and the
//! arithmetic peaks (f32 fma, f16 where the adapter has `shader-f16`, and the tensor cores through
//! cooperative matrices where the device was opened with them and lists 16×16×16 f16 → f32).
//!
//! Every point is an ordinary kernel run through [`crate::run_kernel`], so a ceiling carries the
//! same verification, timing method and JSON as any other measurement.

use crate::gpu::Gpu;
use crate::measurement::Measurement;
use crate::registry::{KernelSpec, find};
use crate::shape::Shape;

/// Working sets of the bandwidth sweep, in bytes: 1 MiB to `largest`, ×4 each step, capped by
/// the device's largest storage binding.
pub fn sweep_sizes(gpu: &Gpu, largest: u64) -> Vec<u64> {
    sizes_upto(largest.min(gpu.limits().max_storage_buffer_binding_size))
}

/// Working sets from 1 MiB to `cap` bytes, ×4 each step (empty below 1 MiB). Without a device,
/// for callers that plan before one is open (the browser's benchmark suite).
pub fn sizes_upto(cap: u64) -> Vec<u64> {
    std::iter::successors(Some(1u64 << 20), |s| s.checked_mul(4))
        .take_while(|&s| s <= cap)
        .collect()
}

/// Every run of a ceilings measurement, in order: the peaks the adapter supports, then the read
/// and copy sweeps. `peak_threads` sizes the peak probes (about a million fills a big GPU).
///
/// Peaks come first: on an H100 and an H200 the f32 probe ran at a quarter of its speed (with a
/// large spread) when it followed the memory sweep in the same process, and at full speed in a
/// process of its own; the cause is not established (clocks after a memory-bound phase are a
/// suspect).
pub fn plan(gpu: &Gpu, largest: u64, peak_threads: u64) -> Vec<(&'static KernelSpec, Shape)> {
    let mut runs = Vec::new();
    for variant in ["fma-f32", "fma-f16", "coop-f16"] {
        let spec = find("peak", variant).expect("registered");
        if gpu.has(spec.features) && (variant != "coop-f16" || coop_runnable(gpu)) {
            runs.push((
                spec,
                Shape::Peak {
                    threads: peak_threads,
                },
            ));
        }
    }
    for variant in ["read", "copy"] {
        let spec = find("stream", variant).expect("registered");
        for bytes in sweep_sizes(gpu, largest) {
            runs.push((
                spec,
                Shape::Stream {
                    elements: bytes / 4,
                },
            ));
        }
    }
    runs
}

/// Whether the tensor-core probe can run here ([`crate::peak::coop_subgroup`]); where it cannot,
/// a ceilings run simply leaves that roof out.
pub fn coop_runnable(gpu: &Gpu) -> bool {
    crate::peak::coop_subgroup(gpu).is_ok()
}

/// The roofs read off a set of verified measurements: the best of each kind.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Roofs {
    /// Best read bandwidth over the sweep, GB/s, and the working set it was seen at (bytes).
    pub read: Option<(f64, f64)>,
    /// Read bandwidth at the largest working set (the DRAM roof when it exceeds every cache).
    pub read_largest: Option<(f64, f64)>,
    /// Best copy bandwidth (read + write bytes), GB/s, and its working set.
    pub copy: Option<(f64, f64)>,
    /// Copy bandwidth at the largest working set.
    pub copy_largest: Option<(f64, f64)>,
    /// f32 fma peak, GFLOP/s.
    pub f32_gflops: Option<f64>,
    /// f16 fma peak, GFLOP/s.
    pub f16_gflops: Option<f64>,
    /// Tensor-core peak through cooperative matrices (f16 inputs, f32 sums), GFLOP/s.
    pub coop_f16_gflops: Option<f64>,
}

/// Reads the roofs off `measurements`; unverified ones are ignored.
pub fn roofs(measurements: &[Measurement]) -> Roofs {
    let mut r = Roofs::default();
    let best = |slot: &mut Option<(f64, f64)>, v: f64, at: f64| {
        if slot.is_none_or(|(b, _)| v > b) {
            *slot = Some((v, at));
        }
    };
    let largest = |slot: &mut Option<(f64, f64)>, v: f64, at: f64| {
        if slot.is_none_or(|(_, a)| at >= a) {
            *slot = Some((v, at));
        }
    };
    for m in measurements.iter().filter(|m| m.verified) {
        match (m.kernel.as_str(), m.variant.as_str(), m.shape) {
            ("stream", "read", Shape::Stream { elements }) => {
                let at = elements as f64 * 4.0;
                best(&mut r.read, m.gbytes_per_s, at);
                largest(&mut r.read_largest, m.gbytes_per_s, at);
            }
            ("stream", "copy", Shape::Stream { elements }) => {
                let at = elements as f64 * 4.0;
                best(&mut r.copy, m.gbytes_per_s, at);
                largest(&mut r.copy_largest, m.gbytes_per_s, at);
            }
            ("peak", "fma-f32", _) => {
                r.f32_gflops = Some(r.f32_gflops.unwrap_or(0.0).max(m.gflops_per_s));
            }
            ("peak", "fma-f16", _) => {
                r.f16_gflops = Some(r.f16_gflops.unwrap_or(0.0).max(m.gflops_per_s));
            }
            ("peak", "coop-f16", _) => {
                r.coop_f16_gflops = Some(r.coop_f16_gflops.unwrap_or(0.0).max(m.gflops_per_s));
            }
            _ => {}
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::sizes_upto;

    #[test]
    fn the_sweep_grows_by_four_from_one_mib_up_to_the_cap() {
        const MIB: u64 = 1 << 20;
        assert_eq!(sizes_upto(16 * MIB), [MIB, 4 * MIB, 16 * MIB]);
        // A cap between two steps stops at the step below it.
        assert_eq!(sizes_upto(100 * MIB), [MIB, 4 * MIB, 16 * MIB, 64 * MIB]);
        assert_eq!(sizes_upto(MIB), [MIB]);
        assert!(sizes_upto(MIB - 1).is_empty());
        // No overflow at the top of u64: 2^20, 2^22, …, 2^62.
        assert_eq!(sizes_upto(u64::MAX).len(), 22);
    }
}
