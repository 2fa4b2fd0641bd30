//! Host code of the matrix-multiply kernels and their f64 CPU reference.

use crate::KernelError;
use crate::gpu::Gpu;
use crate::registry::KernelSpec;
use crate::rng::Rng;
use crate::run::{self, Prepared};
use crate::shape::Shape;

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

pub(crate) fn prepare(
    gpu: &Gpu,
    spec: &KernelSpec,
    shape: Shape,
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
    let (mu, nu, ku) = (m as u64, n as u64, k as u64);
    run::check_storage(gpu, "matrix A (M×K f32)", mu * ku * 4)?;
    run::check_storage(gpu, "matrix B (K×N f32)", ku * nu * 4)?;
    run::check_storage(gpu, "matrix C (M×N f32)", mu * nu * 4)?;
    let tile = 16u64;
    let gx = run::check_groups(gpu, "the dispatch along N", nu.div_ceil(tile))?;
    let gy = run::check_groups(gpu, "the dispatch along M", mu.div_ceil(tile))?;

    let a = rng.signed_vec((mu * ku) as usize);
    let b = rng.signed_vec((ku * nu) as usize);
    let a_buf = run::input_buffer(gpu, "A", &a);
    let b_buf = run::input_buffer(gpu, "B", &b);
    let c_buf = run::poisoned_output(gpu, "C", (mu * nu) as usize);
    let params = run::params_buffer(gpu, &[m, n, k]);
    let pipeline = run::pipeline(gpu, spec, &[("TILE", tile as f64)]);
    let bind_groups = vec![run::bind_group(
        gpu,
        &pipeline,
        &[&params, &a_buf, &b_buf, &c_buf],
    )];

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
    let (nn, kk) = (n as usize, k as usize);
    let check = move |got: &[f32]| {
        run::compare(got, &positions, total, |i| {
            let (sum, abs) = reference_element(&a, &b, nn, kk, i / nn, i % nn);
            // Any order of k f32 fused multiply-adds errs by at most about k·2⁻²⁴·Σ|a·b|;
            // f32::EPSILON is 2⁻²³, so this bound has a factor-of-two margin.
            (
                sum,
                (kk as f64 + 2.0) * f32::EPSILON as f64 * abs + f32::MIN_POSITIVE as f64,
            )
        })
    };
    Ok(Prepared {
        steps: vec![run::Step {
            pipeline,
            bind_groups,
            workgroups: [gx, gy, 1],
        }],
        output: c_buf,
        output_bytes: total * 4,
        check: Box::new(check),
        constants: vec![("TILE".into(), tile as f64)],

        input_sets: 1,
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
}
