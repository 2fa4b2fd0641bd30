//! The timing harness shared by the browser and the native CLI.
//!
//! A measurement is a number of *samples*; each sample runs the same dispatch `reps` times back
//! to back and divides. `reps` is chosen by a calibration run so that one sample spans far more
//! than the timer's resolution (browsers may round GPU timestamps to 100 µs). Where the device
//! offers timestamp queries, the GPU itself stamps the start and end of each sample's compute
//! pass; otherwise we fall back to the wall clock around an awaited submission, which includes
//! submission overhead and is labelled as such in every result.

use crate::{Gpu, KernelError};
use futures_channel::oneshot;
use serde::{Deserialize, Serialize};

/// How a time was measured. Recorded in every measurement so nobody compares unlike numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimingMethod {
    /// GPU timestamp queries at the start and end of the compute pass.
    GpuTimestamps,
    /// Wall clock around submit-and-wait; includes submission and synchronisation overhead.
    WallClock,
}

impl TimingMethod {
    /// A short human label.
    pub fn label(self) -> &'static str {
        match self {
            TimingMethod::GpuTimestamps => "GPU timestamps",
            TimingMethod::WallClock => "wall clock",
        }
    }
}

/// Summary statistics of the per-dispatch time over all samples, in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeStats {
    /// Median seconds per dispatch: the figure we report.
    pub median_s: f64,
    /// Fastest sample.
    pub min_s: f64,
    /// Slowest sample.
    pub max_s: f64,
    /// Mean.
    pub mean_s: f64,
    /// Spread as (max − min) / median, a quick read on how noisy the run was.
    pub spread: f64,
    /// Number of samples.
    pub samples: u32,
    /// Dispatches per sample.
    pub reps_per_sample: u32,
}

impl TimeStats {
    /// Statistics of per-dispatch times (seconds). `times` must not be empty.
    pub fn from_times(times: &[f64], reps_per_sample: u32) -> TimeStats {
        let mut sorted: Vec<f64> = times.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            0.5 * (sorted[n / 2 - 1] + sorted[n / 2])
        };
        let min = sorted[0];
        let max = sorted[n - 1];
        TimeStats {
            median_s: median,
            min_s: min,
            max_s: max,
            mean_s: sorted.iter().sum::<f64>() / n as f64,
            spread: if median > 0.0 {
                (max - min) / median
            } else {
                0.0
            },
            samples: n as u32,
            reps_per_sample,
        }
    }
}

/// How long and how carefully to time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimingOptions {
    /// Untimed runs first, to warm caches, clocks and pipelines.
    pub warmup: u32,
    /// Keep warming up until this much GPU time (seconds) has run: a GPU left idle while the host
    /// prepared the inputs drops to idle clocks (about a quarter of full speed on an H100) and
    /// takes a while to ramp up again, longer than a few dispatches of a fast kernel.
    pub min_warmup_s: f64,
    /// Timed samples; the median is reported.
    pub samples: u32,
    /// Each sample should last at least this long (seconds); `reps` is raised to get there.
    pub min_sample_s: f64,
    /// Upper bound on dispatches per sample.
    pub max_reps: u32,
    /// Use GPU timestamps when the device has them.
    pub use_timestamps: bool,
}

impl TimingOptions {
    /// Careful defaults for benchmarks: 10 ms samples (100 browser-timestamp ticks), 9 of them.
    pub fn benchmark() -> Self {
        TimingOptions {
            warmup: 2,
            min_warmup_s: 0.5,
            samples: 9,
            min_sample_s: 0.010,
            max_reps: 1000,
            use_timestamps: true,
        }
    }

    /// Enough to rank autotuning candidates: a real warm-up (clocks ramp up from idle), then a
    /// few short samples.
    pub fn tuning() -> Self {
        TimingOptions {
            warmup: 3,
            min_warmup_s: 0.3,
            samples: 3,
            min_sample_s: 0.005,
            max_reps: 50,
            use_timestamps: true,
        }
    }

    /// Short runs for tests and software rasterizers: correct, not precise.
    pub fn quick() -> Self {
        TimingOptions {
            warmup: 1,
            min_warmup_s: 0.0,
            samples: 3,
            min_sample_s: 0.002,
            max_reps: 20,
            use_timestamps: true,
        }
    }
}

/// One compute dispatch, ready to encode: pipeline, bind groups to rotate through, grid size.
/// A kernel is a sequence of these (most have one; naive attention has three per head chunk),
/// and one repetition runs the whole sequence.
pub struct Dispatch<'a> {
    /// The pipeline.
    pub pipeline: &'a wgpu::ComputePipeline,
    /// Bind groups; dispatch `i` uses `bind_groups[i % len]`, so inputs can rotate across
    /// buffers and caches do not flatter large kernels.
    pub bind_groups: &'a [wgpu::BindGroup],
    /// Workgroups in x, y, z.
    pub workgroups: [u32; 3],
}

/// The outcome of timing a dispatch.
#[derive(Debug, Clone, PartialEq)]
pub struct Timing {
    /// Per-dispatch time statistics.
    pub stats: TimeStats,
    /// How it was measured.
    pub method: TimingMethod,
}

fn encode(
    encoder: &mut wgpu::CommandEncoder,
    steps: &[Dispatch<'_>],
    reps: u32,
    ts: Option<&wgpu::QuerySet>,
) {
    let timestamp_writes = ts.map(|query_set| wgpu::ComputePassTimestampWrites {
        query_set,
        beginning_of_pass_write_index: Some(0),
        end_of_pass_write_index: Some(1),
    });
    let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
        label: Some("timed"),
        timestamp_writes,
    });
    for i in 0..reps as usize {
        // Dispatches in one pass run in order: WebGPU orders storage writes between them.
        for d in steps {
            pass.set_pipeline(d.pipeline);
            pass.set_bind_group(0, &d.bind_groups[i % d.bind_groups.len()], &[]);
            pass.dispatch_workgroups(d.workgroups[0], d.workgroups[1], d.workgroups[2]);
        }
    }
}

/// Runs the dispatch sequence once and waits for it: the run whose output gets verified.
pub async fn run_once(gpu: &Gpu, d: &[Dispatch<'_>]) -> Result<(), KernelError> {
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    encode(&mut encoder, d, 1, None);
    gpu.queue.submit([encoder.finish()]);
    wait_idle(gpu).await
}

/// Times a dispatch sequence: warm-up, calibration of `reps`, then `samples` timed samples.
pub async fn time_dispatch(
    gpu: &Gpu,
    d: &[Dispatch<'_>],
    opts: &TimingOptions,
) -> Result<Timing, KernelError> {
    let use_ts = opts.use_timestamps && gpu.has(wgpu::Features::TIMESTAMP_QUERY);
    let method = if use_ts {
        TimingMethod::GpuTimestamps
    } else {
        TimingMethod::WallClock
    };
    let mut warm = 0.0;
    for _ in 0..opts.warmup {
        warm += sample(gpu, d, 1, use_ts).await?;
    }
    // Calibrate: one dispatch, then enough reps that a sample lasts min_sample_s.
    let mut one = sample(gpu, d, 1, use_ts).await?.max(1e-9);
    warm += one;
    // Then warm up until min_warmup_s of GPU time has run, in batches of about 50 ms, and
    // calibrate again at the clocks that reached.
    while warm < opts.min_warmup_s {
        let batch = ((0.05 / one).ceil() as u32).clamp(1, 10_000);
        let t = sample(gpu, d, batch, use_ts).await?;
        warm += t;
        one = (t / batch as f64).max(1e-9);
    }
    let reps = ((opts.min_sample_s / one).ceil() as u32).clamp(1, opts.max_reps.max(1));
    let mut times = Vec::with_capacity(opts.samples as usize);
    for _ in 0..opts.samples.max(1) {
        times.push(sample(gpu, d, reps, use_ts).await? / reps as f64);
    }
    Ok(Timing {
        stats: TimeStats::from_times(&times, reps),
        method,
    })
}

/// Seconds for `reps` dispatches, by GPU timestamps or by the wall clock.
async fn sample(
    gpu: &Gpu,
    d: &[Dispatch<'_>],
    reps: u32,
    use_ts: bool,
) -> Result<f64, KernelError> {
    gpu.check_alive()?;
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    if use_ts {
        let query_set = gpu.device.create_query_set(&wgpu::QuerySetDescriptor {
            label: Some("timestamps"),
            ty: wgpu::QueryType::Timestamp,
            count: 2,
        });
        let resolve = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("timestamps-resolve"),
            size: 16,
            usage: wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        encode(&mut encoder, d, reps, Some(&query_set));
        encoder.resolve_query_set(&query_set, 0..2, &resolve, 0);
        gpu.queue.submit([encoder.finish()]);
        let bytes = read_buffer(gpu, &resolve, 16).await?;
        let start = u64::from_le_bytes(bytes[0..8].try_into().unwrap_or_default());
        let end = u64::from_le_bytes(bytes[8..16].try_into().unwrap_or_default());
        let ticks = end.saturating_sub(start) as f64;
        Ok(ticks * gpu.queue.get_timestamp_period() as f64 * 1e-9)
    } else {
        encode(&mut encoder, d, reps, None);
        let start = web_time::Instant::now();
        gpu.queue.submit([encoder.finish()]);
        wait_idle(gpu).await?;
        Ok(start.elapsed().as_secs_f64())
    }
}

/// Waits until everything submitted so far has finished on the GPU.
pub async fn wait_idle(gpu: &Gpu) -> Result<(), KernelError> {
    let (tx, rx) = oneshot::channel();
    gpu.queue.on_submitted_work_done(move || {
        let _ = tx.send(());
    });
    poll_native(gpu)?;
    rx.await
        .map_err(|_| KernelError::DeviceLost("the GPU stopped answering".into()))?;
    gpu.check_alive()
}

/// Drives wgpu's callbacks natively; browsers drive them from their event loop.
fn poll_native(gpu: &Gpu) -> Result<(), KernelError> {
    #[cfg(not(target_arch = "wasm32"))]
    gpu.device
        .poll(wgpu::PollType::wait_indefinitely())
        .map_err(|e| KernelError::DeviceLost(e.to_string()))?;
    #[cfg(target_arch = "wasm32")]
    let _ = gpu;
    Ok(())
}

/// Copies the first `size` bytes of `buffer` (which needs `COPY_SRC`) to the CPU.
pub async fn read_buffer(
    gpu: &Gpu,
    buffer: &wgpu::Buffer,
    size: u64,
) -> Result<Vec<u8>, KernelError> {
    let staging = gpu.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("readback"),
        size,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    encoder.copy_buffer_to_buffer(buffer, 0, &staging, 0, size);
    gpu.queue.submit([encoder.finish()]);
    let slice = staging.slice(..);
    let (tx, rx) = oneshot::channel();
    slice.map_async(wgpu::MapMode::Read, move |r| {
        let _ = tx.send(r);
    });
    poll_native(gpu)?;
    rx.await
        .map_err(|_| KernelError::Readback("the mapping was cancelled".into()))?
        .map_err(|e| KernelError::Readback(e.to_string()))?;
    let bytes = slice
        .get_mapped_range()
        .map_err(|e| KernelError::Readback(e.to_string()))?
        .to_vec();
    staging.unmap();
    gpu.check_alive()?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_take_the_median_and_spread() {
        let s = TimeStats::from_times(&[3.0, 1.0, 2.0], 4);
        assert_eq!(
            (s.median_s, s.min_s, s.max_s, s.mean_s),
            (2.0, 1.0, 3.0, 2.0)
        );
        assert_eq!(s.spread, 1.0);
        assert_eq!((s.samples, s.reps_per_sample), (3, 4));
        let even = TimeStats::from_times(&[4.0, 1.0, 2.0, 3.0], 1);
        assert_eq!(even.median_s, 2.5);
    }
}
