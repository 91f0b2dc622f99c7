//! The `demand` command line: argument parsing and dispatch over the library.
#![forbid(unsafe_code)]

use clap::{Args, Parser, Subcommand};
use demand::classify::{Matcher, SimpleContact};
use demand::columns::Mapping;
use demand::error::{Error, Result};
use demand::evaluate::{self, Collector};
use demand::input::{Encoding, HeaderSpec, InputPath};
use demand::output::Output;
use demand::period::Period;
use demand::pipeline::{self, Options, RowSink, RunResult, OUTPUT_COLUMNS};
use demand::report::{self, Format};
use demand::rules::RuleSet;
use demand::sample::{self, Design, Sampler};
use demand::summary::Summary;
use demand::timestamp::{DayOrder, TimeParser};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

/// Tag contact-centre logs as value or failure demand, and report the failure share.
#[derive(Parser)]
#[command(name = "demand", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Summarise failure demand: totals, failure share with its interval, breakdowns.
    Report(ReportArgs),
    /// Write every input row with demand_class, demand_kind and demand_rule appended.
    Classify(ClassifyArgs),
    /// Write, check, test, show and measure rule files.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Show how the rules classify one piece of text.
    Explain(ExplainArgs),
    /// Draw a random (optionally stratified) sample of contacts for people to label.
    Sample(SampleArgs),
    /// Score the rules against a labelled CSV: agreement, kappa, corrected failure share.
    ///
    /// LOGS is the labelled CSV (usually a filled-in `demand sample`): a human class column
    /// named human_class, label, human or expected (value, failure, unclassified or unclear;
    /// rows left empty are counted and skipped), and optionally human_kind. Every row is
    /// classified again with --rules. See docs/checking-the-claim.md.
    Evaluate(EvaluateArgs),
}

#[derive(Args)]
struct RulesArgs {
    /// Rule file or directory of *.toml files (repeatable); the embedded council rules
    /// when absent.
    #[arg(long = "rules", value_name = "PATH")]
    rules: Vec<PathBuf>,
}

#[derive(Args)]
struct InputArgs {
    /// Exported logs (CSV, TSV...); `-` or nothing reads standard input.
    #[arg(value_name = "LOGS")]
    logs: Vec<String>,
    #[command(flatten)]
    rules: RulesArgs,
    /// Map a logical field to a column: FIELD=COLUMN (repeatable; several for text).
    /// Fields: id, timestamp, channel, service, customer, case, code, text.
    #[arg(long = "map", value_name = "FIELD=COLUMN")]
    map: Vec<Mapping>,
    /// Field delimiter (`,` `;` `tab` `|`); sniffed from the header when absent.
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    delimiter: Option<u8>,
    /// Input encoding: auto (UTF-8, UTF-16 with a byte-order mark, rows that are not UTF-8
    /// read as Windows-1252), utf-8 (strict: such rows are rejected), or any WHATWG label
    /// such as windows-1252, utf-16le, iso-8859-1.
    #[arg(long, value_name = "LABEL", default_value = "auto")]
    encoding: Encoding,
    /// Worker threads [default: the number of CPUs].
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Stop at the first malformed row (exit code 2) instead of counting it as rejected.
    #[arg(long)]
    strict: bool,
    /// No progress bar and no notes on stderr (warnings and errors are still printed).
    #[arg(long, short)]
    quiet: bool,
    /// Do not look for repeat contacts, even where the rules' [repeat] table enables it.
    #[arg(long)]
    no_repeat: bool,
    /// Read numeric dates such as 03/04/2025 month first (US exports); day first otherwise.
    #[arg(long, conflicts_with = "date_format")]
    month_first: bool,
    /// Read timestamps with this strftime format instead, e.g. "%Y%m%d %H%M".
    #[arg(long, value_name = "FMT")]
    date_format: Option<String>,
    /// Write every rejected row to FILE (CSV: source, line, reason, row as it was).
    #[arg(long, value_name = "FILE")]
    rejects: Option<PathBuf>,
    /// Fail (exit code 2, no output written) when more rows than this are rejected: a
    /// count, or a share of the rows read such as 5%.
    #[arg(long, value_name = "N|P%", value_parser = parse_limit)]
    max_rejects: Option<Limit>,
    /// Skip N lines (title rows, blank lines) before the header row, instead of looking for
    /// it among the first 20 non-blank rows.
    #[arg(long, value_name = "N")]
    skip_rows: Option<u64>,
    /// The sheet to read from a workbook (.xlsx, .xls, .ods) [default: the first].
    #[arg(long, value_name = "NAME")]
    sheet: Option<String>,
    /// Count rows whose id (or, without an id column, whole row) was already seen, instead
    /// of leaving them out as duplicates.
    #[arg(long)]
    keep_duplicates: bool,
    /// The input has no header row: columns are numbered from 1, so map them by number,
    /// e.g. --map text=3 --map channel=5.
    #[arg(long)]
    no_headers: bool,
}

/// A ceiling on rejected rows.
#[derive(Debug, Clone, Copy)]
enum Limit {
    Count(u64),
    Share(f64),
}

fn parse_limit(s: &str) -> Result<Limit, String> {
    if s.trim().ends_with('%') {
        parse_share(s).map(Limit::Share)
    } else {
        s.trim()
            .parse()
            .map(Limit::Count)
            .map_err(|_| format!("expected a count or a percentage such as 5%, got {s:?}"))
    }
}

/// Writes rejected rows as CSV.
struct RejectsFile {
    writer: csv::Writer<Output>,
}

impl pipeline::RejectSink for RejectsFile {
    fn reject(&mut self, r: &pipeline::Reject) -> Result<()> {
        self.writer
            .write_record([
                r.source.as_bytes(),
                r.line.to_string().as_bytes(),
                r.reason.as_bytes(),
                &r.raw,
            ])
            .map_err(|e| Error::Input(format!("writing rejects: {e}")))
    }
}

/// Runs the pipeline with the input options shared by report and classify: the rejects
/// file, the reject ceiling and the notes on stderr.
fn run_inputs(
    matcher: &Matcher,
    args: &InputArgs,
    opts: &Options,
    sink: Option<&mut dyn RowSink>,
) -> Result<RunResult> {
    run_observed(matcher, args, opts, sink, &()).map(|(run, ())| run)
}

/// [`run_inputs`] with an observer of every contact (`rules stats`).
fn run_observed<O: pipeline::Observer>(
    matcher: &Matcher,
    args: &InputArgs,
    opts: &Options,
    sink: Option<&mut dyn RowSink>,
    observer: &O,
) -> Result<(RunResult, O::State)> {
    let mut rejects = match &args.rejects {
        Some(path) => {
            let mut writer = csv::Writer::from_writer(Output::create(Some(path))?);
            writer
                .write_record(["source", "line", "reason", "row"])
                .map_err(|e| Error::Input(format!("writing rejects: {e}")))?;
            Some(RejectsFile { writer })
        }
        None => None,
    };
    let (run, observed) = pipeline::run_observed(
        matcher,
        &inputs(args),
        opts,
        sink,
        rejects.as_mut().map(|r| r as &mut dyn pipeline::RejectSink),
        observer,
    )?;
    notes(args, &run);
    if let Some(r) = rejects {
        let out = r
            .writer
            .into_inner()
            .map_err(|e| Error::Input(format!("writing rejects: {}", e.error())))?;
        out.finish()?;
    }
    let rejected = run.tally.rejected;
    let read: u64 = run.inputs.iter().map(|i| i.contacts).sum();
    let over = match args.max_rejects {
        Some(Limit::Count(n)) => rejected > n,
        Some(Limit::Share(p)) => read > 0 && rejected as f64 / read as f64 > p,
        None => false,
    };
    if over {
        return Err(Error::Input(format!(
            "{rejected} of {read} rows were rejected, more than --max-rejects allows; \
             nothing was written (see the messages above{})",
            if args.rejects.is_some() {
                " and the rejects file"
            } else {
                ", or use --rejects FILE"
            }
        )));
    }
    Ok((run, observed))
}

#[derive(Args)]
struct ReportArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output format (html: a self-contained page with charts, for a browser or email).
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write the report to FILE (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Test the failure share against a claimed share (0.8 for "80% is failure demand"):
    /// below, consistent with or above it, overall and for every breakdown row.
    #[arg(long, value_name = "SHARE", value_parser = parse_share)]
    claim: Option<f64>,
    /// Add the failure share by period (ISO weeks for week), overall and per service.
    #[arg(long, value_enum, value_name = "PERIOD")]
    by_period: Option<Period>,
}

#[derive(Args)]
struct ClassifyArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Write rows to FILE (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Also append demand_matched (every matching rule, in precedence order) and
    /// demand_why (why the winner won).
    #[arg(long)]
    explain: bool,
}

#[derive(Args)]
struct SampleArgs {
    #[command(flatten)]
    input: InputArgs,
    /// How many contacts to draw.
    #[arg(short = 'n', value_name = "N", default_value = "200")]
    n: u64,
    /// Seed of the random draw: the same seed, logs and rules give the same sample.
    #[arg(long, value_name = "SEED")]
    seed: u64,
    /// Draw from each service, channel or tool class separately, in proportion to its size
    /// with a minimum per stratum (see docs/checking-the-claim.md).
    #[arg(long, value_enum, value_name = "BY")]
    stratify: Option<sample::Stratify>,
    /// The fewest contacts drawn from a stratum (all of it when it is smaller).
    #[arg(long, value_name = "N", default_value_t = sample::MIN_PER_STRATUM)]
    min_per_stratum: u64,
    /// Leave the tool's demand_class and demand_kind out, so labellers are not anchored.
    #[arg(long)]
    blind: bool,
    /// The sample CSV; the design goes beside it in FILE.design.json.
    #[arg(long, short, value_name = "FILE")]
    output: PathBuf,
}

#[derive(Args)]
struct EvaluateArgs {
    #[command(flatten)]
    input: InputArgs,
    /// The sample's design file (written by demand sample as FILE.design.json): weights
    /// the corrected failure share by stratum and uses the whole log's observed share.
    #[arg(long, value_name = "FILE")]
    design: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: evaluate::Format,
    /// Write the evaluation to FILE (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Load and validate rule files; every problem is printed with file:line:column.
    /// Errors exit 1; warnings alone exit 0 unless --deny-warnings.
    Check(CheckArgs),
    /// Check that every rule wins its examples and none of its counter-examples.
    Test(RulesArgs),
    /// Write a commented starter rule file (DIR/rules.toml) that extends the built-in
    /// rules; an existing file is never overwritten (exit 2).
    Init(InitArgs),
    /// Print the effective rule set (after extends, disable and redefinitions) as TOML.
    Show(RulesArgs),
    /// Measure rules on logs: coverage, wins, overlaps and conflicts per rule, rules that
    /// never match, and the most frequent words and phrases of contacts no rule matched
    /// (free text from the logs: read it before sharing).
    Stats(Box<StatsArgs>),
}

#[derive(Args)]
struct StatsArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: demand::rule_stats::StatsFormat,
    /// How many words and phrases of each length to list.
    #[arg(long, value_name = "N", default_value = "25")]
    top: usize,
    /// List only words and phrases found in at least N contacts (a phrase seen once says
    /// little about demand and is the likeliest to be personal).
    #[arg(long, value_name = "N", default_value = "2")]
    min_contacts: u64,
    /// Write to FILE (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Args)]
struct InitArgs {
    /// Directory to write rules.toml into (created if missing).
    #[arg(value_name = "DIR", default_value = ".")]
    dir: PathBuf,
}

#[derive(Args)]
struct CheckArgs {
    #[command(flatten)]
    rules: RulesArgs,
    /// Exit 1 when there are warnings, as for errors (for CI).
    #[arg(long)]
    deny_warnings: bool,
}

#[derive(Args)]
struct ExplainArgs {
    /// The contact's text (notes, subject...).
    text: String,
    #[arg(long)]
    channel: Option<String>,
    #[arg(long)]
    service: Option<String>,
    /// Reason / disposition / category code.
    #[arg(long)]
    code: Option<String>,
    #[command(flatten)]
    rules: RulesArgs,
}

/// Prints a line on standard output; when the reader has gone away (`demand ... | head`),
/// stops quietly instead of panicking as `println!` would.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            return Err(Error::io("<stdout>", e));
        }
    }};
}

fn parse_share(s: &str) -> Result<f64, String> {
    let v: f64 = match s.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|p| p / 100.0),
        None => s.trim().parse::<f64>(),
    }
    .map_err(|_| format!("expected a share such as 0.8 or 80%, got {s:?}"))?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!(
            "a share is between 0 and 1 (or 0% and 100%), got {s:?}"
        ))
    }
}

fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => Err(format!(
            "delimiter must be one ASCII character or `tab`, got {s:?}"
        )),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Report(args) => report_cmd(args),
        Command::Classify(args) => classify_cmd(args),
        Command::Rules(RulesCommand::Check(args)) => rules_check(args),
        Command::Rules(RulesCommand::Test(args)) => rules_test(args),
        Command::Rules(RulesCommand::Init(args)) => rules_init(args),
        Command::Rules(RulesCommand::Show(args)) => rules_show(args),
        Command::Rules(RulesCommand::Stats(args)) => rules_stats(*args),
        Command::Explain(args) => explain(args),
        Command::Sample(args) => sample_cmd(args),
        Command::Evaluate(args) => evaluate_cmd(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            for line in e.to_string().lines() {
                eprintln!("demand: {line}");
            }
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

fn load_matcher(args: &RulesArgs) -> Result<Matcher> {
    Ok(Matcher::new(RuleSet::from_paths(&args.rules)?))
}

fn options(args: &InputArgs) -> Options {
    let mut opts = Options {
        strict: args.strict,
        progress: !args.quiet && std::io::stderr().is_terminal(),
        mappings: args.map.clone(),
        delimiter: args.delimiter,
        encoding: args.encoding,
        dates: TimeParser {
            order: if args.month_first {
                DayOrder::MonthFirst
            } else {
                DayOrder::DayFirst
            },
            format: args.date_format.clone(),
        },
        repeat: !args.no_repeat,
        duplicates: !args.keep_duplicates,
        sheet: args.sheet.clone(),
        header: HeaderSpec {
            skip: args.skip_rows,
            present: !args.no_headers,
        },
        ..Options::default()
    };
    if let Some(t) = args.threads {
        opts.threads = t.max(1);
    }
    opts
}

fn inputs(args: &InputArgs) -> Vec<InputPath> {
    if args.logs.is_empty() {
        vec![InputPath::Stdin]
    } else {
        args.logs.iter().map(|s| InputPath::parse(s)).collect()
    }
}

/// Tells the user, on stderr, how columns were mapped and which rows were rejected.
fn notes(args: &InputArgs, run: &RunResult) {
    if !args.quiet {
        for info in &run.inputs {
            let cols: Vec<String> = info
                .columns
                .iter()
                .map(|(f, c)| format!("{f}={}", c.join("+")))
                .collect();
            eprintln!("demand: {}: {}", info.source, cols.join("; "));
        }
    }
    for info in &run.inputs {
        if let (Some(line), n @ 1..) = (info.header_line, info.skipped_rows) {
            eprintln!(
                "demand: {}: the header is on line {line}; {n} row(s) above it were skipped \
                 (--skip-rows N places it)",
                info.source
            );
        }
    }
    for info in &run.inputs {
        if let Some(line) = info.first_windows_1252_line {
            eprintln!(
                "demand: {}: {} row(s) are not valid UTF-8 and were read as Windows-1252 \
                 (first at line {line}); use --encoding to choose",
                info.source, info.windows_1252_rows
            );
        }
    }
    for r in run.rejects.iter().take(10) {
        eprintln!("demand: rejected {r}");
    }
    let rejected = run.tally.rejected;
    if rejected > 0 {
        eprintln!("demand: {rejected} row(s) rejected: counted in totals.rejected, not classified");
    }
    let duplicates = run.tally.duplicates;
    if duplicates > 0 && !args.quiet {
        eprintln!(
            "demand: {duplicates} duplicate row(s) (an id, or a whole row, seen before) left \
             out of the figures: counted in totals.duplicates (--keep-duplicates counts them)"
        );
    }
    if run.repeat.is_some() {
        for info in &run.inputs {
            if let Some(missing) = &info.repeat_unchecked {
                eprintln!(
                    "demand: {}: {missing}, so its contacts are not checked for repeats \
                     (--map the column, or set the key in the rules' [repeat] table; see \
                     docs/repeat.md)",
                    info.source
                );
            }
        }
    }
    if let Some((source, line, text)) = &run.month_first {
        eprintln!(
            "demand: warning: dates are read day first, but {source}:{line} has {text:?}, \
             which only makes sense month first; use --month-first if the export is month \
             first (such dates are counted as unreadable)"
        );
    }
}

fn report_cmd(args: ReportArgs) -> Result<()> {
    let matcher = load_matcher(&args.input.rules)?;
    let mut opts = options(&args.input);
    opts.period = args.by_period;
    let run = run_inputs(&matcher, &args.input, &opts, None)?;
    let rules = matcher.ruleset();
    let summary = Summary::new(&run.tally, rules, run.inputs, args.claim)
        .with_repeat(&run.tally, rules, run.repeat.as_ref())
        .with_periods(&run.tally, args.by_period, args.claim);
    let mut out = Output::create(args.output.as_deref())?;
    let command =
        demand::html::command_line(std::env::args_os().map(|a| a.to_string_lossy().into_owned()));
    out.write_bytes(report::render(&summary, args.format, &command).as_bytes())?;
    out.finish()
}

/// Writes classified rows to an [`Output`].
struct CsvSink {
    out: Output,
    explain: bool,
}

impl RowSink for CsvSink {
    fn header(&mut self, header: &csv::ByteRecord) -> Result<()> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(
            header
                .iter()
                .chain(OUTPUT_COLUMNS.iter().map(|c| c.as_bytes()))
                .chain(
                    pipeline::EXPLAIN_COLUMNS
                        .iter()
                        .filter(|_| self.explain)
                        .map(|c| c.as_bytes()),
                ),
        );
        let bytes = w.into_inner().unwrap_or_default();
        self.out.write_bytes(&bytes)
    }

    fn rows(&mut self, csv: &[u8]) -> Result<()> {
        self.out.write_bytes(csv)
    }
}

fn classify_cmd(args: ClassifyArgs) -> Result<()> {
    let matcher = load_matcher(&args.input.rules)?;
    let mut sink = CsvSink {
        out: Output::create(args.output.as_deref())?,
        explain: args.explain,
    };
    let mut opts = options(&args.input);
    opts.explain = args.explain;
    run_inputs(&matcher, &args.input, &opts, Some(&mut sink))?;
    sink.out.finish()
}

fn sample_cmd(mut args: SampleArgs) -> Result<()> {
    // The sample and its design record what the rules make of each contact on its own, as
    // `evaluate` re-scores it (repeat detection needs the whole log; see evaluate_cmd).
    args.input.no_repeat = true;
    // Every row is a candidate, as evaluate reads every labelled row (the sample's
    // contacts add up without a duplicates term).
    args.input.keep_duplicates = true;
    if args.n == 0 {
        return Err(Error::Usage("-n must be at least 1".into()));
    }
    if args.output.as_os_str() == "-" {
        return Err(Error::Usage(
            "demand sample writes a file (-o FILE) with its design beside it, not standard output"
                .into(),
        ));
    }
    let n =
        usize::try_from(args.n).map_err(|_| Error::Usage(format!("-n {} is too large", args.n)))?;
    let matcher = load_matcher(&args.input.rules)?;
    let first = inputs(&args.input)[0].name();
    let mut sampler = Sampler::new(
        &matcher,
        &args.input.map,
        first,
        args.stratify,
        n,
        args.seed,
    );
    let run = run_inputs(
        &matcher,
        &args.input,
        &options(&args.input),
        Some(&mut sampler),
    )?;
    let drawn = sampler.finish(args.min_per_stratum)?;
    let request = sample::Request {
        n: args.n,
        seed: args.seed,
        stratify: args.stratify,
        min_per_stratum: args.min_per_stratum,
        blind: args.blind,
    };
    let design = Design::new(request, &drawn, &run, &matcher);
    let design_path = Design::path_for(&args.output);
    let csv = drawn.write_csv(Output::create(Some(&args.output))?, args.blind)?;
    let json = design.write(Output::create(Some(&design_path))?)?;
    csv.finish()?;
    json.finish()?;
    if !args.input.quiet {
        eprintln!(
            "demand: drew {} of {} contacts into {}; design in {}",
            design.drawn,
            design.population.contacts - design.population.rejected,
            args.output.display(),
            design_path.display()
        );
    }
    Ok(())
}

fn evaluate_cmd(mut args: EvaluateArgs) -> Result<()> {
    // A sample holds too few of each customer's contacts to see repeats: evaluate scores
    // what the rules make of each contact's own text and fields (docs/checking-the-claim.md).
    args.input.no_repeat = true;
    // Every labelled row is judged, even one that repeats another's id.
    args.input.keep_duplicates = true;
    let design = args.design.as_deref().map(Design::read).transpose()?;
    let matcher = load_matcher(&args.input.rules)?;
    let mut collector = Collector::new(inputs(&args.input)[0].name());
    let run = run_inputs(
        &matcher,
        &args.input,
        &options(&args.input),
        Some(&mut collector),
    )?;
    let evaluation = evaluate::evaluate(collector, &run, &matcher, design.as_ref())?;
    let mut out = Output::create(args.output.as_deref())?;
    out.write_bytes(evaluate::render(&evaluation, args.format).as_bytes())?;
    out.finish()
}

fn rules_check(args: CheckArgs) -> Result<()> {
    // In `rules check`, invalid rules are the check failing (exit 1), not a usage error.
    let set = RuleSet::from_paths(&args.rules.rules).map_err(|e| match e {
        Error::Rules(m) => Error::CheckFailed(m),
        other => other,
    })?;
    let warnings = demand::lint::lint(&set);
    for w in &warnings {
        say!("{w}");
    }
    say!(
        "ok: {} rules in {} ({} file(s)), {} channel and {} service spellings, {} warning(s)",
        set.rules.len(),
        set.name,
        set.sources.len(),
        set.channels.len(),
        set.services.len(),
        warnings.len()
    );
    if args.deny_warnings && !warnings.is_empty() {
        return Err(Error::CheckFailed(format!(
            "{} warning(s) and --deny-warnings",
            warnings.len()
        )));
    }
    Ok(())
}

fn rules_test(args: RulesArgs) -> Result<()> {
    let matcher = load_matcher(&args)?;
    let report = demand::examples::test_examples(&matcher);
    for f in &report.failures {
        say!("{f}");
    }
    say!("{} passed, {} failed", report.passed, report.failures.len());
    if report.failures.is_empty() {
        Ok(())
    } else {
        Err(Error::CheckFailed(format!(
            "{} rule example(s) failed",
            report.failures.len()
        )))
    }
}

fn rules_stats(args: StatsArgs) -> Result<()> {
    use demand::rule_stats::{RuleStats, StatsObserver};
    let matcher = load_matcher(&args.input.rules)?;
    let observer = StatsObserver::new(matcher.ruleset());
    let (run, state) = run_observed(
        &matcher,
        &args.input,
        &options(&args.input),
        None,
        &observer,
    )?;
    let stats = RuleStats::new(
        matcher.ruleset(),
        &run.tally,
        state,
        args.top,
        args.min_contacts,
    );
    let mut out = Output::create(args.output.as_deref())?;
    out.write_bytes(stats.render(args.format).as_bytes())?;
    out.finish()
}

fn rules_init(args: InitArgs) -> Result<()> {
    let path = demand::starter::write(&args.dir)?;
    say!(
        "wrote {}: it extends the built-in rules; try `demand rules test --rules {}`",
        path.display(),
        path.display()
    );
    Ok(())
}

fn rules_show(args: RulesArgs) -> Result<()> {
    let set = RuleSet::from_paths(&args.rules)?;
    say!("{}", demand::show::to_toml(&set).trim_end());
    Ok(())
}

fn explain(args: ExplainArgs) -> Result<()> {
    let matcher = load_matcher(&args.rules)?;
    let contact = SimpleContact {
        text: &args.text,
        channel: args.channel.as_deref(),
        service: args.service.as_deref(),
        code: args.code.as_deref(),
        slots: matcher.slots(),
    };
    let explanation = demand::explain::explain(&matcher, &contact);
    say!("{}", explanation.render(&matcher).trim_end());
    Ok(())
}
