//! The HTML report in a real browser: headless Chromium renders the fixture report to a
//! screenshot and to its DOM. Skipped, with a message, where Chromium is not installed,
//! except under CI (the `CI` environment variable), where .ci/run installs it.

use assert_cmd::Command;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";

/// Runs headless Chromium on `page` with `args`, stdout to `out`, and waits at most two
/// minutes for it (a browser that hangs fails the test instead of stalling the suite).
fn chromium(profile: &Path, page: &Path, args: &[&str], out: &Path) {
    let mut child = std::process::Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(out).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting chromium");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium {args:?} failed: {status}");
            return;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium {args:?} did not finish in two minutes");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The luma of every pixel of an 8-bit RGB or RGBA PNG.
fn luma(png_file: &Path) -> Vec<f64> {
    let file = std::io::BufReader::new(std::fs::File::open(png_file).unwrap());
    let mut reader = png::Decoder::new(file).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let channels = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("unexpected PNG colour type {other:?}"),
    };
    buf[..info.buffer_size()]
        .chunks_exact(channels)
        .map(|p| 0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64)
        .collect()
}

#[test]
fn html_report_renders_in_headless_chromium() {
    if !Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium not installed at {CHROMIUM}, and CI is set: .ci/run should install it"
        );
        // Straight to stderr: the test harness hides eprintln! output of a passing test.
        let _ = writeln!(
            std::io::stderr(),
            "skipped: chromium not installed ({CHROMIUM}); apt-get install chromium"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let page: PathBuf = dir.path().join("report.html");
    let args = ["report", "fixtures/contacts.csv", "--claim", "0.8", "-q"];
    Command::cargo_bin("demand")
        .unwrap()
        .args(args)
        .args(["--format", "html", "-o"])
        .arg(&page)
        .assert()
        .success();
    let json = Command::cargo_bin("demand")
        .unwrap()
        .args(args)
        .args(["--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let headline = format!(
        "{:.1}%",
        json["failure_share"]["estimate"].as_f64().unwrap() * 100.0
    );

    // The screenshot: large, and not a blank page (pixels vary, and a fair number are ink).
    let shot = dir.path().join("report.png");
    let profile = dir.path().join("profile");
    chromium(
        &profile,
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1100,3000",
        ],
        &dir.path().join("screenshot.log"),
    );
    let size = std::fs::metadata(&shot).expect("no screenshot").len();
    assert!(size > 20_000, "screenshot of {size} bytes");
    let pixels = luma(&shot);
    let mean = pixels.iter().sum::<f64>() / pixels.len() as f64;
    let variance = pixels.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / pixels.len() as f64;
    let ink = pixels.iter().filter(|l| **l < 128.0).count() as f64 / pixels.len() as f64;
    assert!(
        variance > 200.0,
        "a flat image: luma variance {variance:.1}"
    );
    assert!(
        ink > 0.01,
        "hardly anything drawn: {:.2}% dark pixels",
        ink * 100.0
    );

    // The DOM after rendering: the headline figure, and one <svg> in each chart section.
    let dom_file = dir.path().join("dom.html");
    chromium(&profile, &page, &["--dump-dom"], &dom_file);
    let dom = std::fs::read_to_string(&dom_file).unwrap();
    assert!(
        dom.contains(&format!(r#"<span class="figure">{headline}</span>"#)),
        "headline {headline} not in the DOM"
    );
    let sections: Vec<(&str, usize)> = dom
        .split(r#"<section class="chart-section" id=""#)
        .skip(1)
        .map(|part| {
            let id = part.split('"').next().unwrap();
            let body = part.split("</section>").next().unwrap();
            (id, body.matches("<svg").count())
        })
        .collect();
    let ids: Vec<&str> = sections.iter().map(|(id, _)| *id).collect();
    let mut expected = vec![
        "overall",
        "by-service",
        "by-channel",
        "service-channel",
        "kinds",
    ];
    if json["totals"]["repeat"].is_object() {
        expected.push("repeats");
    }
    assert_eq!(ids, expected);
    for (id, svgs) in sections {
        assert_eq!(svgs, 1, "section {id} has {svgs} <svg> elements");
    }
}
