//! Serving arithmetic: Little's law, end-to-end latency from TTFT and ITL, cost per million
//! tokens, and the tail-latency effect of fan-out. Small closed forms, kept here so lessons and
//! their exercises compute them in one place.

use crate::error::{Result, invalid, positive};

/// Little's law: average requests in the system = arrival rate × time each spends in it.
pub fn concurrency(arrival_per_s: f64, time_in_system_s: f64) -> Result<f64> {
    positive("arrival_per_s", arrival_per_s)?;
    positive("time_in_system_s", time_in_system_s)?;
    Ok(arrival_per_s * time_in_system_s)
}

/// Time to the last of `output_tokens` tokens: the first arrives after `ttft_s`, each later one
/// `itl_s` after the previous.
pub fn end_to_end_s(ttft_s: f64, itl_s: f64, output_tokens: u64) -> Result<f64> {
    positive("ttft_s", ttft_s)?;
    positive("itl_s", itl_s)?;
    if output_tokens == 0 {
        return Err(invalid("output_tokens", 0, "at least 1"));
    }
    Ok(ttft_s + (output_tokens - 1) as f64 * itl_s)
}

/// Dollars per million generated tokens for a GPU rented at `dollars_per_gpu_hour` that produces
/// `tokens_per_s_per_gpu`.
pub fn cost_per_million_tokens(
    dollars_per_gpu_hour: f64,
    tokens_per_s_per_gpu: f64,
) -> Result<f64> {
    positive("dollars_per_gpu_hour", dollars_per_gpu_hour)?;
    positive("tokens_per_s_per_gpu", tokens_per_s_per_gpu)?;
    Ok(dollars_per_gpu_hour / (tokens_per_s_per_gpu * 3600.0) * 1e6)
}

/// Probability that a request fanned out to `shards` independent shards meets at least one slow
/// one, when each is slow with probability `p_slow`.
pub fn fanout_slow_probability(shards: u64, p_slow: f64) -> Result<f64> {
    if shards == 0 {
        return Err(invalid("shards", 0, "at least 1"));
    }
    if !(0.0..=1.0).contains(&p_slow) {
        return Err(invalid("p_slow", p_slow, "a probability in [0, 1]"));
    }
    let n = i32::try_from(shards).map_err(|_| invalid("shards", shards, "at most 2^31 - 1"))?;
    Ok(1.0 - (1.0 - p_slow).powi(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_forms() {
        assert_eq!(concurrency(30.0, 6.0).unwrap(), 180.0);
        assert!((end_to_end_s(0.3, 0.04, 400).unwrap() - 16.26).abs() < 1e-9);
        assert!((cost_per_million_tokens(2.5, 1200.0).unwrap() - 0.5787).abs() < 1e-4);
        assert!((fanout_slow_probability(50, 0.01).unwrap() - 0.395).abs() < 1e-3);
        assert!(end_to_end_s(0.3, 0.04, 0).is_err());
        assert!(fanout_slow_probability(5, 1.5).is_err());
        assert!(concurrency(-1.0, 1.0).is_err());
    }
}
