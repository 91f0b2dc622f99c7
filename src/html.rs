//! The HTML report (`report --format html`): one self-contained page, inline CSS and SVG,
//! no script and nothing to fetch, so it opens offline from an email attachment.
//!
//! The page is built with maud: templates are Rust expressions checked at compile time,
//! and every interpolated value is HTML-escaped, which matters because service and channel
//! names come from the user's data. Charts come from [`crate::svg`]; each chart section
//! has a text alternative on its SVG and the same numbers in a table under it.

use crate::report::{
    claim_sentence, identity, pct, range, repeat_lines, ruleset_label, verdict_cell,
};
use crate::rules::Class;
use crate::summary::{Counts, FailureShare, RepeatRow, Row, Summary, NO_DATE, SMALL};
use crate::svg::{self, Axis, Cell, Chart, Estimate, Fill, Reference};
use maud::{html, Markup, DOCTYPE};

/// The page's style sheet: system fonts only, readable on screen and in print.
const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif;
  color: #111; background: #fff; max-width: 62rem; margin: 0 auto; padding: 1rem 1.5rem 3rem;
  line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.2rem; margin-top: 2.2rem; border-bottom: 1px solid #ccc; }
.headline { font-size: 1.15rem; }
.figure { font-size: 2.6rem; font-weight: 700; display: block; }
.verdict { display: inline-block; border: 2px solid #111; padding: 0 0.4rem; font-weight: 700; }
.muted { color: #444; }
svg.chart { max-width: 100%; height: auto; font-size: 12px; }
svg .label, svg .note, svg .figure { font-size: 12px; }
svg .figure { font-weight: 700; }
svg .tick, svg .sub { font-size: 11px; fill: #333; }
table { border-collapse: collapse; margin: 0.5rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #bbb; padding: 0.15rem 0.5rem; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #eee; text-align: left; }
details { margin: 0.5rem 0 1rem; }
summary { cursor: pointer; color: #123f6b; }
pre { background: #f4f4f4; padding: 0.5rem; white-space: pre-wrap; word-break: break-all; }
dl.legend dt { font-weight: 700; }
";

/// The full page. `command` is the command line that produced it. With
/// `report --by-period`, a line chart shows the failure share over time.
pub fn page(s: &Summary, command: &str) -> String {
    render(s, command, &periods(s))
}

/// The failure share per period, oldest first (`breakdowns.period` without the row of
/// contacts that have no date).
fn periods(s: &Summary) -> Vec<Estimate> {
    s.breakdowns
        .period
        .iter()
        .filter(|r| r.key != NO_DATE)
        .map(|r| share_estimate(&r.key, &counts(r)))
        .collect()
}

/// The page with the line chart of `periods` (none when empty).
fn render(s: &Summary, command: &str, periods: &[Estimate]) -> String {
    let title = format!("Failure demand report: {}", s.ruleset.name);
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (maud::PreEscaped(STYLE)) }
            }
            body {
                (header(s))
                (legend(s))
                (overall_section(s))
                (totals_section(s))
                (share_section(s, "by-service", "service", &s.breakdowns.service))
                (share_section(s, "by-channel", "channel", &s.breakdowns.channel))
                (heat_map_section(s))
                (kinds_section(s))
                (repeat_section(s))
                (period_section(s, periods))
                (provenance_section(s, command))
            }
        }
    };
    markup.into_string()
}

/// The failure share of `counts` as a chart estimate: the share of classified contacts,
/// its 95% interval, and its bounds over the unclassified contacts. Used for every share
/// bar, and meant for the rows of the period chart.
pub fn share_estimate(label: &str, counts: &Counts) -> Estimate {
    let share = FailureShare::of(counts);
    let classified = counts.failure + counts.value;
    Estimate {
        label: label.to_string(),
        value: share.estimate,
        interval: share.ci95,
        bounds: share.bounds,
        note: match share.estimate {
            Some(_) => format!("{} of {classified}", pct(share.estimate)),
            None => "none classified".to_string(),
        },
        fill: Fill::Failure,
    }
}

/// The class counts of a breakdown row.
fn counts(r: &Row) -> Counts {
    Counts {
        value: r.value,
        failure: r.failure,
        unclassified: r.unclassified,
        ..Counts::default()
    }
}

/// The claim as a line across share charts.
fn claim_line(s: &Summary) -> Option<Reference> {
    s.claim.map(|c| Reference {
        value: c.share,
        label: format!("claim {:.0}%", c.share * 100.0),
    })
}

/// The figure and the sentence a reader takes away: the table's claim sentence when a
/// claim was tested, else the share and its interval; then the verdict on its own.
fn header(s: &Summary) -> Markup {
    let f = &s.failure_share;
    let sentence = claim_sentence(s).unwrap_or_else(|| match f.estimate {
        Some(_) => format!(
            "Failure demand is {} ({} with 95% confidence) of classified contacts.",
            pct(f.estimate),
            range(f.ci95)
        ),
        None => "No contact was classified, so there is no failure share.".to_string(),
    });
    html! {
        header {
            h1 { "Failure demand report" }
            p class="muted" { (ruleset_label(s)) "; " (s.totals.contacts) " contacts read." }
            p class="headline" id="headline" {
                span class="figure" { (pct(f.estimate)) }
                (sentence)
            }
            @if let Some(c) = s.claim {
                p {
                    "Verdict against the " (format!("{:.0}%", c.share * 100.0)) " claim: "
                    span class="verdict" { (c.verdict.name()) }
                    @if !c.holds_across_bounds {
                        " (not certain: the unclassified contacts could change it)"
                    }
                }
            }
        }
    }
}

/// What the marks of the charts mean, before the first chart.
fn legend(s: &Summary) -> Markup {
    html! {
        section id="how-to-read" {
            h2 { "How to read the charts" }
            dl class="legend" {
                dt { "Failure share" }
                dd { "Failure demand as a share of the contacts the rules classified (failure and \
                      value); unclassified contacts are left out of it, and shown separately." }
                dt { "Hatched bar and black whisker" }
                dd { "The share, and its 95% interval: with this many contacts the true share is \
                      very probably inside the whisker. Short whiskers mean many contacts; long \
                      ones mean few, so read those bars with care." }
                dt { "Dotted line under a bar" }
                dd { "Where the share would be if every unclassified contact were value (left end) \
                      or failure (right end), as a share of all contacts in the row." }
                @if s.claim.is_some() {
                    dt { "Dashed vertical line" }
                    dd { "The claimed share the figures are tested against." }
                }
            }
        }
    }
}

/// The overall share as one bar: its interval and unclassified bounds at a glance.
fn overall_section(s: &Summary) -> Markup {
    let t = &s.totals;
    let all = Counts {
        value: t.value,
        failure: t.failure,
        unclassified: t.unclassified,
        ..Counts::default()
    };
    let bar = share_estimate("all contacts", &all);
    let f = &s.failure_share;
    let desc = format!(
        "Failure share of classified contacts {} (95% interval {}); {} if every unclassified \
         contact were value, {} if every one were failure.",
        pct(f.estimate),
        range(f.ci95),
        pct(f.bounds.map(|b| b[0])),
        pct(f.bounds.map(|b| b[1]))
    );
    let chart = Chart {
        id: "chart-overall",
        title: "Overall failure share",
        desc: &desc,
    };
    html! {
        section class="chart-section" id="overall" {
            h2 { "Overall failure share" }
            (svg::bar_chart(&chart, Axis::share(), &[bar], claim_line(s).as_ref()))
            p { (desc) }
        }
    }
}

/// The totals and the conservation identity, and what the unclassified could change.
fn totals_section(s: &Summary) -> Markup {
    let t = &s.totals;
    html! {
        section id="totals" {
            h2 { "Every contact accounted for" }
            p { strong { (identity(t)) } }
            table {
                tr { th { "contacts read" } td class="n" { (t.contacts) } }
                tr { th { "value demand" } td class="n" { (t.value) } }
                tr { th { "failure demand" } td class="n" { (t.failure) } }
                tr { th { "unclassified (no rule decided)" } td class="n" { (t.unclassified) } }
                tr { th { "rejected (unreadable rows)" } td class="n" { (t.rejected) } }
            }
            @if t.unclassified > 0 {
                p {
                    (t.unclassified) " contacts (" (pct(Some(t.unclassified as f64 / t.contacts as f64)))
                    " of those read) were not classified by the rules. They are left out of the \
                    failure share; had every one been value demand the share of all contacts \
                    would be " (pct(s.failure_share.bounds.map(|b| b[0]))) ", had every one been \
                    failure demand " (pct(s.failure_share.bounds.map(|b| b[1]))) "."
                }
            }
            @if t.rejected > 0 {
                p { (t.rejected) " rows could not be read and were not classified \
                    (see --rejects FILE for the rows)." }
            }
        }
    }
}

/// The numbers behind a breakdown chart.
fn rows_table(s: &Summary, title: &str, rows: &[Row]) -> Markup {
    html! {
        details {
            summary { "The numbers (" (rows.len()) " rows)" }
            table {
                tr {
                    th { (title) } th { "contacts" } th { "value" } th { "failure" }
                    th { "unclassified" } th { "failure share" } th { "95% interval" }
                    th { "if unclassified were value / failure" }
                    @if s.claim.is_some() { th { "vs claim" } }
                }
                @for r in rows {
                    @let bounds = FailureShare::of(&counts(r)).bounds;
                    tr {
                        td { (r.key) }
                        td class="n" { (r.contacts) } td class="n" { (r.value) }
                        td class="n" { (r.failure) } td class="n" { (r.unclassified) }
                        td class="n" { (pct(r.failure_share)) } td class="n" { (range(r.ci95)) }
                        td class="n" { (range(bounds)) }
                        @if s.claim.is_some() {
                            td { (r.claim.as_ref().map_or_else(|| "-".to_string(), verdict_cell)) }
                        }
                    }
                }
            }
            @if s.claim.is_some() {
                p class="muted" { "vs claim: below, consistent with or above the claim; ? the \
                    unclassified contacts could change the verdict; * under 30 classified \
                    contacts, read with care." }
            }
        }
    }
}

/// Failure share by service or by channel: bars with whiskers, and the numbers.
fn share_section(s: &Summary, id: &str, title: &str, rows: &[Row]) -> Markup {
    let bars: Vec<Estimate> = rows
        .iter()
        .map(|r| share_estimate(&r.key, &counts(r)))
        .collect();
    let heading = format!("Failure share by {title}");
    let desc = format!(
        "Horizontal bars, one per {title}, largest number of contacts first: {}.",
        rows.iter()
            .map(|r| format!("{} {} ({})", r.key, pct(r.failure_share), range(r.ci95)))
            .collect::<Vec<_>>()
            .join("; ")
    );
    let chart_id = format!("chart-{id}");
    let chart = Chart {
        id: &chart_id,
        title: &heading,
        desc: &desc,
    };
    html! {
        section class="chart-section" id=(id) {
            h2 { (heading) }
            (svg::bar_chart(&chart, Axis::share(), &bars, claim_line(s).as_ref()))
            (rows_table(s, title, rows))
        }
    }
}

/// Failure share for each service on each channel, as a shaded grid with the figures.
fn heat_map_section(s: &Summary) -> Markup {
    let b = &s.breakdowns;
    let services: Vec<String> = b.service.iter().map(|r| r.key.clone()).collect();
    let channels: Vec<String> = b.channel.iter().map(|r| r.key.clone()).collect();
    let mut cells = vec![vec![None; channels.len()]; services.len()];
    for r in &b.service_channel {
        let (Some(sv), Some(ch)) = (&r.service, &r.channel) else {
            continue;
        };
        let (Some(i), Some(j)) = (
            services.iter().position(|k| k == sv),
            channels.iter().position(|k| k == ch),
        ) else {
            continue;
        };
        let classified = r.failure + r.value;
        let small = r.failure_share.is_some() && classified < SMALL;
        cells[i][j] = Some(Cell {
            value: r.failure_share,
            text: format!("{}{}", pct(r.failure_share), if small { "*" } else { "" }),
            sub: format!("{} of {classified}", r.failure),
        });
    }
    let desc = "A grid with a row per service and a column per channel. Each cell gives the \
                failure share of the classified contacts for that service on that channel, \
                and the failure and classified counts; darker cells have a larger share, and \
                an empty cell means no contact of that service on that channel.";
    let chart = Chart {
        id: "chart-service-channel",
        title: "Failure share by service and channel",
        desc,
    };
    html! {
        section class="chart-section" id="service-channel" {
            h2 { "Failure share by service and channel" }
            p class="muted" { "Each cell: failure share, then failure contacts of classified \
                contacts. * fewer than " (SMALL) " classified contacts: the interval is wide \
                (see the table), so a dark cell may be chance." }
            (svg::heat_map(&chart, &services, &channels, &cells))
            (rows_table(s, "service / channel", &b.service_channel))
        }
    }
}

/// Contacts by the kind of demand the deciding rule names, grouped by class.
fn kinds_section(s: &Summary) -> Markup {
    let rows = &s.breakdowns.kind;
    let all = s.totals.contacts - s.totals.rejected;
    let class_of = |r: &Row| r.class.unwrap_or(Class::Unclassified);
    let bars: Vec<Estimate> = rows
        .iter()
        .map(|r| Estimate {
            label: format!("{} ({})", r.key, class_of(r).name()),
            value: Some(r.contacts as f64),
            interval: None,
            bounds: None,
            note: format!(
                "{} ({})",
                r.contacts,
                pct((all > 0).then(|| r.contacts as f64 / all as f64))
            ),
            fill: match class_of(r) {
                Class::Failure => Fill::Failure,
                Class::Value => Fill::Value,
                Class::Unclassified => Fill::Unclassified,
            },
        })
        .collect();
    let largest = rows.iter().map(|r| r.contacts).max().unwrap_or(0) as f64;
    let desc = format!(
        "Horizontal bars of contacts per kind of demand; failure kinds hatched, value kinds \
         solid, unclassified outlined: {}.",
        rows.iter()
            .map(|r| format!("{} ({}) {}", r.key, class_of(r).name(), r.contacts))
            .collect::<Vec<_>>()
            .join("; ")
    );
    let chart = Chart {
        id: "chart-kinds",
        title: "Contacts by kind of demand",
        desc: &desc,
    };
    html! {
        section class="chart-section" id="kinds" {
            h2 { "Contacts by kind of demand" }
            p class="muted" { "Hatched: failure demand; solid: value demand; outlined: \
                unclassified. Percentages are of all classified and unclassified contacts." }
            (svg::bar_chart(&chart, Axis::fitting(largest, false), &bars, None))
            details {
                summary { "The numbers (" (rows.len()) " kinds)" }
                table {
                    tr { th { "kind" } th { "class" } th { "contacts" } }
                    @for r in rows {
                        tr { td { (r.key) } td { (class_of(r).name()) } td class="n" { (r.contacts) } }
                    }
                }
            }
        }
    }
}

/// Repeat contacts, when repeat detection ran: its findings in words, and the repeat
/// share of the contacts it could check, by service, with 95% interval whiskers.
fn repeat_section(s: &Summary) -> Markup {
    let Some(r) = &s.totals.repeat else {
        return html! {};
    };
    let bar = |row: &RepeatRow| Estimate {
        label: row.key.clone(),
        value: row.share,
        interval: row.ci95,
        bounds: None,
        note: format!("{} of {}", row.repeats, row.eligible),
        fill: Fill::Failure,
    };
    let bars: Vec<Estimate> = r.by_service.iter().map(bar).collect();
    let desc = format!(
        "Horizontal bars, one per service, of the share of checked contacts that repeat an \
         earlier contact of the same {} within {} days: {}.",
        r.key.join(" + "),
        r.window_days,
        r.by_service
            .iter()
            .map(|row| format!("{} {} ({})", row.key, pct(row.share), range(row.ci95)))
            .collect::<Vec<_>>()
            .join("; ")
    );
    let chart = Chart {
        id: "chart-repeats",
        title: "Repeat contacts by service",
        desc: &desc,
    };
    let table = |title: &str, rows: &[RepeatRow]| {
        html! {
            table {
                tr { th { (title) } th { "checked" } th { "repeats" } th { "repeat share" }
                     th { "95% interval" } }
                @for row in rows {
                    tr { td { (row.key) } td class="n" { (row.eligible) }
                         td class="n" { (row.repeats) } td class="n" { (pct(row.share)) }
                         td class="n" { (range(row.ci95)) } }
                }
            }
        }
    };
    html! {
        section class="chart-section" id="repeats" {
            h2 { "Repeat contacts" }
            @for line in repeat_lines(s) {
                p { (line) }
            }
            p class="muted" { "Bars: repeats as a share of the contacts that could be checked \
                (timestamp and key present), by service; the note gives repeats of checked." }
            (svg::bar_chart(&chart, Axis::share(), &bars, None))
            details {
                summary { "The numbers (by service and by channel)" }
                (table("service", &r.by_service))
                (table("channel", &r.by_channel))
            }
        }
    }
}

/// Hook for the failure share over time (`report --by-period`): a line with its 95%
/// interval band, one point per period. Renders nothing when there are no periods.
fn period_section(s: &Summary, periods: &[Estimate]) -> Markup {
    if periods.is_empty() {
        return html! {};
    }
    let largest = periods
        .iter()
        .filter_map(|p| p.interval.map(|i| i[1]).or(p.value))
        .chain(s.claim.map(|c| c.share))
        .fold(0.0, f64::max);
    let desc = format!(
        "A line of the failure share per period with a band for its 95% interval: {}.",
        periods
            .iter()
            .map(|p| format!("{} {} ({})", p.label, pct(p.value), range(p.interval)))
            .collect::<Vec<_>>()
            .join("; ")
    );
    let chart = Chart {
        id: "chart-period",
        title: "Failure share over time",
        desc: &desc,
    };
    html! {
        section class="chart-section" id="by-period" {
            h2 { "Failure share over time" }
            p class="muted" { "The line is the failure share of classified contacts in each \
                period; the shaded band is its 95% interval. A gap is a period with no \
                classified contacts." }
            (svg::line_chart(&chart, Axis::fitting(largest, true), periods, claim_line(s).as_ref()))
            details {
                summary { "The numbers (" (periods.len()) " periods)" }
                table {
                    tr { th { "period" } th { "failure share" } th { "95% interval" }
                         th { "failure of classified" } }
                    @for p in periods {
                        tr { td { (p.label) } td class="n" { (pct(p.value)) }
                             td class="n" { (range(p.interval)) } td class="n" { (p.note) } }
                    }
                }
            }
        }
    }
}

/// Rule set, tool, inputs and command line: what a reader needs to reproduce the figures.
fn provenance_section(s: &Summary, command: &str) -> Markup {
    let r = &s.ruleset;
    html! {
        section id="provenance" {
            h2 { "How this report was made" }
            table {
                tr { th { "rule set" } td { (r.name) } }
                tr { th { "rule set version" } td { @if r.version.is_empty() { "(none)" } @else { (r.version) } } }
                tr { th { "rules" } td { (r.rules) ", default class " (r.default_class.name()) } }
                tr { th { "rule files" } td { (r.sources.join(", ")) } }
                tr { th { "tool" } td { (s.tool.name) " " (s.tool.version) } }
            }
            p { "Inputs:" }
            table {
                tr { th { "source" } th { "encoding" } th { "rows" } th { "rejected" } }
                @for i in &s.inputs {
                    tr { td { (i.source) } td { (i.encoding) } td class="n" { (i.contacts) }
                         td class="n" { (i.rejected) } }
                }
            }
            p { "Command:" }
            pre { code { (command) } }
        }
    }
}

/// A command line as it could be typed again: the program's file name, then each argument,
/// single-quoted for a POSIX shell where it holds anything but plain characters.
pub fn command_line(args: impl IntoIterator<Item = String>) -> String {
    let mut args = args.into_iter();
    let program = args
        .next()
        .map(|p| {
            std::path::Path::new(&p)
                .file_name()
                .map_or(p.clone(), |f| f.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "demand".to_string());
    let plain = |a: &str| {
        !a.is_empty()
            && a.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./=:,%+@".contains(c))
    };
    std::iter::once(program)
        .chain(args.map(|a| {
            if plain(&a) {
                a
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        }))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::Period;
    use crate::rules::RuleSet;
    use crate::summary::Tally;

    fn summary(cells: &[(&str, &str, u64, u64, u64)], claim: Option<f64>) -> Summary {
        let rules = RuleSet::from_paths(&[]).unwrap();
        let mut tally = Tally::new(rules.rules.len());
        for (service, channel, value, failure, unclassified) in cells {
            tally.cells.insert(
                (service.to_string(), channel.to_string()),
                Counts {
                    value: *value,
                    failure: *failure,
                    unclassified: *unclassified,
                    ..Counts::default()
                },
            );
        }
        Summary::new(&tally, &rules, Vec::new(), claim)
    }

    /// The chart sections of a page, each with its number of `<svg>` elements.
    fn chart_sections(page: &str) -> Vec<(String, usize)> {
        page.split(r#"<section class="chart-section" id=""#)
            .skip(1)
            .map(|part| {
                let id = part.split('"').next().unwrap().to_string();
                let body = part.split("</section>").next().unwrap();
                (id, body.matches("<svg").count())
            })
            .collect()
    }

    #[test]
    fn names_from_the_data_are_escaped() {
        let evil = r#"<img src=x onerror="alert(1)">&"#;
        let s = summary(&[(evil, "phone", 5, 5, 0), ("waste", evil, 3, 1, 1)], None);
        let page = page(&s, "demand report 'x'");
        assert!(!page.contains("<img"), "raw markup from the data");
        assert!(page.contains("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;"));
    }

    #[test]
    fn page_has_the_headline_identity_and_one_chart_per_section() {
        let s = summary(
            &[("tax", "phone", 60, 30, 10), ("waste", "web", 5, 5, 0)],
            Some(0.8),
        );
        let page = page(&s, "demand report log.csv --claim 0.8");
        let sections = chart_sections(&page);
        let ids: Vec<&str> = sections.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "overall",
                "by-service",
                "by-channel",
                "service-channel",
                "kinds"
            ]
        );
        assert!(sections.iter().all(|(_, svgs)| *svgs == 1), "{sections:?}");
        // 35 failure of 100 classified.
        assert!(page.contains(r#"<span class="figure">35.0%</span>"#));
        assert!(page.contains("the 80% claim is not supported by this log"));
        assert!(
            page.contains("contacts 110 = value 65 + failure 35 + unclassified 10 + rejected 0")
        );
        assert!(page.contains("<code>demand report log.csv --claim 0.8</code>"));
        assert!(
            !page.contains("by-period"),
            "no period chart without periods"
        );
        // Bounds for the unclassified: 35/110 and 45/110.
        assert!(page.contains("31.8%") && page.contains("40.9%"));
    }

    #[test]
    fn period_hook_draws_the_share_over_time() {
        let s = summary(&[("tax", "phone", 60, 30, 10)], None);
        let months = [
            ("2026-01", 40, 10, 2),
            ("2026-02", 0, 0, 3),
            ("2026-03", 20, 20, 0),
        ];
        let periods: Vec<Estimate> = months
            .iter()
            .map(|(label, value, failure, unclassified)| {
                share_estimate(
                    label,
                    &Counts {
                        value: *value,
                        failure: *failure,
                        unclassified: *unclassified,
                        ..Counts::default()
                    },
                )
            })
            .collect();
        assert_eq!(periods[1].value, None, "no classified contacts: no share");
        let page = render(&s, "demand", &periods);
        let sections = chart_sections(&page);
        assert_eq!(sections.last().unwrap(), &("by-period".to_string(), 1));
        let period = page.split(r#"id="by-period""#).nth(1).unwrap();
        // The empty month splits band and line: two bands, two line pieces, two markers.
        assert_eq!(period.matches(r#"class="band""#).count(), 2);
        assert_eq!(period.matches(r#"class="point""#).count(), 2);
        assert!(period.contains("<td>2026-02</td><td class=\"n\">-</td>"));
        assert!(period.contains("20.0% of 50") && period.contains("50.0% of 40"));
    }

    #[test]
    fn periods_come_from_the_summary_without_the_undated() {
        let rules = RuleSet::from_paths(&[]).unwrap();
        let mut tally = Tally::new(rules.rules.len());
        let c = |value, failure| Counts {
            value,
            failure,
            ..Counts::default()
        };
        let month =
            |m: u32| Period::Month.index(i64::from(m - 1) * 31 * 86_400 + 20 * 365 * 86_400);
        tally
            .cells
            .insert(("tax".into(), "phone".into()), c(20, 12));
        tally
            .periods
            .insert(("tax".into(), Some(month(1))), c(10, 10));
        tally
            .periods
            .insert(("tax".into(), Some(month(3))), c(10, 0));
        tally.periods.insert(("tax".into(), None), c(0, 2));
        let s = Summary::new(&tally, &rules, Vec::new(), None).with_periods(
            &tally,
            Some(Period::Month),
            None,
        );
        let got: Vec<(String, Option<f64>)> = periods(&s)
            .into_iter()
            .map(|e| (e.label, e.value))
            .collect();
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[0].1, Some(0.5));
        assert_eq!(got[1].1, None, "the empty month is a gap");
        assert_eq!(got[2].1, Some(0.0));
        assert!(page(&s, "demand").contains(r#"id="by-period""#));
    }

    #[test]
    fn command_line_quotes_what_a_shell_would_split() {
        let args = [
            "/usr/local/bin/demand",
            "report",
            "my log.csv",
            "--claim",
            "80%",
            "it's",
        ];
        assert_eq!(
            command_line(args.map(String::from)),
            r#"demand report 'my log.csv' --claim 80% 'it'\''s'"#
        );
        assert_eq!(command_line(Vec::new()), "demand");
    }
}
