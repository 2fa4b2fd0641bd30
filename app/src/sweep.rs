//! Bandwidth by working set: the read and copy sweeps of a benchmark run, or of an imported
//! `lab bench --ceilings` file, as a chart and a table per adapter. A working set that fits in
//! a cache streams at that cache's speed, so the curve steps down where each cache runs out;
//! the roofline takes its bandwidth roofs from the largest working set (the memory's).

use crate::calc::{LinePlot, Series};
use crate::charts::LineChart;
use crate::format;
use kernels::shape::human_bytes;
use kernels::{Measurement, Shape};
use leptos::prelude::*;

/// One working set of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRow {
    /// Working set, bytes (of the buffer read; a copy moves it once each way).
    pub bytes: f64,
    /// `stream/read`, GB/s.
    pub read: Option<f64>,
    /// `stream/copy` (read + written bytes), GB/s.
    pub copy: Option<f64>,
}

/// The sweep measured on one adapter, smallest working set first.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    /// The adapter's label.
    pub adapter: String,
    /// One row per working set.
    pub rows: Vec<SweepRow>,
}

/// The sweeps in `ms`: verified `stream/read` and `stream/copy` runs grouped by adapter, for
/// every adapter measured at two working sets or more (one point is not a sweep). A working set
/// measured twice keeps its faster run.
pub fn sweeps(ms: &[Measurement]) -> Vec<Sweep> {
    let mut out: Vec<Sweep> = Vec::new();
    for m in ms.iter().filter(|m| m.verified && m.kernel == "stream") {
        let (Shape::Stream { elements }, copy) = (m.shape, m.variant == "copy") else {
            continue;
        };
        if !copy && m.variant != "read" {
            continue;
        }
        let bytes = elements as f64 * 4.0;
        let adapter = m.adapter.label();
        let i = match out.iter().position(|s| s.adapter == adapter) {
            Some(i) => i,
            None => {
                out.push(Sweep {
                    adapter,
                    rows: Vec::new(),
                });
                out.len() - 1
            }
        };
        let rows = &mut out[i].rows;
        let row = match rows.iter().position(|r| r.bytes == bytes) {
            Some(j) => &mut rows[j],
            None => {
                rows.push(SweepRow {
                    bytes,
                    read: None,
                    copy: None,
                });
                rows.last_mut().expect("just pushed")
            }
        };
        let slot = if copy { &mut row.copy } else { &mut row.read };
        *slot = Some(slot.map_or(m.gbytes_per_s, |v| v.max(m.gbytes_per_s)));
    }
    for s in &mut out {
        s.rows.sort_by(|a, b| a.bytes.total_cmp(&b.bytes));
    }
    out.retain(|s| s.rows.len() >= 2);
    out
}

/// What a sweep shows, in a sentence: how much faster than the largest working set the fastest
/// one streams. `None` below [`crate::roofline::CACHE_FACTOR`], the same test that draws a
/// cache roof on the roofline.
pub fn finding(s: &Sweep, copy: bool) -> Option<String> {
    let pick = |r: &SweepRow| if copy { r.copy } else { r.read };
    let points: Vec<(f64, f64)> = s
        .rows
        .iter()
        .filter_map(|r| pick(r).map(|v| (r.bytes, v)))
        .collect();
    let &(largest, at_largest) = points.last()?;
    let &(fastest, top) = points.iter().max_by(|a, b| a.1.total_cmp(&b.1))?;
    if fastest == largest || top < crate::roofline::CACHE_FACTOR * at_largest || at_largest <= 0.0 {
        return None;
    }
    Some(format!(
        "{} at {} ran {:.2}× as fast as at {} ({} against {}): a working set that fits in a \
         cache streams faster than memory. The roofline uses the largest working set.",
        if copy { "Copy" } else { "Read" },
        human_bytes(fastest),
        top / at_largest,
        human_bytes(largest),
        format::giga_rate(top, "B"),
        format::giga_rate(at_largest, "B"),
    ))
}

/// The chart of a sweep: bandwidth against working set, read and copy.
fn plot(s: &Sweep) -> LinePlot {
    let line = |name: &str, pick: fn(&SweepRow) -> Option<f64>| Series {
        name: name.into(),
        points: s
            .rows
            .iter()
            .filter_map(|r| pick(r).map(|v| (r.bytes / f64::from(1 << 20), v)))
            .collect(),
        dashed: false,
        dots: true,
    };
    LinePlot {
        x_label: "Working set (MiB)".into(),
        y_label: "Bandwidth (GB/s)".into(),
        log_x: true,
        log_y: false,
        series: vec![
            line("read", |r| r.read),
            line("copy (read + write bytes)", |r| r.copy),
        ],
        marker: None,
    }
}

/// The sweeps among `measurements`, one card each; nothing when there is none.
#[component]
pub fn BandwidthSweep(
    /// This run's measurements and imported ones.
    measurements: Signal<Vec<Measurement>>,
) -> impl IntoView {
    move || {
        measurements
            .with(|ms| sweeps(ms))
            .into_iter()
            .map(|s| {
                let rate =
                    |v: Option<f64>| v.map_or("—".to_string(), |v| format::giga_rate(v, "B"));
                let rows = s
                    .rows
                    .iter()
                    .map(|r| {
                        view! {
                            <tr data-testid="sweep-row">
                                <td>{human_bytes(r.bytes)}</td>
                                <td class="num" data-testid="sweep-read">{rate(r.read)}</td>
                                <td class="num" data-testid="sweep-copy">{rate(r.copy)}</td>
                            </tr>
                        }
                    })
                    .collect_view();
                let findings = [finding(&s, false), finding(&s, true)]
                    .into_iter()
                    .flatten()
                    .map(|f| view! { <p data-testid="sweep-finding">{f}</p> })
                    .collect_view();
                view! {
                    <section class="card" data-testid="sweep">
                        <h2>"Bandwidth by working set"</h2>
                        <p class="muted">{s.adapter.clone()}</p>
                        <LineChart plot=plot(&s) />
                        {findings}
                        <div class="table-wrap">
                            <table data-testid="sweep-table">
                                <thead>
                                    <tr>
                                        <th scope="col">"Working set"</th>
                                        <th scope="col">"Read"</th>
                                        <th scope="col">"Copy (read + write bytes)"</th>
                                    </tr>
                                </thead>
                                <tbody>{rows}</tbody>
                            </table>
                        </div>
                    </section>
                }
            })
            .collect_view()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h100() -> Vec<Measurement> {
        // A real `lab bench --ceilings` file from an H100 (BENCHMARKS.md, 2026-11-22 08:32 run).
        let text = include_str!("../../bench/results/h100-2026-11-22-matmul-c/ceilings.json");
        kernels::ResultsFile::from_json(text).unwrap().measurements
    }

    #[test]
    fn an_h100_sweep_shows_its_l2_and_its_memory() {
        let s = sweeps(&h100());
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].adapter, "NVIDIA H100 80GB HBM3");
        let mib: Vec<f64> = s[0].rows.iter().map(|r| r.bytes / 1048576.0).collect();
        assert_eq!(mib, [1.0, 4.0, 16.0, 64.0, 256.0, 1024.0]);
        // Figures as the file has them (GB/s), read and copy in the same row.
        let r = &s[0].rows[2];
        assert_eq!(
            (r.read.map(|v| v.round()), r.copy.map(|v| v.round())),
            (Some(4791.0), Some(5125.0))
        );
        let read = finding(&s[0], false).unwrap();
        // 4,791.0 / 3,051.9 = 1.57: the 16 MiB read fits in the 50 MB L2.
        assert!(
            read.starts_with("Read at 16.0 MiB ran 1.57× as fast as at 1.0 GiB"),
            "{read}"
        );
        assert!(read.contains("(4.79 TB/s against 3.05 TB/s)"), "{read}");
        let copy = finding(&s[0], true).unwrap();
        // 6,190.0 / 2,880.4 = 2.15, at 4 MiB.
        assert!(
            copy.starts_with("Copy at 4.0 MiB ran 2.15× as fast"),
            "{copy}"
        );
    }

    #[test]
    fn one_working_set_is_no_sweep_and_failures_are_left_out() {
        let mut ms = h100();
        // Only the 1 GiB runs: no sweep to show.
        ms.retain(|m| m.shape == Shape::Stream { elements: 1 << 28 });
        assert!(sweeps(&ms).is_empty());
        // A run that did not verify is no point on the curve.
        let mut ms = h100();
        for m in &mut ms {
            if m.shape != (Shape::Stream { elements: 1 << 28 }) {
                m.verified = false;
            }
        }
        ms[3].verified = true;
        let s = sweeps(&ms);
        assert_eq!(s[0].rows.len(), 2);
        // The largest run is the fastest left: nothing to report.
        let mut flat = s[0].clone();
        flat.rows[0].read = flat.rows[1].read;
        assert_eq!(finding(&flat, false), None);
        // Nor is 1.2× faster: within a quick run's spread.
        flat.rows[0].read = flat.rows[1].read.map(|v| v * 1.2);
        assert_eq!(finding(&flat, false), None);
        flat.rows[0].read = flat.rows[1].read.map(|v| v * 1.3);
        assert!(finding(&flat, false).unwrap().contains("1.30× as fast"));
    }

    #[test]
    fn a_working_set_measured_twice_keeps_its_faster_run() {
        let mut ms = h100();
        let mut slower = ms[3].clone();
        slower.gbytes_per_s /= 2.0;
        ms.insert(0, slower);
        // A stream probe that is neither read nor copy adds no row.
        let mut other = ms[4].clone();
        other.variant = "triad".into();
        other.shape = Shape::Stream { elements: 1 << 29 };
        ms.push(other);
        let s = sweeps(&ms);
        assert_eq!(s[0].rows.len(), 6);
        assert_eq!(s[0].rows[0].read, Some(ms[4].gbytes_per_s));
    }
}
