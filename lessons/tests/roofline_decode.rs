//! Worked examples and properties for the roofline, iron-law and decode models.

use lessons::ModelError;
use lessons::decode::{self, DecodeInput};
use lessons::roofline::{
    self, Bound, CeilingsInput, ComputeCeiling, IronLawInput, MemoryCeiling, RooflineInput, Term,
};
use proptest::prelude::*;

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs())
}

fn roof(peak: f64, bw: f64, i: f64) -> RooflineInput {
    RooflineInput {
        peak_flops: peak,
        bandwidth: bw,
        intensity: i,
        measured_flops: None,
    }
}

#[test]
fn h100_batch_one_decode_is_memory_bound() {
    // H100 SXM dense FP16 (curriculum §3.1): ridge = 989e12 / 3.35e12 = 295.2238805970149 FLOP/B.
    // FP16 GEMV at batch 1: I = 2 FLOPs per 2-byte weight = 1 FLOP/B, so the roof is
    // 3.35e12 × 1 = 3.35e12 FLOP/s, i.e. 3.35 / 989 = 0.339 % of peak (F1.17: "about 0.3 %").
    let r = roofline::compute(&RooflineInput {
        measured_flops: Some(2.5e12),
        ..roof(989e12, 3.35e12, 1.0)
    })
    .unwrap();
    assert!(close(r.ridge_intensity, 295.223_880_597_014_9, 1e-12));
    assert_eq!(r.attainable_flops, 3.35e12);
    assert_eq!(r.bound, Bound::Memory);
    assert!(close(r.fraction_of_peak, 0.003_387_259_858_442_871_6, 1e-9));
    // 2.5 of an attainable 3.35 TFLOP/s = 0.746.
    assert!(close(r.fraction_of_attainable.unwrap(), 2.5 / 3.35, 1e-12));
}

#[test]
fn large_gemm_is_compute_bound_and_the_ridge_itself_counts_as_compute() {
    // Square FP16 GEMM, N = 4096: 2N³ FLOPs over 3·N²·2 bytes = N/3 = 1365.3 FLOP/B (F1.22).
    let r = roofline::compute(&roof(989e12, 3.35e12, 4096.0 / 3.0)).unwrap();
    assert_eq!(r.bound, Bound::Compute);
    assert_eq!(r.attainable_flops, 989e12);
    // 50 TFLOP/s over 1 TB/s: ridge exactly 50; at I = 50 both roofs meet.
    let r = roofline::compute(&roof(50e12, 1e12, 50.0)).unwrap();
    assert_eq!(r.ridge_intensity, 50.0);
    assert_eq!(r.bound, Bound::Compute);
    assert_eq!(r.attainable_flops, 50e12);
}

#[test]
fn hierarchical_roofline_picks_the_lowest_roof() {
    // L2 at ~6 TB/s (curriculum §3.2) with 10 FLOP per L2 byte: roof 60 TFLOP/s.
    // HBM at 3.35 TB/s with 50 FLOP per HBM byte: roof 167.5 TFLOP/s.
    // FP32 peak 67 TFLOP/s → bound by L2 at 60. FP16 peak 989 → also L2 at 60.
    let input = CeilingsInput {
        compute: vec![
            ComputeCeiling {
                label: "fp32".into(),
                peak_flops: 67e12,
            },
            ComputeCeiling {
                label: "fp16".into(),
                peak_flops: 989e12,
            },
        ],
        memory: vec![
            MemoryCeiling {
                label: "L2".into(),
                bandwidth: 6e12,
                intensity: 10.0,
            },
            MemoryCeiling {
                label: "HBM".into(),
                bandwidth: 3.35e12,
                intensity: 50.0,
            },
        ],
        measured_flops: Some(30e12),
    };
    let r = roofline::compute_ceilings(&input).unwrap();
    assert_eq!(r.memory[0].roof_flops, 60e12);
    assert_eq!(r.memory[1].roof_flops, 167.5e12);
    for row in &r.rows {
        assert_eq!(row.attainable_flops, 60e12);
        assert_eq!(row.binding, "L2");
        assert_eq!(row.bound, Bound::Memory);
        assert_eq!(row.fraction_of_attainable, Some(0.5));
    }
    // With 100 FLOP per L2 byte the L2 roof rises to 600 TFLOP/s: FP32 becomes compute-bound at
    // its own peak, FP16 is then held by the HBM roof (167.5).
    let mut input = input;
    input.memory[0].intensity = 100.0;
    let r = roofline::compute_ceilings(&input).unwrap();
    assert_eq!(
        (r.rows[0].binding.as_str(), r.rows[0].bound),
        ("fp32", Bound::Compute)
    );
    assert_eq!(r.rows[0].attainable_flops, 67e12);
    assert_eq!(
        (r.rows[1].binding.as_str(), r.rows[1].attainable_flops),
        ("HBM", 167.5e12)
    );
}

#[test]
fn iron_law_serial_and_overlapped() {
    // 7B FP16 decode step on an H100: 14e9 bytes, 14e9 FLOPs, η = 0.5, 0.5 ms of launches.
    // memory 14e9 / 3.35e12 = 4.179104 ms; compute 14e9 / (989e12 · 0.5) = 0.028311 ms.
    // serial = 4.179104 + 0.028311 + 0.5 = 4.707416 ms; overlapped = 4.179104 + 0.5 = 4.679104 ms.
    let r = roofline::iron_law(&IronLawInput {
        bytes: 14e9,
        flops: 14e9,
        bandwidth: 3.35e12,
        peak_flops: 989e12,
        efficiency: 0.5,
        latency_s: 0.5e-3,
    })
    .unwrap();
    assert!(close(r.memory_s, 4.179_104_477_611_94e-3, 1e-12));
    assert!(close(r.compute_s, 2.831_142_568_250_758_5e-5, 1e-12));
    assert!(close(r.serial_s, 4.707_415_903_294_447e-3, 1e-12));
    assert!(close(r.overlapped_s, 4.679_104_477_611_94e-3, 1e-12));
    assert_eq!(r.dominant, Term::Memory);
    assert_eq!(r.intensity, Some(1.0));
    // A tiny kernel: 4 KiB and 2 KFLOP cost nanoseconds; a 5 µs launch dominates.
    let r = roofline::iron_law(&IronLawInput {
        bytes: 4096.0,
        flops: 2048.0,
        bandwidth: 3.35e12,
        peak_flops: 989e12,
        efficiency: 1.0,
        latency_s: 5e-6,
    })
    .unwrap();
    assert_eq!(r.dominant, Term::Latency);
}

#[test]
fn roofline_and_iron_law_reject_bad_input_by_field() {
    let e = roofline::compute(&roof(0.0, 1.0, 1.0)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "peak_flops must be a finite number greater than 0, got 0"
    );
    let e = roofline::compute(&roof(1.0, f64::NAN, 1.0)).unwrap_err();
    assert!(
        matches!(
            e,
            ModelError::Invalid {
                field: "bandwidth",
                ..
            }
        ),
        "{e}"
    );
    let e = roofline::iron_law(&IronLawInput {
        bytes: 1.0,
        flops: 1.0,
        bandwidth: 1.0,
        peak_flops: 1.0,
        efficiency: 1.5,
        latency_s: 0.0,
    })
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "efficiency must be a number in (0, 1], got 1.5"
    );
    // Finite inputs whose quotient leaves f64's range are an error, not "inf s".
    let e = roofline::iron_law(&IronLawInput {
        bytes: 1e300,
        flops: 1e300,
        bandwidth: 1e-300,
        peak_flops: 1e-300,
        efficiency: 1.0,
        latency_s: 0.0,
    })
    .unwrap_err();
    assert!(matches!(e, lessons::ModelError::OutOfRange { .. }), "{e}");
    let e = roofline::compute_ceilings(&CeilingsInput {
        compute: vec![],
        memory: vec![],
        measured_flops: None,
    })
    .unwrap_err();
    assert!(matches!(
        e,
        ModelError::Invalid {
            field: "compute",
            ..
        }
    ));
}

fn decode_input(params: u64, batch: u64, bpp: f64, bw: f64) -> DecodeInput {
    DecodeInput {
        params,
        batch,
        bytes_per_param: bpp,
        hidden: 4096,
        bytes_per_activation: 2.0,
        bandwidth: bw,
        peak_flops: None,
        gpus: 1,
    }
}

#[test]
fn decode_floor_matches_the_lesson_exercises() {
    // L6 exercise 1: 13B FP16 on 1 TB/s: 26e9 bytes / 1e12 B/s = 26 ms; 4-bit weights: 6.5 ms.
    let r = decode::compute(&decode_input(13_000_000_000, 1, 2.0, 1e12)).unwrap();
    assert_eq!(r.weight_bytes, 26_000_000_000);
    assert!(close(r.time_per_token_s, 0.026, 1e-12));
    let r = decode::compute(&decode_input(13_000_000_000, 1, 0.5, 1e12)).unwrap();
    assert!(close(r.time_per_token_s, 0.0065, 1e-12));
    // L6 exercise 4: 70B FP16 over 8 GPUs at 3.35 TB/s: 140e9 / 8 = 17.5e9 bytes per GPU;
    // 17.5e9 / 3.35e12 = 5.2239 ms, 191.43 tokens/s however many GPUs split the stream.
    let mut input = decode_input(70_000_000_000, 1, 2.0, 3.35e12);
    input.gpus = 8;
    let r = decode::compute(&input).unwrap();
    assert_eq!(r.weight_bytes_per_gpu, 17_500_000_000);
    assert!(close(r.time_per_token_s, 5.223_880_597_014_925_5e-3, 1e-12));
    assert!(close(
        r.tokens_per_s_per_stream,
        191.428_571_428_571_42,
        1e-12
    ));
}

#[test]
fn decode_intensity_grows_with_batch() {
    // L6 exercise 2, 7B, d_model 4096, FP16: I(B) = 2·7e9·B / (14e9 + B·4096·2)
    // B = 1: 14e9 / (14e9 + 8192) = 0.99999941; B = 8: 7.99996; B = 64: 63.99760.
    for (b, want) in [
        (1, 0.999_999_414_857_485_2),
        (8, 7.999_962_551_032_447),
        (64, 63.997_603_344_609_836),
    ] {
        let r = decode::compute(&decode_input(7_000_000_000, b, 2.0, 1e12)).unwrap();
        assert!(close(r.intensity, want, 1e-12), "B={b}: {}", r.intensity);
        assert_eq!(r.flops_per_step, 2.0 * 7e9 * b as f64);
    }
}

#[test]
fn decode_ridge_batch() {
    // L6 exercise 3: 50 TFLOP/s / 1 TB/s → ridge 50. Solving 2PB = 50(2P + 8192B):
    // B = 50·2P / (2P − 50·8192) = 7e11 / (14e9 − 409600) = 50.00146; the smallest whole batch at
    // or past the ridge is 51 (the seed's "≈ 50").
    let mut input = decode_input(7_000_000_000, 1, 2.0, 1e12);
    input.peak_flops = Some(50e12);
    let r = decode::compute(&input).unwrap();
    assert_eq!(r.ridge_intensity, Some(50.0));
    assert!(close(r.ridge_batch.unwrap(), 50.001_462_899_943_13, 1e-12));
    assert_eq!(r.ridge_batch_integer, Some(51));
    assert_eq!(r.bound, Some(Bound::Memory));
    input.batch = 51;
    assert_eq!(decode::compute(&input).unwrap().bound, Some(Bound::Compute));
    // A ridge above the asymptote 2P/(d·b_act) = 14e9/8192 ≈ 1.7e6 is never reached.
    input.peak_flops = Some(1e19);
    let r = decode::compute(&input).unwrap();
    assert_eq!((r.ridge_batch, r.ridge_batch_integer), (None, None));
}

#[test]
fn decode_rejects_bad_input() {
    let e = decode::compute(&decode_input(0, 1, 2.0, 1e12)).unwrap_err();
    assert_eq!(e.to_string(), "params must be a positive integer, got 0");
    let e = decode::compute(&decode_input(1, 0, 2.0, 1e12)).unwrap_err();
    assert_eq!(e.to_string(), "batch must be a positive integer, got 0");
    let e = decode::compute(&decode_input(1, 1, -2.0, 1e12)).unwrap_err();
    assert!(matches!(
        e,
        ModelError::Invalid {
            field: "bytes_per_param",
            ..
        }
    ));
    let mut input = decode_input(1, 1, 2.0, 1e12);
    input.gpus = 0;
    assert!(matches!(
        decode::compute(&input),
        Err(ModelError::Invalid { field: "gpus", .. })
    ));
}

proptest! {
    #[test]
    fn roofline_never_exceeds_either_roof(
        peak in 1e9f64..1e16, bw in 1e9f64..1e13, i in 1e-3f64..1e5,
    ) {
        let r = roofline::compute(&roof(peak, bw, i)).unwrap();
        prop_assert!(r.attainable_flops <= peak);
        prop_assert!(r.attainable_flops <= bw * i);
        prop_assert_eq!(r.bound == Bound::Memory, i < peak / bw);
        prop_assert!(r.fraction_of_peak > 0.0 && r.fraction_of_peak <= 1.0);
    }

    #[test]
    fn iron_law_overlap_never_slower_than_serial(
        bytes in 0f64..1e12, flops in 0f64..1e15, lat in 0f64..1e-2, eff in 0.01f64..1.0,
    ) {
        let r = roofline::iron_law(&IronLawInput {
            bytes, flops, bandwidth: 2e12, peak_flops: 500e12, efficiency: eff, latency_s: lat,
        }).unwrap();
        prop_assert!(r.overlapped_s <= r.serial_s);
        prop_assert!(r.overlapped_s >= r.memory_s.max(r.compute_s));
    }

    #[test]
    fn decode_is_monotonic_in_batch_and_params(
        p in 1_000_000u64..1_000_000_000_000, b in 1u64..4096, bpp in prop::sample::select(vec![0.5, 1.0, 2.0, 4.0]),
    ) {
        let r1 = decode::compute(&decode_input(p, b, bpp, 1e12)).unwrap();
        let r2 = decode::compute(&decode_input(p, b + 1, bpp, 1e12)).unwrap();
        prop_assert!(r2.intensity > r1.intensity);
        prop_assert!(r1.intensity < 2.0 * b as f64 / bpp + 1e-9);
        let r3 = decode::compute(&decode_input(p + 1_000_000, b, bpp, 1e12)).unwrap();
        prop_assert!(r3.time_per_token_s > r1.time_per_token_s);
        prop_assert!(r3.weight_bytes > r1.weight_bytes);
    }
}
