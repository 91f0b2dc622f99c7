//! Renderers: one [`Summary`], five formats.
//!
//! `table` is for a person at an 80-column terminal; `markdown` for pasting into a paper
//! or an issue; `csv` is one long table (one row per breakdown row, a `section` column to
//! filter on) for spreadsheets; `json` is the versioned schema of docs/report-json.md;
//! `html` is a self-contained page with charts ([`crate::html`]).

use crate::summary::{Summary, Totals};
use std::fmt::Write as _;

/// The output formats of `demand report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    Markdown,
    Html,
}

/// The report in `format`; `command` is the command line that produced it (the HTML page
/// shows it, so that a reader can reproduce the figures).
pub fn render(summary: &Summary, format: Format, command: &str) -> String {
    match format {
        Format::Table => table(summary),
        Format::Csv => csv(summary),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(summary).expect("summary serialises");
            s.push('\n');
            s
        }
        Format::Markdown => markdown(summary),
        Format::Html => crate::html::page(summary, command),
    }
}

pub(crate) fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_string(), |v| format!("{:.1}%", v * 100.0))
}

pub(crate) fn range(r: Option<[f64; 2]>) -> String {
    r.map_or_else(
        || "-".to_string(),
        |[a, b]| format!("{:.1}-{:.1}%", a * 100.0, b * 100.0),
    )
}

/// Which rules produced the figures: a figure without its rules is not comparable.
pub(crate) fn ruleset_label(s: &Summary) -> String {
    let r = &s.ruleset;
    let version = if r.version.is_empty() {
        String::new()
    } else {
        format!(" version {}", r.version)
    };
    format!("rules {:?}{version} ({} rules)", r.name, r.rules)
}

/// The verdict as a table cell: `?` when unclassified contacts could change it, `*` when
/// the row is too small for its interval to say much.
pub(crate) fn verdict_cell(c: &crate::summary::Claim) -> String {
    format!(
        "{}{}{}",
        c.verdict.name(),
        if c.holds_across_bounds { "" } else { "?" },
        if c.small { "*" } else { "" }
    )
}

/// One sentence a lay reader can take away, when a claim was tested.
pub fn claim_sentence(s: &Summary) -> Option<String> {
    let c = s.claim?;
    let f = &s.failure_share;
    let claim = format!("{:.0}%", c.share * 100.0);
    let verdict = match c.verdict {
        crate::stats::Verdict::Below => format!("the {claim} claim is not supported by this log"),
        crate::stats::Verdict::Consistent => {
            format!("this log is consistent with the {claim} claim")
        }
        crate::stats::Verdict::Above => {
            format!("failure demand in this log is above the {claim} claim")
        }
    };
    let caveat = if c.holds_across_bounds {
        String::new()
    } else {
        format!(
            " (but the {} unclassified contacts could change that verdict)",
            s.totals.unclassified
        )
    };
    Some(format!(
        "Failure demand is {} ({}) of classified contacts; {verdict}{caveat}.",
        pct(f.estimate),
        range(f.ci95)
    ))
}

/// The conservation identity: every row read is counted in exactly one class.
pub(crate) fn identity(t: &Totals) -> String {
    format!(
        "contacts {} = value {} + failure {} + unclassified {} + rejected {} + duplicates {}",
        t.contacts, t.value, t.failure, t.unclassified, t.rejected, t.duplicates
    )
}

/// The headline shared by the table and markdown formats.
fn headline(s: &Summary) -> Vec<String> {
    let t = &s.totals;
    let mut lines: Vec<String> = claim_sentence(s).into_iter().collect();
    lines.push(identity(t));
    if s.claim.is_some() {
        lines.push(
            "verdicts: below/consistent/above the claim; ? unclassified could change it; \
             * under 30 classified"
                .to_string(),
        );
    }
    let f = &s.failure_share;
    match f.estimate {
        Some(_) => {
            lines.push(format!(
                "failure share {} of classified contacts (95% CI {})",
                pct(f.estimate),
                range(f.ci95)
            ));
            if let Some([lo, hi]) = f.bounds.filter(|_| t.unclassified > 0) {
                lines.push(format!(
                    "if every unclassified contact were value: {}; if failure: {}",
                    pct(Some(lo)),
                    pct(Some(hi))
                ));
            }
        }
        None => lines.push("failure share: no contact was classified".to_string()),
    }
    lines.extend(repeat_lines(s));
    lines
}

/// Repeat detection's findings in a few sentences.
pub(crate) fn repeat_lines(s: &Summary) -> Vec<String> {
    let Some(r) = &s.totals.repeat else {
        return Vec::new();
    };
    let reasons = r
        .ineligible
        .iter()
        .map(|(why, n)| format!("{why} {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    if r.eligible == 0 {
        return vec![format!(
            "repeat contacts: none could be checked ({reasons})"
        )];
    }
    let mut lines = vec![format!(
        "repeat contacts (same {} within {} days): {} of {} checked ({}, 95% CI {}); \
         {} became failure demand of kind {:?}, {} were failure by their notes already",
        r.key.join(" + "),
        r.window_days,
        r.repeats,
        r.eligible,
        pct(r.share),
        range(r.ci95),
        r.converted,
        r.kind,
        r.already_failure
    )];
    if r.repeats > 0 {
        let chains: Vec<String> = r
            .chains
            .iter()
            .map(|(len, n)| format!("{n} of {len}"))
            .collect();
        lines.push(format!("repeat chains by contacts: {}", chains.join(", ")));
    }
    if !reasons.is_empty() {
        lines.push(format!("not checked for repeats: {reasons}"));
    }
    lines
}

/// A breakdown row as people read it: per-service periods carry their service.
fn row_label(section: &str, r: &crate::summary::Row) -> String {
    match (section, &r.service) {
        ("service_period", Some(service)) => format!("{service} / {}", r.key),
        _ => r.key.clone(),
    }
}

/// Splits `text` into lines of at most `width` characters at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let line = lines.last_mut().expect("never empty");
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(word.to_string());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(width - 1).collect();
        t.push('~');
        t
    }
}

fn table(s: &Summary) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "demand report: {}", ruleset_label(s));
    for line in headline(s) {
        for wrapped in wrap(&line, 80) {
            let _ = writeln!(out, "{wrapped}");
        }
    }
    // With a claim, the verdict takes the place of the value count (still in the other
    // formats, and value = contacts - failure - unclassified).
    let (key_width, third) = match s.claim {
        Some(c) => (19, format!("vs {:.0}%", c.share * 100.0)),
        None => (24, "value".to_string()),
    };
    let third_width = 31 - key_width;
    for (section, title, rows) in s.breakdowns.sections() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:<key_width$} {:>8} {:>third_width$} {:>7} {:>7} {:>7} {:>12}",
            format!("by {title}"),
            "contacts",
            third,
            "failure",
            "unclass",
            "fail%",
            "95% CI"
        );
        for r in rows {
            let cell = match (s.claim, r.claim) {
                (Some(_), Some(c)) => verdict_cell(&c),
                (Some(_), None) => "-".to_string(),
                (None, _) => r.value.to_string(),
            };
            let _ = writeln!(
                out,
                "{:<key_width$} {:>8} {:>third_width$} {:>7} {:>7} {:>7} {:>12}",
                truncate(&row_label(section, r), key_width),
                r.contacts,
                cell,
                r.failure,
                r.unclassified,
                pct(r.failure_share),
                range(r.ci95)
            );
        }
    }
    if let Some(r) = &s.totals.repeat {
        for (title, rows) in [("service", &r.by_service), ("channel", &r.by_channel)] {
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "{:<24} {:>8} {:>8} {:>7} {:>12}",
                format!("repeats by {title}"),
                "checked",
                "repeats",
                "rep%",
                "95% CI"
            );
            for row in rows {
                let _ = writeln!(
                    out,
                    "{:<24} {:>8} {:>8} {:>7} {:>12}",
                    truncate(&row.key, 24),
                    row.eligible,
                    row.repeats,
                    pct(row.share),
                    range(row.ci95)
                );
            }
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<40} {:<8} {:>8} {:>8}",
        "rule", "class", "hits", "wins"
    );
    for r in s.rules.iter().filter(|r| r.hits > 0) {
        let _ = writeln!(
            out,
            "{:<40} {:<8} {:>8} {:>8}",
            truncate(&r.id, 40),
            r.class.name(),
            r.hits,
            r.wins
        );
    }
    let silent = s.rules.iter().filter(|r| r.hits == 0).count();
    if silent > 0 {
        let _ = writeln!(out, "({silent} rules matched no contact)");
    }
    out
}

fn markdown(s: &Summary) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Failure demand report\n");
    let _ = writeln!(out, "{}\n", ruleset_label(s));
    for line in headline(s) {
        let _ = writeln!(out, "- {line}");
    }
    for (section, title, rows) in s.breakdowns.sections() {
        let _ = writeln!(out, "\n## By {title}\n");
        let claim_head = if s.claim.is_some() { " vs claim |" } else { "" };
        let claim_rule = if s.claim.is_some() { "---|" } else { "" };
        let _ = writeln!(
            out,
            "| {title} | contacts | value | failure | unclassified | failure share | 95% CI |{claim_head}"
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|{claim_rule}");
        for r in rows {
            let verdict = match (s.claim, r.claim) {
                (Some(_), Some(c)) => format!(" {} |", verdict_cell(&c)),
                (Some(_), None) => " - |".to_string(),
                (None, _) => String::new(),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |{verdict}",
                row_label(section, r).replace('|', "\\|"),
                r.contacts,
                r.value,
                r.failure,
                r.unclassified,
                pct(r.failure_share),
                range(r.ci95)
            );
        }
    }
    if let Some(r) = &s.totals.repeat {
        for (title, rows) in [("service", &r.by_service), ("channel", &r.by_channel)] {
            let _ = writeln!(out, "\n## Repeat contacts by {title}\n");
            let _ = writeln!(
                out,
                "| {title} | checked | repeats | repeat share | 95% CI |"
            );
            let _ = writeln!(out, "|---|---:|---:|---:|---:|");
            for row in rows {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    row.key.replace('|', "\\|"),
                    row.eligible,
                    row.repeats,
                    pct(row.share),
                    range(row.ci95)
                );
            }
        }
    }
    let _ = writeln!(out, "\n## Rules\n");
    let _ = writeln!(out, "| rule | class | kind | hits | wins |");
    let _ = writeln!(out, "|---|---|---|---:|---:|");
    for r in &s.rules {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            r.id,
            r.class.name(),
            r.kind,
            r.hits,
            r.wins
        );
    }
    out
}

/// The CSV cells of a claim verdict: verdict and whether it holds across the bounds.
fn claim_cell(c: Option<&crate::summary::Claim>) -> (String, String) {
    c.map_or((String::new(), String::new()), |c| {
        (
            c.verdict.name().to_string(),
            c.holds_across_bounds.to_string(),
        )
    })
}

/// One line of the CSV report; empty cells stay empty.
#[derive(Default)]
struct CsvLine {
    section: String,
    service: String,
    channel: String,
    period: String,
    kind: String,
    rule: String,
    contacts: String,
    value: String,
    failure: String,
    unclassified: String,
    rejected: String,
    failure_share: String,
    ci95_low: String,
    ci95_high: String,
    hits: String,
    wins: String,
    claim_verdict: String,
    claim_holds_across_bounds: String,
    repeat_eligible: String,
    repeats: String,
    repeat_share: String,
}

impl CsvLine {
    const HEADER: [&'static str; 21] = [
        "section",
        "service",
        "channel",
        "period",
        "kind",
        "rule",
        "contacts",
        "value",
        "failure",
        "unclassified",
        "rejected",
        "failure_share",
        "ci95_low",
        "ci95_high",
        "hits",
        "wins",
        "claim_verdict",
        "claim_holds_across_bounds",
        "repeat_eligible",
        "repeats",
        "repeat_share",
    ];

    fn cells(self) -> [String; 21] {
        [
            self.section,
            self.service,
            self.channel,
            self.period,
            self.kind,
            self.rule,
            self.contacts,
            self.value,
            self.failure,
            self.unclassified,
            self.rejected,
            self.failure_share,
            self.ci95_low,
            self.ci95_high,
            self.hits,
            self.wins,
            self.claim_verdict,
            self.claim_holds_across_bounds,
            self.repeat_eligible,
            self.repeats,
            self.repeat_share,
        ]
    }
}

fn csv(s: &Summary) -> String {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let num = |x: Option<f64>| x.map_or_else(String::new, |v| format!("{v:.6}"));
    let _ = w.write_record(CsvLine::HEADER);
    let t = &s.totals;
    let f = &s.failure_share;
    let (verdict, holds) = claim_cell(s.claim.as_ref());
    let repeat = t.repeat.as_ref();
    let _ = w.write_record(
        CsvLine {
            section: "overall".into(),
            contacts: t.contacts.to_string(),
            value: t.value.to_string(),
            failure: t.failure.to_string(),
            unclassified: t.unclassified.to_string(),
            rejected: t.rejected.to_string(),
            failure_share: num(f.estimate),
            ci95_low: num(f.ci95.map(|c| c[0])),
            ci95_high: num(f.ci95.map(|c| c[1])),
            claim_verdict: verdict,
            claim_holds_across_bounds: holds,
            repeat_eligible: repeat.map(|r| r.eligible.to_string()).unwrap_or_default(),
            repeats: repeat.map(|r| r.repeats.to_string()).unwrap_or_default(),
            repeat_share: num(repeat.and_then(|r| r.share)),
            ..CsvLine::default()
        }
        .cells(),
    );
    for (section, _, rows) in s.breakdowns.sections() {
        for r in rows {
            let (mut service, mut channel, mut period, mut kind) = Default::default();
            match section {
                "service" => service = r.key.clone(),
                "channel" => channel = r.key.clone(),
                "kind" => kind = r.key.clone(),
                "period" | "service_period" => {
                    period = r.key.clone();
                    service = r.service.clone().unwrap_or_default();
                }
                _ => {
                    service = r.service.clone().unwrap_or_default();
                    channel = r.channel.clone().unwrap_or_default();
                }
            }
            let (verdict, holds) = claim_cell(r.claim.as_ref());
            let _ = w.write_record(
                CsvLine {
                    section: section.to_string(),
                    service,
                    channel,
                    period,
                    kind,
                    contacts: r.contacts.to_string(),
                    value: r.value.to_string(),
                    failure: r.failure.to_string(),
                    unclassified: r.unclassified.to_string(),
                    failure_share: num(r.failure_share),
                    ci95_low: num(r.ci95.map(|c| c[0])),
                    ci95_high: num(r.ci95.map(|c| c[1])),
                    claim_verdict: verdict,
                    claim_holds_across_bounds: holds,
                    ..CsvLine::default()
                }
                .cells(),
            );
        }
    }
    if let Some(repeat) = repeat {
        for (section, rows) in [
            ("repeat_service", &repeat.by_service),
            ("repeat_channel", &repeat.by_channel),
        ] {
            for r in rows {
                let mut line = CsvLine {
                    section: section.to_string(),
                    repeat_eligible: r.eligible.to_string(),
                    repeats: r.repeats.to_string(),
                    repeat_share: num(r.share),
                    ci95_low: num(r.ci95.map(|c| c[0])),
                    ci95_high: num(r.ci95.map(|c| c[1])),
                    ..CsvLine::default()
                };
                if section == "repeat_service" {
                    line.service = r.key.clone();
                } else {
                    line.channel = r.key.clone();
                }
                let _ = w.write_record(line.cells());
            }
        }
    }
    for r in &s.rules {
        let _ = w.write_record(
            CsvLine {
                section: "rule".into(),
                kind: r.kind.clone(),
                rule: r.id.clone(),
                hits: r.hits.to_string(),
                wins: r.wins.to_string(),
                ..CsvLine::default()
            }
            .cells(),
        );
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).expect("CSV of UTF-8 strings")
}
