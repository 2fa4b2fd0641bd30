//! Host code of the decode GEMV kernels (f32, f16, GGUF Q8_0 and Q4_0 weights) and their f64
//! CPU reference.
//!
//! The reference multiplies by the weights the GPU actually holds (after f16 rounding or
//! quantization), so verification checks the kernel, not the format's precision; the format's
//! own error is covered by the quantizer's tests.

use crate::KernelError;
use crate::gpu::Gpu;
use crate::quant;
use crate::registry::KernelSpec;
use crate::rng::Rng;
use crate::run::{self, Prepared};
use crate::shape::{Dtype, Shape};

/// Largest batch the kernels accept: each thread keeps its sums in two vec4 registers.
pub const MAX_BATCH: u32 = 8;

/// Timed runs rotate over copies of the weights until the copies add up to this many bytes:
/// several times the largest last-level caches around (50 MB on an H100, 60 MB on an H200), so
/// each run streams its weights from memory, as a real decode step does.
pub const ROTATE_BYTES: u64 = 192 << 20;
/// At most this many copies.
pub const MAX_COPIES: u64 = 16;

/// How many weight copies to rotate over for `weight_bytes` of weights.
pub fn weight_copies(weight_bytes: u64) -> u64 {
    ROTATE_BYTES
        .div_ceil(weight_bytes.max(1))
        .clamp(1, MAX_COPIES)
}

/// The weights as stored for the GPU, and as f32 values for the reference.
pub fn pack_weights(dtype: Dtype, w: &[f32]) -> (Vec<u8>, Vec<f32>) {
    match dtype {
        Dtype::F32 => (bytemuck_f32(w), w.to_vec()),
        Dtype::F16 => (
            quant::f16_bytes(w),
            w.iter().map(|&v| quant::round_f16(v)).collect(),
        ),
        Dtype::Q8_0 => {
            let bytes = quant::quantize_q8_0(w);
            let back = quant::dequantize_q8_0(&bytes);
            (bytes, back)
        }
        Dtype::Q4_0 => {
            let bytes = quant::quantize_q4_0(w);
            let back = quant::dequantize_q4_0(&bytes);
            (bytes, back)
        }
    }
}

fn bytemuck_f32(w: &[f32]) -> Vec<u8> {
    w.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// y[m][r] = Σ_c w[r][c] · x[m][c] in f64, with Σ |w · x| for the error bound.
pub fn reference_element(w: &[f32], x: &[f32], cols: usize, m: usize, r: usize) -> (f64, f64) {
    let (mut sum, mut abs) = (0.0f64, 0.0f64);
    for c in 0..cols {
        let p = w[r * cols + c] as f64 * x[m * cols + c] as f64;
        sum += p;
        abs += p.abs();
    }
    (sum, abs)
}

/// Zero bytes after the Q4_0 weights: a final unpaired block is read as a 36-byte pair, a row
/// starting mid-word reads one word more, and `q4_0_dp4a` loads the aligned 48 or 64 bytes
/// around a pair. The buffer is then rounded up to whole vec4s.
const Q4_PAD_BYTES: usize = 64;
/// Zero f32 after x: the unpaired block's missing partner reads 32 values past the row.
const Q4_PAD_X: usize = 64;

/// Rows per `q4_0` workgroup (its WGSL's ROWS): the workgroup stages these rows' weights through
/// workgroup memory, one thread per row in each of its SPLIT groups.
pub const Q4_ROWS: u64 = 32;

/// The Q4_0 variant that rounds x to 8-bit integers and multiplies with `dot4I8Packed`.
pub const DP4A_VARIANT: &str = "q4_0_dp4a";

/// The `q4_0` kernel's SPLIT (thread groups per row, 32 threads each): 8 where the workgroup
/// memory (a stage of 18·SPLIT + 1 words per row and the partial sums) and the workgroup size
/// allow it, else fewer.
pub fn q4_split(batch: u32, storage_bytes: u32, max_invocations: u32) -> u32 {
    [8u32, 4, 2, 1]
        .into_iter()
        .find(|&split| {
            let words = Q4_ROWS as u32 * (18 * split + 1) + Q4_ROWS as u32 * split * batch;
            words * 4 <= storage_bytes && Q4_ROWS as u32 * split <= max_invocations
        })
        .unwrap_or(1)
}

/// `q4_0_dp4a`'s threads per workgroup (its WGSL's WG).
pub const DP4A_THREADS: u32 = 128;

/// `q4_0_dp4a`'s threads per row (its WGSL's LANES): 8, or 16 or 32 where that many still have
/// a pair of blocks each and the rows alone would leave the GPU short of threads (fewer than
/// 65,536). On an H100, 14336×4096 ran fastest with 8 and 4096×4096 with 16 (10.7 µs
/// against 12.9 with 8).
pub fn dp4a_lanes(rows: u32, cols: u32) -> u32 {
    let pairs = cols.div_ceil(64);
    let mut lanes = 8;
    while lanes < 32 && (rows as u64) * (lanes as u64) < 1 << 16 && lanes * 2 <= pairs {
        lanes *= 2;
    }
    lanes
}

/// Bytes of `q4_0_dp4a`'s rounded x: per batch row and pair of blocks, 64 bytes of values and
/// 16 of scales.
pub fn dp4a_x_bytes(cols: u32, batch: u32) -> u64 {
    (cols as u64).div_ceil(64) * batch as u64 * 80
}

/// y[m][r] as `gemv/q4_0_dp4a` computes it, in f64: Σ over blocks of dx · Σ w · q, with x
/// rounded as [`quant::quantize_x_q8`] does (`xq` holds all batch rows), and the error bound:
/// the f32 rounding of the per-block terms and their sum, plus one step of x wherever the GPU
/// may round a near-tie the other way.
pub fn reference_element_q8(
    w: &[f32],
    xq: &quant::Q8x,
    cols: usize,
    m: usize,
    r: usize,
) -> (f64, f64) {
    let blocks = cols / quant::BLOCK;
    let (mut sum, mut abs, mut ties) = (0.0f64, 0.0f64, 0.0f64);
    for b in 0..blocks {
        let dx = xq.scale[m * blocks + b] as f64;
        let mut block = 0.0f64;
        for i in 0..quant::BLOCK {
            let c = b * quant::BLOCK + i;
            let wv = w[r * cols + c] as f64;
            block += wv * xq.q[m * cols + c] as f64;
            if xq.near_tie[m * cols + c] {
                ties += wv.abs() * dx;
            }
        }
        sum += dx * block;
        abs += (dx * block).abs();
    }
    (
        sum,
        (blocks as f64 + 12.0) * f32::EPSILON as f64 * abs + ties + f32::MIN_POSITIVE as f64,
    )
}

pub(crate) fn prepare(
    gpu: &Gpu,
    spec: &KernelSpec,
    wgsl: &str,
    shape: Shape,
    rng: &mut Rng,
) -> Result<Prepared, KernelError> {
    let Shape::Gemv { rows, cols, batch } = shape else {
        return Err(spec.wrong_shape(&shape));
    };
    let invalid = |reason: String| KernelError::InvalidShape {
        kernel: spec.id(),
        reason,
    };
    if rows == 0 || cols == 0 {
        return Err(invalid(format!(
            "rows and cols must each be at least 1, got {rows}×{cols}"
        )));
    }
    if !(1..=MAX_BATCH).contains(&batch) {
        return Err(invalid(format!(
            "batch must be from 1 to {MAX_BATCH}, got {batch}"
        )));
    }
    // Whole 32-weight blocks per row: checked with the cost model (`KernelSpec::cost`), which
    // every run computes first.
    let (r, c, b) = (rows as u64, cols as u64, batch as u64);
    // As bound: the packed bytes, the Q4_0 kernels' zero padding (then rounded up to whole
    // vec4s), and rounding to whole words.
    let padding = if spec.dtype == Dtype::Q4_0 {
        Q4_PAD_BYTES as u64 + 15
    } else {
        0
    };
    let weight_bytes =
        (spec.dtype.bytes_per_element() * (r * c) as f64).ceil() as u64 + 8 + padding;
    run::check_storage(
        gpu,
        &format!("the {} weights ({rows}×{cols})", spec.dtype),
        weight_bytes,
    )?;
    run::check_storage(gpu, "x (batch×cols f32)", b * c * 4)?;
    // Q4_0 gives each workgroup several rows (see its WGSL); the others one row each.
    let q4 = spec.dtype == Dtype::Q4_0;
    // The Q4_0 kernel that rounds x to 8-bit integers (its layout and reference differ).
    let int8_x = spec.variant == DP4A_VARIANT;
    let lanes = dp4a_lanes(rows, cols);
    let rows_per_group = match (q4, int8_x) {
        (false, _) => 1,
        (true, false) => Q4_ROWS,
        (true, true) => (DP4A_THREADS / lanes) as u64,
    };
    let groups = r.div_ceil(rows_per_group);
    // Workgroups beyond one grid dimension continue in y.
    let max_dim = gpu.limits().max_compute_workgroups_per_dimension as u64;
    let gx = groups.min(max_dim);
    let gy = run::check_groups(gpu, "the dispatch over rows", groups.div_ceil(gx))?;

    let w = rng.signed_vec((r * c) as usize);
    let mut x = rng.signed_vec((b * c) as usize);
    let (mut packed, held) = pack_weights(spec.dtype, &w);
    let mut constants = Vec::new();
    if q4 {
        // The kernels read whole pairs of blocks and their 64 values of x; a row's unpaired
        // last block reads past it into zeros (or the next row, whose part is ignored).
        packed.resize((packed.len() + Q4_PAD_BYTES).next_multiple_of(16), 0);
        x.resize(x.len() + Q4_PAD_X, 0.0);
        constants.push(("BATCH".to_string(), batch as f64));
        if int8_x {
            let blocks = cols / quant::BLOCK as u32;
            constants.extend([
                ("WG".to_string(), DP4A_THREADS as f64),
                ("LANES".to_string(), lanes as f64),
                ("ODD".to_string(), (blocks % 2) as f64),
            ]);
        } else {
            let limits = gpu.limits();
            let split = q4_split(
                batch,
                limits.max_compute_workgroup_storage_size,
                limits.max_compute_invocations_per_workgroup,
            );
            constants.push(("SPLIT".to_string(), split as f64));
        }
    }
    let x_buf = run::input_buffer(gpu, "x", &x);
    let y_buf = run::poisoned_output(gpu, "y", (b * r) as usize);
    let params = run::params_buffer(gpu, &[rows, cols, batch, cols / quant::BLOCK as u32]);
    let named: Vec<(&str, f64)> = constants.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let pipeline = run::pipeline(gpu, spec, wgsl, &named);
    // Identical copies are enough: what matters is that they live at different addresses.
    let copies = weight_copies(packed.len() as u64);
    let mut steps = Vec::new();
    let bind_groups = if int8_x {
        // First x is rounded into its own buffer, then `main` multiplies.
        let xq_bytes = dp4a_x_bytes(cols, batch);
        run::check_storage(gpu, "x rounded to 8 bits", xq_bytes)?;
        let xq_buf = run::output_bytes(gpu, "x rounded", &vec![0u8; xq_bytes as usize]);
        let quantize = run::pipeline_entry(gpu, spec, wgsl, "quantize", &named);
        let threads = (cols as u64).div_ceil(64) * b;
        let qx = threads.div_ceil(64).min(max_dim);
        let qy = run::check_groups(gpu, "the rounding of x", threads.div_ceil(64).div_ceil(qx))?;
        steps.push(run::Step {
            bind_groups: vec![run::bind_group_at(
                gpu,
                &quantize,
                &[(0, &params), (2, &x_buf), (5, &xq_buf)],
            )],
            pipeline: quantize,
            workgroups: [qx as u32, qy, 1],
        });
        (0..copies)
            .map(|_| {
                let w_buf = run::input_bytes(gpu, "W", &packed);
                run::bind_group_at(
                    gpu,
                    &pipeline,
                    &[(0, &params), (1, &w_buf), (3, &y_buf), (4, &xq_buf)],
                )
            })
            .collect()
    } else {
        (0..copies)
            .map(|_| {
                let w_buf = run::input_bytes(gpu, "W", &packed);
                run::bind_group(gpu, &pipeline, &[&params, &w_buf, &x_buf, &y_buf])
            })
            .collect()
    };
    steps.push(run::Step {
        pipeline,
        bind_groups,
        workgroups: [gx as u32, gy, 1],
    });

    let total = b * r;
    let positions: Vec<usize> = if total * c <= 1 << 24 {
        (0..total as usize).collect()
    } else {
        let mut p: Vec<usize> = (0..2048).map(|_| rng.below(total) as usize).collect();
        p.push(total as usize - 1);
        p
    };
    let (rr, cc) = (rows as usize, cols as usize);
    // The integer kernel's x, rounded as it rounds it (the padding is not part of x).
    let xq = int8_x.then(|| quant::quantize_x_q8(&x[..(b * c) as usize]));
    let check = move |got: &[f32]| {
        run::compare(got, &positions, total, |i| {
            if let Some(xq) = &xq {
                return reference_element_q8(&held, xq, cc, i / rr, i % rr);
            }
            let (sum, abs) = reference_element(&held, &x, cc, i / rr, i % rr);
            // Any summation order of cols f32 products errs by at most about cols·2⁻²⁴·Σ|w·x|.
            (
                sum,
                (cc as f64 + 2.0) * f32::EPSILON as f64 * abs + f32::MIN_POSITIVE as f64,
            )
        })
    };
    Ok(Prepared {
        steps,
        output: y_buf,
        output_bytes: total * 4,
        check: Box::new(check),
        constants,
        cost_scale: 1.0,
        input_sets: copies as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_sizes_match_the_formats() {
        let w: Vec<f32> = (0..64).map(|i| i as f32 / 64.0).collect();
        assert_eq!(pack_weights(Dtype::F32, &w).0.len(), 256);
        assert_eq!(pack_weights(Dtype::F16, &w).0.len(), 128);
        assert_eq!(pack_weights(Dtype::Q8_0, &w).0.len(), 68);
        assert_eq!(pack_weights(Dtype::Q4_0, &w).0.len(), 36);
        // f16 holds these exactly (multiples of 2⁻⁶).
        assert_eq!(pack_weights(Dtype::F16, &w).1, w);
    }

    #[test]
    fn small_weights_rotate_over_enough_copies_to_leave_the_cache() {
        assert_eq!(weight_copies(1), MAX_COPIES);
        assert_eq!(weight_copies(64 << 20), 3); // 4096² f32: 3 × 64 MiB ≥ 192 MiB
        assert_eq!(weight_copies(1 << 30), 1);
    }

    #[test]
    fn q4_split_fits_the_workgroup_memory_and_size() {
        // 32 KiB and 256 invocations (lavapipe, SwiftShader): 8 groups, 26.5 KiB at batch 8.
        assert_eq!(q4_split(8, 32 << 10, 256), 8);
        // WebGPU's minimum 16 KiB: 8 groups need 18.4 KiB of stage alone.
        assert_eq!(q4_split(1, 16 << 10, 256), 4);
        assert_eq!(q4_split(1, 32 << 10, 128), 4);
        assert_eq!(q4_split(8, 4 << 10, 256), 1);
    }

    #[test]
    fn dp4a_lanes_fill_the_gpu_without_idle_threads() {
        // Enough rows: 8 threads per row.
        assert_eq!(dp4a_lanes(14336, 4096), 8);
        assert_eq!(dp4a_lanes(8192, 4096), 8);
        // 4096 rows · 8 = 32,768 threads: 16 per row reach 65,536.
        assert_eq!(dp4a_lanes(4096, 4096), 16);
        assert_eq!(dp4a_lanes(1000, 4096), 32);
        // Never more threads than pairs: 160 columns are 3 pairs, 2,048 columns 32.
        assert_eq!(dp4a_lanes(10, 160), 8);
        assert_eq!(dp4a_lanes(10, 1024), 16);
        assert_eq!(dp4a_lanes(10, 2048), 32);
        // The workgroup always holds whole rows.
        for lanes in [dp4a_lanes(1, 64), dp4a_lanes(1, 1 << 20)] {
            assert_eq!(DP4A_THREADS % lanes, 0);
        }
    }

    #[test]
    fn dp4a_rounded_x_takes_80_bytes_per_pair() {
        // 4096 columns: 64 pairs of blocks, each 64 bytes of values and 16 of scales.
        assert_eq!(dp4a_x_bytes(4096, 1), 64 * 80);
        assert_eq!(dp4a_x_bytes(4096, 8), 8 * 64 * 80);
        // An odd number of blocks still takes a whole last pair.
        assert_eq!(dp4a_x_bytes(96, 3), 3 * 2 * 80);
    }

    #[test]
    fn q8_reference_uses_the_rounded_x() {
        // One block, w = 1 for the first value and 0 elsewhere: y = dx · q₀.
        let mut w = vec![0.0f32; 32];
        w[0] = 1.0;
        let mut x = vec![0.0f32; 32];
        x[0] = 0.3;
        x[1] = 1.27;
        let xq = quant::quantize_x_q8(&x);
        // dx = 0.01, q₀ = 30: y = 0.3 up to the rounding of dx.
        assert_eq!(xq.q[0], 30);
        let (y, bound) = reference_element_q8(&w, &xq, 32, 0, 0);
        assert!((y - 0.3).abs() < 1e-7, "{y}");
        assert!(bound < 1e-4 && bound > 0.0, "{bound}");
    }

    #[test]
    fn reference_is_a_plain_dot_product() {
        // W = [[1, 2], [3, 4]], x = [[1, -1]]: y = [-1, -1].
        let w = [1.0, 2.0, 3.0, 4.0];
        let x = [1.0, -1.0];
        assert_eq!(reference_element(&w, &x, 2, 0, 0), (-1.0, 3.0));
        assert_eq!(reference_element(&w, &x, 2, 0, 1), (-1.0, 7.0));
    }
}
