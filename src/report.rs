//! Renderers: one [`Summary`], four formats.
//!
//! `table` is for a person at an 80-column terminal; `markdown` for pasting into a paper
//! or an issue; `csv` is one long table (one row per breakdown row, a `section` column to
//! filter on) for spreadsheets; `json` is the versioned schema of docs/report-json.md.

use crate::summary::Summary;
use std::fmt::Write as _;

/// The output formats of `demand report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    Markdown,
}

pub fn render(summary: &Summary, format: Format) -> String {
    match format {
        Format::Table => table(summary),
        Format::Csv => csv(summary),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(summary).expect("summary serialises");
            s.push('\n');
            s
        }
        Format::Markdown => markdown(summary),
    }
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_string(), |v| format!("{:.1}%", v * 100.0))
}

fn range(r: Option<[f64; 2]>) -> String {
    r.map_or_else(
        || "-".to_string(),
        |[a, b]| format!("{:.1}-{:.1}%", a * 100.0, b * 100.0),
    )
}

/// Which rules produced the figures: a figure without its rules is not comparable.
fn ruleset_label(s: &Summary) -> String {
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
fn verdict_cell(c: &crate::summary::Claim) -> String {
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

/// The headline shared by the table and markdown formats.
fn headline(s: &Summary) -> Vec<String> {
    let t = &s.totals;
    let mut lines: Vec<String> = claim_sentence(s).into_iter().collect();
    lines.push(format!(
        "contacts {} = value {} + failure {} + unclassified {} + rejected {}",
        t.contacts, t.value, t.failure, t.unclassified, t.rejected
    ));
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
    lines
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
    for (_, title, rows) in s.breakdowns.sections() {
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
                truncate(&r.key, key_width),
                r.contacts,
                cell,
                r.failure,
                r.unclassified,
                pct(r.failure_share),
                range(r.ci95)
            );
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
    for (_, title, rows) in s.breakdowns.sections() {
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
                r.key.replace('|', "\\|"),
                r.contacts,
                r.value,
                r.failure,
                r.unclassified,
                pct(r.failure_share),
                range(r.ci95)
            );
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

fn csv(s: &Summary) -> String {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let num = |x: Option<f64>| x.map_or_else(String::new, |v| format!("{v:.6}"));
    let _ = w.write_record([
        "section",
        "service",
        "channel",
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
    ]);
    let t = &s.totals;
    let f = &s.failure_share;
    let _ = w.write_record([
        "overall".to_string(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        t.contacts.to_string(),
        t.value.to_string(),
        t.failure.to_string(),
        t.unclassified.to_string(),
        t.rejected.to_string(),
        num(f.estimate),
        num(f.ci95.map(|c| c[0])),
        num(f.ci95.map(|c| c[1])),
        String::new(),
        String::new(),
        claim_cell(s.claim.as_ref()).0,
        claim_cell(s.claim.as_ref()).1,
    ]);
    for (section, _, rows) in s.breakdowns.sections() {
        for r in rows {
            let (service, channel, kind) = match section {
                "service" => (r.key.clone(), String::new(), String::new()),
                "channel" => (String::new(), r.key.clone(), String::new()),
                "kind" => (String::new(), String::new(), r.key.clone()),
                _ => (
                    r.service.clone().unwrap_or_default(),
                    r.channel.clone().unwrap_or_default(),
                    String::new(),
                ),
            };
            let _ = w.write_record([
                section.to_string(),
                service,
                channel,
                kind,
                String::new(),
                r.contacts.to_string(),
                r.value.to_string(),
                r.failure.to_string(),
                r.unclassified.to_string(),
                String::new(),
                num(r.failure_share),
                num(r.ci95.map(|c| c[0])),
                num(r.ci95.map(|c| c[1])),
                String::new(),
                String::new(),
                claim_cell(r.claim.as_ref()).0,
                claim_cell(r.claim.as_ref()).1,
            ]);
        }
    }
    for r in &s.rules {
        let _ = w.write_record([
            "rule".to_string(),
            String::new(),
            String::new(),
            r.kind.clone(),
            r.id.clone(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            r.hits.to_string(),
            r.wins.to_string(),
            String::new(),
            String::new(),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).expect("CSV of UTF-8 strings")
}
