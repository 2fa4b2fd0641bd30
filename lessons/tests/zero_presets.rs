//! Worked examples and properties of the ZeRO model, DeepSpeed's estimator, and preset sanity.

use lessons::ModelError;
use lessons::presets::{self, GPUS, MODELS, Precision};
use lessons::zero::{self, ActivationInput, DeepSpeedInput, ZeroInput};
use proptest::prelude::*;

#[test]
fn thirteen_b_on_sixteen_gpus() {
    // L12 exercise 1: Ψ = 13e9, N_d = 16, K = 12.
    // stage 0: 16Ψ = 208e9; stage 1: 4Ψ + 12Ψ/16 = 52e9 + 9.75e9 = 61.75e9;
    // stage 2: 2Ψ + 14Ψ/16 = 26e9 + 11.375e9 = 37.375e9; stage 3: 16Ψ/16 = 13e9.
    let want = [
        208_000_000_000u64,
        61_750_000_000,
        37_375_000_000,
        13_000_000_000,
    ];
    for (stage, bytes) in want.into_iter().enumerate() {
        let r = zero::compute(&ZeroInput::adam(13_000_000_000, 16, stage as u8)).unwrap();
        assert_eq!(r.per_gpu_bytes, bytes, "stage {stage}");
        assert_eq!(r.baseline_bytes, 208_000_000_000);
    }
    let r = zero::compute(&ZeroInput::adam(13_000_000_000, 16, 2)).unwrap();
    assert_eq!(r.breakdown.params, 26_000_000_000);
    assert_eq!(r.breakdown.grads, 1_625_000_000);
    assert_eq!(r.breakdown.optimizer, 9_750_000_000);
}

#[test]
fn the_papers_seven_and_a_half_b_example() {
    // Rajbhandari et al. 2020, Ψ = 7.5e9 on 64 GPUs: 120 GB, 31.4 GB, 16.6 GB, 1.9 GB.
    // Exactly: 16Ψ = 120e9; 4Ψ + 12Ψ/64 = 30e9 + 1.40625e9; 2Ψ + 14Ψ/64 = 15e9 + 1.640625e9;
    // 16Ψ/64 = 1.875e9.
    let want = [
        120_000_000_000u64,
        31_406_250_000,
        16_640_625_000,
        1_875_000_000,
    ];
    for (stage, bytes) in want.into_iter().enumerate() {
        let r = zero::compute(&ZeroInput::adam(7_500_000_000, 64, stage as u8)).unwrap();
        assert_eq!(r.per_gpu_bytes, bytes, "stage {stage}");
    }
}

#[test]
fn headline_savings_are_limits() {
    // L12 exercise 5: stage 1 on 8 GPUs keeps 4Ψ + 12Ψ/8 = 5.5Ψ: 16/5.5 = 2.909×, not 4×.
    let r = zero::compute(&ZeroInput::adam(8_000_000_000, 8, 1)).unwrap();
    assert_eq!(r.per_gpu_bytes, 44_000_000_000);
    assert!((r.reduction - 16.0 / 5.5).abs() < 1e-12);
}

#[test]
fn shards_round_up_to_whole_elements() {
    // Ψ = 10 over 3 ranks: each shard holds ceil(10/3) = 4 elements. Stage 3: 16 · 4 = 64 bytes.
    let r = zero::compute(&ZeroInput::adam(10, 3, 3)).unwrap();
    assert_eq!(r.per_gpu_bytes, 64);
    // One rank: every stage is the baseline.
    for stage in 0..=3 {
        assert_eq!(
            zero::compute(&ZeroInput::adam(10, 1, stage))
                .unwrap()
                .per_gpu_bytes,
            160
        );
    }
}

#[test]
fn offload_moves_states_to_cpu() {
    // Stage 2, Ψ = 1e9, 8 GPUs, optimizer offloaded: GPU keeps 2Ψ + 2Ψ/8 = 2.25e9 bytes;
    // CPU holds this rank's 12Ψ/8 = 1.5e9.
    let mut input = ZeroInput::adam(1_000_000_000, 8, 2);
    input.offload_optimizer = true;
    let r = zero::compute(&input).unwrap();
    assert_eq!(r.per_gpu_bytes, 2_250_000_000);
    assert_eq!(r.breakdown.optimizer, 0);
    assert_eq!(r.cpu_bytes, 1_500_000_000);
    // Stage 3 with parameters offloaded as well: only gradients stay, 2Ψ/8 = 0.25e9.
    input.stage = 3;
    input.offload_params = true;
    let r = zero::compute(&input).unwrap();
    assert_eq!(r.per_gpu_bytes, 250_000_000);
    assert_eq!(r.cpu_bytes, 1_750_000_000);
    // Parameter offload needs stage 3; optimizer offload needs a sharding stage.
    input.stage = 2;
    let e = zero::compute(&input).unwrap_err();
    assert_eq!(
        e.to_string(),
        "offload_params must be used with stage 3 only, got true"
    );
    let mut input = ZeroInput::adam(1, 1, 0);
    input.offload_optimizer = true;
    assert!(matches!(
        zero::compute(&input),
        Err(ModelError::Invalid {
            field: "offload_optimizer",
            ..
        })
    ));
}

#[test]
fn activation_estimate() {
    // L = 24, h = 1024, a = 16, s = 1024, b = 1: s·b·h = 1,048,576.
    // Per layer 34·1,048,576 + 5·16·1024²·1 = 35,651,584 + 83,886,080 = 119,537,664 B;
    // 24 layers: 2,868,903,936 B. Checkpointed: 24·2·1,048,576 + 119,537,664 = 169,869,312 B.
    let mut input = ZeroInput::adam(350_000_000, 8, 2);
    input.activations = Some(ActivationInput {
        layers: 24,
        hidden: 1024,
        heads: 16,
        seq_len: 1024,
        micro_batch: 1,
        checkpointing: true,
    });
    let r = zero::compute(&input).unwrap();
    let a = r.activations.clone().unwrap();
    assert_eq!(a.without_checkpointing_bytes, 2_868_903_936);
    assert_eq!(a.with_checkpointing_bytes, 169_869_312);
    assert_eq!(r.per_gpu_total_bytes, r.per_gpu_bytes + 169_869_312);
}

#[test]
fn deepspeed_estimator_formulas() {
    // DeepSpeed's documented zero2 table for a 2851M-parameter model on 1 node × 8 GPUs reads
    // 5.31 GiB/GPU with optimizer offload and 15.93 GiB without, 127.48 GiB CPU either way.
    // The formulas: offload 2Ψ on GPU, Ψ·max(4·8, 16)·1.5 = 48Ψ on CPU; no offload
    // 4Ψ + 16Ψ/8 = 6Ψ on GPU, Ψ·4·8·1.5 = 48Ψ on CPU. With Ψ = 2.851e9 (the docs round Ψ, hence
    // the 0.05 GiB tolerance): 5.310, 15.931, 127.45 GiB.
    let gib = |b: u64| b as f64 / (1u64 << 30) as f64;
    let mut input = DeepSpeedInput {
        stage: 2,
        params: 2_851_000_000,
        largest_layer_params: 0,
        gpus_per_node: 8,
        nodes: 1,
        offload_optimizer: true,
        offload_params: false,
        zero_init: true,
        buffer_factor: 1.5,
    };
    let r = zero::deepspeed_estimate(&input).unwrap();
    assert_eq!(r.gpu_bytes_per_gpu, 5_702_000_000);
    assert_eq!(r.cpu_bytes_per_node, 136_848_000_000);
    assert!((gib(r.gpu_bytes_per_gpu) - 5.31).abs() < 0.05);
    assert!((gib(r.cpu_bytes_per_node) - 127.48).abs() < 0.05);
    input.offload_optimizer = false;
    let r = zero::deepspeed_estimate(&input).unwrap();
    assert_eq!(r.gpu_bytes_per_gpu, 17_106_000_000);
    assert!((gib(r.gpu_bytes_per_gpu) - 15.93).abs() < 0.05);

    // Stage 3, Ψ = 1e9, largest layer 1e8 params, 2 nodes × 4 GPUs:
    // no offload: GPU 4·1e8 + 18e9/8 = 0.4e9 + 2.25e9 = 2.65e9; CPU (zero.Init) 1e8·4·4·1.5 = 2.4e9.
    // optimizer offload: GPU 0.4e9 + 2e9/8 = 0.65e9; CPU 1e9·16·(1/2)·1.5 = 12e9.
    // both offloaded: GPU 0.4e9; CPU 1e9·18·(1/2)·1.5 = 13.5e9; without zero.Init
    // max(4·4, 18/2) = 16 → 24e9.
    let mut input = DeepSpeedInput {
        stage: 3,
        params: 1_000_000_000,
        largest_layer_params: 100_000_000,
        gpus_per_node: 4,
        nodes: 2,
        offload_optimizer: false,
        offload_params: false,
        zero_init: true,
        buffer_factor: 1.5,
    };
    let r = zero::deepspeed_estimate(&input).unwrap();
    assert_eq!(
        (r.gpu_bytes_per_gpu, r.cpu_bytes_per_node),
        (2_650_000_000, 2_400_000_000)
    );
    assert_eq!(r.largest_layer_bytes, Some(400_000_000));
    input.offload_optimizer = true;
    let r = zero::deepspeed_estimate(&input).unwrap();
    assert_eq!(
        (r.gpu_bytes_per_gpu, r.cpu_bytes_per_node),
        (650_000_000, 12_000_000_000)
    );
    input.offload_params = true;
    let r = zero::deepspeed_estimate(&input).unwrap();
    assert_eq!(
        (r.gpu_bytes_per_gpu, r.cpu_bytes_per_node),
        (400_000_000, 13_500_000_000)
    );
    input.zero_init = false;
    assert_eq!(
        zero::deepspeed_estimate(&input).unwrap().cpu_bytes_per_node,
        24_000_000_000
    );
    input.stage = 1;
    assert!(matches!(
        zero::deepspeed_estimate(&input),
        Err(ModelError::Invalid { field: "stage", .. })
    ));
}

#[test]
fn zero_rejects_bad_input() {
    let e = zero::compute(&ZeroInput::adam(1, 1, 4)).unwrap_err();
    assert_eq!(e.to_string(), "stage must be 0, 1, 2 or 3, got 4");
    let e = zero::compute(&ZeroInput::adam(1, 0, 1)).unwrap_err();
    assert_eq!(e.to_string(), "gpus must be a positive integer, got 0");
    let e = zero::compute(&ZeroInput::adam(0, 1, 1)).unwrap_err();
    assert_eq!(e.to_string(), "params must be a positive integer, got 0");
    let mut huge = ZeroInput::adam(u64::MAX, 1, 0);
    huge.optimizer_bytes = 12;
    assert!(matches!(
        zero::compute(&huge),
        Err(ModelError::Overflow { .. })
    ));
}

proptest! {
    #[test]
    fn stages_never_increase_memory(
        psi in 1u64..2_000_000_000_000, n in 1u64..4096, k in 0u64..32,
    ) {
        let per_stage: Vec<u64> = (0..=3u8)
            .map(|s| zero::compute(&ZeroInput { optimizer_bytes: k, ..ZeroInput::adam(psi, n, s) }).unwrap().per_gpu_bytes)
            .collect();
        prop_assert!(per_stage[3] <= per_stage[2]);
        prop_assert!(per_stage[2] <= per_stage[1]);
        prop_assert!(per_stage[1] <= per_stage[0]);
        prop_assert_eq!(per_stage[0], (4 + k) * psi);
    }

    #[test]
    fn memory_grows_with_parameters(psi in 1u64..1_000_000_000_000, n in 1u64..1024, s in 0u8..=3) {
        let a = zero::compute(&ZeroInput::adam(psi, n, s)).unwrap();
        let b = zero::compute(&ZeroInput::adam(psi + n, n, s)).unwrap();
        prop_assert!(b.per_gpu_bytes > a.per_gpu_bytes);
        prop_assert_eq!(a.per_gpu_bytes, a.breakdown.params + a.breakdown.grads + a.breakdown.optimizer);
    }
}

/// Exact parameter count of a Llama-style decoder from its config: embeddings and an untied
/// output head (vocab·hidden each), per layer Q and O (hidden²), K and V (hidden·kv_heads·head_dim)
/// with optional biases, a gated MLP of three hidden·intermediate matrices per expert, a router
/// (hidden·experts) when there is more than one expert, two norms per layer and a final norm.
fn count_params(m: &presets::ModelPreset, qkv_bias: bool, experts: u64, active: u64) -> (u64, u64) {
    let h = m.hidden;
    let kv = m.kv_heads * m.head_dim;
    let attn = 2 * h * h + 2 * h * kv + if qkv_bias { h + 2 * kv } else { 0 };
    let mlp = 3 * h * m.intermediate;
    let router = if experts > 1 { h * experts } else { 0 };
    let per_layer = |e: u64| attn + e * mlp + router + 2 * h;
    let outside = 2 * m.vocab * h + h;
    (
        m.layers * per_layer(experts) + outside,
        m.layers * per_layer(active) + outside,
    )
}

#[test]
fn model_presets_are_consistent() {
    assert_eq!(MODELS.len(), 14);
    for m in MODELS {
        assert!(
            m.layers > 0 && m.hidden > 0 && m.head_dim > 0 && m.params > 0,
            "{}",
            m.id
        );
        assert_eq!(
            m.heads % m.kv_heads,
            0,
            "{}: query heads must group evenly",
            m.id
        );
        assert!(m.active_params.is_none_or(|a| a < m.params), "{}", m.id);
        assert!(!m.source.is_empty());
        assert_eq!(presets::model(m.id).unwrap(), m);
        match m.mla {
            // MLA heads are wider than hidden/heads (192 = 128 + 64 RoPE dims).
            Some(mla) => {
                assert_eq!((mla.latent_dim, mla.rope_dim), (512, 64));
                assert_eq!(m.head_dim, 128 + mla.rope_dim);
            }
            // Every per-head model listed has head_dim · heads = hidden in its config.
            None => assert_eq!(m.head_dim * m.heads, m.hidden, "{}", m.id),
        }
        if m.mla.is_none() {
            let (qkv_bias, experts, active) = match m.id {
                "qwen2.5-7b" | "qwen2.5-72b" => (true, 1, 1),
                "mixtral-8x7b" => (false, 8, 2),
                _ => (false, 1, 1),
            };
            let (total, act) = count_params(m, qkv_bias, experts, active);
            assert_eq!(total, m.params, "{}", m.id);
            if experts > 1 {
                assert_eq!(Some(act), m.active_params, "{}", m.id);
            }
        }
    }
    let kv: Vec<(&str, u64)> = MODELS.iter().map(|m| (m.id, m.kv_heads)).collect();
    assert!(kv.contains(&("llama-2-70b", 8)) && kv.contains(&("llama-2-7b", 32)));
    assert!(kv.contains(&("qwen2.5-7b", 4)) && kv.contains(&("llama-3.1-405b", 8)));
}

#[test]
fn gpu_presets_are_positive_and_ridges_sensible() {
    for g in GPUS {
        assert!(g.bandwidth > 0.0 && g.memory_bytes > 0, "{}", g.id);
        let mut any = false;
        for p in Precision::ALL {
            if let Some(peak) = g.peak(p) {
                any = true;
                assert!(peak > 1e12, "{} {p:?}", g.id);
                // Every machine balance between 5 and 1000 FLOP/B.
                let ridge = g.ridge(p).unwrap();
                assert!((5.0..1000.0).contains(&ridge), "{} {p:?}: {ridge}", g.id);
            }
        }
        assert!(any, "{} has no peak", g.id);
        // Lower precisions never run slower than higher ones.
        let ordered: Vec<f64> = [Precision::Fp32, Precision::Fp16, Precision::Fp8]
            .iter()
            .filter_map(|p| g.peak(*p))
            .collect();
        assert!(ordered.windows(2).all(|w| w[0] <= w[1]), "{}", g.id);
        assert_eq!(presets::gpu(g.id).unwrap(), g);
    }
    // Curriculum §3.1 ridges: V100 139, A100 153, H100 295.2, H200 206, B200 281.
    let ridge = |id: &str| presets::gpu(id).unwrap().ridge(Precision::Fp16).unwrap();
    assert!((ridge("v100") - 138.9).abs() < 0.1);
    assert!((ridge("a100-80gb") - 153.0).abs() < 0.1);
    assert!((ridge("h100-sxm") - 295.22).abs() < 0.01);
    assert!((ridge("h200") - 206.0).abs() < 0.1);
    assert!((ridge("b200") - 281.25).abs() < 1e-9);
    let e = presets::gpu("m1")
        .unwrap()
        .require_peak(Precision::Fp16)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "precision must be one with a published m1 peak: fp32, got fp16"
    );
}

#[test]
fn unknown_presets_list_the_ids() {
    let e = presets::gpu("h1000").unwrap_err().to_string();
    assert!(
        e.starts_with("unknown gpu 'h1000'; allowed: v100, a100-40gb"),
        "{e}"
    );
    assert!(e.contains("h100-sxm") && e.contains("m2-ultra"));
    let e = presets::model("gpt-5").unwrap_err().to_string();
    assert!(
        e.contains("llama-2-70b") && e.contains("deepseek-v3"),
        "{e}"
    );
    assert_eq!(presets::model("LLAMA-2-70B").unwrap().id, "llama-2-70b");
}
