//! Worked examples, edges, properties and the Monte-Carlo check of the speculative-decoding model.

use lessons::ModelError;
use lessons::speculative::{
    self, DistributionInput, SimulationInput, SpeculativeInput, expected_tokens,
};
use proptest::prelude::*;

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs())
}

/// The closed form of F1.41, written independently of the library's Horner sum.
fn closed_form(alpha: f64, gamma: u32) -> f64 {
    (1.0 - alpha.powi(gamma as i32 + 1)) / (1.0 - alpha)
}

#[test]
fn expected_tokens_worked_examples() {
    // L11 exercise 1: α = 0.6, γ = 3: 1 + 0.6 + 0.36 + 0.216 = 2.176.
    assert!(close(expected_tokens(0.6, 3), 2.176, 1e-15));
    // 003's case study: α = 0.78, γ = 5: 0.78⁶ = 0.225199600704, (1 − 0.225199600704) / 0.22 =
    // 3.5218199968 tokens per pass.
    assert!(close(expected_tokens(0.78, 5), 3.521_819_996_8, 1e-12));
    // The bonus token: α = 0.5, γ = 2 gives 1 + 0.5 + 0.25 = 1.75. Forgetting the bonus token after
    // two acceptances would give 1.75 − 0.25 = 1.5.
    assert_eq!(expected_tokens(0.5, 2), 1.75);
}

#[test]
fn alpha_edges_are_exact() {
    // α = 1: every draft token is accepted and the bonus follows: exactly γ + 1, no 0/0.
    for gamma in [0, 1, 5, 64, 1024] {
        assert_eq!(expected_tokens(1.0, gamma), f64::from(gamma) + 1.0);
        assert_eq!(expected_tokens(0.0, gamma), 1.0);
    }
    // Just below 1 the sum stays accurate where the closed form cancels: with α = 1 − 1e-12 and γ = 4,
    // E = 5 − 10e-12 + O(1e-24).
    let e = expected_tokens(1.0 - 1e-12, 4);
    assert!((e - (5.0 - 10e-12)).abs() < 1e-14, "{e}");
    // α = 0, free draft: speedup 1 at every γ; with a cost ratio, speculating only loses and γ = 0 wins.
    let r = speculative::compute(&SpeculativeInput::new(0.0, 4, 0.1)).unwrap();
    assert_eq!(r.expected_tokens_per_step, 1.0);
    assert!(close(r.speedup, 1.0 / 1.4, 1e-15));
    assert_eq!((r.best_draft_tokens, r.best_speedup), (0, 1.0));
    // α = 1, free draft: speedup keeps growing, so the best is the end of the search range.
    let r = speculative::compute(&SpeculativeInput::new(1.0, 4, 0.0)).unwrap();
    assert_eq!(r.speedup, 5.0);
    assert_eq!((r.best_draft_tokens, r.best_at_search_limit), (16, true));
}

#[test]
fn speedup_with_draft_cost() {
    // Leviathan et al. walltime factor: α = 0.8, γ = 4, c = 0.1:
    // E = (1 − 0.8⁵)/0.2 = (1 − 0.32768)/0.2 = 3.3616; speedup = 3.3616 / (4·0.1 + 1) = 2.401143.
    let r = speculative::compute(&SpeculativeInput::new(0.8, 4, 0.1)).unwrap();
    assert!(close(r.expected_tokens_per_step, 3.3616, 1e-12));
    assert!(close(r.speedup, 2.401_142_857_142_857, 1e-12));
    // Best γ for α = 0.8, c = 0.1 by hand: E/(γc+1) for γ = 3, 4, 5, 6:
    // 2.9520/1.3 = 2.2708, 3.3616/1.4 = 2.4011, 3.68928/1.5 = 2.4595, 3.951424/1.6 = 2.4696,
    // γ = 7: 4.1611392/1.7 = 2.4477 → γ = 6.
    assert_eq!(r.best_draft_tokens, 6);
    assert!(close(r.best_speedup, 3.951_424 / 1.6, 1e-12));
    assert!(!r.best_at_search_limit);
}

#[test]
fn effective_latency_examples() {
    // L11 exercise 2: α = 0.7, 1 ms per draft token, 25 ms verification; ITL(γ) = (γ + 25)/E(γ):
    // γ = 5: 30/2.94117 = 10.200 ms; γ = 6: 31/3.058819 = 10.1346 ms; γ = 7: 32/3.1411733 = 10.187 ms.
    let input = SpeculativeInput {
        draft_time_s: Some(1e-3),
        verify_time_s: Some(25e-3),
        max_draft_tokens: 8,
        ..SpeculativeInput::new(0.7, 6, 0.04)
    };
    let l = speculative::compute(&input).unwrap().latency.unwrap();
    assert_eq!(l.best_draft_tokens, 6);
    assert!(close(l.best_itl_s, 31e-3 / 3.058_819, 1e-12));
    assert!(close(l.effective_itl_s, l.best_itl_s, 0.0));
    // L11 exercise 5 / 003's case study: α = 0.78, γ = 5, 4 ms of drafting (0.8 ms per token) and
    // 32 ms of verification: 36 ms / 3.5218199968 = 10.222 ms (the seed rounds E to 3.5 and gets 10.3).
    let input = SpeculativeInput {
        draft_time_s: Some(0.8e-3),
        verify_time_s: Some(32e-3),
        ..SpeculativeInput::new(0.78, 5, 0.025)
    };
    let l = speculative::compute(&input).unwrap().latency.unwrap();
    assert!(close(l.round_time_s, 36e-3, 1e-12));
    assert!(close(l.effective_itl_s, 0.010_221_987_504_389_877, 1e-12));
    assert!(close(
        l.speedup_vs_target,
        32.0 / 10.221_987_504_389_877,
        1e-12
    ));
}

#[test]
fn invalid_input_names_the_field() {
    let e = speculative::compute(&SpeculativeInput::new(1.5, 4, 0.0)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "acceptance must be a probability in [0, 1], got 1.5"
    );
    let e = speculative::compute(&SpeculativeInput::new(f64::NAN, 4, 0.0)).unwrap_err();
    assert!(matches!(
        e,
        ModelError::Invalid {
            field: "acceptance",
            ..
        }
    ));
    let e = speculative::compute(&SpeculativeInput::new(0.5, 2000, 0.0)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "draft_tokens must be an integer from 0 to 1024, got 2000"
    );
    let e = speculative::compute(&SpeculativeInput::new(0.5, 4, -0.1)).unwrap_err();
    assert!(matches!(
        e,
        ModelError::Invalid {
            field: "cost_ratio",
            ..
        }
    ));
    let e = speculative::compute(&SpeculativeInput {
        draft_time_s: Some(1e-3),
        ..SpeculativeInput::new(0.5, 4, 0.0)
    })
    .unwrap_err();
    assert!(matches!(
        e,
        ModelError::Invalid {
            field: "verify_time_s",
            ..
        }
    ));
    let e = speculative::simulate(&SimulationInput {
        acceptance: 0.5,
        draft_tokens: 3,
        steps: 0,
        seed: 1,
    })
    .unwrap_err();
    assert!(matches!(e, ModelError::Invalid { field: "steps", .. }));
    // The work budget scales with γ: 200e6 draws / (5 + 1) = 33,333,333 passes at most.
    let e = speculative::simulate(&SimulationInput {
        acceptance: 0.5,
        draft_tokens: 5,
        steps: 33_333_334,
        seed: 1,
    })
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "steps must be an integer from 1 to 33333333 for 5 draft tokens, got 33333334"
    );
}

#[test]
fn simulation_matches_closed_form_and_is_reproducible() {
    let input = SimulationInput {
        acceptance: 0.78,
        draft_tokens: 5,
        steps: 200_000,
        seed: 42,
    };
    let a = speculative::simulate(&input).unwrap();
    let b = speculative::simulate(&input).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.histogram.iter().sum::<u64>(), 200_000);
    assert!(a.agrees(5.0), "{a:?}");
    // The histogram is geometric: P(k tokens) = α^(k−1)(1 − α) for k ≤ γ, α^γ for k = γ + 1.
    let p_all = 0.78f64.powi(5);
    let observed = a.histogram[5] as f64 / 200_000.0;
    let se = (p_all * (1.0 - p_all) / 200_000.0).sqrt();
    assert!((observed - p_all).abs() < 5.0 * se);
    // Edges are deterministic: α = 0 always emits 1 token, α = 1 always γ + 1.
    let zero = speculative::simulate(&SimulationInput {
        acceptance: 0.0,
        ..input.clone()
    })
    .unwrap();
    assert_eq!((zero.mean_tokens_per_step, zero.std_error), (1.0, 0.0));
    let one = speculative::simulate(&SimulationInput {
        acceptance: 1.0,
        ..input
    })
    .unwrap();
    assert_eq!((one.mean_tokens_per_step, one.std_error), (6.0, 0.0));
}

#[test]
fn speculative_sampling_emits_the_target_distribution() {
    // L11 exercise 3: p = (0.5, 0.3, 0.2), q = (0.2, 0.5, 0.3).
    // Acceptance Σ min(p, q) = 0.2 + 0.3 + 0.2 = 0.7; residual max(0, p − q) = (0.3, 0, 0) → (1, 0, 0).
    let r = speculative::verify_distribution(&DistributionInput {
        target: vec![0.5, 0.3, 0.2],
        draft: vec![0.2, 0.5, 0.3],
        draws: 400_000,
        seed: 7,
    })
    .unwrap();
    assert!(close(r.acceptance_probability, 0.7, 1e-12));
    assert_eq!(r.residual, Some(vec![1.0, 0.0, 0.0]));
    // Binomial standard error of a frequency near 0.5 over 400k draws is ~0.0008; allow 5 of them.
    assert!(r.max_abs_error < 0.004, "{r:?}");
    assert!((r.accepted_fraction - 0.7).abs() < 0.004);
    // Identical distributions: nothing is rejected and there is no residual.
    let r = speculative::verify_distribution(&DistributionInput {
        target: vec![0.25, 0.75],
        draft: vec![0.25, 0.75],
        draws: 1000,
        seed: 1,
    })
    .unwrap();
    assert_eq!((r.residual, r.accepted_fraction), (None, 1.0));
    // Mismatched lengths name the field.
    let e = speculative::verify_distribution(&DistributionInput {
        target: vec![1.0],
        draft: vec![0.5, 0.5],
        draws: 10,
        seed: 1,
    })
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "draft must be as many entries as target (1), got 2 entries"
    );
}

proptest! {
    #[test]
    fn expected_tokens_bounds_and_closed_form(alpha in 0.0f64..=1.0, gamma in 0u32..64) {
        let e = expected_tokens(alpha, gamma);
        prop_assert!(e >= 1.0);
        prop_assert!(e <= f64::from(gamma) + 1.0);
        if alpha < 0.99 {
            prop_assert!(close(e, closed_form(alpha, gamma), 1e-12));
        }
        // More drafting or better drafts never lower E.
        prop_assert!(expected_tokens(alpha, gamma + 1) >= e);
        prop_assert!(expected_tokens((alpha + 0.01).min(1.0), gamma) >= e);
    }

    #[test]
    fn best_gamma_is_no_worse_than_the_given_one(alpha in 0.0f64..=1.0, gamma in 0u32..=16, c in 0.0f64..1.0) {
        let r = speculative::compute(&SpeculativeInput::new(alpha, gamma, c)).unwrap();
        prop_assert!(r.best_speedup >= r.speedup);
        prop_assert!(r.best_draft_tokens <= 16);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn monte_carlo_agrees_with_the_closed_form(
        alpha in 0.0f64..=1.0, gamma in 0u32..12, seed in any::<u64>(),
    ) {
        let r = speculative::simulate(&SimulationInput { acceptance: alpha, draft_tokens: gamma, steps: 20_000, seed }).unwrap();
        // Five standard errors: a false alarm is a ~1-in-a-million event per case.
        prop_assert!(r.agrees(5.0), "{:?}", r);
        prop_assert!(r.mean_tokens_per_step >= 1.0 && r.mean_tokens_per_step <= f64::from(gamma) + 1.0);
    }
}
