//! Small SVG charts for the calculators: an x–y line plot (linear or log axes) and stacked bars.
//!
//! Hand-written SVG rather than a canvas library: the marks are DOM elements, so they carry
//! `<title>` tooltips, are read by screen readers, scale with the page and can be asserted on in
//! tests; and the bundle stays small. The axis arithmetic ([`Axis`]) is pure and tested natively.

use crate::calc::{BarChart, LinePlot};
use leptos::prelude::*;

/// Chart width in SVG units (the SVG scales to its container).
pub const W: f64 = 640.0;
/// Chart height in SVG units.
pub const H: f64 = 360.0;
/// Left margin (room for y tick labels).
pub const ML: f64 = 92.0;
/// Right margin.
pub const MR: f64 = 16.0;
/// Top margin.
pub const MT: f64 = 16.0;
/// Bottom margin (room for x tick labels and title).
pub const MB: f64 = 48.0;

/// Colours for series and segments, mid-tones that read on light and dark backgrounds.
pub const PALETTE: [&str; 6] = [
    "#3b6fe0", "#e0663b", "#2e9e5b", "#b04ad0", "#c9a227", "#d0437a",
];

/// One axis: a range and whether it is logarithmic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Axis {
    /// Lower end of the range.
    pub lo: f64,
    /// Upper end of the range.
    pub hi: f64,
    /// Logarithmic (base 10).
    pub log: bool,
}

impl Axis {
    /// An axis spanning `values` with a little room; log axes snap to powers of ten.
    pub fn fit(values: impl IntoIterator<Item = f64>, log: bool) -> Axis {
        let v: Vec<f64> = values
            .into_iter()
            .filter(|x| x.is_finite() && (!log || *x > 0.0))
            .collect();
        let (mut lo, mut hi) = v
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                (a.min(x), b.max(x))
            });
        if !lo.is_finite() {
            (lo, hi) = if log { (1.0, 10.0) } else { (0.0, 1.0) };
        }
        if log {
            let lo = 10f64.powf(lo.log10().floor());
            let mut hi = 10f64.powf(hi.log10().ceil());
            if hi <= lo {
                hi = lo * 10.0;
            }
            Axis { lo, hi, log }
        } else {
            let lo = lo.min(0.0);
            let hi = if hi <= lo { lo + 1.0 } else { hi * 1.1 };
            Axis { lo, hi, log }
        }
    }

    /// Where `v` falls, 0 at `lo` and 1 at `hi`.
    pub fn frac(&self, v: f64) -> f64 {
        if self.log {
            (v.max(1e-300).log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        }
    }

    /// Tick positions: powers of ten for log axes (thinned to at most 8), round steps otherwise.
    pub fn ticks(&self) -> Vec<f64> {
        if self.log {
            let (a, b) = (
                self.lo.log10().ceil() as i32,
                self.hi.log10().floor() as i32,
            );
            let step = (((b - a) as f64) / 7.0).ceil().max(1.0) as i32;
            (a..=b)
                .filter(|e| (e - a) % step == 0)
                .map(|e| 10f64.powi(e))
                .collect()
        } else {
            let span = self.hi - self.lo;
            let raw = span / 5.0;
            let mag = 10f64.powf(raw.log10().floor());
            let step = [1.0, 2.0, 5.0, 10.0]
                .iter()
                .map(|m| m * mag)
                .find(|s| span / s <= 6.0)
                .unwrap_or(mag * 10.0);
            let first = (self.lo / step).ceil() as i64;
            let last = (self.hi / step).floor() as i64;
            (first..=last).map(|i| i as f64 * step).collect()
        }
    }
}

/// A tick label: compact, SI-prefixed for large and small powers of ten.
pub fn tick_label(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if !(1e-2..1e6).contains(&a) {
        format!("1e{}", a.log10().round() as i32)
    } else if a >= 1e3 {
        format!("{}k", trim_float(v / 1e3))
    } else {
        trim_float(v)
    }
}

fn trim_float(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Maps data to SVG coordinates inside the plot area.
pub fn to_xy(x: &Axis, y: &Axis, p: (f64, f64)) -> (f64, f64) {
    (
        ML + x.frac(p.0) * (W - ML - MR),
        H - MB - y.frac(p.1) * (H - MT - MB),
    )
}

/// Axes, grid lines, tick labels and titles.
#[component]
pub fn Frame(
    /// The x axis.
    x: Axis,
    /// The y axis.
    y: Axis,
    /// X axis title with unit.
    x_label: String,
    /// Y axis title with unit.
    y_label: String,
) -> impl IntoView {
    let xt = x
        .ticks()
        .into_iter()
        .map(|t| {
            let (px, _) = to_xy(&x, &y, (t, y.lo));
            view! {
                <line class="grid" x1=px x2=px y1=MT y2=H - MB stroke="#9aa0ab" stroke-opacity="0.35" />
                <text class="tick" fill="currentColor" font-size="12" x=px y=H - MB + 16.0 text-anchor="middle">{tick_label(t)}</text>
            }
        })
        .collect_view();
    let yt = y
        .ticks()
        .into_iter()
        .map(|t| {
            let (_, py) = to_xy(&x, &y, (x.lo, t));
            view! {
                <line class="grid" x1=ML x2=W - MR y1=py y2=py stroke="#9aa0ab" stroke-opacity="0.35" />
                <text class="tick" fill="currentColor" font-size="12" x=ML - 6.0 y=py + 4.0 text-anchor="end">{tick_label(t)}</text>
            }
        })
        .collect_view();
    view! {
        <g class="frame">
            {xt}
            {yt}
            <rect class="plot-border" x=ML y=MT width=W - ML - MR height=H - MT - MB fill="none" stroke="#9aa0ab" />
            <text class="axis-title" fill="currentColor" font-size="13" x=(ML + W - MR) / 2.0 y=H - 8.0 text-anchor="middle">{x_label}</text>
            <text
                class="axis-title"
                transform=format!("translate(14 {}) rotate(-90)", (MT + H - MB) / 2.0)
                text-anchor="middle"
            >
                {y_label}
            </text>
        </g>
    }
}

/// Whether `(a, b)` can be drawn on these axes (log axes cannot show values ≤ 0).
fn visible(x: &Axis, y: &Axis, (a, b): (f64, f64)) -> bool {
    a.is_finite() && b.is_finite() && (!x.log || a > 0.0) && (!y.log || b > 0.0)
}

/// Clips a polyline's points to what the axes can show.
fn path(x: &Axis, y: &Axis, pts: &[(f64, f64)]) -> String {
    pts.iter()
        .filter(|&&p| visible(x, y, p))
        .map(|&p| {
            let (px, py) = to_xy(x, y, p);
            format!("{px:.1},{py:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// An x–y line plot with a legend and the current input marked.
#[component]
pub fn LineChart(
    /// What to draw.
    plot: LinePlot,
) -> impl IntoView {
    let all = plot.series.iter().flat_map(|s| s.points.iter().copied());
    let marker = plot.marker.clone();
    let x = Axis::fit(
        all.clone().map(|p| p.0).chain(marker.iter().map(|m| m.0)),
        plot.log_x,
    );
    let y = Axis::fit(
        all.map(|p| p.1).chain(marker.iter().map(|m| m.1)),
        plot.log_y,
    );
    let lines = plot
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let color = PALETTE[i % PALETTE.len()];
            let points = path(&x, &y, &s.points);
            // A lone point would be an invisible line; marked series show every point.
            let marked: Vec<(f64, f64)> = if s.dots || s.points.len() == 1 {
                s.points
                    .iter()
                    .copied()
                    .filter(|&p| visible(&x, &y, p))
                    .collect()
            } else {
                Vec::new()
            };
            let dot = marked
                .into_iter()
                .map(|p| {
                    let (px, py) = to_xy(&x, &y, p);
                    view! { <circle cx=px cy=py r=4 fill=color><title>{s.name.clone()}</title></circle> }
                })
                .collect_view();
            view! {
                <polyline
                    points=points
                    fill="none"
                    stroke=color
                    stroke-width=2.5
                    stroke-dasharray=if s.dashed { "6 4" } else { "" }
                />
                {dot}
            }
        })
        .collect_view();
    let mark = marker.map(|(mx, my, label)| {
        let (px, py) = to_xy(&x, &y, (mx, my));
        view! {
            <circle class="marker" cx=px cy=py r=6 data-testid="chart-marker">
                <title>{label}</title>
            </circle>
        }
    });
    let legend = plot
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let color = PALETTE[i % PALETTE.len()];
            view! { <li><span class="swatch" style=format!("background:{color}")></span>{s.name.clone()}</li> }
        })
        .collect_view();
    let caption = plot
        .marker
        .as_ref()
        .map(|m| m.2.clone())
        .unwrap_or_default();
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label=format!("{} against {}. {caption}", plot.y_label, plot.x_label)>
                <Frame x=x y=y x_label=plot.x_label.clone() y_label=plot.y_label.clone() />
                {lines}
                {mark}
            </svg>
            <figcaption><ul class="legend">{legend}</ul></figcaption>
        </figure>
    }
}

/// Stacked bars with an optional limit line.
#[component]
pub fn BarsChart(
    /// What to draw.
    chart: BarChart,
) -> impl IntoView {
    let unit = chart.unit;
    let fmt = move |v: f64| unit.fmt(v);
    let tallest = chart
        .bars
        .iter()
        .map(|b| b.segments.iter().map(|s| s.1).sum::<f64>())
        .chain(chart.limit.iter().map(|l| l.1))
        .fold(0.0f64, f64::max);
    let y = Axis {
        lo: 0.0,
        hi: if tallest > 0.0 { tallest * 1.1 } else { 1.0 },
        log: false,
    };
    let x = Axis {
        lo: 0.0,
        hi: chart.bars.len().max(1) as f64,
        log: false,
    };
    let slot = (W - ML - MR) / chart.bars.len().max(1) as f64;
    let names: Vec<String> = {
        let mut n: Vec<String> = Vec::new();
        for b in &chart.bars {
            for (s, _) in &b.segments {
                if !n.contains(s) {
                    n.push(s.clone());
                }
            }
        }
        n
    };
    let color_of = {
        let names = names.clone();
        move |s: &str| PALETTE[names.iter().position(|n| n == s).unwrap_or(0) % PALETTE.len()]
    };
    let bars = chart
        .bars
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let left = ML + slot * i as f64 + slot * 0.2;
            let width = slot * 0.6;
            let mut base = 0.0;
            let total: f64 = b.segments.iter().map(|s| s.1).sum();
            let segs = b
                .segments
                .iter()
                .map(|(name, v)| {
                    let (_, top) = to_xy(&x, &y, (0.0, base + v));
                    let (_, bottom) = to_xy(&x, &y, (0.0, base));
                    base += v;
                    view! {
                        <rect x=left y=top width=width height=(bottom - top).max(0.0) fill=color_of(name)>
                            <title>{format!("{}: {name} {}", b.label, fmt(*v))}</title>
                        </rect>
                    }
                })
                .collect_view();
            let (_, top) = to_xy(&x, &y, (0.0, total));
            view! {
                <g class="bar" data-testid="bar">
                    {segs}
                    <text class="tick" fill="currentColor" font-size="12" x=left + width / 2.0 y=top - 4.0 text-anchor="middle">{fmt(total)}</text>
                    <text class="tick" fill="currentColor" font-size="12" x=left + width / 2.0 y=H - MB + 16.0 text-anchor="middle">{b.label.clone()}</text>
                </g>
            }
        })
        .collect_view();
    let limit = chart.limit.clone().map(|(label, v)| {
        let (_, py) = to_xy(&x, &y, (0.0, v));
        view! {
            <line class="limit" x1=ML x2=W - MR y1=py y2=py stroke-dasharray="6 4" />
            <text class="tick" fill="currentColor" font-size="12" x=W - MR - 4.0 y=py - 5.0 text-anchor="end">{format!("{label}: {}", fmt(v))}</text>
        }
    });
    let yticks = y
        .ticks()
        .into_iter()
        .map(|t| {
            let (_, py) = to_xy(&x, &y, (0.0, t));
            view! {
                <line class="grid" x1=ML x2=W - MR y1=py y2=py stroke="#9aa0ab" stroke-opacity="0.35" />
                <text class="tick" fill="currentColor" font-size="12" x=ML - 6.0 y=py + 4.0 text-anchor="end">{fmt(t)}</text>
            }
        })
        .collect_view();
    let legend = names
        .iter()
        .map(|n| {
            let c = color_of(n);
            view! { <li><span class="swatch" style=format!("background:{c}")></span>{n.clone()}</li> }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label=chart.y_label.clone()>
                {yticks}
                <rect class="plot-border" x=ML y=MT width=W - ML - MR height=H - MT - MB fill="none" stroke="#9aa0ab" />
                {bars}
                {limit}
                <text
                    class="axis-title"
                    transform=format!("translate(14 {}) rotate(-90)", (MT + H - MB) / 2.0)
                    text-anchor="middle"
                >
                    {chart.y_label.clone()}
                </text>
            </svg>
            <figcaption><ul class="legend">{legend}</ul></figcaption>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_axes_snap_to_decades() {
        let a = Axis::fit([0.3, 40.0], true);
        assert_eq!((a.lo, a.hi), (0.1, 100.0));
        assert_eq!(a.ticks(), vec![0.1, 1.0, 10.0, 100.0]);
        assert!((a.frac(1.0) - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn linear_ticks_are_round() {
        let a = Axis {
            lo: 0.0,
            hi: 3.7,
            log: false,
        };
        assert_eq!(a.ticks(), vec![0.0, 1.0, 2.0, 3.0]);
        assert_eq!(tick_label(2000.0), "2k");
        assert_eq!(tick_label(1e9), "1e9");
        assert_eq!(tick_label(0.5), "0.5");
    }
}
