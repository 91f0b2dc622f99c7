//! Rule files: the TOML format users edit, loaded and validated into a [`RuleSet`].
//!
//! Loading is strict, because a rule that silently does nothing produces a wrong figure:
//! unknown keys, an unknown class, a duplicate id, a bad regex or an empty phrase stop the
//! run with the file and line:column. The format is documented in docs/rules.md.

use crate::columns::Field;
use crate::error::{Error, Result};
use crate::repeat::RepeatConfig;
use crate::text::{fold_value, fold_value_into, normalise};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The default rule set, embedded so that the binary works with no files around it.
pub const DEFAULT_RULES: &str = include_str!("../rules/council.toml");
/// The name under which the embedded rules are reported.
pub const DEFAULT_RULES_NAME: &str = "<embedded rules/council.toml>";

/// A contact's class.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    Failure,
    Value,
    Unclassified,
}

impl Class {
    pub fn name(self) -> &'static str {
        match self {
            Class::Failure => "failure",
            Class::Value => "value",
            Class::Unclassified => "unclassified",
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The kinds of the PRODUCT.md taxonomy. Other kinds are allowed (councils may add their
/// own) but `demand rules check` warns about them.
pub const FAILURE_KINDS: [&str; 8] = [
    "progress-chasing",
    "repeat",
    "not-done-right",
    "clarification",
    "error-correction",
    "complaint",
    "misdirected",
    "channel-failure",
];
pub const VALUE_KINDS: [&str; 7] = [
    "service-request",
    "application",
    "payment",
    "information",
    "change-of-circumstances",
    "report",
    "booking",
];

/// A phrase, normalised as contact text is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase {
    /// As written in the rule file.
    pub original: String,
    /// Normalised words separated by single spaces, without the `*`.
    pub words: String,
    /// A trailing `*`: the last word is a prefix.
    pub prefix: bool,
}

/// A condition on one field of a contact.
#[derive(Debug, Clone)]
pub struct FieldCondition {
    pub field: FieldRef,
    pub test: FieldTest,
}

/// What a field condition reads: a logical field or a source column by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FieldRef {
    Logical(Field),
    Column(String),
}

impl fmt::Display for FieldRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldRef::Logical(field) => write!(f, "{field}"),
            FieldRef::Column(c) => write!(f, "column {c:?}"),
        }
    }
}

/// How a field's value is tested.
#[derive(Debug, Clone)]
pub enum FieldTest {
    /// One of these values, folded (and mapped through the alias table for channel and
    /// service).
    OneOf(Vec<String>),
    /// A regex over the raw value.
    Regex(regex::Regex),
}

/// An example contact for `demand rules test`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Example {
    pub text: String,
    pub channel: Option<String>,
    pub service: Option<String>,
    pub code: Option<String>,
    /// Where it is written, for test output.
    pub location: Location,
}

/// A place in a rule file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// A regex over normalised contact text.
///
/// Normalised text is ASCII-dominated lower case, so regexes are compiled with ASCII
/// classes (`\b`, `\w`, `\d`): Unicode word boundaries would force the slowest regex
/// engine on every contact. Literal non-ASCII characters still match.
#[derive(Debug, Clone)]
pub struct TextRegex {
    pub source: String,
    pub regex: regex_automata::meta::Regex,
}

impl TextRegex {
    pub fn new(source: &str) -> Result<TextRegex, String> {
        use regex_automata::{meta, util::syntax};
        let regex = meta::Regex::builder()
            .syntax(syntax::Config::new().unicode(false).utf8(false))
            .build(source)
            .map_err(|e| e.to_string())?;
        Ok(TextRegex {
            source: source.to_string(),
            regex,
        })
    }
}

/// One validated rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub class: Class,
    pub kind: String,
    pub priority: i64,
    pub description: String,
    pub phrases: Vec<Phrase>,
    pub all: Vec<Vec<Phrase>>,
    pub regex: Vec<TextRegex>,
    pub unless: Vec<Phrase>,
    pub unless_regex: Vec<TextRegex>,
    pub fields: Vec<FieldCondition>,
    pub examples: Vec<Example>,
    pub counter_examples: Vec<Example>,
    pub location: Location,
}

/// Spellings found in exports mapped to canonical names.
#[derive(Debug, Clone, Default)]
pub struct AliasTable {
    map: HashMap<String, String>,
}

impl AliasTable {
    /// The canonical name for a raw value; an unknown value comes back trimmed, as it is.
    pub fn canonical<'a>(&'a self, raw: &'a str) -> &'a str {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return trimmed;
        }
        match self.map.get(&fold_value(trimmed)) {
            Some(c) => c,
            None => trimmed,
        }
    }

    /// `fold_value(self.canonical(raw))` into a reused buffer, without allocating.
    pub fn fold_canonical_into(&self, raw: &str, buf: &mut String) {
        fold_value_into(raw, buf);
        if buf.is_empty() {
            return;
        }
        if let Some(canonical) = self.map.get(buf.as_str()) {
            fold_value_into(canonical, buf);
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Canonical name -> its spellings (folded, sorted; the name itself left out), as a
    /// `[channels]` or `[services]` table would list them.
    pub fn groups(&self) -> BTreeMap<&str, Vec<&str>> {
        let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (spelling, canonical) in &self.map {
            let list = groups.entry(canonical.as_str()).or_default();
            if *spelling != fold_value(canonical) {
                list.push(spelling);
            }
        }
        groups.values_mut().for_each(|l| l.sort_unstable());
        groups
    }
}

/// A complete, validated set of rules, in file order.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub name: String,
    pub version: String,
    pub description: String,
    /// Class of a contact that no rule matches.
    pub default: Class,
    pub channels: AliasTable,
    pub services: AliasTable,
    pub rules: Vec<Rule>,
    /// Repeat-contact detection (`[repeat]`; the last file that has the table sets it).
    pub repeat: RepeatConfig,
    /// The files the set was read from.
    pub sources: Vec<String>,
}

/// One rule file's text and the name to report it by.
#[derive(Debug, Clone)]
pub struct RuleSource {
    pub name: String,
    pub text: String,
}

impl RuleSource {
    /// The embedded default rules.
    pub fn embedded() -> RuleSource {
        RuleSource {
            name: DEFAULT_RULES_NAME.to_string(),
            text: DEFAULT_RULES.to_string(),
        }
    }

    /// Reads rule files: a file, or every `*.toml` in a directory in name order.
    pub fn read(path: &Path) -> Result<Vec<RuleSource>> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        let files: Vec<PathBuf> = if meta.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| Error::io(path, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            files.sort();
            if files.is_empty() {
                return Err(Error::Rules(format!(
                    "{}: no *.toml rule files in this directory",
                    path.display()
                )));
            }
            files
        } else {
            vec![path.to_path_buf()]
        };
        files
            .into_iter()
            .map(|f| {
                let text = std::fs::read_to_string(&f).map_err(|e| Error::io(&f, e))?;
                Ok(RuleSource {
                    name: f.display().to_string(),
                    text,
                })
            })
            .collect()
    }
}

/// A problem found in a rule file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub location: Location,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

impl RuleSet {
    /// The embedded default rules.
    pub fn default_rules() -> Result<RuleSet> {
        RuleSet::load(&[RuleSource::embedded()])
    }

    /// Loads rule files into one set. Every problem found is reported, one per line.
    pub fn load(sources: &[RuleSource]) -> Result<RuleSet> {
        let mut builder = Builder::default();
        for source in sources {
            builder.add(source);
        }
        builder.finish()
    }

    /// Loads the files named by `--rules`, or the embedded default when there are none.
    pub fn from_paths(paths: &[PathBuf]) -> Result<RuleSet> {
        if paths.is_empty() {
            return RuleSet::default_rules();
        }
        let mut sources = Vec::new();
        for p in paths {
            sources.extend(RuleSource::read(p)?);
        }
        RuleSet::load(&sources)
    }

    /// Index of a rule by id.
    pub fn rule_index(&self, id: &str) -> Option<usize> {
        self.rules.iter().position(|r| r.id == id)
    }
}

// ---- the file format, as serde sees it -------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    /// `"council"` (the embedded set) or a path relative to this file: loaded first.
    extends: Option<Spanned<String>>,
    /// Ids of rules loaded before this file to leave out (needs `extends`).
    #[serde(default)]
    disable: Vec<Spanned<String>>,
    ruleset: Option<RawMeta>,
    #[serde(default)]
    channels: BTreeMap<String, Vec<Spanned<String>>>,
    #[serde(default)]
    services: BTreeMap<String, Vec<Spanned<String>>>,
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
    repeat: Option<RawRepeat>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRepeat {
    enabled: Option<bool>,
    window_days: Option<Spanned<f64>>,
    key: Option<Spanned<Vec<Spanned<String>>>>,
    kind: Option<Spanned<String>>,
    not_after: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeta {
    name: Option<String>,
    #[serde(default)]
    version: String,
    #[serde(default)]
    description: String,
    default: Option<Class>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    class: Spanned<Class>,
    kind: Spanned<String>,
    #[serde(default)]
    priority: i64,
    #[serde(default)]
    description: String,
    #[serde(default)]
    phrases: Vec<Spanned<String>>,
    #[serde(default)]
    all: Vec<Vec<Spanned<String>>>,
    #[serde(default)]
    regex: Vec<Spanned<String>>,
    #[serde(default)]
    unless: Vec<Spanned<String>>,
    #[serde(default)]
    unless_regex: Vec<Spanned<String>>,
    #[serde(default)]
    fields: BTreeMap<Spanned<String>, Spanned<RawFieldTest>>,
    #[serde(default)]
    examples: Vec<Spanned<RawExample>>,
    #[serde(default)]
    counter_examples: Vec<Spanned<RawExample>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawFieldTest {
    OneOf(Vec<String>),
    Regex(RawRegexTest),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegexTest {
    regex: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawExample {
    Text(String),
    Full(RawExampleTable),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExampleTable {
    text: String,
    channel: Option<String>,
    service: Option<String>,
    code: Option<String>,
}

// ---- building and validating ------------------------------------------------------

#[derive(Default)]
struct Builder {
    meta: Option<(RawMeta, String)>,
    channels: Vec<AliasEntry>,
    services: Vec<AliasEntry>,
    rules: Vec<Rule>,
    repeat: Option<RepeatConfig>,
    sources: Vec<String>,
    problems: Vec<Diagnostic>,
    /// Every file loaded so far ([`identity`]), so that a base two files extend is
    /// loaded once.
    loaded: std::collections::HashSet<String>,
    /// The chain of files being loaded, innermost last, to report `extends` cycles.
    stack: Vec<String>,
    /// Regexes compiled so far, by source: rules share vetoes, and each is compiled once.
    compiled: HashMap<String, TextRegex>,
}

/// One spelling in a `[channels]` or `[services]` table.
struct AliasEntry {
    canonical: String,
    spelling: String,
    location: Location,
    /// Written in a file that `extends` another: it may move a spelling that an earlier
    /// file gave to another canonical name.
    overrides: bool,
}

/// The name under which `extends = "council"` refers to the embedded rules.
pub const EMBEDDED_NAME: &str = "council";

/// What makes two loads the same file: its canonical path, or its name when it has none
/// (the embedded rules, in-memory sources).
fn identity(name: &str) -> String {
    std::fs::canonicalize(name).map_or_else(|_| name.to_string(), |p| p.display().to_string())
}

/// Converts byte offsets in one file into line:column.
struct Positions<'a> {
    file: &'a str,
    text: &'a str,
    /// Byte offset of the start of each line.
    line_starts: Vec<usize>,
}

impl<'a> Positions<'a> {
    fn new(file: &'a str, text: &'a str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
            .collect();
        Positions {
            file,
            text,
            line_starts,
        }
    }

    fn at(&self, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset);
        let line_start = self.line_starts[line - 1];
        let column = self.text[line_start..offset].chars().count() + 1;
        Location {
            file: self.file.to_string(),
            line,
            column,
        }
    }
}

impl Builder {
    fn add(&mut self, source: &RuleSource) {
        let id = identity(&source.name);
        self.loaded.insert(id.clone());
        self.stack.push(id);
        self.add_file(source);
        self.stack.pop();
    }

    fn add_file(&mut self, source: &RuleSource) {
        self.sources.push(source.name.clone());
        let pos = Positions::new(&source.name, &source.text);
        let raw: RawFile = match toml::from_str(&source.text) {
            Ok(raw) => raw,
            Err(e) => {
                let location = pos.at(e.span().map_or(0, |s| s.start));
                self.problems.push(Diagnostic {
                    location,
                    message: e.message().trim().to_string(),
                });
                return;
            }
        };
        let extends = raw.extends.is_some();
        if let Some(base) = &raw.extends {
            self.extend(source, base.get_ref(), pos.at(base.span().start));
        }
        let stem = Path::new(&source.name)
            .file_stem()
            .map(|s| s.to_string_lossy().trim_start_matches('<').to_string())
            .unwrap_or_default();
        match (raw.ruleset, self.meta.take()) {
            // A file's own [ruleset] wins over its base's, key by key.
            (Some(own), Some((base, _))) if extends => {
                let meta = RawMeta {
                    name: own.name,
                    version: non_empty_or(own.version, base.version),
                    description: non_empty_or(own.description, base.description),
                    default: own.default.or(base.default),
                };
                self.meta = Some((meta, stem));
            }
            (_, Some(meta)) => self.meta = Some(meta),
            (own, None) => self.meta = own.map(|m| (m, stem)),
        }
        if !extends {
            if let Some(first) = raw.disable.first() {
                self.problem(
                    pos.at(first.span().start),
                    "`disable` needs `extends`: it removes rules of the set this file extends",
                );
            }
        }
        for id in raw.disable.iter().filter(|_| extends) {
            match self.rules.iter().position(|r| r.id == *id.get_ref()) {
                Some(i) => {
                    self.rules.remove(i);
                }
                None => self.problem(
                    pos.at(id.span().start),
                    format!(
                        "disable: no rule {:?} was loaded before this file (check the id \
                         with `demand rules show`)",
                        id.get_ref()
                    ),
                ),
            }
        }
        for (table, into) in [
            (&raw.channels, &mut self.channels),
            (&raw.services, &mut self.services),
        ] {
            for (canonical, spellings) in table {
                for s in spellings {
                    into.push(AliasEntry {
                        canonical: canonical.clone(),
                        spelling: s.get_ref().clone(),
                        location: pos.at(s.span().start),
                        overrides: extends,
                    });
                }
            }
        }
        if let Some(repeat) = raw.repeat {
            self.repeat = Some(self.repeat_table(repeat, &pos));
        }
        for rule in raw.rule {
            let location = pos.at(rule.span().start);
            let rule = rule.into_inner();
            if let Some(rule) = self.rule(rule, &pos, location, extends) {
                match self.rules.iter().position(|r| r.id == rule.id) {
                    // A redefinition replaces the base's rule where it stood.
                    Some(i) => self.rules[i] = rule,
                    None => self.rules.push(rule),
                }
            }
        }
    }

    /// Loads the base named by `extends` (the embedded set or a path relative to the file
    /// that names it), unless it is already loaded; a base that is being loaded is a cycle.
    fn extend(&mut self, from: &RuleSource, base: &str, at: Location) {
        let sources = if base.trim() == EMBEDDED_NAME {
            vec![RuleSource::embedded()]
        } else {
            let dir = Path::new(&from.name).parent().unwrap_or(Path::new(""));
            match RuleSource::read(&dir.join(base)) {
                Ok(sources) => sources,
                Err(e) => {
                    self.problem(
                        at,
                        format!("extends {base:?}: cannot read it: {e} (paths are relative to this file; \"council\" is the built-in set)"),
                    );
                    return;
                }
            }
        };
        for source in sources {
            let id = identity(&source.name);
            if let Some(start) = self.stack.iter().position(|s| *s == id) {
                let mut chain: Vec<&str> = self.stack[start..].iter().map(String::as_str).collect();
                chain.push(&id);
                self.problem(at.clone(), format!("extends cycle: {}", chain.join(" -> ")));
            } else if !self.loaded.contains(&id) {
                self.add(&source);
            }
        }
    }

    /// Validates a `[repeat]` table; fields it leaves out keep their defaults.
    fn repeat_table(&mut self, raw: RawRepeat, pos: &Positions) -> RepeatConfig {
        let mut config = RepeatConfig::default();
        if let Some(enabled) = raw.enabled {
            config.enabled = enabled;
        }
        if let Some(days) = raw.window_days {
            let d = *days.get_ref();
            if !(d > 0.0 && d <= 3660.0) {
                self.problem(
                    pos.at(days.span().start),
                    "window_days must be more than 0 and at most 3660 (ten years)",
                );
            }
            config.window_days = d;
        }
        if let Some(key) = raw.key {
            let key_at = pos.at(key.span().start);
            let mut fields = Vec::new();
            for name in key.into_inner() {
                match Field::from_name(name.get_ref()) {
                    Some(Field::Text) => self.problem(
                        pos.at(name.span().start),
                        "the repeat key cannot be `text`; use customer, case or a column",
                    ),
                    Some(f) => fields.push(FieldRef::Logical(f)),
                    None if name.get_ref().trim().is_empty() => {
                        self.problem(pos.at(name.span().start), "empty field name in key")
                    }
                    None => fields.push(FieldRef::Column(name.get_ref().clone())),
                }
            }
            if fields.is_empty() {
                self.problem(key_at, "the repeat key needs at least one field");
            }
            config.key = fields;
        }
        if let Some(kind) = raw.kind {
            if kind.get_ref().trim().is_empty() {
                self.problem(pos.at(kind.span().start), "the repeat kind is empty");
            }
            config.kind = kind.into_inner();
        }
        if let Some(not_after) = raw.not_after {
            config.not_after = not_after.iter().map(|s| s.trim().to_string()).collect();
        }
        config
    }

    fn problem(&mut self, location: Location, message: impl Into<String>) {
        self.problems.push(Diagnostic {
            location,
            message: message.into(),
        });
    }

    /// Validates one rule. `may_replace`: the file extends a base, so reusing the id of a
    /// rule from an earlier file redefines that rule instead of being a duplicate.
    fn rule(
        &mut self,
        raw: RawRule,
        pos: &Positions,
        location: Location,
        may_replace: bool,
    ) -> Option<Rule> {
        let before = self.problems.len();
        let id = raw.id.get_ref().trim().to_string();
        let id_at = pos.at(raw.id.span().start);
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            self.problem(
                id_at.clone(),
                format!("rule id {id:?} must be letters, digits, '-', '_' or '.'"),
            );
        }
        if let Some(other) = self
            .rules
            .iter()
            .find(|r| r.id == id && (!may_replace || r.location.file == location.file))
        {
            self.problem(
                id_at,
                format!(
                    "duplicate rule id {id:?} (first defined at {})",
                    other.location
                ),
            );
        }
        let class = *raw.class.get_ref();
        if class == Class::Unclassified {
            self.problem(
                pos.at(raw.class.span().start),
                "a rule's class must be \"value\" or \"failure\"",
            );
        }
        let kind = raw.kind.get_ref().trim().to_string();
        if kind.is_empty() {
            self.problem(pos.at(raw.kind.span().start), "kind is empty");
        }
        let phrases = self.phrases(&raw.phrases, pos);
        let all: Vec<Vec<Phrase>> = raw.all.iter().map(|g| self.phrases(g, pos)).collect();
        if let Some(i) = raw.all.iter().position(|g| g.is_empty()) {
            self.problem(location.clone(), format!("`all` group {} is empty", i + 1));
        }
        if all.len() > 64 {
            self.problem(location.clone(), "a rule may have at most 64 `all` groups");
        }
        let regex = self.regexes(&raw.regex, pos);
        let unless = self.phrases(&raw.unless, pos);
        let unless_regex = self.regexes(&raw.unless_regex, pos);
        let mut fields = Vec::new();
        for (name, test) in &raw.fields {
            let at = pos.at(name.span().start);
            let field = match Field::from_name(name.get_ref()) {
                Some(Field::Text) => {
                    self.problem(at, "`fields` cannot test `text`: use phrases, all or regex");
                    continue;
                }
                Some(f) => FieldRef::Logical(f),
                None => FieldRef::Column(name.get_ref().clone()),
            };
            let test = match test.get_ref() {
                RawFieldTest::OneOf(values) => {
                    FieldTest::OneOf(values.iter().map(|v| fold_value(v)).collect())
                }
                RawFieldTest::Regex(r) => match regex::Regex::new(&r.regex) {
                    Ok(re) => FieldTest::Regex(re),
                    Err(e) => {
                        self.problem(
                            pos.at(test.span().start),
                            format!("invalid regex: {}", one_line(&e.to_string())),
                        );
                        continue;
                    }
                },
            };
            fields.push(FieldCondition { field, test });
        }
        if phrases.is_empty() && all.is_empty() && regex.is_empty() && fields.is_empty() {
            self.problem(
                location.clone(),
                format!("rule {id:?} has no condition: give it phrases, all, regex or fields"),
            );
        }
        let examples = raw.examples.iter().map(|e| example(e, pos)).collect();
        let counter_examples = raw
            .counter_examples
            .iter()
            .map(|e| example(e, pos))
            .collect();
        if self.problems.len() > before {
            return None;
        }
        Some(Rule {
            id,
            class,
            kind,
            priority: raw.priority,
            description: raw.description,
            phrases,
            all,
            regex,
            unless,
            unless_regex,
            fields,
            examples,
            counter_examples,
            location,
        })
    }

    fn phrases(&mut self, raw: &[Spanned<String>], pos: &Positions) -> Vec<Phrase> {
        let mut out = Vec::with_capacity(raw.len());
        for p in raw {
            let original = p.get_ref().clone();
            let trimmed = original.trim();
            let (body, prefix) = match trimmed.strip_suffix('*') {
                Some(body) => (body, true),
                None => (trimmed, false),
            };
            if body.contains('*') {
                self.problem(
                    pos.at(p.span().start),
                    format!("phrase {original:?}: `*` is only allowed at the end"),
                );
                continue;
            }
            if prefix && body.ends_with(|c: char| !c.is_alphanumeric()) {
                self.problem(
                    pos.at(p.span().start),
                    format!("phrase {original:?}: `*` must follow a letter or digit"),
                );
                continue;
            }
            let words = normalise(body);
            if words.is_empty() {
                self.problem(
                    pos.at(p.span().start),
                    format!("phrase {original:?} has no letters or digits"),
                );
                continue;
            }
            out.push(Phrase {
                original,
                words,
                prefix,
            });
        }
        out
    }

    fn regexes(&mut self, raw: &[Spanned<String>], pos: &Positions) -> Vec<TextRegex> {
        let mut out = Vec::new();
        for r in raw {
            if let Some(re) = self.compiled.get(r.get_ref()) {
                out.push(re.clone());
                continue;
            }
            match TextRegex::new(r.get_ref()) {
                Ok(re) => {
                    self.compiled.insert(r.get_ref().clone(), re.clone());
                    out.push(re);
                }
                Err(e) => self.problem(
                    pos.at(r.span().start),
                    format!("invalid regex: {}", one_line(&e)),
                ),
            }
        }
        out
    }

    fn aliases(&mut self, entries: &[AliasEntry], what: &str) -> AliasTable {
        // Folded spelling -> (canonical name, file that gave it).
        let mut map: HashMap<String, (String, &str)> = HashMap::new();
        let mut problems = Vec::new();
        for e in entries {
            map.entry(fold_value(&e.canonical))
                .or_insert((e.canonical.clone(), &e.location.file));
        }
        for e in entries {
            let key = fold_value(&e.spelling);
            match map.get(&key) {
                Some((existing, file))
                    if *existing != e.canonical && !(e.overrides && *file != e.location.file) =>
                {
                    problems.push(Diagnostic {
                        location: e.location.clone(),
                        message: format!(
                            "{what} spelling {:?} is listed under both {existing:?} and {:?}",
                            e.spelling, e.canonical
                        ),
                    })
                }
                _ => {
                    map.insert(key, (e.canonical.clone(), &e.location.file));
                }
            }
        }
        self.problems.extend(problems);
        AliasTable {
            map: map.into_iter().map(|(k, (c, _))| (k, c)).collect(),
        }
    }

    fn finish(mut self) -> Result<RuleSet> {
        let channels = std::mem::take(&mut self.channels);
        let services = std::mem::take(&mut self.services);
        let channels = self.aliases(&channels, "channel");
        let services = self.aliases(&services, "service");
        if !self.problems.is_empty() {
            let lines: Vec<String> = self.problems.iter().map(|p| p.to_string()).collect();
            return Err(Error::Rules(lines.join("\n")));
        }
        let (meta, stem) = match self.meta {
            Some((m, stem)) => (Some(m), stem),
            None => (None, String::new()),
        };
        let name = meta.as_ref().and_then(|m| m.name.clone()).unwrap_or(stem);
        let (version, description, default) =
            meta.map_or((String::new(), String::new(), Class::Unclassified), |m| {
                (
                    m.version,
                    m.description,
                    m.default.unwrap_or(Class::Unclassified),
                )
            });
        Ok(RuleSet {
            name,
            version,
            description,
            default,
            channels,
            services,
            rules: self.rules,
            repeat: self.repeat.unwrap_or_default(),
            sources: self.sources,
        })
    }
}

fn example(raw: &Spanned<RawExample>, pos: &Positions) -> Example {
    let location = pos.at(raw.span().start);
    match raw.get_ref() {
        RawExample::Text(text) => Example {
            text: text.clone(),
            location,
            ..Example::default()
        },
        RawExample::Full(t) => Example {
            text: t.text.clone(),
            channel: t.channel.clone(),
            service: t.service.clone(),
            code: t.code.clone(),
            location,
        },
    }
}

fn non_empty_or(own: String, base: String) -> String {
    if own.is_empty() {
        base
    } else {
        own
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<RuleSet> {
        RuleSet::load(&[RuleSource {
            name: "t.toml".into(),
            text: text.into(),
        }])
    }

    fn err(text: &str) -> String {
        load(text).unwrap_err().to_string()
    }

    #[test]
    fn loads_a_minimal_rule() {
        let set = load(
            r#"
            [ruleset]
            name = "mini"
            [[rule]]
            id = "chase"
            class = "failure"
            kind = "progress-chasing"
            phrases = ["Chas*", "any update"]
            "#,
        )
        .unwrap();
        assert_eq!(set.name, "mini");
        assert_eq!(set.default, Class::Unclassified);
        let r = &set.rules[0];
        assert_eq!(r.phrases[0].words, "chas");
        assert!(r.phrases[0].prefix);
        assert_eq!(r.phrases[1].words, "any update");
        assert_eq!(r.location.line, 4);
    }

    #[test]
    fn unknown_key_names_file_line_and_column() {
        let e = err("[[rule]]\nid = \"a\"\nclass = \"value\"\nkind = \"x\"\nphrase = [\"a\"]\n");
        assert!(e.starts_with("t.toml:"), "{e}");
        assert!(e.contains("unknown field `phrase`"), "{e}");
    }

    #[test]
    fn unknown_class_is_an_error() {
        let e = err("[[rule]]\nid = \"a\"\nclass = \"good\"\nkind = \"x\"\nphrases = [\"a\"]\n");
        assert!(e.contains("t.toml:3:"), "{e}");
    }

    #[test]
    fn duplicate_ids_and_bad_regex_are_all_reported() {
        let e = err(r#"
[[rule]]
id = "a"
class = "value"
kind = "x"
phrases = ["one"]
[[rule]]
id = "a"
class = "failure"
kind = "y"
regex = ["(unclosed"]
"#);
        assert!(e.contains("t.toml:8:6: duplicate rule id \"a\""), "{e}");
        assert!(e.contains("t.toml:11:10: invalid regex"), "{e}");
    }

    #[test]
    fn phrase_problems_are_errors() {
        let e = err(r#"
[[rule]]
id = "a"
class = "value"
kind = "x"
phrases = ["!!", "a*b", "ok"]
"#);
        assert!(e.contains("no letters or digits"), "{e}");
        assert!(e.contains("only allowed at the end"), "{e}");
    }

    #[test]
    fn a_rule_needs_a_condition() {
        let e = err("[[rule]]\nid = \"a\"\nclass = \"value\"\nkind = \"x\"\n");
        assert!(e.contains("has no condition"), "{e}");
    }

    #[test]
    fn aliases_map_case_insensitively_and_conflicts_are_errors() {
        let set = load(
            r#"
[channels]
phone = ["Telephone", "TEL"]
[[rule]]
id = "a"
class = "value"
kind = "x"
fields = { channel = ["phone"] }
"#,
        )
        .unwrap();
        assert_eq!(set.channels.canonical(" telephone "), "phone");
        assert_eq!(set.channels.canonical("Phone"), "phone");
        assert_eq!(set.channels.canonical("Pigeon"), "Pigeon");
        let e = err("[channels]\nphone = [\"tel\"]\nweb = [\"TEL\"]\n");
        assert!(e.contains("listed under both"), "{e}");
    }

    #[test]
    fn examples_may_be_strings_or_tables() {
        let set = load(
            r#"
[[rule]]
id = "a"
class = "value"
kind = "x"
phrases = ["new bin"]
examples = ["new bin pls", { text = "new bin", channel = "web", service = "waste" }]
counter_examples = [{ text = "bin missed" }]
"#,
        )
        .unwrap();
        let r = &set.rules[0];
        assert_eq!(r.examples.len(), 2);
        assert_eq!(r.examples[1].channel.as_deref(), Some("web"));
        assert_eq!(r.counter_examples[0].text, "bin missed");
    }

    #[test]
    fn the_embedded_default_rules_load() {
        let set = RuleSet::default_rules().unwrap();
        assert!(set.rules.len() >= 80, "{} rules", set.rules.len());
        for kind in FAILURE_KINDS.iter().chain(VALUE_KINDS.iter()) {
            assert!(
                set.rules.iter().any(|r| r.kind == *kind),
                "no default rule of kind {kind}"
            );
        }
        for r in &set.rules {
            assert!(!r.examples.is_empty(), "{} has no example", r.id);
            assert!(
                !r.counter_examples.is_empty(),
                "{} has no counter-example",
                r.id
            );
        }
    }

    #[test]
    fn extends_disables_replaces_in_place_and_adds() {
        let set = load(
            r#"
extends = "council"
disable = ["v-catchall-advised"]
[ruleset]
version = "7"
[channels]
email = ["mail"]
[[rule]]
id = "f-chasing-any-update"
class = "failure"
kind = "progress-chasing"
priority = 45
phrases = ["any news"]
[[rule]]
id = "local-new"
class = "value"
kind = "booking"
phrases = ["beach hut"]
"#,
        )
        .unwrap();
        let default = RuleSet::default_rules().unwrap();
        assert_eq!(set.name, "t", "a file's own [ruleset] names the set");
        assert_eq!(set.version, "7");
        assert_eq!(set.description, default.description);
        assert_eq!(set.rules.len(), default.rules.len());
        assert!(set.rule_index("v-catchall-advised").is_none());
        let i = set.rule_index("f-chasing-any-update").unwrap();
        assert_eq!(i, default.rule_index("f-chasing-any-update").unwrap());
        assert_eq!(set.rules[i].phrases[0].words, "any news");
        assert_eq!(set.rules[i].location.file, "t.toml");
        assert_eq!(set.rules.last().unwrap().id, "local-new");
        assert_eq!(set.channels.canonical("Mail"), "email");
        assert_eq!(default.channels.canonical("Mail"), "letter");
        assert_eq!(set.sources, vec!["t.toml", DEFAULT_RULES_NAME]);
    }

    #[test]
    fn extends_errors_name_file_line_and_column() {
        let e = err("extends = \"council\"\ndisable = [\"v-catchall-advised\", \"nope\"]\n");
        assert!(e.contains("t.toml:2:34: disable: no rule \"nope\""), "{e}");
        let e = err("disable = [\"a\"]\n");
        assert!(e.contains("t.toml:1:12: `disable` needs `extends`"), "{e}");
        let e = err("extends = \"no/such/base.toml\"\n");
        assert!(
            e.contains("t.toml:1:11: extends \"no/such/base.toml\": cannot read it"),
            "{e}"
        );
        // Reusing an id within one file is still a duplicate, extends or not.
        let e = err(
            "extends = \"council\"\n[[rule]]\nid = \"x\"\nclass = \"value\"\nkind = \"k\"\nphrases = [\"a\"]\n\
             [[rule]]\nid = \"x\"\nclass = \"value\"\nkind = \"k\"\nphrases = [\"b\"]\n",
        );
        assert!(e.contains("t.toml:8:6: duplicate rule id \"x\""), "{e}");
    }

    #[test]
    fn extends_paths_are_relative_to_the_file_and_cycles_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let rule = |id: &str| {
            format!(
                "[[rule]]\nid = \"{id}\"\nclass = \"value\"\nkind = \"k\"\nphrases = [\"{id}\"]\n"
            )
        };
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/base.toml"), rule("base")).unwrap();
        let top = dir.path().join("top.toml");
        std::fs::write(
            &top,
            format!("extends = \"sub/base.toml\"\n{}", rule("top")),
        )
        .unwrap();
        let set = RuleSet::from_paths(&[top]).unwrap();
        let ids: Vec<&str> = set.rules.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["base", "top"]);

        std::fs::write(
            dir.path().join("a.toml"),
            format!("extends = \"b.toml\"\n{}", rule("a")),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("b.toml"),
            format!("extends = \"a.toml\"\n{}", rule("b")),
        )
        .unwrap();
        let e = RuleSet::from_paths(&[dir.path().join("a.toml")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("b.toml:1:11: extends cycle: "), "{e}");
        assert!(e.contains("a.toml -> "), "{e}");

        // Two files extending the same base load it once.
        std::fs::write(
            dir.path().join("c.toml"),
            format!("extends = \"sub/base.toml\"\n{}", rule("c")),
        )
        .unwrap();
        let set =
            RuleSet::from_paths(&[dir.path().join("top.toml"), dir.path().join("c.toml")]).unwrap();
        assert_eq!(set.rules.len(), 3);
    }
}
