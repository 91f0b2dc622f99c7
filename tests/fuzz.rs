//! Fuzzing on the stable toolchain: random and mutated bytes thrown at the input reader
//! (the whole pipeline: Source, Chunker, parsing, classification) and at the rule loader,
//! asserting that nothing panics and that every row read is accounted for.
//!
//! cargo-fuzz needs a nightly toolchain (see docs/fuzzing.md), so this is the nearest
//! thing the normal test suite can run: a seeded generator mutating the fixtures (bit
//! flips, inserted delimiters, quotes and line ends, cut and spliced files). By default it
//! runs for about three seconds per target; `DEMAND_FUZZ_SECS=600` runs longer, and
//! `DEMAND_FUZZ_SEED=N` starts from another seed. A failing input is saved to
//! `target/tmp/fuzz-failures/` and named in the failure message.

use demand::classify::{Matcher, Scratch, SimpleContact};
use demand::error::Error;
use demand::input::InputPath;
use demand::pipeline::{run, Options};
use demand::rules::{RuleSet, RuleSource};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// xorshift64*: small, seedable and good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Bytes that matter to the reader and the TOML parser.
const INTERESTING: &[u8] = b"\",;|\t\n\r\0{}[]=#'\\\xEF\xBB\xBF\xFF\xFE\xA3\x1F";

fn mutate(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut data = seeds[rng.below(seeds.len())].clone();
    for _ in 0..1 + rng.below(8) {
        let at = rng.below(data.len() + 1);
        match rng.below(7) {
            0 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] ^= 1 << rng.below(8);
            }
            1 => data.insert(at, INTERESTING[rng.below(INTERESTING.len())]),
            2 if at < data.len() => {
                let end = (at + 1 + rng.below(64)).min(data.len());
                data.drain(at..end);
            }
            3 => data.truncate(at),
            4 => {
                // Splice in a piece of another seed.
                let other = &seeds[rng.below(seeds.len())];
                let from = rng.below(other.len());
                let end = (from + rng.below(512)).min(other.len());
                data.splice(at..at, other[from..end].iter().copied());
            }
            5 if at < data.len() => {
                // Repeat a piece (long lines, long fields).
                let end = (at + 1 + rng.below(256)).min(data.len());
                let piece = data[at..end].repeat(1 + rng.below(64));
                data.splice(at..at, piece);
            }
            _ => {
                let n = rng.below(64);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                data.splice(at..at, bytes);
            }
        }
    }
    data
}

fn budget() -> Duration {
    let secs = std::env::var("DEMAND_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    Duration::from_secs_f64(secs)
}

fn seed() -> u64 {
    std::env::var("DEMAND_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_cafe)
        | 1
}

/// Saves an input that broke a target, for the failure message.
fn save_failure(name: &str, data: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, data).unwrap();
    path
}

fn files_in(dir: &Path) -> Vec<Vec<u8>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

fn small_workbook() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["Contact ID", "Call Notes"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_number(1, 0, 1.0).unwrap();
    sheet.write_string(1, 1, "bins missed").unwrap();
    book.save_to_buffer().unwrap()
}

const RULES: &str = r#"
[[rule]]
id = "missed"
class = "failure"
kind = "not-done-right"
all = [["bin", "bins"], ["missed"]]
[[rule]]
id = "pay"
class = "value"
kind = "payment"
phrases = ["pay*"]
"#;

#[test]
fn the_reader_never_panics_and_accounts_for_every_row() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seeds = files_in(&root.join("fixtures/bad"));
    let contacts = std::fs::read(root.join("fixtures/contacts.csv")).unwrap();
    seeds.push(contacts[..contacts.len().min(20_000)].to_vec());
    seeds.push(small_workbook());
    let set = RuleSet::load(&[RuleSource {
        name: "t.toml".into(),
        text: RULES.into(),
    }])
    .unwrap();
    let matcher = Matcher::new(set);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("input");
    let mut rng = Rng(seed());
    let (start, budget) = (Instant::now(), budget());
    let mut cases = 0u64;
    while start.elapsed() < budget {
        cases += 1;
        let data = mutate(&mut rng, &seeds);
        std::fs::write(&path, &data).unwrap();
        let opts = Options {
            threads: 1 + rng.below(2),
            chunk_bytes: 1 + rng.below(4096),
            duplicates: rng.below(2) == 0,
            ..Options::default()
        };
        let outcome = std::panic::catch_unwind(|| {
            run(
                &matcher,
                &[InputPath::File(path.clone())],
                &opts,
                None,
                None,
            )
        });
        let fail = |why: String| {
            let saved = save_failure(&format!("reader-{}-{cases}", seed()), &data);
            panic!(
                "case {cases} ({opts:?}): {why}; input saved to {}",
                saved.display()
            );
        };
        match outcome {
            Err(_) => fail("panicked".into()),
            Ok(Err(Error::Internal(e))) => fail(format!("internal error: {e}")),
            Ok(Err(_)) => {} // a clear error for bad input
            Ok(Ok(result)) => {
                let t = &result.tally;
                let read: u64 = result.inputs.iter().map(|i| i.contacts).sum();
                let accounted = t.totals().total() + t.rejected + t.duplicates;
                if read != accounted {
                    fail(format!("{read} rows read but {accounted} accounted for"));
                }
            }
        }
    }
    eprintln!("reader: {cases} cases in {:?}", start.elapsed());
}

#[test]
fn the_rule_loader_never_panics() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seeds: Vec<Vec<u8>> = files_in(&root.join("rules"))
        .into_iter()
        .chain([RULES.as_bytes().to_vec()])
        .collect();
    let mut rng = Rng(seed());
    let (start, budget) = (Instant::now(), budget());
    let mut cases = 0u64;
    let mut loaded = 0u64;
    while start.elapsed() < budget {
        cases += 1;
        let data = mutate(&mut rng, &seeds);
        let text = String::from_utf8_lossy(&data).into_owned();
        let outcome = std::panic::catch_unwind(|| {
            let set = RuleSet::load(&[RuleSource {
                name: "fuzz.toml".into(),
                text: text.clone(),
            }]);
            set.map(|set| {
                let matcher = Matcher::new(set);
                let contact = SimpleContact {
                    text: &text[..text.len().min(200)],
                    channel: Some("phone"),
                    service: None,
                    code: None,
                    slots: matcher.slots(),
                };
                matcher.classify(&contact, &mut Scratch::default());
            })
        });
        match outcome {
            Err(_) => {
                let saved = save_failure(&format!("rules-{}-{cases}", seed()), &data);
                panic!("case {cases}: panicked; input saved to {}", saved.display());
            }
            Ok(Ok(())) => loaded += 1,
            Ok(Err(_)) => {}
        }
    }
    eprintln!(
        "rules: {cases} cases ({loaded} loaded) in {:?}",
        start.elapsed()
    );
}
