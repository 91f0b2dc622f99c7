//! Classification: the rules compiled into one matcher, applied to one contact at a time.
//!
//! Every phrase of every rule goes into one [`PhraseSet`], which finds them all in one pass
//! over the contact's words, overlaps included (so a short phrase never hides a longer
//! one). So do the words each regex needs (its gates, see `gate_literals`). Each phrase
//! knows which rules it feeds; a contact's matches mark those rules, a regex whose gates
//! all open marks its rules, and only the rules marked (plus the few that need neither)
//! are examined further; `unless` phrases are noted once and looked up by those rules.
//! Regexes run last, only for rules whose other conditions already hold, at most once per
//! contact, each with a cache owned by the calling thread (a cache shared between threads
//! would be contended on every call). `tests/matcher_reference.rs` checks these shortcuts
//! against a plain reading of the rules.
//! The matcher is built once and shared read-only by all threads; per-thread state lives
//! in a [`Scratch`] that is reused from contact to contact.

use crate::columns::Field;
use crate::phrases::{PhraseScratch, PhraseSet};
use crate::rules::{Class, FieldRef, FieldTest, Rule, RuleSet};
use crate::text::{fold_value_into, ContactText};
use aho_corasick::{AhoCorasick, MatchKind};
use std::collections::HashMap;

/// What the rules said about one contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub class: Class,
    /// Index of the winning rule in [`RuleSet::rules`], or `None` when no rule matched.
    pub rule: Option<usize>,
}

/// A contact as the matcher sees it.
pub trait Contact {
    /// Appends the text rules read (each text column, then the code) to `out`.
    fn text(&self, out: &mut ContactText);
    /// The raw value of field slot `slot` (see [`Matcher::slots`]), if the contact has it.
    fn value(&self, slot: usize) -> Option<&str>;
}

/// What a phrase occurrence does.
#[derive(Debug, Clone, Copy)]
enum Use {
    /// Rule `.0` has one of its `phrases`.
    Any(u32),
    /// Rule `.0` has a phrase of its `all` group `.1`.
    Group(u32, u8),
    /// The phrase is in some rule's `unless` list: noted for the rules examined later
    /// (common vetoes such as "again" sit in half the rules, too many to mark one by one).
    Veto,
    /// Regex `.0` has a literal of its gate set `.1` (see [`gate_literals`]).
    Gate(u32, u8),
}

#[derive(Debug)]
struct Compiled {
    /// Bit i set for every `all` group; a contact must hit all of them.
    groups_full: u64,
    /// For each of the rule's field conditions, its slot in `Matcher::slots`.
    slots: Vec<usize>,
    /// Canonical, folded allowed values for `OneOf` tests (empty for regex tests).
    allowed: Vec<Vec<String>>,
    /// The rule's `regex` and `unless_regex`, as indices into `Matcher::regexes`.
    regex: Vec<usize>,
    unless_regex: Vec<usize>,
    /// The atoms of the rule's `unless` phrases, sorted.
    unless: Vec<u32>,
}

/// The compiled rule set.
#[derive(Debug)]
pub struct Matcher {
    rules: RuleSet,
    phrases: PhraseSet,
    /// Literals that regexes need (see [`gate_literals`]), and the regexes each opens.
    gates: Option<AhoCorasick>,
    /// Per gate literal: the regexes it opens, and which of their literal sets it is in.
    gate_regexes: Vec<Vec<(u32, u8)>>,
    /// For each phrase atom, its uses: `uses[starts[p]..starts[p + 1]]`.
    starts: Vec<usize>,
    uses: Vec<Use>,
    compiled: Vec<Compiled>,
    /// Rules that can match without any phrase occurring.
    always: Vec<u32>,
    slots: Vec<FieldRef>,
    /// Every distinct text regex of every rule (rules often share a veto), so that each is
    /// run at most once per contact and each thread keeps one cache per regex.
    regexes: Vec<regex_automata::meta::Regex>,
    /// Per regex: the literal sets (bits of [`GATE_SETS`], see [`gate_literals`]) that must
    /// each have been seen before the regex is run; 0 when it always runs.
    gated: Vec<u8>,
    /// Per regex: the rules with it in `regex`, examined when its gates open.
    regex_rules: Vec<Vec<u32>>,
}

#[derive(Debug, Clone, Copy, Default)]
struct RuleState {
    stamp: u32,
    any: bool,
    groups: u64,
}

/// Per-thread working memory, reused for every contact.
#[derive(Debug, Default)]
pub struct Scratch {
    pub text: ContactText,
    state: Vec<RuleState>,
    touched: Vec<u32>,
    stamp: u32,
    /// Every rule that matched the last contact (its hits), in no particular order.
    pub matched: Vec<u32>,
    caches: Vec<regex_automata::meta::Cache>,
    /// Per regex: the stamp of the contact its result belongs to, and the result.
    regex_results: Vec<(u32, bool)>,
    /// Per regex: the stamp of the contact whose gate literals `.1` records (bits as in
    /// `Matcher::gated`).
    regex_gates: Vec<(u32, u8)>,
    /// The regexes whose gate record belongs to the current contact.
    opened: Vec<u32>,
    /// The `unless` phrases (atoms) the current contact holds.
    veto_hits: Vec<u32>,
    phrase_scratch: PhraseScratch,
}

impl Matcher {
    pub fn new(rules: RuleSet) -> Matcher {
        let mut phrases = PhraseSet::default();
        let mut atom_uses: Vec<Vec<Use>> = Vec::new();
        let mut add = |words: &str, prefix: bool, u: Use| {
            let atom = phrases.add(words, prefix);
            if atom as usize == atom_uses.len() {
                atom_uses.push(Vec::new());
            }
            let uses = &mut atom_uses[atom as usize];
            if !matches!(u, Use::Veto) || !uses.iter().any(|u| matches!(u, Use::Veto)) {
                uses.push(u);
            }
            atom
        };
        let mut slots: Vec<FieldRef> = Vec::new();
        let mut compiled = Vec::with_capacity(rules.rules.len());
        let mut regexes = Vec::new();
        let mut regex_ids: HashMap<String, usize> = HashMap::new();
        let mut regex_sources: Vec<String> = Vec::new();
        for (i, rule) in rules.rules.iter().enumerate() {
            let r = i as u32;
            for p in &rule.phrases {
                add(&p.words, p.prefix, Use::Any(r));
            }
            for (g, group) in rule.all.iter().enumerate() {
                for p in group {
                    add(&p.words, p.prefix, Use::Group(r, g as u8));
                }
            }
            let mut unless: Vec<u32> = rule
                .unless
                .iter()
                .map(|p| add(&p.words, p.prefix, Use::Veto))
                .collect();
            unless.sort_unstable();
            unless.dedup();
            let mut flatten = |list: &[crate::rules::TextRegex]| -> Vec<usize> {
                list.iter()
                    .map(|r| {
                        *regex_ids.entry(r.source.clone()).or_insert_with(|| {
                            regexes.push(r.regex.clone());
                            regex_sources.push(r.source.clone());
                            regexes.len() - 1
                        })
                    })
                    .collect()
            };
            let regex = flatten(&rule.regex);
            let unless_regex = flatten(&rule.unless_regex);
            let mut rule_slots = Vec::new();
            let mut allowed = Vec::new();
            for cond in &rule.fields {
                let slot = match slots.iter().position(|s| *s == cond.field) {
                    Some(s) => s,
                    None => {
                        slots.push(cond.field.clone());
                        slots.len() - 1
                    }
                };
                rule_slots.push(slot);
                allowed.push(match &cond.test {
                    FieldTest::OneOf(values) => values
                        .iter()
                        .map(|v| canonical_folded(&rules, &cond.field, v))
                        .collect(),
                    FieldTest::Regex(_) => Vec::new(),
                });
            }
            let groups_full = match rule.all.len() {
                0 => 0,
                64 => u64::MAX,
                n => (1u64 << n) - 1,
            };
            compiled.push(Compiled {
                groups_full,
                slots: rule_slots,
                allowed,
                regex,
                unless_regex,
                unless,
            });
        }
        // Gate literals that start at a word become phrases (found by the word lookup that
        // runs anyway, at no extra pass); the rest go into a byte automaton.
        let mut gated = Vec::with_capacity(regex_sources.len());
        let mut gate_index: HashMap<String, usize> = HashMap::new();
        let mut gate_patterns: Vec<String> = Vec::new();
        let mut gate_regexes: Vec<Vec<(u32, u8)>> = Vec::new();
        for (i, source) in regex_sources.iter().enumerate() {
            let sets = gate_literals(source);
            gated.push(sets.iter().fold(0, |bits, set| bits | set.bit));
            for set in sets {
                let words: Option<std::collections::BTreeSet<(String, bool)>> = set
                    .literals
                    .iter()
                    .map(|l| gate_phrase(l, set.at_word))
                    .collect();
                if let Some(words) = words {
                    for (w, prefix) in &words {
                        add(w, *prefix, Use::Gate(i as u32, set.bit));
                    }
                    continue;
                }
                for literal in set.literals {
                    let g = *gate_index.entry(cut(&literal)).or_insert_with(|| {
                        gate_patterns.push(cut(&literal));
                        gate_regexes.push(Vec::new());
                        gate_regexes.len() - 1
                    });
                    if !gate_regexes[g].contains(&(i as u32, set.bit)) {
                        gate_regexes[g].push((i as u32, set.bit));
                    }
                }
            }
        }
        // Rules examined for every contact: those that need no phrase (field conditions
        // only, or a regex without gates). A rule with gated regexes is examined when all
        // the gates of one of them open.
        let always = rules
            .rules
            .iter()
            .zip(&compiled)
            .enumerate()
            .filter(|(_, (rule, c))| {
                rule.all.is_empty()
                    && ((rule.phrases.is_empty() && c.regex.is_empty())
                        || c.regex.iter().any(|&i| gated[i] == 0))
            })
            .map(|(r, _)| r as u32)
            .collect();
        let mut regex_rules = vec![Vec::new(); regexes.len()];
        for (r, c) in compiled.iter().enumerate() {
            for &i in &c.regex {
                regex_rules[i].push(r as u32);
            }
        }
        let gates = (!gate_patterns.is_empty()).then(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                .build(&gate_patterns)
                .expect("gate literals are short plain strings")
        });
        phrases.seal();
        let mut starts = Vec::with_capacity(atom_uses.len() + 1);
        let mut uses = Vec::new();
        for u in atom_uses {
            starts.push(uses.len());
            uses.extend(u);
        }
        starts.push(uses.len());
        Matcher {
            rules,
            phrases,
            gates,
            gate_regexes,
            starts,
            uses,
            compiled,
            always,
            slots,
            regexes,
            gated,
            regex_rules,
        }
    }

    pub fn ruleset(&self) -> &RuleSet {
        &self.rules
    }

    pub fn rule(&self, index: usize) -> &Rule {
        &self.rules.rules[index]
    }

    /// The distinct fields and columns that rule conditions read, in slot order.
    pub fn slots(&self) -> &[FieldRef] {
        &self.slots
    }

    /// The number of distinct phrases of all rules.
    pub fn phrase_count(&self) -> usize {
        self.phrases.len()
    }

    /// The kind a decision reports: the winning rule's, or `none`.
    pub fn kind(&self, d: Decision) -> &str {
        d.rule.map_or("none", |r| self.rules.rules[r].kind.as_str())
    }

    /// The rule id a decision reports, or `-` when none matched.
    pub fn rule_id(&self, d: Decision) -> &str {
        d.rule.map_or("-", |r| self.rules.rules[r].id.as_str())
    }

    /// Classifies one contact. Afterwards `scratch.matched` lists every matching rule.
    pub fn classify<C: Contact + ?Sized>(&self, contact: &C, scratch: &mut Scratch) -> Decision {
        if scratch.state.len() != self.rules.rules.len() {
            scratch.state = vec![RuleState::default(); self.rules.rules.len()];
            scratch.stamp = 0;
            scratch.caches = self.regexes.iter().map(|r| r.create_cache()).collect();
            scratch.regex_results = vec![(0, false); self.regexes.len()];
            scratch.regex_gates = vec![(0, 0); self.regexes.len()];
        }
        scratch.stamp = scratch.stamp.wrapping_add(1);
        if scratch.stamp == 0 {
            scratch.state.iter_mut().for_each(|s| s.stamp = 0);
            scratch.regex_results.iter_mut().for_each(|r| r.0 = 0);
            scratch.regex_gates.iter_mut().for_each(|g| *g = (0, 0));
            scratch.stamp = 1;
        }
        let stamp = scratch.stamp;
        scratch.touched.clear();
        scratch.matched.clear();
        scratch.text.clear();
        contact.text(&mut scratch.text);
        let state = &mut scratch.state;
        let touched = &mut scratch.touched;
        let regex_gates = &mut scratch.regex_gates;
        let opened = &mut scratch.opened;
        opened.clear();
        let veto_hits = &mut scratch.veto_hits;
        veto_hits.clear();
        self.phrases
            .find(&scratch.text, &mut scratch.phrase_scratch, |atom| {
                let atom = atom as usize;
                for u in &self.uses[self.starts[atom]..self.starts[atom + 1]] {
                    let r = match *u {
                        Use::Any(r) | Use::Group(r, _) => r,
                        Use::Gate(n, bit) => {
                            open_gate(regex_gates, opened, n, bit, stamp);
                            continue;
                        }
                        Use::Veto => {
                            veto_hits.push(atom as u32);
                            continue;
                        }
                    };
                    let st = touch(state, touched, r, stamp);
                    match *u {
                        Use::Any(_) => st.any = true,
                        Use::Group(_, g) => st.groups |= 1 << g,
                        Use::Veto | Use::Gate(..) => {}
                    }
                }
            });
        if let Some(gates) = &self.gates {
            for m in gates.find_overlapping_iter(scratch.text.as_bytes()) {
                for &(n, bit) in &self.gate_regexes[m.pattern().as_usize()] {
                    open_gate(&mut scratch.regex_gates, &mut scratch.opened, n, bit, stamp);
                }
            }
        }
        // A regex whose gates are all open may match: its rules are examined.
        for &n in &scratch.opened {
            let n = n as usize;
            if scratch.regex_gates[n].1 != self.gated[n] {
                continue;
            }
            for &r in &self.regex_rules[n] {
                touch(&mut scratch.state, &mut scratch.touched, r, stamp);
            }
        }
        let mut best: Option<usize> = None;
        let untouched = self
            .always
            .iter()
            .filter(|&&r| scratch.state[r as usize].stamp != stamp);
        for &r in scratch.touched.iter().chain(untouched) {
            let r = r as usize;
            let st = if scratch.state[r].stamp == stamp {
                scratch.state[r]
            } else {
                RuleState::default()
            };
            let mut regex = RegexRun {
                text: scratch.text.as_bytes(),
                stamp,
                caches: &mut scratch.caches,
                results: &mut scratch.regex_results,
                gates: &scratch.regex_gates,
                gated: &self.gated,
            };
            if self.matches(r, st, &scratch.veto_hits, contact, &mut regex) {
                scratch.matched.push(r as u32);
                if best.is_none_or(|b| self.beats(r, b)) {
                    best = Some(r);
                }
            }
        }
        match best {
            Some(r) => Decision {
                class: self.rules.rules[r].class,
                rule: Some(r),
            },
            None => Decision {
                class: self.rules.default,
                rule: None,
            },
        }
    }

    /// Whether rule `a` wins over rule `b` when both match. Precedence: higher priority,
    /// then failure over value, then the earlier rule.
    pub fn beats(&self, a: usize, b: usize) -> bool {
        let (ra, rb) = (&self.rules.rules[a], &self.rules.rules[b]);
        (
            ra.priority,
            ra.class == Class::Failure,
            std::cmp::Reverse(a),
        ) > (
            rb.priority,
            rb.class == Class::Failure,
            std::cmp::Reverse(b),
        )
    }

    fn matches<C: Contact + ?Sized>(
        &self,
        r: usize,
        st: RuleState,
        veto_hits: &[u32],
        contact: &C,
        regex: &mut RegexRun,
    ) -> bool {
        let rule = &self.rules.rules[r];
        let c = &self.compiled[r];
        if st.groups != c.groups_full {
            return false;
        }
        if veto_hits.iter().any(|a| c.unless.binary_search(a).is_ok()) {
            return false;
        }
        for (i, cond) in rule.fields.iter().enumerate() {
            let Some(value) = contact.value(c.slots[i]) else {
                return false;
            };
            let ok = match &cond.test {
                FieldTest::OneOf(_) => {
                    let v = canonical_folded(&self.rules, &cond.field, value);
                    c.allowed[i].contains(&v)
                }
                FieldTest::Regex(re) => re.is_match(value),
            };
            if !ok {
                return false;
            }
        }
        let needs_text = !rule.phrases.is_empty() || !rule.regex.is_empty();
        if needs_text && !st.any && !c.regex.iter().any(|&i| regex.is_match(&self.regexes, i)) {
            return false;
        }
        !c.unless_regex
            .iter()
            .any(|&i| regex.is_match(&self.regexes, i))
    }
}

/// Regex results for one contact, each regex run at most once.
struct RegexRun<'a> {
    text: &'a [u8],
    stamp: u32,
    caches: &'a mut [regex_automata::meta::Cache],
    results: &'a mut [(u32, bool)],
    gates: &'a [(u32, u8)],
    gated: &'a [u8],
}

impl RegexRun<'_> {
    fn is_match(&mut self, regexes: &[regex_automata::meta::Regex], i: usize) -> bool {
        let (stamp, result) = self.results[i];
        if stamp == self.stamp {
            return result;
        }
        let (seen_stamp, seen) = self.gates[i];
        let needed = self.gated[i];
        if needed != 0 && (seen_stamp != self.stamp || seen & needed != needed) {
            return false;
        }
        let input = regex_automata::Input::new(self.text).earliest(true);
        let result = regexes[i]
            .search_with(&mut self.caches[i], &input)
            .is_some();
        self.results[i] = (self.stamp, result);
        result
    }
}

/// Rule `r`'s state for the contact `stamp`, reset and listed in `touched` the first time
/// the contact reaches the rule.
fn touch<'s>(
    state: &'s mut [RuleState],
    touched: &mut Vec<u32>,
    r: u32,
    stamp: u32,
) -> &'s mut RuleState {
    let st = &mut state[r as usize];
    if st.stamp != stamp {
        *st = RuleState {
            stamp,
            ..RuleState::default()
        };
        touched.push(r);
    }
    st
}

/// Records that regex `n` has a literal of its gate set `bit` in the contact `stamp`.
fn open_gate(gates: &mut [(u32, u8)], opened: &mut Vec<u32>, n: u32, bit: u8, stamp: u32) {
    let g = &mut gates[n as usize];
    if g.0 != stamp {
        *g = (stamp, 0);
        opened.push(n);
    }
    g.1 |= bit;
}

/// The bits of the gate sets of a regex (two: a third cost more in phrase hits than it
/// saved in regex runs on the generated log).
const GATE_SETS: [u8; 2] = [1, 2];

/// One set of literals that gates a regex: every match contains one of them.
#[derive(Debug, PartialEq)]
struct GateSet {
    /// The set's bit in `Matcher::gated` (one of [`GATE_SETS`]).
    bit: u8,
    literals: Vec<String>,
    /// Every literal begins where a word begins (after `\b`, or it starts with a space).
    at_word: bool,
}

/// Up to two literal sets that gate a regex ([`GATE_SETS`]): every match contains one
/// literal of each set. Candidate sets are the regex's possible prefixes and suffixes and,
/// when it is a sequence, the possible prefixes of each of its parts (so that a rare word
/// in the middle, after a common one, can gate it); a set qualifies when it is finite and
/// none of its literals is too short to be selective, and the smallest qualify first.
/// A contact lacking a set cannot match, so the regex is not run: most contacts never
/// reach the regex engine.
fn gate_literals(source: &str) -> Vec<GateSet> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    use regex_syntax::hir::{Hir, HirKind, Look};
    let Ok(hir) = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(source)
    else {
        return Vec::new();
    };
    let set = |hir: &Hir, suffix: bool| -> Option<Vec<String>> {
        let kind = if suffix {
            ExtractKind::Suffix
        } else {
            ExtractKind::Prefix
        };
        let seq = Extractor::new().kind(kind).extract(hir);
        let literals = seq.literals()?;
        // A literal of one or two bytes is no filter, unless a space leads it: " x" is a
        // word that starts with x.
        let short = |l: &[u8]| l.len() < 2 || (l.len() < 3 && l[0] != b' ');
        if literals.is_empty() || literals.iter().any(|l| short(l.as_bytes())) {
            return None;
        }
        let mut set = Vec::with_capacity(literals.len());
        for l in literals {
            set.push(std::str::from_utf8(l.as_bytes()).ok()?.to_string());
        }
        set.sort();
        set.dedup();
        Some(set)
    };
    fn is_word_look(hir: &Hir) -> bool {
        matches!(
            hir.kind(),
            HirKind::Look(
                Look::WordAscii
                    | Look::WordUnicode
                    | Look::WordStartAscii
                    | Look::WordStartUnicode
                    | Look::WordStartHalfAscii
                    | Look::WordStartHalfUnicode
            )
        )
    }
    /// Whether every match of `hir` begins where a word begins (given it begins with a
    /// word character, which the literal check in [`gate_phrase`] makes sure of).
    fn starts_at_word(hir: &Hir) -> bool {
        match hir.kind() {
            HirKind::Concat(parts) => parts.first().is_some_and(starts_at_word),
            HirKind::Capture(c) => starts_at_word(&c.sub),
            HirKind::Alternation(alts) => alts.iter().all(starts_at_word),
            _ => is_word_look(hir),
        }
    }
    /// Whether every match of `hir` ends with a space (so that what follows begins a word).
    fn ends_with_space(hir: &Hir) -> bool {
        match hir.kind() {
            HirKind::Literal(l) => l.0.last() == Some(&b' '),
            HirKind::Concat(parts) => parts.last().is_some_and(ends_with_space),
            HirKind::Capture(c) => ends_with_space(&c.sub),
            HirKind::Alternation(alts) => alts.iter().all(ends_with_space),
            HirKind::Repetition(r) => r.min > 0 && ends_with_space(&r.sub),
            _ => false,
        }
    }
    /// Whether part `j` of a sequence begins where a word begins: the nearest part before
    /// it that must be present ends with a space or is `\b`, and the optional parts in
    /// between end with a space when present.
    fn after_word_break(parts: &[Hir], j: usize) -> bool {
        for p in parts[..j].iter().rev() {
            if let HirKind::Repetition(r) = p.kind() {
                if r.min == 0 {
                    if ends_with_space(&r.sub) {
                        continue;
                    }
                    return false;
                }
            }
            return is_word_look(p) || ends_with_space(p);
        }
        false
    }
    let mut candidates: Vec<(Vec<String>, bool)> = Vec::new();
    candidates.extend(set(&hir, false).map(|s| (s, starts_at_word(&hir))));
    candidates.extend(set(&hir, true).map(|s| (s, false)));
    if let HirKind::Concat(parts) = hir.kind() {
        for (j, part) in parts.iter().enumerate() {
            let at_word = starts_at_word(part) || after_word_break(parts, j);
            candidates.extend(set(part, false).map(|s| (s, at_word)));
        }
    }
    // The most selective first: sets without a literal that starts with a common word
    // ("but", "to"), then the smaller.
    let common = |set: &[String]| {
        set.iter().any(|l| {
            let first = l.trim_start().split(' ').next().unwrap_or("");
            first.len() < 3 || crate::ngrams::is_stop_word(first)
        })
    };
    // Then those that start a word (they become phrases), then the smaller; and of sets
    // with the same first words (a part's prefixes and the whole regex's), one.
    candidates.sort_by_key(|c| (common(&c.0), !c.1, c.0.len()));
    // Sets that become phrases cost nothing to look for, where a byte set costs a pass of
    // the automaton over every contact: with one of the former, the latter are dropped.
    let is_words = |c: &(Vec<String>, bool)| c.0.iter().all(|l| gate_phrase(l, c.1).is_some());
    if candidates.iter().any(is_words) {
        candidates.retain(is_words);
    }
    let mut firsts_seen = std::collections::HashSet::new();
    candidates.retain(|c| {
        let mut firsts: Vec<String> =
            c.0.iter()
                .filter_map(|l| l.split_whitespace().next().map(str::to_string))
                .collect();
        firsts.sort_unstable();
        firsts.dedup();
        firsts_seen.insert(firsts)
    });
    candidates
        .into_iter()
        .take(2)
        .zip(GATE_SETS)
        .map(|((literals, at_word), bit)| GateSet {
            bit,
            literals,
            at_word,
        })
        .collect()
}

/// A gate literal as a phrase (its words, and whether the last is a prefix), when it can
/// only occur where a word begins and holds nothing but lower-case letters, digits and
/// single spaces (what normalised text is made of). `None` leaves it to the byte automaton.
fn gate_phrase(literal: &str, at_word: bool) -> Option<(String, bool)> {
    // What follows a space begins a word, wherever the literal itself began.
    let l = match literal.strip_prefix(' ') {
        Some(rest) => rest,
        None if at_word => literal,
        None => &literal[literal.find(' ')? + 1..],
    };
    let plain = l
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b' ');
    if l.is_empty() || !plain || l.starts_with(' ') || l.contains("  ") {
        return None;
    }
    match l.strip_suffix(' ') {
        Some(words) => Some((words.to_string(), false)),
        None => Some((l.to_string(), true)),
    }
}

/// A byte gate literal cut to a few bytes, which keeps the automaton small when a part is
/// a large alternation.
fn cut(literal: &str) -> String {
    const GATE_BYTES: usize = 6;
    let mut end = literal.len().min(GATE_BYTES);
    while !literal.is_char_boundary(end) {
        end -= 1;
    }
    literal[..end].to_string()
}

/// A field value as field conditions compare it: mapped through the alias table for
/// channel and service, then folded.
fn canonical_folded(rules: &RuleSet, field: &FieldRef, value: &str) -> String {
    let mut out = String::new();
    match field {
        FieldRef::Logical(Field::Channel) => rules.channels.fold_canonical_into(value, &mut out),
        FieldRef::Logical(Field::Service) => rules.services.fold_canonical_into(value, &mut out),
        _ => fold_value_into(value, &mut out),
    }
    out
}

/// A contact built from an example in a rule file or from the command line.
#[derive(Debug, Clone, Default)]
pub struct SimpleContact<'a> {
    pub text: &'a str,
    pub channel: Option<&'a str>,
    pub service: Option<&'a str>,
    pub code: Option<&'a str>,
    /// The matcher's slots, to answer [`Contact::value`].
    pub slots: &'a [FieldRef],
}

impl Contact for SimpleContact<'_> {
    fn text(&self, out: &mut ContactText) {
        out.push_field(self.text.as_bytes());
        if let Some(code) = self.code {
            out.push_field(code.as_bytes());
        }
    }

    fn value(&self, slot: usize) -> Option<&str> {
        match self.slots.get(slot)? {
            FieldRef::Logical(Field::Channel) => self.channel,
            FieldRef::Logical(Field::Service) => self.service,
            FieldRef::Logical(Field::Code) => self.code,
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSource;

    fn matcher(toml: &str) -> Matcher {
        let set = RuleSet::load(&[RuleSource {
            name: "t.toml".into(),
            text: toml.into(),
        }])
        .unwrap();
        Matcher::new(set)
    }

    fn run(m: &Matcher, text: &str) -> String {
        run_with(m, text, None, None, None)
    }

    fn run_with(
        m: &Matcher,
        text: &str,
        channel: Option<&str>,
        service: Option<&str>,
        code: Option<&str>,
    ) -> String {
        let c = SimpleContact {
            text,
            channel,
            service,
            code,
            slots: m.slots(),
        };
        let mut s = Scratch::default();
        let d = m.classify(&c, &mut s);
        format!("{}:{}", d.class, m.rule_id(d))
    }

    const BASIC: &str = r#"
[[rule]]
id = "bin"
class = "value"
kind = "service-request"
phrases = ["bin"]
[[rule]]
id = "chase"
class = "failure"
kind = "progress-chasing"
phrases = ["chas*"]
"#;

    #[test]
    fn phrases_match_whole_words_only() {
        let m = matcher(BASIC);
        assert_eq!(run(&m, "new BIN please"), "value:bin");
        assert_eq!(run(&m, "bin."), "value:bin");
        assert_eq!(run(&m, "cabinet door"), "unclassified:-");
        assert_eq!(run(&m, "binned it"), "unclassified:-");
    }

    #[test]
    fn star_makes_a_prefix_but_keeps_the_left_boundary() {
        let m = matcher(BASIC);
        assert_eq!(run(&m, "Chased twice"), "failure:chase");
        assert_eq!(run(&m, "chasing"), "failure:chase");
        assert_eq!(run(&m, "purchase"), "unclassified:-");
    }

    #[test]
    fn multi_word_phrases_match_across_punctuation_but_not_across_fields() {
        let m = matcher(
            r#"
[[rule]]
id = "nc"
class = "failure"
kind = "not-done-right"
phrases = ["not collected"]
"#,
        );
        assert_eq!(run(&m, "bins NOT-collected!"), "failure:nc");
        assert_eq!(
            run_with(&m, "bins not", None, None, Some("collected")),
            "unclassified:-"
        );
    }

    #[test]
    fn a_short_phrase_does_not_hide_a_longer_one() {
        // "chasing" and "chasing up" overlap; both must be seen.
        let m = matcher(
            r#"
[[rule]]
id = "short"
class = "value"
kind = "information"
phrases = ["chasing"]
[[rule]]
id = "long"
class = "failure"
kind = "progress-chasing"
priority = 5
phrases = ["chasing up"]
"#,
        );
        assert_eq!(run(&m, "chasing up claim"), "failure:long");
        assert_eq!(run(&m, "chasing"), "value:short");
    }

    #[test]
    fn all_groups_must_each_hit() {
        let m = matcher(
            r#"
[[rule]]
id = "missed-bin"
class = "failure"
kind = "not-done-right"
all = [["bin", "bins"], ["missed", "not collected"]]
"#,
        );
        assert_eq!(run(&m, "bins missed"), "failure:missed-bin");
        assert_eq!(run(&m, "bin not collected"), "failure:missed-bin");
        assert_eq!(run(&m, "bins"), "unclassified:-");
        assert_eq!(run(&m, "missed"), "unclassified:-");
    }

    #[test]
    fn unless_phrases_and_regexes_veto() {
        let m = matcher(
            r#"
[[rule]]
id = "complaint"
class = "failure"
kind = "complaint"
phrases = ["complain*"]
unless = ["neighbour"]
unless_regex = ['\bdog (fouling|barking)\b']
"#,
        );
        assert_eq!(run(&m, "wants to complain"), "failure:complaint");
        assert_eq!(run(&m, "complaint re neighbour noise"), "unclassified:-");
        assert_eq!(run(&m, "complaint about dog fouling"), "unclassified:-");
    }

    #[test]
    fn regex_alone_or_as_alternative_to_phrases() {
        let m = matcher(
            r#"
[[rule]]
id = "nth-call"
class = "failure"
kind = "repeat"
phrases = ["again"]
regex = ['\b(2nd|3rd|[4-9]th) (call|time)\b']
"#,
        );
        assert_eq!(run(&m, "3rd call re this"), "failure:nth-call");
        assert_eq!(run(&m, "called again"), "failure:nth-call");
        assert_eq!(run(&m, "first call"), "unclassified:-");
    }

    #[test]
    fn field_conditions_use_aliases_and_regexes() {
        let m = matcher(
            r#"
[channels]
phone = ["telephone", "tel"]
[[rule]]
id = "phone-pay"
class = "value"
kind = "payment"
phrases = ["pay*"]
fields = { channel = ["Telephone"], code = { regex = "^CT-" } }
[[rule]]
id = "code-only"
class = "value"
kind = "payment"
fields = { code = ["PAY"] }
"#,
        );
        assert_eq!(
            run_with(&m, "pay ctax", Some("TEL"), None, Some("CT-PAY")),
            "value:phone-pay"
        );
        assert_eq!(
            run_with(&m, "pay ctax", Some("email"), None, Some("CT-PAY")),
            "unclassified:-"
        );
        assert_eq!(
            run_with(&m, "pay ctax", Some("tel"), None, None),
            "unclassified:-"
        );
        assert_eq!(
            run_with(&m, "anything", None, None, Some(" pay ")),
            "value:code-only"
        );
    }

    #[test]
    fn precedence_priority_then_failure_then_order() {
        let m = matcher(
            r#"
[[rule]]
id = "v-high"
class = "value"
kind = "application"
priority = 10
phrases = ["new claim"]
[[rule]]
id = "f-low"
class = "failure"
kind = "progress-chasing"
phrases = ["chasing"]
[[rule]]
id = "v-low"
class = "value"
kind = "application"
phrases = ["claim"]
[[rule]]
id = "v-low-2"
class = "value"
kind = "information"
phrases = ["claim"]
"#,
        );
        // priority beats class
        assert_eq!(run(&m, "chasing new claim"), "value:v-high");
        // equal priority: failure beats value
        assert_eq!(run(&m, "chasing claim"), "failure:f-low");
        // equal priority and class: the earlier rule
        assert_eq!(run(&m, "claim"), "value:v-low");
    }

    #[test]
    fn matched_lists_every_hit() {
        let m = matcher(BASIC);
        let c = SimpleContact {
            text: "chasing new bin",
            slots: m.slots(),
            ..SimpleContact::default()
        };
        let mut s = Scratch::default();
        let d = m.classify(&c, &mut s);
        assert_eq!(m.rule_id(d), "chase");
        let mut hits = s.matched.clone();
        hits.sort();
        assert_eq!(hits, vec![0, 1]);
    }

    #[test]
    fn default_class_applies_when_nothing_matches() {
        let m = matcher(
            "[ruleset]\ndefault = \"value\"\n[[rule]]\nid=\"a\"\nclass=\"failure\"\nkind=\"x\"\nphrases=[\"zz\"]\n",
        );
        assert_eq!(run(&m, "hello"), "value:-");
    }

    #[test]
    fn gate_literals_that_start_a_word_become_phrases() {
        let sets = gate_literals(r"\b(rang|called)( \w+){0,5} (but|and) (still|again)\b");
        let word_sets: Vec<Vec<(String, bool)>> = sets
            .iter()
            .filter_map(|s| {
                s.literals
                    .iter()
                    .map(|l| gate_phrase(l, s.at_word))
                    .collect()
            })
            .collect();
        // "but"/"and" are common words: the rarer sets gate the regex, each once.
        assert_eq!(
            word_sets,
            vec![
                // Always followed by a space: whole words.
                vec![("called".to_string(), false), ("rang".to_string(), false)],
                vec![("again".to_string(), true), ("still".to_string(), true)],
            ]
        );
        assert!(sets.iter().all(|s| s.at_word));
        assert_eq!(
            gate_phrase(" told her ", false),
            Some(("told her".into(), false))
        );
        assert_eq!(gate_phrase("ssed", false), None, "may start inside a word");
        assert_eq!(gate_phrase("0 times", false), Some(("times".into(), true)));
        assert_eq!(gate_phrase("Bin", true), None, "not normalised text");
    }

    #[test]
    fn gated_regex_rules_are_examined_only_when_their_gates_open() {
        let m = matcher(
            r#"
[[rule]]
id = "again"
class = "failure"
kind = "repeat-contact"
regex = ['\b(rang|called) (back|again)\b']
[[rule]]
id = "mid"
class = "failure"
kind = "repeat-contact"
regex = ['ssed (it|them) again']
"#,
        );
        assert!(m.always.is_empty(), "both regexes have gates");
        assert_eq!(run(&m, "cust rang again"), "failure:again");
        assert_eq!(run(&m, "cust rang, no answer"), "unclassified:-");
        assert_eq!(run(&m, "bins missed them again"), "failure:mid");
    }

    #[test]
    fn scratch_is_reset_between_contacts() {
        let m = matcher(BASIC);
        let mut s = Scratch::default();
        for (text, want) in [("bin", Some(0)), ("nothing", None), ("chased", Some(1))] {
            let c = SimpleContact {
                text,
                slots: m.slots(),
                ..SimpleContact::default()
            };
            assert_eq!(m.classify(&c, &mut s).rule, want, "{text}");
        }
    }
}
