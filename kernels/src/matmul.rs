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
    /// As `Vec4` with 8×16 per thread and the depth loop written out by the host
    /// ([`crate::unroll`]); same padding.
    Unrolled,
    /// 8×4 per lane, A fragments shared across a subgroup with shuffles, no workgroup memory.
    /// `BK` is unused: a subgroup walks K in steps of its own size.
    Subgroup,
    /// Cooperative-matrix (tensor core) 16×16×16 fragments, f16 in, f32 sums; each subgroup owns
    /// a 64×64 or 64×32 block of C; `SG` threads per subgroup; rows of A, B and C padded to 8
    /// elements; double-buffered workgroup memory, next blocks prefetched into registers.
    Coop,
    /// FP32 on the tensor cores: f32 A and B, each value split into two f16 halves while it is
    /// staged, three fragment products per product; 64×32 of C per subgroup; rows of A and B
    /// padded to 4 floats, C padded to whole blocks; three dispatches (the scale pass first).
    CoopSplit,
}

/// Elements of C per lane in the subgroup variant (rows × columns; constants in its WGSL).
const SUBGROUP_TM: u32 = 8;
const SUBGROUP_TN: u32 = 4;
/// The cooperative-matrix fragment (M = N = K).
pub const COOP_FRAGMENT: u32 = 16;
/// The narrow block of C one subgroup of the cooperative-matrix layout owns (4×2 fragments);
/// [`Layout::coop_warp_block`] doubles its width where the workgroup keeps at least
/// `COOP_MIN_WIDE_WARPS` subgroups.
const COOP_WARP_BLOCK: (u32, u32) = (64, 32);
const COOP_MIN_WIDE_WARPS: u32 = 8;
/// The cooperative-matrix layout's rows of A, B and C are padded to this many elements, so every
/// row starts 16-byte aligned (for its vec4<f16> loads and cooperative stores).
const COOP_ROW_ALIGN: u64 = 8;
/// The block of C one subgroup of the split layout owns: 4×2 fragments, each with two
/// accumulators.
const SPLIT_WARP_BLOCK: (u32, u32) = (64, 32);

/// What decides whether a block shape fits a device: its limits, and for the subgroup layouts
/// the subgroup sizes the adapter reports (wgpu keeps those in `AdapterInfo`, not in `Limits`).
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// The device's limits.
    pub limits: wgpu::Limits,
    /// Smallest subgroup size (0 when unknown).
    pub subgroup_min: u32,
    /// Largest subgroup size (0 when unknown).
    pub subgroup_max: u32,
}

impl Fit {
    /// What fits `gpu`.
    pub fn of(gpu: &Gpu) -> Fit {
        let (subgroup_min, subgroup_max) = gpu.subgroup_sizes();
        Fit {
            limits: gpu.limits(),
            subgroup_min,
            subgroup_max,
        }
    }

    /// Limits alone, subgroup sizes unknown (the subgroup layouts then fit nothing).
    pub fn limits_only(limits: wgpu::Limits) -> Fit {
        Fit {
            limits,
            subgroup_min: 0,
            subgroup_max: 0,
        }
    }
}

impl Layout {
    /// The layout of a registered matmul variant.
    pub fn of(spec: &KernelSpec) -> Layout {
        match spec.variant {
            "tiled" => Layout::Tiled,
            "reg1d" => Layout::Reg1d,
            "reg2d" => Layout::Reg2d,
            "vec4" | "f16" => Layout::Vec4,
            "unrolled" => Layout::Unrolled,
            "subgroup" => Layout::Subgroup,
            "coop_f16" => Layout::Coop,
            "coop_split" => Layout::CoopSplit,
            _ => Layout::Naive,
        }
    }

    /// Threads per workgroup at `tiles`, with subgroups of `subgroup` threads (only the
    /// cooperative-matrix layout depends on it: it has one subgroup per 64×64 or 64×32 block of
    /// C).
    pub fn threads(self, t: Tiles, subgroup: u32) -> u32 {
        match self {
            Layout::Naive | Layout::Tiled => t.bm * t.bn,
            Layout::Reg1d => t.bn * (t.bm / 8),
            Layout::Reg2d | Layout::Vec4 => (t.bm / 8) * (t.bn / 8),
            Layout::Unrolled => (t.bm / 8) * (t.bn / 16),
            Layout::Subgroup => (t.bm / SUBGROUP_TM) * (t.bn / SUBGROUP_TN),
            Layout::Coop => Self::coop_warps(t) * subgroup,
            Layout::CoopSplit => {
                (t.bm / SPLIT_WARP_BLOCK.0) * (t.bn / SPLIT_WARP_BLOCK.1) * subgroup
            }
        }
    }

    /// Subgroups per workgroup of the cooperative-matrix layout.
    fn coop_warps(t: Tiles) -> u32 {
        let (wm, wn) = Self::coop_warp_block(t);
        (t.bm / wm) * (t.bn / wn)
    }

    /// The block of C one subgroup of the cooperative-matrix layout owns (WM×WN in its WGSL):
    /// 64×64 (4×4 fragments) where the workgroup still has at least 8 subgroups that way, else
    /// 64×32 (4×2). On the H100 at 4096³ (an early build of the kernel, which still allowed
    /// BK = 32): 128×256×16 ran at 129 TFLOP/s with 8 subgroups of 64×64 against 112 with 16
    /// of 64×32, but 128×128×32 at 78 with 4 of 64×64 against 117 with 8 of 64×32.
    fn coop_warp_block(t: Tiles) -> (u32, u32) {
        let (wm, wn) = COOP_WARP_BLOCK;
        let wide = 2 * wn;
        if t.bm.is_multiple_of(wm)
            && t.bn.is_multiple_of(wide)
            && (t.bm / wm) * (t.bn / wide) >= COOP_MIN_WIDE_WARPS
        {
            (wm, wide)
        } else {
            (wm, wn)
        }
    }

    /// Bytes of workgroup memory at `tiles`.
    pub fn workgroup_bytes(self, t: Tiles) -> u32 {
        match self {
            Layout::Naive | Layout::Subgroup => 0,
            Layout::Tiled => 2 * t.bm * t.bn * 4,
            Layout::Reg1d | Layout::Reg2d => (t.bm + t.bn) * t.bk * 4,
            Layout::Vec4 | Layout::Unrolled => 2 * (t.bm + t.bn) * t.bk * 4,
            // Two copies of the f16 blocks of A and B, their rows padded by 8 f16 (16 bytes), and
            // one 16×16 f32 staging fragment per subgroup, its rows padded by 4 f32.
            Layout::Coop => {
                2 * (t.bm * (t.bk + 8) + t.bk * (t.bn + 8)) * 2
                    + Self::coop_warps(t) * COOP_FRAGMENT * (COOP_FRAGMENT + 4) * 4
            }
            // Two copies of the hi and the lo f16 tiles of A and B, rows padded by 8 f16.
            Layout::CoopSplit => 4 * (t.bm * (t.bk + 8) + t.bk * (t.bn + 8)) * 2,
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
        // H100, 4096³, unchecked (BENCHMARKS.md, 2026-11-22): 40.5 TFLOP/s at 128×256×16, 39.0
        // at 256×128×16, 36.2 at 128×128×8, 33.5 at 128×256×8, 19.1 at 128×128×16, 36.5 at
        // 64×128×8. The smaller blocks are for devices with less workgroup memory or fewer
        // threads per workgroup (128×128×8 fits WebGPU's default limits).
        const UNROLLED: &[Tiles] = &[
            t(128, 256, 16),
            t(256, 128, 16),
            t(128, 128, 8),
            t(128, 256, 8),
            t(128, 128, 16),
            t(64, 128, 8),
        ];
        // BN / 4 must be a multiple of the subgroup size: 128 covers sizes up to 32.
        const SUBGROUP: &[Tiles] = &[
            t(64, 128, 1),
            t(32, 128, 1),
            t(128, 128, 1),
            t(64, 256, 1),
            t(64, 64, 1),
        ];
        // BK is always 16: the kernel's main loop multiplies one fragment deep per step.
        // H100, 4096³ (BENCHMARKS.md, autotuning in the 22:43 ladder run), TFLOP/s unchecked /
        // checked: 128×256×16 277 / 267, 256×128×16 237 / 239, 128×128×16 189 / 174; the
        // smaller ones are for devices with less workgroup memory.
        const COOP: &[Tiles] = &[
            t(128, 256, 16),
            t(256, 128, 16),
            t(128, 128, 16),
            t(64, 128, 16),
            t(64, 64, 16),
        ];
        // H100, 4096³ (BENCHMARKS.md, 2026-11-22): 128×128×16 ran at 58.5 TFLOP/s unchecked
        // and 47.5 checked, 64×256×16 at 57.4 and 46.1. They need 41 and 45 KiB of workgroup
        // memory; the smaller ones are for devices with less.
        const COOP_SPLIT: &[Tiles] = &[
            t(128, 128, 16),
            t(64, 256, 16),
            t(64, 128, 16),
            t(64, 64, 16),
        ];
        match self {
            Layout::Naive | Layout::Tiled => SQUARE,
            Layout::Reg1d => REG1D,
            Layout::Reg2d => REG2D,
            Layout::Vec4 => VEC4,
            Layout::Unrolled => UNROLLED,
            Layout::Subgroup => SUBGROUP,
            Layout::Coop => COOP,
            Layout::CoopSplit => COOP_SPLIT,
        }
    }

    /// Whether `tiles` is well formed for this layout and fits the device's limits; `Err` names
    /// what is wrong.
    pub fn check(self, t: Tiles, fit: &Fit) -> Result<(), String> {
        let limits = &fit.limits;
        let nonzero = t.bm > 0 && t.bn > 0 && t.bk > 0;
        // Whether the block is well formed, and the rule it must follow (for the message).
        let (shape_ok, rule) = match self {
            Layout::Naive | Layout::Tiled => (
                t.bm == t.bn && t.bn == t.bk && t.bm > 0,
                "BM = BN = BK (the square tile), at least 1".to_string(),
            ),
            Layout::Reg1d => (
                t.bm.is_multiple_of(8) && nonzero,
                "BM a multiple of 8; BN and BK at least 1".to_string(),
            ),
            Layout::Reg2d => (
                t.bm.is_multiple_of(8) && t.bn.is_multiple_of(8) && nonzero,
                "BM and BN multiples of 8; BK at least 1".to_string(),
            ),
            Layout::Vec4 | Layout::Unrolled => {
                let bn_step = if self == Layout::Vec4 { 8 } else { 16 };
                let divisible = t.bm.is_multiple_of(8)
                    && t.bn.is_multiple_of(bn_step)
                    && t.bk.is_multiple_of(4);
                // Only now is the thread count at least 1.
                let staged = divisible && nonzero && {
                    let threads = self.threads(t, 1);
                    (t.bm * t.bk / 4).is_multiple_of(threads)
                        && (t.bn * t.bk / 4).is_multiple_of(threads)
                        && t.bm * t.bk / 4 / threads <= 4
                        && t.bn * t.bk / 4 / threads <= 4
                };
                (
                    staged,
                    format!(
                        "BM a multiple of 8, BN of {bn_step} and BK of 4, none zero, with the \
                         BM·BK/4 vec4s of A and the BN·BK/4 of B each split evenly into 1 to 4 \
                         per thread (threads: (BM/8)·(BN/{bn_step}))"
                    ),
                )
            }
            Layout::Subgroup => (
                t.bm.is_multiple_of(SUBGROUP_TM)
                    && t.bn.is_multiple_of(SUBGROUP_TN)
                    && t.bm > 0
                    && t.bn > 0,
                format!("BM a multiple of {SUBGROUP_TM} and BN of {SUBGROUP_TN}, none zero"),
            ),
            Layout::Coop | Layout::CoopSplit => {
                // Whole subgroup blocks.
                let (wm, wn) = if self == Layout::Coop {
                    Self::coop_warp_block(t)
                } else {
                    SPLIT_WARP_BLOCK
                };
                // coop_f16 walks K one fragment deep per step.
                let (bk_ok, bk_rule) = if self == Layout::Coop {
                    (t.bk == COOP_FRAGMENT, format!("BK = {COOP_FRAGMENT}"))
                } else {
                    (
                        t.bk.is_multiple_of(COOP_FRAGMENT),
                        format!("BK of {COOP_FRAGMENT}"),
                    )
                };
                (
                    t.bm.is_multiple_of(wm) && t.bn.is_multiple_of(wn) && bk_ok && nonzero,
                    format!("BM a multiple of {wm}, BN of {wn} and {bk_rule}, none zero"),
                )
            }
        };
        if !shape_ok {
            return Err(format!(
                "block {t} is not a valid shape for this variant: it needs {rule}"
            ));
        }
        let (sg_min, sg_max) = (fit.subgroup_min, fit.subgroup_max);
        match self {
            Layout::Subgroup => {
                // Strips of 4·S columns must tile BN exactly for every subgroup size S the
                // adapter may use, so the workgroup is whole subgroups (sizes are powers of two).
                let lanes = t.bn / SUBGROUP_TN;
                if sg_min == 0 || sg_max == 0 {
                    return Err("the adapter reports no subgroup size".into());
                }
                if !lanes.is_multiple_of(sg_max) || !lanes.is_multiple_of(sg_min) {
                    return Err(format!(
                        "block {t}: BN/{SUBGROUP_TN} = {lanes} columns of lanes is not a multiple \
                         of the adapter's subgroup sizes ({sg_min} to {sg_max})"
                    ));
                }
            }
            // The workgroup size is (subgroups) × SG, fixed when the pipeline is built.
            Layout::Coop | Layout::CoopSplit if sg_min == 0 || sg_min != sg_max => {
                return Err(format!(
                    "the subgroup size on this adapter ranges from {sg_min} to {sg_max}; \
                     the cooperative-matrix kernel needs one fixed size"
                ));
            }

            _ => {}
        }
        let threads = self.threads(t, sg_max);
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

    /// The override constants that set `tiles` (and for the cooperative-matrix layout the
    /// subgroup size) in the WGSL.
    pub fn constants(self, t: Tiles, subgroup: u32) -> Vec<(&'static str, f64)> {
        match self {
            Layout::Naive | Layout::Tiled => vec![("TILE", t.bm as f64)],
            Layout::Subgroup => vec![("BM", t.bm as f64), ("BN", t.bn as f64)],
            Layout::Coop => vec![
                ("BM", t.bm as f64),
                ("BN", t.bn as f64),
                ("BK", t.bk as f64),
                ("SG", subgroup as f64),
                ("WN", Self::coop_warp_block(t).1 as f64),
            ],
            Layout::CoopSplit => vec![
                ("BM", t.bm as f64),
                ("BN", t.bn as f64),
                ("BK", t.bk as f64),
                ("SG", subgroup as f64),
            ],
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
    let fit = Fit::of(gpu);
    let mut why = Vec::new();
    for &t in layout.candidates() {
        match layout.check(t, &fit) {
            Ok(()) => return Ok(t),
            Err(e) => why.push(e),
        }
    }
    let reason = format!("no block shape fits this device: {}", why.join("; "));
    Err(match layout {
        // The subgroup layouts fail on what the adapter is, not on what the user asked for.
        Layout::Subgroup | Layout::Coop | Layout::CoopSplit => KernelError::Unsupported {
            kernel: spec.id(),
            reason,
        },
        _ => KernelError::InvalidShape {
            kernel: spec.id(),
            reason,
        },
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
    let fit = Fit::of(gpu);
    let mut trials = Vec::new();
    let mut last_error = None;
    for &t in layout.candidates() {
        if layout.check(t, &fit).is_err() {
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

fn scalar_name(t: wgpu::CooperativeScalarType) -> &'static str {
    match t {
        wgpu::CooperativeScalarType::F32 => "f32",
        wgpu::CooperativeScalarType::F16 => "f16",
        wgpu::CooperativeScalarType::I32 => "i32",
        wgpu::CooperativeScalarType::U32 => "u32",
    }
}

/// [`coop_shape_supported`] for the one configuration our cooperative-matrix kernels use:
/// 16×16×16 fragments, f16 inputs, f32 sums. `kernel` names the caller in the error.
pub fn coop_f16_supported(gpu: &Gpu, kernel: &str) -> Result<(), KernelError> {
    let f = COOP_FRAGMENT;
    coop_shape_supported(
        kernel,
        gpu.coop_properties(),
        (f, f, f),
        wgpu::CooperativeScalarType::F16,
        wgpu::CooperativeScalarType::F32,
    )
}

/// Whether the adapter lists the cooperative-matrix configuration `(m, n, k)` with inputs `ab`
/// and accumulator `cr`. wgpu does not check this, and on Vulkan an unlisted shape compiles and
/// silently returns garbage, so `kernel` runs only when this is `Ok`; the error names the shape
/// and every configuration the adapter does list.
pub fn coop_shape_supported(
    kernel: &str,
    props: &[wgpu::CooperativeMatrixProperties],
    (m, n, k): (u32, u32, u32),
    ab: wgpu::CooperativeScalarType,
    cr: wgpu::CooperativeScalarType,
) -> Result<(), KernelError> {
    let listed = props
        .iter()
        .any(|p| (p.m_size, p.n_size, p.k_size) == (m, n, k) && p.ab_type == ab && p.cr_type == cr);
    if listed {
        return Ok(());
    }
    let offered = if props.is_empty() {
        "none".to_string()
    } else {
        props
            .iter()
            .map(|p| {
                format!(
                    "{}×{}×{} {}→{}",
                    p.m_size,
                    p.n_size,
                    p.k_size,
                    scalar_name(p.ab_type),
                    scalar_name(p.cr_type)
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    Err(KernelError::Unsupported {
        kernel: kernel.to_string(),
        reason: format!(
            "the adapter does not list the cooperative-matrix shape {m}×{n}×{k} with {} inputs \
             and {} accumulation; it lists: {offered}",
            scalar_name(ab),
            scalar_name(cr)
        ),
    })
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
    input_scale: f32,
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
    if matches!(layout, Layout::Coop | Layout::CoopSplit) {
        // wgpu does not check the fragment shape against the adapter's list, and an unlisted
        // shape silently returns garbage: refuse first.
        coop_f16_supported(gpu, &spec.id())?;
    }
    let fit = Fit::of(gpu);
    let tiles = match tiles {
        Some(t) => {
            layout
                .check(t, &fit)
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
    // floats. (It reads A one float at a time.) The cooperative-matrix variant reads A and B as
    // vec4<f16> and stores whole fragments to C: every row of all three padded to 8 elements.
    let (k_stride, n_stride, padded) = match layout {
        Layout::Vec4 | Layout::Unrolled => (ku, nu.next_multiple_of(4), " (rows padded to 4)"),
        Layout::Coop => (
            ku.next_multiple_of(COOP_ROW_ALIGN),
            nu.next_multiple_of(COOP_ROW_ALIGN),
            " (rows padded to 8)",
        ),
        // 16-byte loads of 4 f32.
        Layout::CoopSplit => (
            ku.next_multiple_of(4),
            nu.next_multiple_of(4),
            " (rows padded to 4)",
        ),
        _ => (ku, nu, ""),
    };
    // C's rows and row stride: B's stride, except that the split layout pads C to whole blocks
    // so that every fragment is stored straight to it.
    let (c_rows, c_stride, c_padded) = if layout == Layout::CoopSplit {
        (
            mu.next_multiple_of(tiles.bm as u64),
            nu.next_multiple_of(tiles.bn as u64),
            " (padded to whole blocks)",
        )
    } else {
        (mu, n_stride, padded)
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
        &format!("matrix C (M×N f32{c_padded})"),
        c_rows * c_stride * 4,
    )?;
    let gx = run::check_groups(gpu, "the dispatch along N", nu.div_ceil(tiles.bn as u64))?;
    let gy = run::check_groups(gpu, "the dispatch along M", mu.div_ceil(tiles.bm as u64))?;

    let mut a = rng.signed_vec((mu * ku) as usize);
    let mut b = rng.signed_vec((ku * nu) as usize);
    if input_scale != 1.0 {
        for v in a.iter_mut().chain(b.iter_mut()) {
            *v *= input_scale;
        }
    }
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
            run::input_bytes(gpu, label, &crate::quant::f16_bytes(data))
        } else {
            run::input_buffer(gpu, label, data)
        }
    };
    let params = match layout {
        Layout::Vec4 | Layout::Unrolled => {
            run::params_buffer(gpu, &[m, n, k, k_stride as u32, (n_stride / 4) as u32])
        }
        // Row strides of A and B in vec4<f16>s, of C in floats.
        Layout::Coop => run::params_buffer(
            gpu,
            &[
                m,
                n,
                k,
                (k_stride / 4) as u32,
                (n_stride / 4) as u32,
                n_stride as u32,
            ],
        ),
        // Row strides of A and B in vec4<f32>s, of C in floats.
        Layout::CoopSplit => run::params_buffer(
            gpu,
            &[
                m,
                n,
                k,
                (k_stride / 4) as u32,
                (n_stride / 4) as u32,
                c_stride as u32,
            ],
        ),
        _ => run::params_buffer(gpu, &[m, n, k]),
    };
    let constants = layout.constants(tiles, fit.subgroup_max);
    let pipeline = run::pipeline(gpu, spec, wgsl, &constants);
    let set_bytes = (mu * k_stride + ku * n_stride) * in_elem + c_rows * c_stride * 4;
    let sets = input_sets(set_bytes);
    // The split layout's two maxima (shared by the sets: the dispatches run one after another).
    let amax =
        (layout == Layout::CoopSplit).then(|| run::output_bytes(gpu, "max |A|, max |B|", &[0; 8]));
    let mut bind_groups = Vec::new();
    let mut scale_groups = Vec::new();
    let mut c_first = None;
    for _ in 0..sets {
        let a_buf = upload("A", &a_dev);
        let b_buf = upload("B", &b_dev);
        let c_buf = run::poisoned_output(gpu, "C", (c_rows * c_stride) as usize);
        match &amax {
            Some(amax) => {
                bind_groups.push(run::bind_group(
                    gpu,
                    &pipeline,
                    &[&params, &a_buf, &b_buf, &c_buf, amax],
                ));
                scale_groups.push((a_buf, b_buf));
            }
            None => bind_groups.push(run::bind_group(
                gpu,
                &pipeline,
                &[&params, &a_buf, &b_buf, &c_buf],
            )),
        }
        c_first.get_or_insert(c_buf);
    }
    let c_buf = c_first.expect("at least one input set");
    let mut steps = Vec::new();
    if let Some(amax) = &amax {
        // Zero the maxima, find them (the same input set as the product's), then multiply.
        let inputs: Vec<_> = scale_groups
            .iter()
            .map(|(a_buf, b_buf)| vec![(1, a_buf), (2, b_buf)])
            .collect();
        let vec4s = (mu * k_stride).max(ku * n_stride) / 4;
        steps.extend(run::scale_steps(
            gpu,
            spec,
            wgsl,
            &constants,
            (4, amax),
            &inputs,
            vec4s,
        ));
    }
    steps.push(run::Step {
        pipeline,
        bind_groups,
        workgroups: [gx, gy, 1],
    });

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
    let (nn, kk, ns) = (n as usize, k as usize, c_stride as usize);
    let slack = if matches!(layout, Layout::Coop | Layout::CoopSplit) {
        4.0
    } else {
        1.0
    };
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
            // Tensor cores (the cooperative-matrix variant) sum in f32 too, but may truncate
            // rather than round and align a fragment's products before adding them: a factor
            // of 4 more. The split variant's halves carry each input to within about 2⁻²² of
            // it, and it leaves out lo·lo (2⁻²² of each product): at most 3·2⁻²² of Σ|a·b| in
            // all, inside the margin of even K = 1 (4·3·2⁻²³).
            // A real bug (a wrong element, a missing block of K) errs by O(1)·|C|.
            (
                sum,
                slack * (kk as f64 + 2.0) * f32::EPSILON as f64 * abs + f32::MIN_POSITIVE as f64,
            )
        })
    };
    let mut recorded: Vec<(String, f64)> = constants
        .iter()
        .map(|(name, v)| (name.to_string(), *v))
        .collect();
    recorded.push((
        "threads_per_workgroup".into(),
        layout.threads(tiles, fit.subgroup_max) as f64,
    ));
    let (_, loops) = crate::unroll::expand_counted(wgsl, &constants);
    if loops > 0 {
        recorded.push(("loops_written_out".into(), loops as f64));
    }
    if matches!(layout, Layout::Subgroup | Layout::Coop | Layout::CoopSplit) {
        // The largest size the adapter reports; the kernels adapt to the size they run with.
        recorded.push(("subgroup_size_max".into(), fit.subgroup_max as f64));
    }
    Ok(Prepared {
        steps,
        output: c_buf,
        output_bytes: c_rows * c_stride * 4,
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
        let fit = |sg_min, sg_max| Fit {
            limits: limits.clone(),
            subgroup_min: sg_min,
            subgroup_max: sg_max,
        };
        for layout in [
            Layout::Naive,
            Layout::Tiled,
            Layout::Reg1d,
            Layout::Reg2d,
            Layout::Vec4,
            Layout::Unrolled,
            Layout::Subgroup,
            Layout::Coop,
        ] {
            // lavapipe (8) and NVIDIA (32) subgroups.
            for sg in [8, 32] {
                let fitting: Vec<_> = layout
                    .candidates()
                    .iter()
                    .filter(|t| layout.check(**t, &fit(sg, sg)).is_ok())
                    .collect();
                assert!(!fitting.is_empty(), "{layout:?}: nothing fits the defaults");
            }
        }
        let limits_only = Fit::limits_only(limits.clone());
        let e = Layout::Subgroup
            .check(Layout::Subgroup.candidates()[0], &limits_only)
            .unwrap_err();
        assert!(e.contains("no subgroup size"), "{e}");
        // 64 lanes (AMD wave64) do not tile a 128-column block of 4-column lanes.
        let e = Layout::Subgroup
            .check(
                Tiles {
                    bm: 64,
                    bn: 128,
                    bk: 1,
                },
                &fit(64, 64),
            )
            .unwrap_err();
        assert!(e.contains("32 columns of lanes"), "{e}");
        // A subgroup size that varies cannot size the cooperative-matrix workgroup.
        let e = Layout::Coop
            .check(Layout::Coop.candidates()[0], &fit(16, 32))
            .unwrap_err();
        assert!(e.contains("16 to 32"), "{e}");
        let limits = fit(32, 32);
        // coop_f16 multiplies one fragment deep per step: any other BK is refused by name.
        let e = Layout::Coop
            .check(
                Tiles {
                    bm: 128,
                    bn: 128,
                    bk: 32,
                },
                &limits,
            )
            .unwrap_err();
        assert!(e.contains("BK = 16"), "{e}");
        assert!(
            Layout::Coop
                .candidates()
                .iter()
                .all(|t| t.bk == COOP_FRAGMENT)
        );
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
        // 8×16 per thread: BN must be a multiple of 16, and each thread stages at most four
        // vec4s of A (64×64×16 would need eight for its 32 threads).
        for (bm, bn, bk) in [(128, 136, 16), (64, 64, 16), (0, 16, 4), (8, 0, 4)] {
            let e = Layout::Unrolled
                .check(Tiles { bm, bn, bk }, &limits)
                .unwrap_err();
            assert!(
                e.contains("BN of 16") && e.contains("1 to 4"),
                "{bm}×{bn}×{bk}: {e}"
            );
        }
        assert_eq!(
            Layout::Unrolled.threads(
                Tiles {
                    bm: 128,
                    bn: 256,
                    bk: 16
                },
                32
            ),
            256
        );
    }

    #[test]
    fn the_tensor_core_layouts_fit_an_h100_and_the_split_one_names_its_rules() {
        // The H100's limits as wgpu reports them: 48 KiB of workgroup memory, subgroups of 32.
        let h100 = Fit {
            limits: wgpu::Limits {
                max_compute_workgroup_storage_size: 49152,
                max_compute_invocations_per_workgroup: 1024,
                max_compute_workgroup_size_x: 1024,
                ..wgpu::Limits::default()
            },
            subgroup_min: 32,
            subgroup_max: 32,
        };
        let t = |bm, bn, bk| Tiles { bm, bn, bk };
        // coop_f16 at 128×256×16: two copies of A's rows of 16 + 8 f16 and B's of 256 + 8, and
        // 8 staging fragments of 16 rows of 16 + 4 f32: 2·(128·24 + 16·264)·2 + 8·16·20·4 =
        // 39,424 bytes, which is what the H100's driver reports for the pipeline (vkstats).
        assert_eq!(Layout::Coop.workgroup_bytes(t(128, 256, 16)), 39_424);
        for c in Layout::Coop.candidates() {
            assert_eq!(Layout::Coop.check(*c, &h100), Ok(()), "{c}");
        }
        let split = Layout::CoopSplit;
        // 64×256×16: 8 subgroups of 64×32; two copies of hi and lo tiles, rows of A 16 + 8 f16
        // and rows of B 256 + 8 f16: 4·(64·24 + 16·264)·2 = 46,080 bytes.
        assert_eq!(split.threads(t(64, 256, 16), 32), 256);
        assert_eq!(split.workgroup_bytes(t(64, 256, 16)), 46_080);
        for c in split.candidates() {
            assert_eq!(split.check(*c, &h100), Ok(()), "{c}");
        }
        // BK = 32 at 64×256 needs more than 48 KiB; the limit is named.
        let e = split.check(t(64, 256, 32), &h100).unwrap_err();
        assert!(e.contains("maxComputeWorkgroupStorageSize"), "{e}");
        let e = split.check(t(64, 48, 16), &h100).unwrap_err();
        assert!(
            e.contains("BM a multiple of 64, BN of 32 and BK of 16"),
            "{e}"
        );
        let varying = Fit {
            subgroup_min: 16,
            ..h100.clone()
        };
        assert!(split.check(t(64, 256, 16), &varying).is_err());
        assert_eq!(
            split.constants(t(64, 128, 16), 32),
            vec![("BM", 64.0), ("BN", 128.0), ("BK", 16.0), ("SG", 32.0)]
        );
    }

    /// `hi_part` of coop_split.wgsl, on one value: x rounded to f16's 11 significant bits by
    /// adding half of the 13 dropped bits and clearing them.
    fn hi_part(x: f32) -> f32 {
        f32::from_bits((x.to_bits() + 0x1000) & 0xffff_e000)
    }

    #[test]
    fn split_halves_carry_22_bits_and_stay_inside_f16() {
        // What coop_split.wgsl claims of its split, for values scaled into its working range
        // (the largest in [2¹⁴, 2¹⁵), the rest down to f16's smallest normal): hi is exactly an
        // f16, lo = (x − hi)·2¹¹ is at most |x| (so inside f16's range), and hi + f16(lo)·2⁻¹¹
        // is x to within 2⁻²² of x.
        let mut rng = Rng::new(7);
        let lowest = 2f32.powi(-14);
        for i in 0..200_000_i32 {
            // Magnitudes spread evenly over the exponents 2⁻¹⁴ … 2¹⁵, both signs, plus the
            // values that round up into the next power of two.
            let e = i % 29 - 14;
            let mut x = 2f32.powi(e) * (1.0 + rng.signed_unit().abs());
            if i % 1000 == 0 {
                x = f32::from_bits(2f32.powi(e).to_bits() - 1);
            }
            if i % 2 == 1 {
                x = -x;
            }
            if x.abs() < lowest || x.abs() >= 2f32.powi(15) {
                continue;
            }
            let h = hi_part(x);
            assert_eq!(crate::quant::round_f16(h), h, "hi of {x} is not an f16");
            let lo = (x - h) * 2048.0;
            assert!(lo.abs() <= x.abs(), "lo of {x} is {lo}");
            let back = h as f64 + crate::quant::round_f16(lo) as f64 / 2048.0;
            let err = (back - x as f64).abs();
            assert!(
                err <= x.abs() as f64 * 2f64.powi(-22),
                "{x}: {back} (error {err:e})"
            );
        }
        // A value whose rounding carries into the exponent: hi is the next power of two.
        let below_two = f32::from_bits(2.0f32.to_bits() - 1);
        assert_eq!(hi_part(below_two), 2.0);
        assert_eq!(hi_part(0.0), 0.0);
    }

    fn coop(
        (m, n, k): (u32, u32, u32),
        ab: wgpu::CooperativeScalarType,
        cr: wgpu::CooperativeScalarType,
    ) -> wgpu::CooperativeMatrixProperties {
        wgpu::CooperativeMatrixProperties {
            m_size: m,
            n_size: n,
            k_size: k,
            ab_type: ab,
            cr_type: cr,
            saturating_accumulation: false,
        }
    }

    #[test]
    fn coop_shapes_must_be_listed_by_the_adapter() {
        use wgpu::CooperativeScalarType::{F16, F32};
        // What the H100 lists (toolchain notes): 16×16×16, 16×8×16 and 16×8×8, f16 in, f16 or
        // f32 accumulation.
        let h100: Vec<_> = [(16, 16, 16), (16, 8, 16), (16, 8, 8)]
            .into_iter()
            .flat_map(|s| [coop(s, F16, F16), coop(s, F16, F32)])
            .collect();
        let id = "matmul/coop_f16";
        assert_eq!(
            coop_shape_supported(id, &h100, (16, 16, 16), F16, F32),
            Ok(())
        );
        assert_eq!(
            coop_shape_supported(id, &h100, (16, 8, 8), F16, F16),
            Ok(())
        );
        // A shape it does not list, and the right shape with the wrong types.
        let e = coop_shape_supported(id, &h100, (8, 8, 8), F16, F32)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("unsupported on this adapter")
                && e.contains("8×8×8 with f16 inputs and f32 accumulation")
                && e.contains("16×16×16 f16→f32")
                && e.contains("16×8×8 f16→f16"),
            "{e}"
        );
        let f16_only = [coop((16, 16, 16), F16, F16)];
        let e = coop_shape_supported(id, &f16_only, (16, 16, 16), F16, F32)
            .unwrap_err()
            .to_string();
        assert!(e.contains("it lists: 16×16×16 f16→f16"), "{e}");
        let e = coop_shape_supported(id, &[], (16, 16, 16), F16, F32)
            .unwrap_err()
            .to_string();
        assert!(e.contains("it lists: none") && e.starts_with(id), "{e}");
        // f32 inputs are a different configuration.
        assert!(
            coop_shape_supported(id, &[coop((16, 16, 16), F32, F32)], (16, 16, 16), F16, F32)
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
