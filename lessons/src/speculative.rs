//! Speculative decoding (Leviathan et al. 2023): expected tokens per target pass, speedup, the best
//! draft length, effective inter-token latency, and a seeded Monte-Carlo check of all of them.
//!
//! A draft model proposes `γ` tokens; the target verifies them in one pass. Each draft token is
//! accepted independently with probability `α`; at the first rejection the target's own correction
//! token is emitted, and if all `γ` are accepted the same pass yields one bonus token. Hence each
//! pass emits between 1 and `γ + 1` tokens, on average
//! `E = 1 + α + … + α^γ = (1 − α^(γ+1)) / (1 − α)` (curriculum F1.41). A calculator that forgets the
//! bonus token reports `E − α^γ` instead — a bug this module's tests guard against.
//!
//! With a draft that costs `c` target passes per token, the walltime improvement is
//! `E / (γ·c + 1)` (F1.43), and with measured step times the effective inter-token latency is
//! `(γ·t_draft + t_verify) / E` (F1.42). Verification time is taken as independent of `γ`, which holds
//! while the target pass stays memory-bound (small batches).

use serde::{Deserialize, Serialize};

use crate::error::{Result, invalid, non_negative, positive};

/// The largest draft length the models accept; beyond it `α^γ` is indistinguishable from zero for
/// any acceptance rate a real draft model reaches, and the sweeps stay cheap.
pub const MAX_DRAFT_TOKENS: u32 = 1024;

/// A speculative-decoding configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeculativeInput {
    /// Per-token acceptance probability `α`, in [0, 1].
    pub acceptance: f64,
    /// Draft tokens per target pass, `γ` (0 means plain decoding).
    pub draft_tokens: u32,
    /// Cost of one draft token relative to one target pass, `c` (0 for a free draft).
    pub cost_ratio: f64,
    /// Time of one draft token, seconds; together with `verify_time_s` gives latencies.
    pub draft_time_s: Option<f64>,
    /// Time of one target verification pass, seconds.
    pub verify_time_s: Option<f64>,
    /// Upper end of the search for the best `γ` (searched from 0).
    pub max_draft_tokens: u32,
}

impl SpeculativeInput {
    /// A configuration with no timings and the default search range 0..=16.
    pub fn new(acceptance: f64, draft_tokens: u32, cost_ratio: f64) -> SpeculativeInput {
        SpeculativeInput {
            acceptance,
            draft_tokens,
            cost_ratio,
            draft_time_s: None,
            verify_time_s: None,
            max_draft_tokens: 16,
        }
    }

    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        acceptance(self.acceptance)?;
        draft_tokens("draft_tokens", self.draft_tokens)?;
        non_negative("cost_ratio", self.cost_ratio)?;
        draft_tokens("max_draft_tokens", self.max_draft_tokens)?;
        match (self.draft_time_s, self.verify_time_s) {
            (Some(d), Some(v)) => {
                non_negative("draft_time_s", d)?;
                positive("verify_time_s", v)?;
            }
            (None, None) => {}
            (Some(_), None) => {
                return Err(invalid(
                    "verify_time_s",
                    "nothing",
                    "given with draft_time_s",
                ));
            }
            (None, Some(_)) => {
                return Err(invalid(
                    "draft_time_s",
                    "nothing",
                    "given with verify_time_s",
                ));
            }
        }
        Ok(())
    }
}

fn acceptance(alpha: f64) -> Result<f64> {
    if alpha.is_finite() && (0.0..=1.0).contains(&alpha) {
        Ok(alpha)
    } else {
        Err(invalid("acceptance", alpha, "a probability in [0, 1]"))
    }
}

fn draft_tokens(field: &'static str, gamma: u32) -> Result<u32> {
    if gamma <= MAX_DRAFT_TOKENS {
        Ok(gamma)
    } else {
        Err(invalid(
            field,
            gamma,
            &format!("an integer from 0 to {MAX_DRAFT_TOKENS}"),
        ))
    }
}

/// Latencies from measured step times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatencyReport {
    /// `γ·t_draft + t_verify`: one draft-and-verify round, seconds.
    pub round_time_s: f64,
    /// `round_time_s / E`: effective inter-token latency, seconds.
    pub effective_itl_s: f64,
    /// `t_verify / effective_itl_s`: improvement over plain decoding, taking a target step to cost
    /// as much as a verification pass.
    pub speedup_vs_target: f64,
    /// The `γ` in `0..=max_draft_tokens` with the lowest effective latency.
    pub best_draft_tokens: u32,
    /// That latency, seconds.
    pub best_itl_s: f64,
}

/// The closed forms evaluated for one configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeculativeReport {
    /// `E = (1 − α^(γ+1)) / (1 − α)`, with `γ + 1` at `α = 1`.
    pub expected_tokens_per_step: f64,
    /// `E / (γ·c + 1)`: walltime improvement over plain decoding.
    pub speedup: f64,
    /// The `γ` in `0..=max_draft_tokens` with the largest speedup (the smallest such `γ` on ties).
    pub best_draft_tokens: u32,
    /// The speedup at `best_draft_tokens`.
    pub best_speedup: f64,
    /// True when the best `γ` is the end of the search range: a longer draft may do better still
    /// (always so for a free draft with `α > 0`).
    pub best_at_search_limit: bool,
    /// Latencies, when step times were given.
    pub latency: Option<LatencyReport>,
}

/// Expected tokens per target pass, `1 + α + … + α^γ`.
///
/// Summed with Horner's rule rather than as `(1 − α^(γ+1)) / (1 − α)`: the same polynomial, but it
/// gives exactly `γ + 1` at `α = 1` and does not lose digits to cancellation just below 1.
pub fn expected_tokens(alpha: f64, gamma: u32) -> f64 {
    let mut e = 1.0;
    for _ in 0..gamma {
        e = 1.0 + alpha * e;
    }
    e
}

/// Walltime improvement `E / (γ·c + 1)`.
pub fn speedup(alpha: f64, gamma: u32, cost_ratio: f64) -> f64 {
    expected_tokens(alpha, gamma) / (f64::from(gamma) * cost_ratio + 1.0)
}

/// Effective inter-token latency `(γ·t_draft + t_verify) / E`, seconds.
pub fn effective_itl(alpha: f64, gamma: u32, draft_time_s: f64, verify_time_s: f64) -> f64 {
    (f64::from(gamma) * draft_time_s + verify_time_s) / expected_tokens(alpha, gamma)
}

/// Evaluates the closed forms and searches for the best draft length.
pub fn compute(input: &SpeculativeInput) -> Result<SpeculativeReport> {
    input.validate()?;
    let (a, g, c) = (input.acceptance, input.draft_tokens, input.cost_ratio);
    let (best_draft_tokens, best_speedup) = best_by(
        input.max_draft_tokens,
        |k| speedup(a, k, c),
        |x, best| x > best,
    );
    let latency = match (input.draft_time_s, input.verify_time_s) {
        (Some(td), Some(tv)) => {
            let round_time_s = f64::from(g) * td + tv;
            let effective_itl_s = effective_itl(a, g, td, tv);
            let (best, best_itl_s) = best_by(
                input.max_draft_tokens,
                |k| effective_itl(a, k, td, tv),
                |x, b| x < b,
            );
            Some(LatencyReport {
                round_time_s,
                effective_itl_s,
                speedup_vs_target: tv / effective_itl_s,
                best_draft_tokens: best,
                best_itl_s,
            })
        }
        _ => None,
    };
    Ok(SpeculativeReport {
        expected_tokens_per_step: expected_tokens(a, g),
        speedup: speedup(a, g, c),
        best_draft_tokens,
        best_speedup,
        best_at_search_limit: best_draft_tokens == input.max_draft_tokens,
        latency,
    })
}

/// The first `γ` in `0..=limit` whose score beats every earlier one.
fn best_by(
    limit: u32,
    score: impl Fn(u32) -> f64,
    better: impl Fn(f64, f64) -> bool,
) -> (u32, f64) {
    let mut best = (0, score(0));
    for k in 1..=limit {
        let s = score(k);
        if better(s, best.1) {
            best = (k, s);
        }
    }
    best
}

/// SplitMix64: a tiny, well-mixed 64-bit generator. Seeded runs are reproducible on every
/// platform, which is all the simulator needs (it is no cryptographic generator).
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator whose whole future is fixed by `seed`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform number in [0, 1) with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// The most random draws one simulation may make (passes × (γ + 1), or draws × vocabulary size):
/// enough for a standard error far below what any lesson shows, few enough to finish in seconds
/// even in a debug build.
pub const MAX_DRAWS: u64 = 200_000_000;

/// A Monte-Carlo run of the accept/reject loop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationInput {
    /// Per-token acceptance probability `α`.
    pub acceptance: f64,
    /// Draft tokens per pass, `γ`.
    pub draft_tokens: u32,
    /// Target passes to simulate.
    pub steps: u64,
    /// PRNG seed; the same seed gives the same run.
    pub seed: u64,
}

impl SimulationInput {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        acceptance(self.acceptance)?;
        draft_tokens("draft_tokens", self.draft_tokens)?;
        let max = MAX_DRAWS / (u64::from(self.draft_tokens) + 1);
        if self.steps == 0 || self.steps > max {
            return Err(invalid(
                "steps",
                self.steps,
                &format!(
                    "an integer from 1 to {max} for {} draft tokens",
                    self.draft_tokens
                ),
            ));
        }
        Ok(())
    }
}

/// What the simulated passes emitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationReport {
    /// Passes simulated.
    pub steps: u64,
    /// Mean tokens emitted per pass.
    pub mean_tokens_per_step: f64,
    /// Standard error of that mean (sample standard deviation / √steps).
    pub std_error: f64,
    /// `histogram[k − 1]` = passes that emitted `k` tokens, for `k` in `1..=γ+1`.
    pub histogram: Vec<u64>,
    /// The closed form `E` for comparison.
    pub expected_tokens_per_step: f64,
}

impl SimulationReport {
    /// Whether the closed form lies within `z` standard errors of the simulated mean. A zero
    /// standard error (α = 0 or 1) demands exact agreement.
    pub fn agrees(&self, z: f64) -> bool {
        (self.mean_tokens_per_step - self.expected_tokens_per_step).abs()
            <= z * self.std_error + 1e-12 * self.expected_tokens_per_step
    }
}

/// Simulates `steps` draft-and-verify passes: draft tokens are accepted one by one with probability
/// `α` until the first rejection; the pass emits the accepted tokens plus one more (the correction
/// on a rejection, the bonus token after `γ` acceptances).
pub fn simulate(input: &SimulationInput) -> Result<SimulationReport> {
    input.validate()?;
    let mut rng = SplitMix64::new(input.seed);
    let gamma = input.draft_tokens as usize;
    let mut histogram = vec![0u64; gamma + 1];
    for _ in 0..input.steps {
        let mut accepted = 0;
        while accepted < gamma && rng.next_f64() < input.acceptance {
            accepted += 1;
        }
        histogram[accepted] += 1;
    }
    let n = input.steps as f64;
    let (mut sum, mut sum_sq) = (0.0, 0.0);
    for (i, &count) in histogram.iter().enumerate() {
        let tokens = (i + 1) as f64;
        sum += tokens * count as f64;
        sum_sq += tokens * tokens * count as f64;
    }
    let mean = sum / n;
    let variance = if input.steps > 1 {
        ((sum_sq - n * mean * mean) / (n - 1.0)).max(0.0)
    } else {
        0.0
    };
    Ok(SimulationReport {
        steps: input.steps,
        mean_tokens_per_step: mean,
        std_error: (variance / n).sqrt(),
        histogram,
        expected_tokens_per_step: expected_tokens(input.acceptance, input.draft_tokens),
    })
}

/// A target and a draft distribution over the same small vocabulary, to check that speculative
/// sampling emits exactly the target distribution (F1.39–F1.40).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistributionInput {
    /// Target probabilities `p`, summing to 1.
    pub target: Vec<f64>,
    /// Draft probabilities `q`, summing to 1, same length as `target`.
    pub draft: Vec<f64>,
    /// Tokens to sample.
    pub draws: u64,
    /// PRNG seed.
    pub seed: u64,
}

impl DistributionInput {
    /// Checks that both are probability vectors of the same length.
    pub fn validate(&self) -> Result<()> {
        probability_vector("target", &self.target)?;
        probability_vector("draft", &self.draft)?;
        if self.draft.len() != self.target.len() {
            return Err(invalid(
                "draft",
                format!("{} entries", self.draft.len()),
                &format!("as many entries as target ({})", self.target.len()),
            ));
        }
        let max = MAX_DRAWS / self.target.len() as u64;
        if self.draws == 0 || self.draws > max {
            return Err(invalid(
                "draws",
                self.draws,
                &format!(
                    "an integer from 1 to {max} for {} tokens",
                    self.target.len()
                ),
            ));
        }
        Ok(())
    }
}

fn probability_vector(field: &'static str, v: &[f64]) -> Result<()> {
    let allowed = "non-negative probabilities summing to 1";
    if v.is_empty() {
        return Err(invalid(field, "an empty list", allowed));
    }
    if let Some(bad) = v.iter().find(|x| !(x.is_finite() && **x >= 0.0)) {
        return Err(invalid(field, bad, allowed));
    }
    let sum: f64 = v.iter().sum();
    if (sum - 1.0).abs() > 1e-9 {
        return Err(invalid(field, format!("a sum of {sum}"), allowed));
    }
    Ok(())
}

/// Speculative sampling of one position, measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistributionReport {
    /// `Σ min(p, q)`: the probability that a drafted token is accepted.
    pub acceptance_probability: f64,
    /// `max(0, p − q)` normalised: what a rejection resamples from; `None` when `p = q`
    /// (nothing is ever rejected).
    pub residual: Option<Vec<f64>>,
    /// Fraction of draws whose drafted token was accepted.
    pub accepted_fraction: f64,
    /// Empirical frequency of each emitted token; converges to `p`.
    pub emitted: Vec<f64>,
    /// Largest `|emitted − p|` over the vocabulary.
    pub max_abs_error: f64,
}

/// Samples from `dist` (assumed to sum to 1) with one uniform draw.
fn sample(dist: &[f64], u: f64) -> usize {
    let mut acc = 0.0;
    for (i, &p) in dist.iter().enumerate() {
        acc += p;
        if u < acc {
            return i;
        }
    }
    // Rounding can leave the cumulative sum a hair under 1: fall back on the last non-zero entry.
    dist.iter().rposition(|&p| p > 0.0).unwrap_or(0)
}

/// Draws from `q`, accepts with probability `min(1, p/q)`, otherwise resamples from the residual,
/// and reports how often each token came out.
pub fn verify_distribution(input: &DistributionInput) -> Result<DistributionReport> {
    input.validate()?;
    let (p, q) = (&input.target, &input.draft);
    let acceptance_probability: f64 = p.iter().zip(q).map(|(a, b)| a.min(*b)).sum();
    let excess: Vec<f64> = p.iter().zip(q).map(|(a, b)| (a - b).max(0.0)).collect();
    let excess_sum: f64 = excess.iter().sum();
    let residual: Option<Vec<f64>> =
        (excess_sum > 0.0).then(|| excess.iter().map(|x| x / excess_sum).collect());
    let mut rng = SplitMix64::new(input.seed);
    let mut counts = vec![0u64; p.len()];
    let mut accepted = 0u64;
    for _ in 0..input.draws {
        let x = sample(q, rng.next_f64());
        let u = rng.next_f64();
        // Accept when u < p/q, written without a division so q(x) = 0 needs no special case.
        let token = if u * q[x] < p[x] {
            accepted += 1;
            x
        } else {
            match &residual {
                Some(r) => sample(r, rng.next_f64()),
                None => x,
            }
        };
        counts[token] += 1;
    }
    let n = input.draws as f64;
    let emitted: Vec<f64> = counts.iter().map(|&c| c as f64 / n).collect();
    let max_abs_error = emitted
        .iter()
        .zip(p)
        .map(|(e, t)| (e - t).abs())
        .fold(0.0, f64::max);
    Ok(DistributionReport {
        acceptance_probability,
        residual,
        accepted_fraction: accepted as f64 / n,
        emitted,
        max_abs_error,
    })
}
