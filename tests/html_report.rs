//! `demand report --format html`: a self-contained page, checked against the JSON report.

mod common;

use common::{demand, stdout_of};
use serde_json::Value;

/// The report of `args` in `format`, from the real binary.
fn report(format: &str, args: &[&str]) -> String {
    stdout_of(
        demand()
            .args(["report", "--quiet", "--format", format])
            .args(args),
    )
}

fn pct(v: &Value) -> String {
    v.as_f64()
        .map_or_else(|| "-".to_string(), |v| format!("{:.1}%", v * 100.0))
}

#[test]
fn html_report_holds_no_external_reference() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.html");
    demand()
        .args(["report", "fixtures/contacts.csv", "--claim", "0.8", "-q"])
        .args(["--format", "html", "-o"])
        .arg(&path)
        .assert()
        .success()
        .stdout("");
    let page = std::fs::read_to_string(&path).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("<svg"));
    let lower = page.to_lowercase();
    // Nothing a browser would fetch: no remote src/href, no scripts, style sheets, fonts
    // or images from elsewhere, and url() only for patterns inside the page.
    let remote = regex::Regex::new(r#"(src|href)\s*=\s*["']?\s*(https?:|//|ftp:)"#).unwrap();
    assert!(!remote.is_match(&lower), "remote reference in the page");
    for banned in [
        "<script",
        "<link",
        "@import",
        "@font-face",
        "<img",
        "<iframe",
        "<object",
    ] {
        assert!(!lower.contains(banned), "{banned} in the page");
    }
    let urls = regex::Regex::new(r"url\(([^)]*)\)").unwrap();
    for u in urls.captures_iter(&lower) {
        assert!(
            u[1].starts_with('#'),
            "url({}) is not inside the page",
            &u[1]
        );
    }
}

#[test]
fn html_figures_agree_with_the_json_report() {
    let args = ["fixtures/contacts.csv", "--claim", "0.8"];
    let json: Value = serde_json::from_str(&report("json", &args)).unwrap();
    let page = report("html", &args);
    let headline = pct(&json["failure_share"]["estimate"]);
    assert!(page.contains(&format!(r#"<span class="figure">{headline}</span>"#)));
    let verdict = json["claim"]["verdict"].as_str().unwrap();
    assert!(page.contains(&format!(r#"<span class="verdict">{verdict}</span>"#)));
    let t = &json["totals"];
    assert!(page.contains(&format!(
        "contacts {} = value {} + failure {} + unclassified {} + rejected {}",
        t["contacts"], t["value"], t["failure"], t["unclassified"], t["rejected"]
    )));
    // Every service and channel has its bar, labelled with its share of its classified
    // contacts, in its own section.
    let whisker =
        regex::Regex::new(r#"class="whisker" data-low="([^"]+)" data-high="([^"]+)""#).unwrap();
    for (section, rows) in [("by-service", "service"), ("by-channel", "channel")] {
        let part = page
            .split(&format!(r#"id="{section}""#))
            .nth(1)
            .unwrap()
            .split("</section>")
            .next()
            .unwrap();
        let bars = json["breakdowns"][rows].as_array().unwrap();
        assert_eq!(part.matches(r#"class="bar""#).count(), bars.len());
        // The whiskers, in bar order, are the JSON's intervals.
        let whiskers: Vec<[f64; 2]> = whisker
            .captures_iter(part)
            .map(|c| [c[1].parse().unwrap(), c[2].parse().unwrap()])
            .collect();
        let intervals: Vec<[f64; 2]> = bars
            .iter()
            .filter_map(|r| r["ci95"].as_array())
            .map(|c| [c[0].as_f64().unwrap(), c[1].as_f64().unwrap()])
            .collect();
        // (serde_json's float parsing may differ in the last bit.)
        assert_eq!(whiskers.len(), intervals.len(), "{section}");
        for (w, i) in whiskers.iter().zip(&intervals) {
            assert!(
                (w[0] - i[0]).abs() < 1e-12 && (w[1] - i[1]).abs() < 1e-12,
                "{w:?} {i:?}"
            );
        }
        for r in bars {
            let classified = r["failure"].as_u64().unwrap() + r["value"].as_u64().unwrap();
            let note = format!(">{} of {classified}<", pct(&r["failure_share"]));
            assert!(part.contains(&note), "{section}: {note} missing");
            assert!(part.contains(&format!("<td>{}</td>", r["key"].as_str().unwrap())));
        }
    }
    // Repeat detection ran on the fixture (it has customer and timestamp columns): a bar
    // per service with its repeats of the contacts checked.
    let repeat = &json["totals"]["repeat"];
    let part = page
        .split(r#"id="repeats""#)
        .nth(1)
        .expect("repeat section");
    let part = part.split("</section>").next().unwrap();
    let rows = repeat["by_service"].as_array().unwrap();
    assert_eq!(part.matches(r#"class="bar""#).count(), rows.len());
    for r in rows {
        assert!(part.contains(&format!(">{} of {}<", r["repeats"], r["eligible"])));
    }
    assert!(part.contains(&format!(
        "{} of {} checked",
        repeat["repeats"], repeat["eligible"]
    )));
    assert!(
        page.contains("fixtures/contacts.csv --claim 0.8"),
        "the command line"
    );
    assert!(page.contains(&format!(
        "<td>{}</td>",
        json["ruleset"]["version"].as_str().unwrap()
    )));
}

#[test]
fn service_names_from_the_data_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.csv");
    std::fs::write(
        &log,
        "id,channel,service,notes\n\
         1,phone,<script>alert(1)</script>,chasing my refund again\n\
         2,\"<img src=x onerror=alert(2)>\",waste,new bin please\n",
    )
    .unwrap();
    let page = report("html", &[log.to_str().unwrap()]);
    let lower = page.to_lowercase();
    assert!(
        !lower.contains("<script") && !lower.contains("<img"),
        "{page}"
    );
    assert!(lower.contains("&lt;script&gt;") && lower.contains("&lt;img"));
}

#[test]
fn by_period_adds_the_line_chart_with_one_point_per_dated_period() {
    let args = ["fixtures/contacts.csv", "--by-period", "month"];
    let json: Value = serde_json::from_str(&report("json", &args)).unwrap();
    let months = json["breakdowns"]["period"].as_array().unwrap();
    assert!(months.len() >= 2);
    let html = report("html", &args);
    let section = html
        .split(r#"id="by-period""#)
        .nth(1)
        .expect("a period section");
    let section = section.split("</section>").next().unwrap();
    assert_eq!(section.matches("<svg").count(), 1);
    for m in months.iter().filter(|m| m["failure_share"].is_number()) {
        assert!(section.contains(m["key"].as_str().unwrap()), "{}", m["key"]);
    }
    assert_eq!(
        section.matches(r#"class="point""#).count(),
        months
            .iter()
            .filter(|m| m["failure_share"].is_number())
            .count()
    );
    // Without --by-period there is no such section.
    assert!(!report("html", &["fixtures/contacts.csv"]).contains(r#"id="by-period""#));
}
