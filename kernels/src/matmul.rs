//! Host code of the matrix-multiply kernels and their f64 CPU reference.

use crate::KernelError;
use crate::gpu::Gpu;
use crate::registry::KernelSpec;
use crate::rng::Rng;
use crate::run::{self, Prepared};
use crate::shape::{Dtype, Shape};

/// Output elements checked at random when C is too big to check whole.
const SAMPLED_CHECKS: usize = 4096;
/// Below this many elements, every element of C is checked.
const FULL_CHECK_LIMIT: u64 = 1 << 16;

/// C[row, col] = Σ_p A[row, p] · B[p, col] in f64, with Σ |A[row, p] · B[p, col]|, which bounds
/// the rounding error of any f32 summation order.
pub fn reference_element(
    a: &[f32],
    b: &[f32],
    n: usize,
    k: usize,
    row: usize,
    col: usize,
) -> (f64, f64) {
    let mut sum = 0.0f64;
    let mut abs = 0.0f64;
    for p in 0..k {
        let prod = a[row * k + p] as f64 * b[p * n + col] as f64;
        sum += prod;
        abs += prod.abs();
    }
    (sum, abs)
}

/// The full f64 reference C = A · B (row-major).
pub fn reference(a: &[f32], b: &[f32], m: usize, n: usize, k: usize) -> Vec<f64> {
    let mut c = vec![0.0; m * n];
    for row in 0..m {
        for col in 0..n {
            c[row * n + col] = reference_element(a, b, n, k, row, col).0;
        }
    }
    c
}

/// How a variant's WGSL is laid out: which overrides it takes, how many threads a workgroup has
/// and how much workgroup memory it uses, as functions of its block shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One thread per element of C, straight from global memory (`TILE`×`TILE` threads).
    Naive,
    /// `TILE`×`TILE` blocks of A and B in workgroup memory, one element of C per thread.
    Tiled,
    /// 8 rows of one column per thread.
    Reg1d,
    /// 8×8 outer products per thread.
    Reg2d,
    /// 8×8 per thread with vec4 accesses and double-buffered workgroup memory; rows of B and C
    /// padded to 4 floats.
    Vec4,
}

impl Layout {
    /// The layout of a registered matmul variant.
    pub fn of(spec: &KernelSpec) -> Layout {
        match spec.variant {
            "tiled" => Layout::Tiled,
            "reg1d" => Layout::Reg1d,
            "reg2d" => Layout::Reg2d,
            "vec4" | "f16" => Layout::Vec4,
            _ => Layout::Naive,
        }
    }

    /// Threads per workgroup at `tiles`.
    pub fn threads(self, t: Tiles) -> u32 {
        match self {
            Layout::Naive | Layout::Tiled => t.bm * t.bn,
            Layout::Reg1d => t.bn * (t.bm / 8),
            Layout::Reg2d | Layout::Vec4 => (t.bm / 8) * (t.bn / 8),
        }
    }

    /// Bytes of workgroup memory at `tiles`.
    pub fn workgroup_bytes(self, t: Tiles) -> u32 {
        match self {
            Layout::Naive => 0,
            Layout::Tiled => 2 * t.bm * t.bn * 4,
            Layout::Reg1d | Layout::Reg2d => (t.bm + t.bn) * t.bk * 4,
            Layout::Vec4 => 2 * (t.bm + t.bn) * t.bk * 4,
        }
    }

    /// Block shapes worth trying, best guess first; the first that fits the adapter is the default.
    pub fn candidates(self) -> &'static [Tiles] {
        const fn t(bm: u32, bn: u32, bk: u32) -> Tiles {
            Tiles { bm, bn, bk }
        }
        const SQUARE: &[Tiles] = &[t(16, 16, 16), t(8, 8, 8)];
        const REG1D: &[Tiles] = &[t(64, 64, 8), t(64, 32, 8), t(32, 32, 8)];
        const REG2D: &[Tiles] = &[t(128, 128, 8), t(64, 64, 8), t(128, 128, 16)];
        const VEC4: &[Tiles] = &[
            t(128, 128, 8),
            t(128, 128, 16),
            t(64, 64, 16),
            t(128, 64, 16),
            t(64, 128, 16),
            t(64, 64, 8),
            t(128, 64, 8),
            t(128, 256, 16),
            t(256, 128, 16),
        ];
        match self {
            Layout::Naive | Layout::Tiled => SQUARE,
            Layout::Reg1d => REG1D,
            Layout::Reg2d => REG2D,
            Layout::Vec4 => VEC4,
        }
    }

    /// Whether `tiles` is well formed for this layout and fits the device's limits; `Err` names
    /// what is wrong.
    pub fn check(self, t: Tiles, limits: &wgpu::Limits) -> Result<(), String> {
        let shape_ok = match self {
            Layout::Naive | Layout::Tiled => t.bm == t.bn && t.bn == t.bk && t.bm > 0,
            Layout::Reg1d => t.bm.is_multiple_of(8) && t.bm > 0 && t.bn > 0 && t.bk > 0,
            Layout::Reg2d => {
                t.bm.is_multiple_of(8) && t.bn.is_multiple_of(8) && t.bm > 0 && t.bn > 0 && t.bk > 0
            }
            Layout::Vec4 => {
                let threads = self.threads(t);
                t.bm.is_multiple_of(8)
                    && t.bn.is_multiple_of(8)
                    && t.bk.is_multiple_of(4)
                    && t.bm > 0
                    && t.bn > 0
                    && t.bk > 0
                    && (t.bm * t.bk / 4).is_multiple_of(threads)
                    && (t.bn * t.bk / 4).is_multiple_of(threads)
                    && t.bm * t.bk / 4 / threads <= 4
                    && t.bn * t.bk / 4 / threads <= 4
            }
        };
        if !shape_ok {
            return Err(format!("block {t} is not a valid shape for this variant"));
        }
        let threads = self.threads(t);
        if threads > limits.max_compute_invocations_per_workgroup {
            return Err(format!(
                "block {t} needs {threads} threads per workgroup; maxComputeInvocationsPerWorkgroup is {}",
                limits.max_compute_invocations_per_workgroup
            ));
        }
        let (x, y) = match self {
            Layout::Naive | Layout::Tiled => (t.bm, t.bm),
            _ => (threads, 1),
        };
        if x > limits.max_compute_workgroup_size_x || y > limits.max_compute_workgroup_size_y {
            return Err(format!(
                "block {t} needs a {x}×{y} workgroup; maxComputeWorkgroupSizeX/Y are {}/{}",
                limits.max_compute_workgroup_size_x, limits.max_compute_workgroup_size_y
            ));
        }
        let bytes = self.workgroup_bytes(t);
        if bytes > limits.max_compute_workgroup_storage_size {
            return Err(format!(
                "block {t} needs {bytes} B of workgroup memory; maxComputeWorkgroupStorageSize is {}",
                limits.max_compute_workgroup_storage_size
            ));
        }
        Ok(())
    }

    /// The override constants that set `tiles` in the WGSL.
    pub fn constants(self, t: Tiles) -> Vec<(&'static str, f64)> {
        match self {
            Layout::Naive | Layout::Tiled => vec![("TILE", t.bm as f64)],
            _ => vec![
                ("BM", t.bm as f64),
                ("BN", t.bn as f64),
                ("BK", t.bk as f64),
            ],
        }
    }
}

/// A workgroup's block of C (BM×BN) and the depth of K it walks per step (BK).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tiles {
    /// Rows of C per workgroup.
    pub bm: u32,
    /// Columns of C per workgroup.
    pub bn: u32,
    /// Depth of K per step.
    pub bk: u32,
}

impl std::fmt::Display for Tiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}×{}×{}", self.bm, self.bn, self.bk)
    }
}

/// The block shape a variant runs with on this device: the one autotuning picked this session,
/// else the first candidate that fits the device's limits.
pub fn default_tiles(gpu: &Gpu, spec: &KernelSpec) -> Result<Tiles, KernelError> {
    if let Some(t) = gpu.tuned(&spec.id()) {
        return Ok(t);
    }
    let layout = Layout::of(spec);
    let limits = gpu.limits();
    let mut why = Vec::new();
    for &t in layout.candidates() {
        match layout.check(t, &limits) {
            Ok(()) => return Ok(t),
            Err(e) => why.push(e),
        }
    }
    Err(KernelError::InvalidShape {
        kernel: spec.id(),
        reason: format!("no block shape fits this device: {}", why.join("; ")),
    })
}

/// Tries every candidate block shape of a matmul variant that fits this device at `shape`, and
/// remembers the fastest verified one for the rest of the session (later [`crate::run_kernel`]
/// calls use it). Returns every trial, in candidate order; a candidate that fails to run is
/// skipped. Short timing (`opts.timing`) is enough to rank candidates.
pub async fn autotune(
    gpu: &Gpu,
    spec: &KernelSpec,
    shape: Shape,
    opts: &crate::RunOptions,
) -> Result<Vec<(Tiles, crate::Measurement)>, KernelError> {
    let layout = Layout::of(spec);
    let limits = gpu.limits();
    let mut trials = Vec::new();
    let mut last_error = None;
    for &t in layout.candidates() {
        if layout.check(t, &limits).is_err() {
            continue;
        }
        match crate::run::run_kernel_with(gpu, spec, shape, opts, Some(t)).await {
            Ok(m) => trials.push((t, m)),
            Err(e) => last_error = Some(e),
        }
    }
    let best = trials
        .iter()
        .filter(|(_, m)| m.verified)
        .min_by(|a, b| a.1.time.median_s.total_cmp(&b.1.time.median_s));
    match best {
        Some((t, _)) => gpu.remember_tiles(&spec.id(), *t),
        None => {
            if let Some(e) = last_error {
                return Err(e);
            }
        }
    }
    Ok(trials)
}

/// Inputs smaller than this (all input sets together) are replicated into several sets that the
/// timed dispatches rotate through, so a big last-level cache (50 MB on an H100) cannot keep one
/// set resident between dispatches and flatter the kernel: 4× a plausible L2.
pub const ROTATE_BYTES: u64 = 256 << 20;
/// At most this many input sets.
pub const MAX_INPUT_SETS: u64 = 8;

/// How many input sets to rotate through for `bytes` of A, B and C.
pub fn input_sets(bytes: u64) -> u64 {
    ROTATE_BYTES.div_ceil(bytes.max(1)).clamp(1, MAX_INPUT_SETS)
}

/// Copies a row-major `rows`×`cols` matrix into one with `stride` columns, zero-padded.
fn pad_rows(data: &[f32], rows: usize, cols: usize, stride: usize) -> Vec<f32> {
    if stride == cols {
        return data.to_vec();
    }
    let mut out = vec![0.0; rows * stride];
    for r in 0..rows {
        out[r * stride..r * stride + cols].copy_from_slice(&data[r * cols..(r + 1) * cols]);
    }
    out
}

pub(crate) fn prepare(
    gpu: &Gpu,
    spec: &KernelSpec,
    wgsl: &str,
    shape: Shape,
    tiles: Option<Tiles>,
    rng: &mut Rng,
) -> Result<Prepared, KernelError> {
    let Shape::Matmul { m, n, k } = shape else {
        return Err(spec.wrong_shape(&shape));
    };
    if m == 0 || n == 0 || k == 0 {
        return Err(KernelError::InvalidShape {
            kernel: spec.id(),
            reason: format!("M, N and K must each be at least 1, got {m}×{n}×{k}"),
        });
    }
    let layout = Layout::of(spec);
    let tiles = match tiles {
        Some(t) => {
            layout
                .check(t, &gpu.limits())
                .map_err(|reason| KernelError::InvalidShape {
                    kernel: spec.id(),
                    reason,
                })?;
            t
        }
        None => default_tiles(gpu, spec)?,
    };
    let (mu, nu, ku) = (m as u64, n as u64, k as u64);
    // The vec4 variant reads B and writes C in whole 16-byte words: their rows are padded to 4
    // floats. (It reads A one float at a time.)
    let k_stride = ku;
    let n_stride = if layout == Layout::Vec4 {
        nu.next_multiple_of(4)
    } else {
        nu
    };
    let padded = if layout == Layout::Vec4 {
        " (rows padded to 4)"
    } else {
        ""
    };
    let half = spec.dtype == Dtype::F16;
    let (in_elem, in_name) = if half { (2, "f16") } else { (4, "f32") };
    run::check_storage(
        gpu,
        &format!("matrix A (M×K {in_name})"),
        mu * k_stride * in_elem,
    )?;
    run::check_storage(
        gpu,
        &format!("matrix B (K×N {in_name}{padded})"),
        ku * n_stride * in_elem,
    )?;
    run::check_storage(
        gpu,
        &format!("matrix C (M×N f32{padded})"),
        mu * n_stride * 4,
    )?;
    let gx = run::check_groups(gpu, "the dispatch along N", nu.div_ceil(tiles.bn as u64))?;
    let gy = run::check_groups(gpu, "the dispatch along M", mu.div_ceil(tiles.bm as u64))?;

    let mut a = rng.signed_vec((mu * ku) as usize);
    let mut b = rng.signed_vec((ku * nu) as usize);
    if half {
        // The GPU sees the inputs rounded to f16; the reference must use the same values.
        for v in a.iter_mut().chain(b.iter_mut()) {
            *v = crate::quant::round_f16(*v);
        }
    }
    let a_dev = pad_rows(&a, m as usize, k as usize, k_stride as usize);
    let b_dev = pad_rows(&b, k as usize, n as usize, n_stride as usize);
    let upload = |label: &str, data: &[f32]| {
        if half {
            let bits: Vec<u16> = data.iter().map(|&v| crate::quant::f16_bits(v)).collect();
            run::input_bytes(gpu, label, bytemuck::cast_slice(&bits))
        } else {
            run::input_buffer(gpu, label, data)
        }
    };
    let params = if layout == Layout::Vec4 {
        run::params_buffer(gpu, &[m, n, k, k_stride as u32, (n_stride / 4) as u32])
    } else {
        run::params_buffer(gpu, &[m, n, k])
    };
    let constants = layout.constants(tiles);
    let pipeline = run::pipeline(gpu, spec, wgsl, &constants);
    let set_bytes = (mu * k_stride + ku * n_stride) * in_elem + mu * n_stride * 4;
    let sets = input_sets(set_bytes);
    let mut bind_groups = Vec::new();
    let mut c_first = None;
    for _ in 0..sets {
        let a_buf = upload("A", &a_dev);
        let b_buf = upload("B", &b_dev);
        let c_buf = run::poisoned_output(gpu, "C", (mu * n_stride) as usize);
        bind_groups.push(run::bind_group(
            gpu,
            &pipeline,
            &[&params, &a_buf, &b_buf, &c_buf],
        ));
        c_first.get_or_insert(c_buf);
    }
    let c_buf = c_first.expect("at least one input set");

    let total = mu * nu;
    let positions: Vec<usize> = if total <= FULL_CHECK_LIMIT {
        (0..total as usize).collect()
    } else {
        // Random positions, plus the last element, where edge-handling bugs show first.
        let mut p: Vec<usize> = (0..SAMPLED_CHECKS)
            .map(|_| rng.below(total) as usize)
            .collect();
        p.push(total as usize - 1);
        p
    };
    let (nn, kk, ns) = (n as usize, k as usize, n_stride as usize);
    let check = move |got: &[f32]| {
        // Element i of C (row i / N, column i % N) sits at row · stride + column on the GPU.
        let unpadded: Vec<f32> = if ns == nn {
            got.to_vec()
        } else {
            (0..total as usize)
                .map(|i| got.get((i / nn) * ns + i % nn).copied().unwrap_or(f32::NAN))
                .collect()
        };
        run::compare(&unpadded, &positions, total, |i| {
            let (sum, abs) = reference_element(&a, &b, nn, kk, i / nn, i % nn);
            // Any order of k f32 fused multiply-adds errs by at most about k·2⁻²⁴·Σ|a·b|;
            // f32::EPSILON is 2⁻²³, so this bound has a factor-of-two margin. The f16 variant
            // gets the same bound: its inputs are the f16-rounded values the reference also
            // uses, a product of two f16 values is exact in f32, and it sums in f32.
            (
                sum,
                (kk as f64 + 2.0) * f32::EPSILON as f64 * abs + f32::MIN_POSITIVE as f64,
            )
        })
    };
    let mut recorded: Vec<(String, f64)> = constants
        .iter()
        .map(|(name, v)| (name.to_string(), *v))
        .collect();
    recorded.push(("threads_per_workgroup".into(), layout.threads(tiles) as f64));
    Ok(Prepared {
        steps: vec![run::Step {
            pipeline,
            bind_groups,
            workgroups: [gx, gy, 1],
        }],
        output: c_buf,
        output_bytes: mu * n_stride * 4,
        check: Box::new(check),
        constants: recorded,
        cost_scale: 1.0,
        input_sets: sets as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_matches_a_hand_worked_product() {
        // [1 2 3; 4 5 6] · [7 8; 9 10; 11 12] = [58 64; 139 154]
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let b = [7.0, 8.0, 9.0, 10.0, 11.0, 12.0];
        assert_eq!(reference(&a, &b, 2, 2, 3), vec![58.0, 64.0, 139.0, 154.0]);
        assert_eq!(
            reference_element(&[-1.0, 2.0], &[3.0, 4.0], 1, 2, 0, 0),
            (5.0, 11.0)
        );
    }

    #[test]
    fn every_candidate_is_well_formed_and_defaults_fit_webgpu_defaults() {
        let limits = wgpu::Limits::default();
        for layout in [
            Layout::Naive,
            Layout::Tiled,
            Layout::Reg1d,
            Layout::Reg2d,
            Layout::Vec4,
        ] {
            let fitting: Vec<_> = layout
                .candidates()
                .iter()
                .filter(|t| layout.check(**t, &limits).is_ok())
                .collect();
            assert!(!fitting.is_empty(), "{layout:?}: nothing fits the defaults");
        }
        let e = Layout::Reg2d
            .check(
                Tiles {
                    bm: 256,
                    bn: 256,
                    bk: 8,
                },
                &limits,
            )
            .unwrap_err();
        assert!(e.contains("maxComputeInvocationsPerWorkgroup"), "{e}");
        assert!(
            Layout::Vec4
                .check(
                    Tiles {
                        bm: 128,
                        bn: 128,
                        bk: 6
                    },
                    &limits
                )
                .is_err()
        );
    }

    #[test]
    fn small_inputs_rotate_through_several_sets() {
        assert_eq!(input_sets(1), MAX_INPUT_SETS);
        assert_eq!(input_sets(100 << 20), 3);
        assert_eq!(input_sets(1 << 30), 1);
        assert_eq!(
            pad_rows(&[1.0, 2.0, 3.0, 4.0], 2, 2, 3),
            vec![1.0, 2.0, 0.0, 3.0, 4.0, 0.0]
        );
    }
}
