//! Host code of the attention kernels (naive three-pass, fused FlashAttention, and fused
//! FlashAttention in FP32 on the tensor cores) and their f64 CPU reference.

use crate::KernelError;
use crate::gpu::Gpu;
use crate::quant;
use crate::registry::KernelSpec;
use crate::rng::Rng;
use crate::run::{self, Prepared, Step};
use crate::shape::{Cost, Dtype, Shape};

/// Which attention kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttentionKind {
    /// Scores, softmax and P·V as three kernels, S through global memory.
    Naive,
    /// One fused kernel with online softmax; S never leaves the chip.
    Flash,
    /// The fused kernel on the tensor cores, each f32 split into two f16 halves
    /// (`attention/flash_split`): a scale pass, then the kernel.
    FlashSplit,
}

/// Query rows per FlashAttention workgroup (fixed by its thread layout: 128 threads, each with
/// two rows of the output).
const FLASH_BR: u32 = 32;
/// f16's unit roundoff, 2⁻¹¹.
const F16_UNIT: f64 = 1.0 / 2048.0;
/// Rows of S checked against the reference when the output is large.
const SAMPLED_ROWS: usize = 48;

/// The cost model: FLOPs 4·B·H·N²·d (QKᵀ and P·V, 2 FLOPs per multiply-add each), halved under
/// the causal mask; bytes are what each kernel actually has to move. The fused kernel reads Q,
/// K, V and writes O; the naive one also writes S, reads it three times and writes it again in
/// the softmax, and reads it once more for P·V: six passes over B·H·N² floats.
pub fn cost(kind: AttentionKind, dtype: Dtype, shape: &Shape) -> Option<Cost> {
    let Shape::Attention {
        batch,
        heads,
        seq,
        head_dim,
        causal,
    } = *shape
    else {
        return None;
    };
    // In f64 from the start: B·H overflows a u32 for shapes the CLI accepts.
    let (bh, n, d) = (batch as f64 * heads as f64, seq as f64, head_dim as f64);
    let flops = 4.0 * bh * n * n * d * if causal { 0.5 } else { 1.0 };
    // Q, K, V and O in the kernel's element type; S is always f32.
    let qkvo = 4.0 * bh * n * d * dtype.bytes_per_element();
    let bytes = match kind {
        AttentionKind::Flash | AttentionKind::FlashSplit => qkvo,
        AttentionKind::Naive => qkvo + 6.0 * bh * n * n * 4.0,
    };
    Some(Cost { flops, bytes })
}

/// The largest key/value tile (rows, 32 or 16) whose workgroup memory fits in
/// `workgroup_bytes` for head dimension `d`, or `None` if even 16 rows do not.
pub fn flash_tile(d: u32, workgroup_bytes: u32) -> Option<u32> {
    [32u32, 16]
        .into_iter()
        .find(|&bc| flash_tile_bytes(d, bc) <= workgroup_bytes)
}

/// Workgroup memory of the fused kernel: the Q block and one K-then-V tile (rows padded by one
/// vec4), the score block (rows padded by one float), 128 partial row statistics and a factor
/// per row.
pub fn flash_tile_bytes(d: u32, bc: u32) -> u32 {
    (FLASH_BR * (d + 4) + bc * (d + 4) + FLASH_BR * (bc + 1) + 128 + FLASH_BR) * 4
}

/// Block shapes of the split kernel, in order of preference: keys per K/V tile (BC) and
/// subgroups per workgroup, each owning 16 query rows.
const SPLIT_BLOCKS: [(u32, u32); 4] = [(32, 4), (16, 4), (32, 2), (16, 2)];
/// The split kernel's subgroup width: a lane owns half a row of a 16-row score block.
const SPLIT_LANES: u32 = 32;

/// Workgroup memory of the split kernel at head dimension `d`, `bc` keys per tile and `warps`
/// subgroups, mirroring the WGSL's `kv` and `s_tile` (rows padded by 16 bytes) and its flag
/// (four words, so that it cannot put `kv` off 16-byte alignment).
pub fn split_tile_bytes(d: u32, bc: u32, warps: u32) -> u32 {
    // In vec4<f16>s: K (then P) and V tiles, hi and lo; the Q block staged there first.
    let ks = d / 4 + 2;
    let k_len = (2 * bc * ks).max(warps * 2 * 16 * (bc / 4 + 2));
    let kv_len = (k_len + 2 * bc * ks).max(2 * 16 * warps * ks);
    // The score blocks in vec4<f32>s.
    let s_len = warps * 16 * (bc / 4 + 1);
    kv_len * 8 + s_len * 16 + 16
}

/// The first of [`SPLIT_BLOCKS`] that fits `workgroup_bytes` at head dimension `d` and whose
/// K/V tile spreads evenly over the workgroup's threads.
pub fn split_block(d: u32, workgroup_bytes: u32) -> Option<(u32, u32)> {
    SPLIT_BLOCKS.into_iter().find(|&(bc, warps)| {
        split_tile_bytes(d, bc, warps) <= workgroup_bytes
            && (bc * d / 4).is_multiple_of(warps * SPLIT_LANES)
    })
}

/// Attention inputs on the CPU: Q, K, V as [heads, seq, head_dim] row-major.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// Queries.
    pub q: &'a [f32],
    /// Keys.
    pub k: &'a [f32],
    /// Values.
    pub v: &'a [f32],
    /// Sequence length N.
    pub seq: usize,
    /// Head dimension d.
    pub head_dim: usize,
    /// Causal mask.
    pub causal: bool,
}

/// Row `i` of head `h` of the attention output in f64, with a per-element error bound for an
/// f32 kernel.
pub fn reference_row(inputs: &Inputs<'_>, h: usize, i: usize) -> Vec<(f64, f64)> {
    let Inputs {
        q,
        k,
        v,
        seq: n,
        head_dim: d,
        causal,
    } = *inputs;
    let scale = 1.0 / (d as f64).sqrt();
    let end = if causal { i + 1 } else { n };
    let qi = &q[(h * n + i) * d..(h * n + i + 1) * d];
    let mut scores = Vec::with_capacity(end);
    let mut worst_abs = 0.0f64;
    for j in 0..end {
        let kj = &k[(h * n + j) * d..(h * n + j + 1) * d];
        let (mut s, mut a) = (0.0f64, 0.0f64);
        for c in 0..d {
            let p = qi[c] as f64 * kj[c] as f64;
            s += p;
            a += p.abs();
        }
        scores.push(s * scale);
        worst_abs = worst_abs.max(a * scale);
    }
    let m = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let p: Vec<f64> = scores.iter().map(|s| (s - m).exp()).collect();
    let l: f64 = p.iter().sum();
    let eps = f32::EPSILON as f64;
    // A score errs by about d·ε·Σ|q·k|; exp turns that into the same relative error in each
    // probability, and the sums over n keys add n·ε more. Each output is a weighted mean of V,
    // so its error is that relative error times the weighted mean of |V|.
    let rel = 4.0 * (d as f64 + 2.0) * eps * worst_abs.max(1.0) + 4.0 * (end as f64 + 2.0) * eps;
    (0..d)
        .map(|c| {
            let (mut o, mut mag) = (0.0f64, 0.0f64);
            for (j, pj) in p.iter().enumerate() {
                let vj = v[(h * n + j) * d + c] as f64;
                o += pj * vj;
                mag += pj * vj.abs();
            }
            (o / l, rel * mag / l + f32::MIN_POSITIVE as f64)
        })
        .collect()
}

pub(crate) fn prepare(
    gpu: &Gpu,
    spec: &KernelSpec,
    wgsl: &str,
    kind: AttentionKind,
    shape: Shape,
    rng: &mut Rng,
    input_scale: f32,
) -> Result<Prepared, KernelError> {
    let Shape::Attention {
        batch,
        heads,
        seq,
        head_dim,
        causal,
    } = shape
    else {
        return Err(spec.wrong_shape(&shape));
    };
    let invalid = |reason: String| KernelError::InvalidShape {
        kernel: spec.id(),
        reason,
    };
    if batch == 0 || heads == 0 || seq == 0 || head_dim == 0 {
        return Err(invalid(format!(
            "batch, heads, sequence length and head dimension must each be at least 1, got \
             B={batch} H={heads} N={seq} d={head_dim}"
        )));
    }
    let limits = gpu.limits();
    let (bh, n, d) = (batch as u64 * heads as u64, seq as u64, head_dim as u64);
    let half = spec.dtype == Dtype::F16;
    let elem = if half { 2 } else { 4 };
    let qkv_bytes = bh * n * d * elem;
    for name in ["Q", "K", "V", "O"] {
        run::check_storage(
            gpu,
            &format!("{name} ([B·H, N, d] {})", spec.dtype),
            qkv_bytes,
        )?;
    }
    let len = (bh * n * d) as usize;
    let mut q = scaled(rng.signed_vec(len), input_scale);
    let mut k = scaled(rng.signed_vec(len), input_scale);
    let mut v = scaled(rng.signed_vec(len), input_scale);
    let (q_buf, k_buf, v_buf, o_buf, output_bytes) = if half {
        // The GPU sees the inputs rounded to f16; the reference uses the same values.
        for x in [&mut q, &mut k, &mut v] {
            x.iter_mut().for_each(|e| *e = quant::round_f16(*e));
        }
        // O in f16, poisoned with NaN (0x7e00) and padded to whole words.
        let out_bytes = (len as u64 * 2).next_multiple_of(4);
        let poison: Vec<u8> = [0x00, 0x7e].repeat(out_bytes as usize / 2);
        (
            run::input_bytes(gpu, "Q", &quant::f16_bytes(&q)),
            run::input_bytes(gpu, "K", &quant::f16_bytes(&k)),
            run::input_bytes(gpu, "V", &quant::f16_bytes(&v)),
            run::output_bytes(gpu, "O", &poison),
            out_bytes,
        )
    } else {
        (
            run::input_buffer(gpu, "Q", &q),
            run::input_buffer(gpu, "K", &k),
            run::input_buffer(gpu, "V", &v),
            run::poisoned_output(gpu, "O", len),
            len as u64 * 4,
        )
    };
    let scale = 1.0 / (head_dim as f32).sqrt();

    let mut constants = Vec::new();
    let steps = match kind {
        AttentionKind::Naive => {
            // S for as many heads as one binding holds (and at most 1 GiB, to stay polite).
            let per_head = n * n * 4;
            let cap = limits
                .max_storage_buffer_binding_size
                .min(limits.max_buffer_size)
                .min(1 << 30);
            // A chunk's heads are the z dimension of the score and P·V grids.
            let max_dim = limits.max_compute_workgroups_per_dimension as u64;
            let chunk = (cap / per_head).min(bh).min(max_dim);
            if chunk == 0 {
                return Err(KernelError::LimitExceeded {
                    what: format!("the naive kernel's score matrix for one head (N={seq})"),
                    limit: "maxStorageBufferBindingSize",
                    needed: crate::shape::human_bytes(per_head as f64),
                    allowed: crate::shape::human_bytes(cap as f64),
                });
            }
            let tiles = n.div_ceil(16);
            let gx = run::check_groups(gpu, "the score grid", tiles)?;
            let s_buf = gpu.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("S"),
                size: chunk * per_head,
                usage: wgpu::BufferUsages::STORAGE,
                mapped_at_creation: false,
            });
            let pipe = |entry: &str| run::pipeline_entry(gpu, spec, wgsl, entry, &[]);
            let (scores, softmax, pv) = (pipe("scores"), pipe("softmax"), pipe("pv"));
            let mut steps = Vec::new();
            let mut head = 0;
            while head < bh {
                let count = chunk.min(bh - head);
                let params = run::params_buffer(
                    gpu,
                    &[
                        seq,
                        head_dim,
                        count as u32,
                        head as u32,
                        causal as u32,
                        scale.to_bits(),
                    ],
                );
                let rows = count * n;
                let sx = rows.min(limits.max_compute_workgroups_per_dimension as u64);
                let sy = run::check_groups(gpu, "the softmax rows", rows.div_ceil(sx))?;
                let bind = |p: &wgpu::ComputePipeline, b: &[(u32, &wgpu::Buffer)]| {
                    vec![run::bind_group_at(gpu, p, b)]
                };
                steps.push(Step {
                    bind_groups: bind(
                        &scores,
                        &[(0, &params), (1, &q_buf), (2, &k_buf), (4, &s_buf)],
                    ),
                    pipeline: scores.clone(),
                    workgroups: [gx, gx, count as u32],
                });
                steps.push(Step {
                    bind_groups: bind(&softmax, &[(0, &params), (4, &s_buf)]),
                    pipeline: softmax.clone(),
                    workgroups: [sx as u32, sy, 1],
                });
                steps.push(Step {
                    bind_groups: bind(&pv, &[(0, &params), (3, &v_buf), (4, &s_buf), (5, &o_buf)]),
                    pipeline: pv.clone(),
                    workgroups: [d.div_ceil(16) as u32, gx, count as u32],
                });
                head += count;
            }
            constants.push(("HEADS_PER_CHUNK".to_string(), chunk as f64));
            steps
        }
        AttentionKind::Flash => {
            if head_dim > 128 || !head_dim.is_multiple_of(32) {
                return Err(invalid(format!(
                    "the fused kernel needs a head dimension of 32, 64, 96 or 128, got {head_dim}"
                )));
            }
            let bc = flash_tile(head_dim, limits.max_compute_workgroup_storage_size).ok_or_else(
                || KernelError::LimitExceeded {
                    what: format!("FlashAttention tiles for d={head_dim}"),
                    limit: "maxComputeWorkgroupStorageSize",
                    needed: format!("{} bytes", flash_tile_bytes(head_dim, 16)),
                    allowed: format!("{} bytes", limits.max_compute_workgroup_storage_size),
                },
            )?;
            let gx = run::check_groups(gpu, "the query blocks", n.div_ceil(FLASH_BR as u64))?;
            let gy = run::check_groups(gpu, "the batch·heads grid", bh)?;
            constants = vec![
                ("BC".to_string(), bc as f64),
                ("D".to_string(), head_dim as f64),
            ];
            let named: Vec<(&str, f64)> = constants.iter().map(|(k, v)| (k.as_str(), *v)).collect();
            let pipeline = run::pipeline(gpu, spec, wgsl, &named);
            // Recorded, not passed: the WGSL's thread layout fixes it.
            constants.push(("BR".to_string(), FLASH_BR as f64));
            let params = run::params_buffer(gpu, &[seq, bh as u32, causal as u32, scale.to_bits()]);
            let bind_groups = vec![run::bind_group(
                gpu,
                &pipeline,
                &[&params, &q_buf, &k_buf, &v_buf, &o_buf],
            )];
            vec![Step {
                pipeline,
                bind_groups,
                workgroups: [gx, gy, 1],
            }]
        }
        AttentionKind::FlashSplit => {
            // wgpu does not check the fragment shape against the adapter's list, and an
            // unlisted shape silently returns garbage: refuse first.
            crate::matmul::coop_f16_supported(gpu, &spec.id())?;
            let (sg_min, sg_max) = gpu.subgroup_sizes();
            if (sg_min, sg_max) != (SPLIT_LANES, SPLIT_LANES) {
                return Err(KernelError::Unsupported {
                    kernel: spec.id(),
                    reason: format!(
                        "the kernel needs subgroups of exactly {SPLIT_LANES} lanes; the adapter's \
                         are {sg_min} to {sg_max}"
                    ),
                });
            }
            if head_dim > 128 || !head_dim.is_multiple_of(16) {
                return Err(invalid(format!(
                    "the tensor-core kernel needs a head dimension that is a multiple of 16 up \
                     to 128, got {head_dim}"
                )));
            }
            let wg_bytes = limits.max_compute_workgroup_storage_size;
            let (bc, warps) =
                split_block(head_dim, wg_bytes).ok_or_else(|| KernelError::LimitExceeded {
                    what: format!("tensor-core FlashAttention tiles for d={head_dim}"),
                    limit: "maxComputeWorkgroupStorageSize",
                    needed: format!("{} bytes", split_tile_bytes(head_dim, 16, 2)),
                    allowed: format!("{wg_bytes} bytes"),
                })?;
            let br = 16 * warps as u64;
            let gx = run::check_groups(gpu, "the query blocks", n.div_ceil(br))?;
            let gy = run::check_groups(gpu, "the batch·heads grid", bh)?;
            constants = vec![
                ("BC".to_string(), bc as f64),
                ("D".to_string(), head_dim as f64),
                ("WARPS".to_string(), warps as f64),
                // The WGSL derives the same count; given here, its staging loop is written out.
                (
                    "KV_LOADS".to_string(),
                    (bc * head_dim / 4 / (warps * SPLIT_LANES)) as f64,
                ),
            ];
            let named: Vec<(&str, f64)> = constants.iter().map(|(k, v)| (k.as_str(), *v)).collect();
            let main = run::pipeline(gpu, spec, wgsl, &named);
            let amax = run::output_bytes(gpu, "max |Q|, |K|, |V|", &[0; 12]);
            let [clear, absmax] = run::scale_steps(
                gpu,
                spec,
                wgsl,
                &named,
                (5, &amax),
                &[vec![(1, &q_buf), (2, &k_buf), (3, &v_buf)]],
                bh * n * d / 4,
            );
            // Written out, the staging loop runs about twice as fast (BENCHMARKS.md): say so.
            let (_, loops) = crate::unroll::expand_counted(wgsl, &named);
            constants.push(("BR".to_string(), br as f64));
            constants.push(("loops_written_out".to_string(), loops as f64));
            let params = run::params_buffer(gpu, &[seq, bh as u32, causal as u32, scale.to_bits()]);
            vec![
                clear,
                absmax,
                Step {
                    bind_groups: vec![run::bind_group(
                        gpu,
                        &main,
                        &[&params, &q_buf, &k_buf, &v_buf, &o_buf, &amax],
                    )],
                    pipeline: main,
                    workgroups: [gx, gy, 1],
                },
            ]
        }
    };

    // Check every row when that is cheap; otherwise random rows plus the very last one.
    let (nn, dd) = (seq as usize, head_dim as usize);
    let total_rows = (bh * n) as usize;
    let rows: Vec<usize> = if (bh * n * n * d) <= 1 << 26 {
        (0..total_rows).collect()
    } else {
        let mut r: Vec<usize> = (0..SAMPLED_ROWS)
            .map(|_| rng.below(total_rows as u64) as usize)
            .collect();
        r.push(total_rows - 1);
        r
    };
    let check = move |got: &[f32]| {
        // An f16 output arrives as pairs of halves in each f32 word.
        let widened: Vec<f32>;
        let got = if half {
            let halves: &[u16] = bytemuck::cast_slice(got);
            widened = halves.iter().map(|&h| quant::f16_to_f32(h)).collect();
            &widened[..]
        } else {
            got
        };
        let mut positions = Vec::with_capacity(rows.len() * dd);
        let mut expected = std::collections::HashMap::new();
        let inputs = Inputs {
            q: &q,
            k: &k,
            v: &v,
            seq: nn,
            head_dim: dd,
            causal,
        };
        for &row in &rows {
            let (h, i) = (row / nn, row % nn);
            for (c, (e, bound)) in reference_row(&inputs, h, i).into_iter().enumerate() {
                // Rounding the result to f16 adds up to 2⁻¹¹ of it (2⁻²⁵ below f16's normal range).
                let bound = if half {
                    bound + e.abs() * F16_UNIT + F16_UNIT * F16_UNIT
                } else {
                    bound
                };
                positions.push(row * dd + c);
                expected.insert(row * dd + c, (e, bound));
            }
        }
        run::compare(got, &positions, len as u64, |p| expected[&p])
    };
    Ok(Prepared {
        steps,
        output: o_buf,
        output_bytes,
        check: Box::new(check),
        constants,
        cost_scale: 1.0,
        input_sets: 1,
    })
}

fn scaled(mut x: Vec<f32>, s: f32) -> Vec<f32> {
    if s != 1.0 {
        x.iter_mut().for_each(|v| *v *= s);
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_model_counts_the_score_matrix_traffic() {
        let shape = Shape::Attention {
            batch: 1,
            heads: 2,
            seq: 4,
            head_dim: 8,
            causal: false,
        };
        let flash = cost(AttentionKind::Flash, Dtype::F32, &shape).unwrap();
        let naive = cost(AttentionKind::Naive, Dtype::F32, &shape).unwrap();
        // 4·2·4²·8 = 1024 FLOPs; Q, K, V, O: 4 · 2·4·8 floats = 1024 bytes.
        assert_eq!((flash.flops, flash.bytes), (1024.0, 1024.0));
        // Naive adds six passes over 2·4² floats: 6 · 32 · 4 = 768 bytes.
        assert_eq!(naive.bytes, 1024.0 + 768.0);
        let causal = Shape::Attention {
            batch: 1,
            heads: 2,
            seq: 4,
            head_dim: 8,
            causal: true,
        };
        assert_eq!(
            cost(AttentionKind::Flash, Dtype::F32, &causal)
                .unwrap()
                .flops,
            512.0
        );
        // f16 halves Q, K, V and O, not S (which stays f32).
        let half = cost(AttentionKind::Flash, Dtype::F16, &shape).unwrap();
        assert_eq!(half.bytes * 2.0, flash.bytes);
        let naive_half = cost(AttentionKind::Naive, Dtype::F16, &shape).unwrap();
        assert_eq!(naive.bytes - naive_half.bytes, half.bytes);
    }

    #[test]
    fn tiles_fit_the_workgroup_memory() {
        // d = 128, BC = 32: 32·132 + 32·132 + 32·33 + 128 + 32 floats = 38,656 bytes, which
        // fits 48 KiB but not 32 KiB; BC = 16 needs 28,160 bytes.
        assert_eq!(flash_tile_bytes(128, 32), 38_656);
        assert_eq!(flash_tile_bytes(128, 16), 28_160);
        assert_eq!(flash_tile(128, 48 << 10), Some(32));
        assert_eq!(flash_tile(128, 32 << 10), Some(16));
        assert_eq!(flash_tile(64, 32 << 10), Some(32));
        assert_eq!(flash_tile(128, 4 << 10), None);
    }

    #[test]
    fn split_tiles_fit_the_workgroup_memory() {
        // d = 128, 32 keys, 4 subgroups: K/V hi and lo, 4·32 rows of 34 vec4<f16>s = 34,816
        // bytes (the 64-row Q block staged there needs as much); scores 4·16 rows of 9
        // vec4<f32>s = 9,216; the flag 16. 44,048 bytes is what the H100's driver reported for
        // this kernel (bench/results/h100-2026-11-22-flash-split-b/variants/vk.txt).
        assert_eq!(split_tile_bytes(128, 32, 4), 44_048);
        assert_eq!(split_block(128, 48 << 10), Some((32, 4)));
        // 32 KiB fits neither four subgroups nor 32 keys at d = 128.
        assert_eq!(split_tile_bytes(128, 16, 4), 39_952);
        assert_eq!(split_tile_bytes(128, 32, 2), 39_440);
        assert_eq!(split_block(128, 32 << 10), Some((16, 2)));
        assert_eq!(split_block(128, 16 << 10), None);
        // At d = 16 a 16-key tile is 64 groups of 16 bytes, fewer than 128 threads: skipped.
        assert_eq!(split_block(16, 48 << 10), Some((32, 4)));
        assert_eq!(split_tile_bytes(16, 16, 4), 12_816);
        assert_eq!(split_block(16, 13 << 10), Some((32, 2)));
    }

    #[test]
    fn reference_matches_a_hand_computed_head() {
        // n = 2, d = 1: q = [1, 1], k = [0, ln 3 · √1], v = [1, 5].
        // Row 1 (non-causal): scores [0, ln 3] → p = [1/4, 3/4] → o = 1/4 + 15/4 = 4.
        let q = [1.0, 1.0];
        let k = [0.0, 3f32.ln()];
        let v = [1.0, 5.0];
        let inputs = Inputs {
            q: &q,
            k: &k,
            v: &v,
            seq: 2,
            head_dim: 1,
            causal: false,
        };
        let row = reference_row(&inputs, 0, 1);
        assert!((row[0].0 - 4.0).abs() < 1e-6, "{row:?}");
        // Causal row 0 sees only key 0: o = v0 = 1.
        let row = reference_row(
            &Inputs {
                causal: true,
                ..inputs
            },
            0,
            0,
        );
        assert_eq!(row[0].0, 1.0);
    }
}
