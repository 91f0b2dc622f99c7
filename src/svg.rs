//! Inline SVG charts for the HTML report ([`crate::html`]): horizontal bars with 95%
//! interval whiskers, a heat map with its numbers printed in the cells, and a line with an
//! interval band.
//!
//! A small module of our own rather than a plotting crate: the report needs four simple
//! chart shapes, each with a `<title>`/`<desc>` text alternative, hatch patterns so that
//! classes stay apart in greyscale, and user-supplied labels escaped (maud escapes every
//! interpolated value). Coordinates are printed with one decimal, so the markup is small
//! and stable for tests.

use maud::{html, Markup};

/// Width of every chart's coordinate system; the page scales it to fit.
const WIDTH: f64 = 760.0;
/// Bar charts: the label column on the left and the note column on the right.
const LABEL_W: f64 = 200.0;
const NOTE_W: f64 = 170.0;
const ROW_H: f64 = 28.0;
const BAR_H: f64 = 14.0;
/// Room above the first bar (for a reference line's label) and below the last (ticks).
const TOP: f64 = 22.0;
const BOTTOM: f64 = 26.0;
/// Labels longer than this are cut in the chart (the full text is in its tooltip and in
/// the data table).
const LABEL_CHARS: usize = 26;

/// What a chart shows: an element id unique in the page (also the prefix of the ids inside
/// it) and its text alternative, read by screen readers and shown where SVG is not.
#[derive(Debug, Clone, Copy)]
pub struct Chart<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub desc: &'a str,
}

/// How a bar is drawn. Shade and pattern both differ, so the three stay apart when the
/// page is printed in greyscale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// Dark, hatched.
    Failure,
    /// Light, solid.
    Value,
    /// White, dashed outline.
    Unclassified,
}

/// A labelled estimate: one bar of a bar chart, or one point of a line chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub label: String,
    /// `None` when there is nothing to estimate from (no bar; a gap in a line).
    pub value: Option<f64>,
    /// The 95% interval, drawn as a whisker (bars) or a band (lines).
    pub interval: Option<[f64; 2]>,
    /// The estimate if every unclassified contact were value, and if every one were
    /// failure: drawn as a dotted bracket under the bar when it differs from the estimate.
    pub bounds: Option<[f64; 2]>,
    /// Printed after the bar (the figures in words, such as "30.5% of 82").
    pub note: String,
    pub fill: Fill,
}

/// A linear axis from 0 to `max` with evenly spaced ticks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Axis {
    pub max: f64,
    pub step: f64,
    /// Tick labels as percentages (values are shares) or as counts.
    pub percent: bool,
}

impl Axis {
    /// 0% to 100% in quarters: bar charts of shares use the whole range, so charts can be
    /// compared with each other and no difference is exaggerated.
    pub fn share() -> Axis {
        Axis {
            max: 1.0,
            step: 0.25,
            percent: true,
        }
    }

    /// An axis from 0 to a round number at or above `largest` (at most 1 for shares),
    /// with four or five ticks of 1, 2, 2.5 or 5 times a power of ten.
    pub fn fitting(largest: f64, percent: bool) -> Axis {
        let largest = if largest > 0.0 { largest } else { 1.0 };
        let rough = largest / 4.0;
        let magnitude = 10f64.powf(rough.log10().floor());
        let step = [1.0, 2.0, 2.5, 5.0, 10.0]
            .into_iter()
            .map(|m| m * magnitude)
            .find(|s| *s >= rough)
            .unwrap_or(10.0 * magnitude);
        let mut max = step * (largest / step - 1e-9).ceil().max(1.0);
        if percent && max > 1.0 {
            max = 1.0;
        }
        Axis { max, step, percent }
    }

    fn ticks(&self) -> Vec<f64> {
        let n = (self.max / self.step + 1e-9).floor() as usize;
        (0..=n).map(|i| i as f64 * self.step).collect()
    }

    fn label(&self, v: f64) -> String {
        if self.percent {
            let p = v * 100.0;
            if (p - p.round()).abs() < 1e-9 {
                format!("{p:.0}%")
            } else {
                format!("{p:.1}%")
            }
        } else {
            format!("{v}")
        }
    }

    /// The fraction of the axis length at which `v` lies, kept inside the axis.
    fn fraction(&self, v: f64) -> f64 {
        (v / self.max).clamp(0.0, 1.0)
    }
}

/// A value marked across a chart, such as the claimed failure share.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    pub value: f64,
    pub label: String,
}

/// A coordinate with one decimal.
fn px(v: f64) -> String {
    format!("{v:.1}")
}

/// `label` cut to `n` characters with an ellipsis, when the chart has no room for more.
fn short(label: &str, n: usize) -> String {
    if label.chars().count() <= n {
        label.to_string()
    } else {
        let mut s: String = label.chars().take(n - 1).collect();
        s.push('…');
        s
    }
}

/// The outer `<svg>` with its text alternative and the fill patterns.
fn frame(chart: &Chart, width: f64, height: f64, body: Markup) -> Markup {
    let id = chart.id;
    html! {
        svg id=(id) class="chart" role="img" viewBox={ "0 0 " (px(width)) " " (px(height)) }
            width=(px(width)) height=(px(height))
            aria-labelledby={ (id) "-title " (id) "-desc" } {
            title id={ (id) "-title" } { (chart.title) }
            desc id={ (id) "-desc" } { (chart.desc) }
            defs {
                pattern id={ (id) "-failure" } width="6" height="6"
                    patternUnits="userSpaceOnUse" patternTransform="rotate(45)" {
                    rect width="6" height="6" fill="#c4570c" {}
                    line x1="0" y1="0" x2="0" y2="6" stroke="#ffffff" stroke-width="2" {}
                }
            }
            (body)
        }
    }
}

/// The `fill` and `stroke` attributes of a bar.
fn paint(chart: &Chart, fill: Fill) -> (String, &'static str) {
    match fill {
        Fill::Failure => (format!("url(#{}-failure)", chart.id), "#5a2806"),
        Fill::Value => ("#a9c8e0".to_string(), "#2c5d80"),
        Fill::Unclassified => ("#ffffff".to_string(), "#555555"),
    }
}

/// A horizontal bar chart, one bar per estimate, with interval whiskers, dotted bounds
/// brackets, an optional reference line, and each bar's note printed after it.
pub fn bar_chart(
    chart: &Chart,
    axis: Axis,
    bars: &[Estimate],
    reference: Option<&Reference>,
) -> Markup {
    let plot_w = WIDTH - LABEL_W - NOTE_W;
    let x = |v: f64| LABEL_W + axis.fraction(v) * plot_w;
    let bottom = TOP + bars.len() as f64 * ROW_H;
    let height = bottom + BOTTOM;
    let body = html! {
        g class="axis" {
            @for t in axis.ticks() {
                line x1=(px(x(t))) x2=(px(x(t))) y1=(px(TOP - 4.0)) y2=(px(bottom))
                    stroke="#d0d0d0" stroke-width="1" {}
                text x=(px(x(t))) y=(px(bottom + 16.0)) text-anchor="middle" class="tick" {
                    (axis.label(t))
                }
            }
        }
        @for (i, bar) in bars.iter().enumerate() {
            @let top = TOP + i as f64 * ROW_H;
            @let bar_y = top + (ROW_H - BAR_H) / 2.0 - 2.0;
            @let centre = bar_y + BAR_H / 2.0;
            @let (fill, stroke) = paint(chart, bar.fill);
            g class="row" {
                title { (bar.label) ": " (bar.note) }
                text x=(px(LABEL_W - 8.0)) y=(px(centre + 4.0)) text-anchor="end" class="label" {
                    (short(&bar.label, LABEL_CHARS))
                }
                @if let Some(v) = bar.value {
                    rect class="bar" x=(px(LABEL_W)) y=(px(bar_y))
                        width=(px(x(v) - LABEL_W)) height=(px(BAR_H))
                        fill=(fill) stroke=(stroke) stroke-width="1"
                        stroke-dasharray=[(bar.fill == Fill::Unclassified).then_some("3 2")] {}
                }
                @if let Some([lo, hi]) = bar.interval {
                    g class="whisker" data-low=(lo) data-high=(hi) {
                        // A white halo under the black whisker keeps it visible on any bar.
                        line x1=(px(x(lo))) x2=(px(x(hi))) y1=(px(centre)) y2=(px(centre))
                            stroke="#ffffff" stroke-width="3" {}
                        line x1=(px(x(lo))) x2=(px(x(hi))) y1=(px(centre)) y2=(px(centre))
                            stroke="#000000" stroke-width="1.5" {}
                        @for end in [lo, hi] {
                            line class="cap" x1=(px(x(end))) x2=(px(x(end)))
                                y1=(px(centre - 6.0)) y2=(px(centre + 6.0))
                                stroke="#000000" stroke-width="1.5" {}
                        }
                    }
                }
                @if let Some([lo, hi]) = bar.bounds.filter(|[lo, hi]| hi - lo > 1e-9) {
                    line class="bounds" x1=(px(x(lo))) x2=(px(x(hi)))
                        y1=(px(bar_y + BAR_H + 4.0)) y2=(px(bar_y + BAR_H + 4.0))
                        stroke="#333333" stroke-width="1.5" stroke-dasharray="1.5 2.5" {}
                }
                text x=(px(LABEL_W + plot_w + 8.0)) y=(px(centre + 4.0)) class="note" {
                    (bar.note)
                }
            }
        }
        @if let Some(r) = reference {
            g class="reference" data-value=(r.value) {
                line x1=(px(x(r.value))) x2=(px(x(r.value))) y1=(px(TOP - 6.0)) y2=(px(bottom))
                    stroke="#000000" stroke-width="1.5" stroke-dasharray="6 4" {}
                text x=(px(x(r.value))) y=(px(TOP - 9.0)) text-anchor="middle" class="tick" {
                    (r.label)
                }
            }
        }
    };
    frame(chart, WIDTH, height, body)
}

/// One cell of a heat map.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// The share that sets the shade; `None` leaves the cell white.
    pub value: Option<f64>,
    /// The figure printed in the cell, and a second, smaller line under it.
    pub text: String,
    pub sub: String,
}

/// The lightness (HSL %) of a heat-map cell: light for 0, dark for 1. One hue, so the
/// order survives greyscale printing; the numbers are printed in the cells as well.
fn lightness(v: f64) -> f64 {
    96.0 - 62.0 * v.clamp(0.0, 1.0)
}

/// A grid with rows and columns labelled, each cell shaded by its value and its figures
/// printed in it. `cells[r][c]` is `None` where the row and column never occur together.
pub fn heat_map(
    chart: &Chart,
    rows: &[String],
    columns: &[String],
    cells: &[Vec<Option<Cell>>],
) -> Markup {
    let cell_w = 92.0;
    let cell_h = 40.0;
    let head = 30.0;
    let width = (LABEL_W + columns.len() as f64 * cell_w + 10.0).max(WIDTH);
    let height = head + rows.len() as f64 * cell_h + 10.0;
    let body = html! {
        @for (c, column) in columns.iter().enumerate() {
            text x=(px(LABEL_W + (c as f64 + 0.5) * cell_w)) y=(px(head - 10.0))
                text-anchor="middle" class="label" {
                title { (column) }
                (short(column, 13))
            }
        }
        @for (r, row) in rows.iter().enumerate() {
            @let top = head + r as f64 * cell_h;
            text x=(px(LABEL_W - 8.0)) y=(px(top + cell_h / 2.0 + 4.0)) text-anchor="end"
                class="label" {
                (short(row, LABEL_CHARS))
            }
            @for (c, cell) in cells.get(r).map_or(&[][..], |v| &v[..]).iter().enumerate() {
                @let left = LABEL_W + c as f64 * cell_w;
                @if let Some(cell) = cell {
                    @let l = cell.value.map(lightness);
                    g class="cell" {
                        title { (row) " / " (columns.get(c).map_or("", |s| s.as_str())) ": "
                            (cell.text) " " (cell.sub) }
                        rect x=(px(left + 1.0)) y=(px(top + 1.0)) width=(px(cell_w - 2.0))
                            height=(px(cell_h - 2.0))
                            fill=(l.map_or("#ffffff".to_string(), |l| format!("hsl(24, 75%, {l:.0}%)")))
                            stroke="#999999" stroke-width="0.5" {}
                        @let ink = if l.is_some_and(|l| l < 55.0) { "#ffffff" } else { "#000000" };
                        text x=(px(left + cell_w / 2.0)) y=(px(top + 18.0)) text-anchor="middle"
                            fill=(ink) class="figure" { (cell.text) }
                        text x=(px(left + cell_w / 2.0)) y=(px(top + 32.0)) text-anchor="middle"
                            fill=(ink) class="sub" { (cell.sub) }
                    }
                }
            }
        }
    };
    frame(chart, width, height, body)
}

/// A line through the estimates in order (periods, left to right) over a band spanning
/// their 95% intervals, with a marker per point and an optional horizontal reference line.
/// A point without a value breaks the line, and one without an interval breaks the band,
/// so a gap in the data is never drawn over.
pub fn line_chart(
    chart: &Chart,
    axis: Axis,
    points: &[Estimate],
    reference: Option<&Reference>,
) -> Markup {
    let (left, right, top, bottom) = (56.0, 24.0, 20.0, 44.0);
    let height = 300.0;
    let plot_w = WIDTH - left - right;
    let plot_h = height - top - bottom;
    let step = plot_w / points.len().max(1) as f64;
    let x = |i: usize| left + (i as f64 + 0.5) * step;
    let y = |v: f64| top + (1.0 - axis.fraction(v)) * plot_h;
    // Every k-th period is labelled, so that labels never overlap.
    let every = points.len().div_ceil(10).max(1);

    let mut bands: Vec<String> = Vec::new();
    let mut run: Vec<(usize, [f64; 2])> = Vec::new();
    let mut flush = |run: &mut Vec<(usize, [f64; 2])>| {
        if !run.is_empty() {
            let upper = run
                .iter()
                .map(|(i, [_, hi])| format!("{},{}", px(x(*i)), px(y(*hi))));
            let lower = run
                .iter()
                .rev()
                .map(|(i, [lo, _])| format!("{},{}", px(x(*i)), px(y(*lo))));
            bands.push(upper.chain(lower).collect::<Vec<_>>().join(" "));
            run.clear();
        }
    };
    for (i, p) in points.iter().enumerate() {
        match p.interval {
            Some(iv) => run.push((i, iv)),
            None => flush(&mut run),
        }
    }
    flush(&mut run);

    let mut path = String::new();
    let mut drawing = false;
    for (i, p) in points.iter().enumerate() {
        match p.value {
            Some(v) => {
                let op = if drawing { 'L' } else { 'M' };
                path.push_str(&format!("{op}{},{} ", px(x(i)), px(y(v))));
                drawing = true;
            }
            None => drawing = false,
        }
    }

    let body = html! {
        g class="axis" {
            @for t in axis.ticks() {
                line x1=(px(left)) x2=(px(left + plot_w)) y1=(px(y(t))) y2=(px(y(t)))
                    stroke="#d0d0d0" stroke-width="1" {}
                text x=(px(left - 6.0)) y=(px(y(t) + 4.0)) text-anchor="end" class="tick" {
                    (axis.label(t))
                }
            }
            @for (i, p) in points.iter().enumerate() {
                @if i % every == 0 {
                    text x=(px(x(i))) y=(px(top + plot_h + 18.0)) text-anchor="middle"
                        class="tick" { (short(&p.label, 12)) }
                }
            }
        }
        @for band in &bands {
            polygon class="band" points=(band) fill="#f2c09a" fill-opacity="0.7"
                stroke="#d98a4f" stroke-width="1" {}
        }
        @if !path.is_empty() {
            path class="line" d=(path.trim_end()) fill="none" stroke="#5a2806" stroke-width="2" {}
        }
        @for (i, p) in points.iter().enumerate() {
            @if let Some(v) = p.value {
                circle class="point" cx=(px(x(i))) cy=(px(y(v))) r="3.5" fill="#5a2806" {
                    title { (p.label) ": " (p.note) }
                }
            }
        }
        @if let Some(r) = reference {
            g class="reference" data-value=(r.value) {
                line x1=(px(left)) x2=(px(left + plot_w)) y1=(px(y(r.value))) y2=(px(y(r.value)))
                    stroke="#000000" stroke-width="1.5" stroke-dasharray="6 4" {}
                text x=(px(left + plot_w)) y=(px(y(r.value) - 5.0)) text-anchor="end"
                    class="tick" { (r.label) }
            }
        }
    };
    frame(chart, WIDTH, height, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHART: Chart = Chart {
        id: "t",
        title: "Test chart",
        desc: "For the tests",
    };

    /// The numeric `attr` of every element whose class is `class`, in document order.
    fn attr(svg: &str, class: &str, attr: &str) -> Vec<f64> {
        let element = regex::Regex::new(&format!(r#"<\w+ class="{class}"[^>]*>"#)).unwrap();
        let value = regex::Regex::new(&format!(r#" {attr}="([^"]*)""#)).unwrap();
        element
            .find_iter(svg)
            .map(|m| value.captures(m.as_str()).unwrap()[1].parse().unwrap())
            .collect()
    }

    fn estimate(label: &str, value: f64, interval: [f64; 2]) -> Estimate {
        Estimate {
            label: label.to_string(),
            value: Some(value),
            interval: Some(interval),
            bounds: None,
            note: format!("{:.0}%", value * 100.0),
            fill: Fill::Failure,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 0.06
    }

    #[test]
    fn bar_lengths_are_proportional_to_the_values() {
        let bars = [
            estimate("a", 0.2, [0.1, 0.3]),
            estimate("b", 0.4, [0.3, 0.5]),
            estimate("c", 0.8, [0.7, 0.9]),
        ];
        let svg = bar_chart(&CHART, Axis::share(), &bars, None).into_string();
        let widths = attr(&svg, "bar", "width");
        let plot_w = WIDTH - LABEL_W - NOTE_W;
        assert_eq!(widths.len(), 3);
        for (w, bar) in widths.iter().zip(&bars) {
            assert!(close(*w, bar.value.unwrap() * plot_w), "{w} for {bar:?}");
        }
        assert!(close(widths[1], 2.0 * widths[0]) && close(widths[2], 2.0 * widths[1]));
        // On a count axis the longest bar reaches the largest value's share of the axis.
        let axis = Axis::fitting(64.0, false);
        let svg = bar_chart(&CHART, axis, &bars_of(&[16.0, 64.0]), None).into_string();
        let widths = attr(&svg, "bar", "width");
        assert!(close(widths[1], 64.0 / axis.max * plot_w) && close(widths[1], 4.0 * widths[0]));
    }

    fn bars_of(values: &[f64]) -> Vec<Estimate> {
        values
            .iter()
            .map(|v| Estimate {
                interval: None,
                fill: Fill::Value,
                ..estimate("n", *v, [0.0, 0.0])
            })
            .collect()
    }

    #[test]
    fn whiskers_end_at_the_interval_ends() {
        let bars = [
            estimate("a", 0.3, [0.22, 0.41]),
            estimate("b", 0.5, [0.35, 0.65]),
        ];
        let svg = bar_chart(&CHART, Axis::share(), &bars, None).into_string();
        let plot_w = WIDTH - LABEL_W - NOTE_W;
        let caps = attr(&svg, "cap", "x1");
        let expected = [0.22, 0.41, 0.35, 0.65].map(|v| LABEL_W + v * plot_w);
        assert_eq!(caps.len(), 4);
        for (c, e) in caps.iter().zip(expected) {
            assert!(close(*c, e), "{caps:?} vs {expected:?}");
        }
        // A bar without an interval has no whisker.
        let svg = bar_chart(&CHART, Axis::share(), &bars_of(&[0.5]), None).into_string();
        assert!(attr(&svg, "cap", "x1").is_empty());
    }

    #[test]
    fn bounds_and_reference_are_drawn_where_they_belong() {
        let mut with = estimate("a", 0.3, [0.2, 0.4]);
        with.bounds = Some([0.25, 0.45]);
        let mut without = estimate("b", 0.3, [0.2, 0.4]);
        without.bounds = Some([0.3, 0.3]);
        let claim = Reference {
            value: 0.8,
            label: "claim 80%".to_string(),
        };
        let svg = bar_chart(&CHART, Axis::share(), &[with, without], Some(&claim)).into_string();
        let plot_w = WIDTH - LABEL_W - NOTE_W;
        let (x1, x2) = (attr(&svg, "bounds", "x1"), attr(&svg, "bounds", "x2"));
        assert_eq!(x1.len(), 1, "no bracket when the bounds coincide");
        assert!(close(x1[0], LABEL_W + 0.25 * plot_w) && close(x2[0], LABEL_W + 0.45 * plot_w));
        assert!(svg.contains(r#"class="reference" data-value="0.8""#));
        assert!(svg.contains(">claim 80%<"));
    }

    #[test]
    fn text_is_escaped_and_every_chart_is_labelled() {
        let evil = r#"<script>alert("x")</script> & 'co'"#;
        let chart = Chart {
            id: "e",
            title: evil,
            desc: evil,
        };
        let mut bar = estimate(evil, 0.5, [0.4, 0.6]);
        bar.note = evil.to_string();
        let cell = Cell {
            value: Some(0.5),
            text: evil.to_string(),
            sub: evil.to_string(),
        };
        let names = [evil.to_string()];
        for svg in [
            bar_chart(&chart, Axis::share(), &[bar.clone()], None),
            heat_map(&chart, &names, &names, &[vec![Some(cell)]]),
            line_chart(&chart, Axis::share(), &[bar], None),
        ] {
            let svg = svg.into_string();
            assert!(!svg.contains("<script"), "{svg}");
            assert!(svg.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp;"));
            assert!(svg.contains(r#"aria-labelledby="e-title e-desc""#));
            assert!(
                svg.contains(r#"<title id="e-title">"#) && svg.contains(r#"<desc id="e-desc">"#)
            );
        }
    }

    #[test]
    fn heat_map_prints_its_numbers_and_shades_by_value() {
        let cell = |v: f64, n: u64| {
            Some(Cell {
                value: Some(v),
                text: format!("{:.0}%", v * 100.0),
                sub: format!("of {n}"),
            })
        };
        let rows = ["tax".to_string(), "waste".to_string()];
        let cols = ["phone".to_string(), "web".to_string()];
        let cells = vec![vec![cell(0.1, 50), cell(0.9, 7)], vec![cell(0.5, 20), None]];
        let svg = heat_map(&CHART, &rows, &cols, &cells).into_string();
        assert_eq!(
            svg.matches(r#"<g class="cell">"#).count(),
            3,
            "no cell for a missing pair"
        );
        for figure in ["10%", "90%", "50%", "of 50", "of 7", "of 20"] {
            assert!(svg.contains(&format!(">{figure}<")), "{figure} missing");
        }
        let shades: Vec<f64> = regex::Regex::new(r"hsl\(24, 75%, (\d+)%\)")
            .unwrap()
            .captures_iter(&svg)
            .map(|c| c[1].parse().unwrap())
            .collect();
        assert_eq!(
            shades,
            [
                lightness(0.1).round(),
                lightness(0.9).round(),
                lightness(0.5).round()
            ]
        );
        assert!(
            shades[0] > shades[2] && shades[2] > shades[1],
            "darker for more"
        );
        // Dark cells print in white, light ones in black.
        assert!(svg.contains(r##"fill="#ffffff" class="figure">90%<"##));
        assert!(svg.contains(r##"fill="#000000" class="figure">10%<"##));
    }

    #[test]
    fn line_band_spans_the_intervals_and_breaks_at_gaps() {
        let mut points = vec![
            estimate("2026-01", 0.3, [0.2, 0.4]),
            estimate("2026-02", 0.5, [0.4, 0.6]),
            estimate("2026-03", 0.0, [0.0, 0.0]),
            estimate("2026-04", 0.2, [0.1, 0.35]),
            estimate("2026-05", 0.25, [0.15, 0.4]),
        ];
        points[2].value = None;
        points[2].interval = None;
        let axis = Axis::fitting(0.6, true);
        let svg = line_chart(&CHART, axis, &points, None).into_string();
        let polygons: Vec<Vec<(f64, f64)>> = regex::Regex::new(r#"class="band" points="([^"]*)""#)
            .unwrap()
            .captures_iter(&svg)
            .map(|c| {
                c[1].split(' ')
                    .map(|p| {
                        let (x, y) = p.split_once(',').unwrap();
                        (x.parse().unwrap(), y.parse().unwrap())
                    })
                    .collect()
            })
            .collect();
        assert_eq!(polygons.len(), 2, "the empty period splits the band");
        let (top, plot_h) = (20.0, 300.0 - 20.0 - 44.0);
        let y = |v: f64| top + (1.0 - v / axis.max) * plot_h;
        // First band: upper edge at the highs of points 0 and 1, then back along the lows.
        let first: Vec<f64> = polygons[0].iter().map(|p| p.1).collect();
        let want = [y(0.4), y(0.6), y(0.4), y(0.2)];
        assert!(
            first.iter().zip(want).all(|(a, b)| close(*a, b)),
            "{first:?} {want:?}"
        );
        let second: Vec<f64> = polygons[1].iter().map(|p| p.1).collect();
        let want = [y(0.35), y(0.4), y(0.15), y(0.1)];
        assert!(
            second.iter().zip(want).all(|(a, b)| close(*a, b)),
            "{second:?} {want:?}"
        );
        // The line is two pieces, and each point with a value has a marker on it.
        let d = regex::Regex::new(r#"class="line" d="([^"]*)""#)
            .unwrap()
            .captures(&svg)
            .unwrap()[1]
            .to_string();
        assert_eq!(d.matches('M').count(), 2, "{d}");
        let cy = attr(&svg, "point", "cy");
        let want = [y(0.3), y(0.5), y(0.2), y(0.25)];
        assert!(
            cy.len() == 4 && cy.iter().zip(want).all(|(a, b)| close(*a, b)),
            "{cy:?}"
        );
        // Periods are evenly spaced, left to right; the empty one keeps its place.
        let cx = attr(&svg, "point", "cx");
        let step = cx[1] - cx[0];
        assert!(step > 0.0 && close(cx[2] - cx[1], 2.0 * step) && close(cx[3] - cx[2], step));
    }

    #[test]
    fn axes_end_at_round_numbers_above_the_data() {
        let a = Axis::fitting(64.0, false);
        assert_eq!((a.max, a.step), (80.0, 20.0));
        assert_eq!(a.ticks(), [0.0, 20.0, 40.0, 60.0, 80.0]);
        let a = Axis::fitting(0.56, true);
        assert!(close(a.max, 0.6) && close(a.step, 0.2));
        assert_eq!(a.label(0.2), "20%");
        assert_eq!(Axis::fitting(0.96, true).max, 1.0);
        assert_eq!(Axis::fitting(7.0, false).ticks(), [0.0, 2.0, 4.0, 6.0, 8.0]);
        assert!(Axis::fitting(0.0, false).max > 0.0);
        assert_eq!(Axis::share().ticks().len(), 5);
    }
}
