//! Worked examples, edges and properties of the KV-cache model.

use lessons::ModelError;
use lessons::kv_cache::{self, FitInput, GroupScale, KvCacheInput, KvDtype, KvLayout};
use lessons::presets;
use proptest::prelude::*;

fn llama2_70b(tokens: u64, dtype: KvDtype) -> KvCacheInput {
    KvCacheInput::heads(80, 8, 128, tokens, 1, dtype)
}

#[test]
fn mha_and_gqa_exercise() {
    // L7 exercise 1: 2 · 32 layers · 32 heads · 128 · 4096 tokens · 2 bytes = 2,147,483,648 B;
    // with 8 KV heads a quarter of it, 536,870,912 B.
    let r = kv_cache::compute(&KvCacheInput::heads(32, 32, 128, 4096, 1, KvDtype::Fp16)).unwrap();
    assert_eq!(r.total_bytes, 2_147_483_648);
    assert_eq!(r.bytes_per_token, 524_288);
    let r = kv_cache::compute(&KvCacheInput::heads(32, 8, 128, 4096, 1, KvDtype::Bf16)).unwrap();
    assert_eq!(r.total_bytes, 536_870_912);
}

#[test]
fn llama_2_70b_per_token_and_per_request() {
    // L7 exercise 2: per token 2 · 80 · 8 · 128 · 2 = 327,680 B; at 8,192 tokens 2,684,354,560 B.
    let r = kv_cache::compute(&llama2_70b(8192, KvDtype::Fp16)).unwrap();
    assert_eq!(r.bytes_per_token, 327_680);
    assert_eq!(r.total_bytes, 2_684_354_560);
    assert_eq!(r.per_gpu_bytes, r.total_bytes);
    // Appendix A.1: counting all 64 query heads (MHA) would give 21,474,836,480 B ≈ 21.47 GB — not
    // the "≈160 GB" of 001:L318. Appendix A.2: GQA-8 FP16 is 0.328 MB per token, not ~1.3 MB.
    let mha = kv_cache::compute(&KvCacheInput::heads(80, 64, 128, 8192, 1, KvDtype::Fp16)).unwrap();
    assert_eq!(mha.total_bytes, 21_474_836_480);
    assert_eq!(mha.total_bytes, 8 * r.total_bytes);
}

#[test]
fn mqa_keeps_one_head() {
    // MQA: 2 · 32 · 1 · 128 · 2 = 16,384 B per token, 1/32 of MHA.
    let r = kv_cache::compute(&KvCacheInput::heads(32, 1, 128, 1, 1, KvDtype::Fp16)).unwrap();
    assert_eq!(r.bytes_per_token, 16_384);
    assert_eq!(r.total_bytes, 16_384);
}

#[test]
fn mla_caches_latent_plus_rope_key_without_factor_two() {
    // DeepSeek-V2: 60 layers · (512 + 64) · 2 bytes = 69,120 B per token (BF16).
    // DeepSeek-V3: 61 · 576 · 2 = 70,272 B.
    let v2 = presets::model("deepseek-v2").unwrap();
    let mut input = KvCacheInput::heads(v2.layers, 1, 1, 1000, 2, KvDtype::Bf16);
    input.layout = v2.kv_layout();
    let r = kv_cache::compute(&input).unwrap();
    assert_eq!(r.bytes_per_vector, 1152);
    assert_eq!(r.bytes_per_token, 69_120);
    assert_eq!(r.total_bytes, 69_120 * 1000 * 2);
    let v3 = presets::model("deepseek-v3").unwrap();
    input.layers = v3.layers;
    input.layout = v3.kv_layout();
    assert_eq!(kv_cache::compute(&input).unwrap().bytes_per_token, 70_272);
    // A latent is shared by every head, so tensor parallelism replicates it on each GPU.
    input.tp = 8;
    let r = kv_cache::compute(&input).unwrap();
    assert_eq!(r.per_gpu_bytes, r.total_bytes);
    assert_eq!(r.all_gpus_bytes, 8 * r.total_bytes);
    assert_eq!(r.replication, 8);
}

#[test]
fn every_value_type() {
    // Llama-2-7B shape, one token: 2 · 32 · 32 · 128 = 262,144 values.
    let want = [
        (KvDtype::Fp32, 1_048_576),
        (KvDtype::Fp16, 524_288),
        (KvDtype::Bf16, 524_288),
        (KvDtype::Fp8, 262_144),
        (KvDtype::Int8, 262_144),
        (KvDtype::Int4, 131_072),
    ];
    for (dtype, bytes) in want {
        let r = kv_cache::compute(&KvCacheInput::heads(32, 32, 128, 1, 1, dtype)).unwrap();
        assert_eq!(r.bytes_per_token, bytes, "{dtype:?}");
        assert_eq!(KvDtype::parse(dtype.as_str()).unwrap(), dtype);
    }
    let e = KvDtype::parse("fp64").unwrap_err();
    assert_eq!(
        e.to_string(),
        "dtype must be one of fp32, fp16, bf16, fp8, int8, int4, got fp64"
    );
}

#[test]
fn group_scales_and_int4_packing() {
    // INT4 with one FP16 scale per 32 values: a 128-wide head is 128·4 + 4·16 = 576 bits = 72 B.
    // Llama-2-7B per token: 2 · 32 · 32 · 72 = 147,456 B (vs 131,072 without scales).
    let mut input = KvCacheInput::heads(32, 32, 128, 1, 1, KvDtype::Int4);
    input.group_scale = Some(GroupScale {
        group_size: 32,
        scale_bits: 16,
    });
    let r = kv_cache::compute(&input).unwrap();
    assert_eq!(r.bytes_per_vector, 72);
    assert_eq!(r.bytes_per_token, 147_456);
    // An odd width packs into whole bytes per vector: 3 values · 4 bits = 12 bits → 2 bytes.
    assert_eq!(
        kv_cache::bytes_per_vector(3, KvDtype::Int4, None).unwrap(),
        2
    );
    // A partial last group still carries a scale: 130 INT8 values, groups of 64 → 3 FP32 scales:
    // 130 + 12 = 142 bytes.
    let g = Some(GroupScale {
        group_size: 64,
        scale_bits: 32,
    });
    assert_eq!(
        kv_cache::bytes_per_vector(130, KvDtype::Int8, g).unwrap(),
        142
    );
}

#[test]
fn tensor_parallel_split_and_replication() {
    // Llama-2-70B (8 KV heads) at 4,096 tokens over 8 GPUs: one head each.
    // Per GPU: 2 · 80 · 1 · 128 · 4096 · 2 = 167,772,160 B; total 1,342,177,280 B.
    let mut input = llama2_70b(4096, KvDtype::Fp16);
    input.tp = 8;
    let r = kv_cache::compute(&input).unwrap();
    assert_eq!(r.total_bytes, 1_342_177_280);
    assert_eq!(r.per_gpu_bytes, 167_772_160);
    assert_eq!((r.kv_heads_per_gpu, r.replication), (1, 1));
    assert_eq!(r.all_gpus_bytes, r.total_bytes);
    // tp = 16 > 8 KV heads: each GPU still holds a whole head, so every head lives on 2 GPUs and the
    // cluster stores twice the one-copy size.
    input.tp = 16;
    let r = kv_cache::compute(&input).unwrap();
    assert_eq!(r.per_gpu_bytes, 167_772_160);
    assert_eq!(r.replication, 2);
    assert_eq!(r.all_gpus_bytes, 2 * r.total_bytes);
    // tp = 3 cannot split 8 heads evenly; tp = 12 is no multiple of 8.
    for tp in [3, 12] {
        input.tp = tp;
        let e = kv_cache::compute(&input).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "tp must be a divisor or a multiple of kv_heads (8) so heads split evenly, got {tp}"
            )
        );
    }
}

#[test]
fn paging_rounds_each_sequence_up() {
    // L7 exercise 3: 16-token pages waste 15, 12 and 8 slots for 17, 100 and 1,000 tokens
    // (2·16 − 17, 7·16 − 100, 63·16 − 1000).
    for (tokens, waste, pages) in [(17, 15, 2), (100, 12, 7), (1000, 8, 63)] {
        let mut input = KvCacheInput::heads(32, 8, 128, tokens, 3, KvDtype::Fp16);
        input.page_size = Some(16);
        let r = kv_cache::compute(&input).unwrap();
        let p = r.paging.clone().unwrap();
        assert_eq!(
            (p.pages_per_sequence, p.waste_tokens_per_sequence),
            (pages, waste)
        );
        assert_eq!(r.total_bytes, r.bytes_per_token * pages * 16 * 3);
        assert_eq!(p.waste_bytes, r.bytes_per_token * waste * 3);
        assert_eq!(r.total_bytes - r.exact_bytes, p.waste_bytes);
    }
}

#[test]
fn page_size_one_and_a_single_token() {
    // Page size 1 wastes nothing; a single token in a 16-token page wastes 15 slots.
    let mut input = KvCacheInput::heads(32, 8, 128, 1, 1, KvDtype::Fp16);
    input.page_size = Some(1);
    let r = kv_cache::compute(&input).unwrap();
    assert_eq!(r.total_bytes, r.bytes_per_token);
    assert_eq!(r.paging.unwrap().waste_bytes, 0);
    input.page_size = Some(16);
    let r = kv_cache::compute(&input).unwrap();
    assert_eq!(r.total_bytes, 16 * r.bytes_per_token);
    assert_eq!(r.exact_bytes, r.bytes_per_token);
}

#[test]
fn contiguous_reservation_waste() {
    // L7 exercise 4: reserving 4,096 slots for a 700-token request wastes 1 − 700/4096 = 82.9 %.
    let mut input = llama2_70b(700, KvDtype::Fp16);
    input.reserve_tokens = Some(4096);
    let c = kv_cache::compute(&input).unwrap().contiguous.unwrap();
    assert!((c.waste_fraction - 0.829_101_562_5).abs() < 1e-12);
    assert_eq!(c.reserved_bytes, 327_680 * 4096);
    assert_eq!(c.waste_bytes, 327_680 * (4096 - 700));
    input.reserve_tokens = Some(699);
    assert!(matches!(
        kv_cache::compute(&input),
        Err(ModelError::Invalid {
            field: "reserve_tokens",
            ..
        })
    ));
}

#[test]
fn what_fits_on_the_gpu() {
    // L7 exercise 5: 40 GB left after weights; an 8K request of Llama-2-70B needs 2,684,354,560 B
    // at FP16 → floor(40e9 / 2.684e9) = floor(14.90) = 14; at FP8 half that → floor(29.80) = 29.
    let mut input = llama2_70b(8192, KvDtype::Fp16);
    input.fit = Some(FitInput {
        gpu_memory_bytes: 40_000_000_000,
        weight_bytes: 0,
        overhead_bytes: 0,
    });
    assert_eq!(
        kv_cache::compute(&input).unwrap().fit.unwrap().max_batch,
        14
    );
    input.dtype = KvDtype::Fp8;
    assert_eq!(
        kv_cache::compute(&input).unwrap().fit.unwrap().max_batch,
        29
    );

    // 003's "precision dividend": 70B over 8 × 80 GB at 4,096 tokens.
    // FP16 weights 140e9 / 8 = 17.5e9 per GPU → 62.5e9 free; 167,772,160 B per request per GPU
    // → floor(372.53) = 372. INT4 weights (35e9 / 8 = 4.375e9) and INT8 KV (83,886,080 B)
    // → 75.625e9 / 83,886,080 = floor(901.52) = 901.
    let mut input = llama2_70b(4096, KvDtype::Fp16);
    input.tp = 8;
    input.fit = Some(FitInput {
        gpu_memory_bytes: 80_000_000_000,
        weight_bytes: 140_000_000_000,
        overhead_bytes: 0,
    });
    let f = kv_cache::compute(&input).unwrap().fit.unwrap();
    assert_eq!(
        (f.weight_bytes_per_gpu, f.available_bytes_per_gpu),
        (17_500_000_000, 62_500_000_000)
    );
    assert_eq!(f.max_batch, 372);
    // The longest context for one request: 62.5e9 / (2·80·1·128·2 = 40,960 B per token) = 1,525,878.
    assert_eq!(f.max_tokens, 1_525_878);
    input.dtype = KvDtype::Int8;
    input.fit = Some(FitInput {
        gpu_memory_bytes: 80_000_000_000,
        weight_bytes: 35_000_000_000,
        overhead_bytes: 0,
    });
    assert_eq!(
        kv_cache::compute(&input).unwrap().fit.unwrap().max_batch,
        901
    );

    // Weights that do not fit leave nothing.
    input.fit = Some(FitInput {
        gpu_memory_bytes: 1,
        weight_bytes: 800,
        overhead_bytes: 0,
    });
    let f = kv_cache::compute(&input).unwrap().fit.unwrap();
    assert!(!f.weights_fit);
    assert_eq!((f.max_batch, f.max_tokens), (0, 0));

    // Paged: the longest context is whole pages. 1,525,878 → 1,525,872 with 16-token pages.
    input.dtype = KvDtype::Fp16;
    input.page_size = Some(16);
    input.fit = Some(FitInput {
        gpu_memory_bytes: 80_000_000_000,
        weight_bytes: 140_000_000_000,
        overhead_bytes: 0,
    });
    assert_eq!(
        kv_cache::compute(&input).unwrap().fit.unwrap().max_tokens,
        1_525_872
    );
}

#[test]
fn invalid_input_names_the_field() {
    let cases: Vec<(KvCacheInput, &str)> = vec![
        (
            KvCacheInput::heads(0, 8, 128, 1, 1, KvDtype::Fp16),
            "layers must be a positive integer, got 0",
        ),
        (
            KvCacheInput::heads(1, 0, 128, 1, 1, KvDtype::Fp16),
            "kv_heads must be a positive integer, got 0",
        ),
        (
            KvCacheInput::heads(1, 8, 0, 1, 1, KvDtype::Fp16),
            "head_dim must be a positive integer, got 0",
        ),
        (
            KvCacheInput::heads(1, 8, 128, 0, 1, KvDtype::Fp16),
            "tokens must be a positive integer, got 0",
        ),
        (
            KvCacheInput::heads(1, 8, 128, 1, 0, KvDtype::Fp16),
            "batch must be a positive integer, got 0",
        ),
        (
            KvCacheInput {
                tp: 0,
                ..KvCacheInput::heads(1, 8, 128, 1, 1, KvDtype::Fp16)
            },
            "tp must be a positive integer, got 0",
        ),
        (
            KvCacheInput {
                page_size: Some(0),
                ..KvCacheInput::heads(1, 8, 128, 1, 1, KvDtype::Fp16)
            },
            "page_size must be a positive integer, got 0",
        ),
        (
            KvCacheInput {
                layout: KvLayout::Latent {
                    latent_dim: 0,
                    rope_dim: 64,
                },
                ..KvCacheInput::heads(1, 8, 128, 1, 1, KvDtype::Fp16)
            },
            "latent_dim must be a positive integer, got 0",
        ),
    ];
    for (input, message) in cases {
        assert_eq!(kv_cache::compute(&input).unwrap_err().to_string(), message);
    }
    // Sizes past 18 exabytes are an error, not a wrapped number.
    let huge = KvCacheInput::heads(u64::MAX, u64::MAX, 128, 1, 1, KvDtype::Fp32);
    assert!(matches!(
        kv_cache::compute(&huge),
        Err(ModelError::Overflow { .. })
    ));
}

#[test]
fn inputs_and_reports_round_trip_through_json() {
    let mut input = llama2_70b(8192, KvDtype::Int4);
    input.page_size = Some(16);
    input.group_scale = Some(GroupScale {
        group_size: 64,
        scale_bits: 16,
    });
    let json = serde_json::to_string(&input).unwrap();
    assert_eq!(serde_json::from_str::<KvCacheInput>(&json).unwrap(), input);
    let report = kv_cache::compute(&input).unwrap();
    let json = serde_json::to_string(&report).unwrap();
    assert_eq!(
        serde_json::from_str::<kv_cache::KvCacheReport>(&json).unwrap(),
        report
    );
}

fn any_input() -> impl Strategy<Value = KvCacheInput> {
    (
        1u64..128,
        prop::sample::select(vec![1u64, 2, 4, 8, 16, 32, 64]),
        prop::sample::select(vec![64u64, 80, 96, 128, 192, 256]),
        1u64..200_000,
        1u64..256,
        prop::sample::select(KvDtype::ALL.to_vec()),
        prop::sample::select(vec![1u64, 2, 4, 8, 16]),
        prop::option::of(prop::sample::select(vec![1u64, 8, 16, 32, 256])),
    )
        .prop_map(
            |(layers, kv_heads, head_dim, tokens, batch, dtype, tp, page_size)| KvCacheInput {
                tp,
                page_size,
                ..KvCacheInput::heads(layers, kv_heads, head_dim, tokens, batch, dtype)
            },
        )
}

proptest! {
    #[test]
    fn monotonic_in_tokens_and_batch(input in any_input()) {
        let r = kv_cache::compute(&input).unwrap();
        let more_tokens = kv_cache::compute(&KvCacheInput { tokens: input.tokens + 1, ..input.clone() }).unwrap();
        let more_batch = kv_cache::compute(&KvCacheInput { batch: input.batch + 1, ..input.clone() }).unwrap();
        prop_assert!(more_tokens.total_bytes >= r.total_bytes);
        prop_assert!(more_tokens.exact_bytes > r.exact_bytes);
        prop_assert!(more_tokens.per_gpu_bytes >= r.per_gpu_bytes);
        prop_assert!(more_batch.total_bytes > r.total_bytes);
        prop_assert!(more_batch.per_gpu_bytes > r.per_gpu_bytes);
    }

    #[test]
    fn matches_the_closed_form_and_shards_consistently(input in any_input()) {
        let r = kv_cache::compute(&input).unwrap();
        let KvLayout::Heads { kv_heads, head_dim } = input.layout else { unreachable!() };
        // 2·L·H·D·bits/8 per token (every head_dim here is even, so INT4 packs exactly).
        prop_assert_eq!(r.bytes_per_token, 2 * input.layers * kv_heads * head_dim * input.dtype.bits() / 8);
        prop_assert_eq!(r.exact_bytes, r.bytes_per_token * input.tokens * input.batch);
        prop_assert!(r.total_bytes >= r.exact_bytes);
        if let Some(p) = &r.paging {
            prop_assert!(p.waste_tokens_per_sequence < p.page_size);
        }
        // Sharding never loses a byte; it only duplicates when tp > kv_heads.
        prop_assert_eq!(r.all_gpus_bytes, r.total_bytes * r.replication);
        prop_assert!(r.per_gpu_bytes <= r.total_bytes);
    }

    #[test]
    fn more_layers_or_heads_never_shrink_the_cache(input in any_input()) {
        let r = kv_cache::compute(&input).unwrap();
        let deeper = kv_cache::compute(&KvCacheInput { layers: input.layers + 1, ..input.clone() }).unwrap();
        prop_assert!(deeper.total_bytes > r.total_bytes);
    }
}
