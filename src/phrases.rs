//! Whole-word phrase matching by word lookup.
//!
//! Rule phrases are sequences of whole words (the last one possibly a prefix, `chas*`),
//! and contact text is normalised into words separated by single spaces. So instead of
//! running a byte-level automaton over the text, each word of the text is looked up once:
//! in a hash table of the exact words that phrases use, and in a small trie of the prefix
//! words. One-word phrases are found by that lookup alone; longer phrases are indexed by
//! their first two words (so that a common first word such as "not" costs one more
//! lookup, not a scan of every phrase starting with it) and checked word by word from
//! there.
//! The cost per contact follows the number of words in it, and hardly grows with the
//! number of phrases: a rule set of ten thousand phrases costs about what one of a
//! thousand does, where an automaton's tables outgrow the CPU caches.
//!
//! Semantics are those of matching `" word1 word2 "` (or `" word1 pre"` for a prefix)
//! against the normalised text with a space on each side of every line: overlapping, so a
//! short phrase never hides a longer one, and never across two lines (two text columns).

use crate::text::ContactText;
use rustc_hash::FxHashMap;

/// One word of a phrase, after the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Word(u32),
    Prefix(u32),
}

#[derive(Debug, Clone)]
struct Entry {
    rest: Box<[Tok]>,
    atom: u32,
}

/// Prefix words in a byte trie; each terminal node carries its prefix id.
#[derive(Debug, Default)]
struct Trie {
    nodes: Vec<TrieNode>,
}

#[derive(Debug, Default)]
struct TrieNode {
    /// (byte, node) sorted by byte.
    children: Vec<(u8, u32)>,
    /// The prefix id of the prefix word that ends here.
    prefix: Option<u32>,
}

impl Trie {
    fn insert(&mut self, word: &[u8], id: u32) -> u32 {
        if self.nodes.is_empty() {
            self.nodes.push(TrieNode::default());
        }
        let mut node = 0usize;
        for &b in word {
            let children = &self.nodes[node].children;
            node = match children.binary_search_by_key(&b, |c| c.0) {
                Ok(i) => children[i].1 as usize,
                Err(i) => {
                    let next = self.nodes.len() as u32;
                    self.nodes[node].children.insert(i, (b, next));
                    self.nodes.push(TrieNode::default());
                    next as usize
                }
            };
        }
        *self.nodes[node].prefix.get_or_insert(id)
    }

    /// Pushes the id of every prefix word that `word` starts with.
    fn walk(&self, word: &[u8], out: &mut Vec<u32>) {
        let Some(mut node) = (!self.nodes.is_empty()).then_some(0usize) else {
            return;
        };
        for &b in word {
            match self.nodes[node].children.iter().find(|c| c.0 == b) {
                Some(&(_, next)) => node = next as usize,
                None => return,
            }
            if let Some(id) = self.nodes[node].prefix {
                out.push(id);
            }
        }
    }
}

/// A set of phrases, each identified by an atom number.
#[derive(Debug, Default)]
pub struct PhraseSet {
    words: FxHashMap<Box<[u8]>, u32>,
    /// Per exact word, built by [`PhraseSet::seal`]: what looking it up gives, so that a
    /// word of the vocabulary never walks the trie.
    table: Vec<WordEntry>,
    /// The lists `table` points into.
    flat: Vec<u32>,
    /// Per exact word: whether it begins a phrase of two or more words.
    heads: Vec<bool>,
    /// Whether `table` is up to date with the phrases added.
    sealed: bool,
    trie: Trie,
    prefixes: u32,
    /// Bit `(b0 << 8) | b1` set when a prefix word starts with the bytes `b0 b1` (or is
    /// the one byte `b0`): a word outside the vocabulary whose first two bytes are not set
    /// cannot start with any prefix word, and skips the trie.
    starts: Vec<u64>,
    /// One-word phrases by their word ...
    by_word: Vec<Vec<u32>>,
    /// ... or by their prefix.
    by_prefix: Vec<Vec<u32>>,
    /// Longer phrases by their first word and their second token ([`pair_key`]).
    by_pair: FxHashMap<(u32, u32), Vec<Entry>>,
    atoms: FxHashMap<(String, bool), u32>,
}

/// The key of a phrase's second token: exact words even, prefixes odd.
fn pair_key(tok: Tok) -> u32 {
    match tok {
        Tok::Word(w) => w << 1,
        Tok::Prefix(p) => (p << 1) | 1,
    }
}

/// What a word of the vocabulary gives: ranges of [`PhraseSet::flat`].
#[derive(Debug, Clone, Copy, Default)]
struct WordEntry {
    /// The atoms of its one-word phrases and of the prefixes it starts with.
    atoms: (u32, u32),
    /// The prefix words it starts with, sorted.
    prefixes: (u32, u32),
}

/// Marks a token's prefix range as one of [`PhraseSet::flat`] rather than of the scratch.
const SHARED: u32 = 1 << 31;

/// No exact word: a token outside the vocabulary.
const NO_WORD: u32 = u32::MAX;

/// Per-thread working memory for [`PhraseSet::find`].
#[derive(Debug, Default)]
pub struct PhraseScratch {
    /// Per word of the current line: its exact word id (or [`NO_WORD`]), and its prefix
    /// ids as a range of `prefix_ids`, or of the set's `flat` when flagged [`SHARED`].
    tokens: Vec<(u32, u32, u32)>,
    prefix_ids: Vec<u32>,
}

impl PhraseSet {
    /// Adds a phrase (normalised words separated by single spaces) and returns its atom.
    /// Adding the same phrase twice returns the same atom.
    pub fn add(&mut self, words: &str, prefix: bool) -> u32 {
        self.sealed = false;
        let next = self.atoms.len() as u32;
        if let Some(&atom) = self.atoms.get(&(words.to_string(), prefix)) {
            return atom;
        }
        self.atoms.insert((words.to_string(), prefix), next);
        let list: Vec<&str> = words.split(' ').collect();
        let last = list.len() - 1;
        let toks: Vec<Tok> = list
            .iter()
            .enumerate()
            .map(|(i, w)| {
                if prefix && i == last {
                    Tok::Prefix(self.prefix_id(w))
                } else {
                    Tok::Word(self.word_id(w))
                }
            })
            .collect();
        match (toks[0], toks.get(1)) {
            (Tok::Word(w), None) => self.by_word[w as usize].push(next),
            (Tok::Prefix(p), None) => self.by_prefix[p as usize].push(next),
            (Tok::Word(w), Some(&second)) => {
                self.heads[w as usize] = true;
                self.by_pair
                    .entry((w, pair_key(second)))
                    .or_default()
                    .push(Entry {
                        rest: toks[2..].into(),
                        atom: next,
                    })
            }
            (Tok::Prefix(_), Some(_)) => unreachable!("only the last word is a prefix"),
        }
        next
    }

    /// How many distinct phrases the set holds.
    pub fn len(&self) -> usize {
        self.atoms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.atoms.is_empty()
    }

    fn word_id(&mut self, w: &str) -> u32 {
        let next = self.words.len() as u32;
        let id = *self.words.entry(w.as_bytes().into()).or_insert(next);
        if id == next {
            self.heads.push(false);
            self.by_word.push(Vec::new());
        }
        id
    }

    fn prefix_id(&mut self, w: &str) -> u32 {
        let id = self.trie.insert(w.as_bytes(), self.prefixes);
        if id == self.prefixes {
            self.prefixes += 1;
            self.by_prefix.push(Vec::new());
            if self.starts.is_empty() {
                self.starts = vec![0; 1 << 10];
            }
            let b = w.as_bytes();
            let seconds = match b.get(1) {
                Some(&b1) => b1..=b1,
                None => 0..=255,
            };
            for b1 in seconds {
                let bit = (usize::from(b[0]) << 8) | usize::from(b1);
                self.starts[bit >> 6] |= 1 << (bit & 63);
            }
        }
        id
    }

    /// Builds the per-word table that [`PhraseSet::find`] reads; call it after the last
    /// [`PhraseSet::add`].
    pub fn seal(&mut self) {
        self.table = vec![WordEntry::default(); self.words.len()];
        self.flat.clear();
        let mut prefixes = Vec::new();
        for (word, &id) in &self.words {
            prefixes.clear();
            self.trie.walk(word, &mut prefixes);
            prefixes.sort_unstable();
            let start = self.flat.len() as u32;
            self.flat.extend_from_slice(&self.by_word[id as usize]);
            for &p in &prefixes {
                self.flat.extend_from_slice(&self.by_prefix[p as usize]);
            }
            let middle = self.flat.len() as u32;
            self.flat.extend_from_slice(&prefixes);
            self.table[id as usize] = WordEntry {
                atoms: (start, middle),
                prefixes: (middle, self.flat.len() as u32),
            };
        }
        self.sealed = true;
    }

    /// Whether `word` (outside the vocabulary) may start with a prefix word.
    fn may_have_prefix(&self, word: &[u8]) -> bool {
        let (Some(&b0), Some(&b1)) = (word.first(), word.get(1)) else {
            return !word.is_empty() && !self.starts.is_empty();
        };
        let bit = (usize::from(b0) << 8) | usize::from(b1);
        self.starts
            .get(bit >> 6)
            .is_some_and(|w| w & (1 << (bit & 63)) != 0)
    }

    /// Calls `hit` with the atom of every phrase occurrence in `text`, in no particular
    /// order; an atom may be reported more than once. The set must be sealed.
    pub fn find(&self, text: &ContactText, scratch: &mut PhraseScratch, mut hit: impl FnMut(u32)) {
        debug_assert!(self.sealed, "PhraseSet::seal after the last add");
        let bytes = text.as_bytes();
        for line in text.lines() {
            scratch.tokens.clear();
            scratch.prefix_ids.clear();
            for &(start, end) in line {
                let word = &bytes[start as usize..end as usize];
                match self.words.get(word) {
                    Some(&id) => {
                        let entry = self.table[id as usize];
                        let (a, b) = entry.atoms;
                        self.flat[a as usize..b as usize]
                            .iter()
                            .for_each(|&a| hit(a));
                        let (p, q) = entry.prefixes;
                        scratch.tokens.push((id, p | SHARED, q));
                    }
                    None => {
                        let first = scratch.prefix_ids.len();
                        if self.may_have_prefix(word) {
                            self.trie.walk(word, &mut scratch.prefix_ids);
                        }
                        for &p in &scratch.prefix_ids[first..] {
                            self.by_prefix[p as usize].iter().for_each(|&a| hit(a));
                        }
                        let last = scratch.prefix_ids.len() as u32;
                        scratch.tokens.push((NO_WORD, first as u32, last));
                    }
                }
            }
            let tokens = &scratch.tokens;
            let prefix_ids = &scratch.prefix_ids;
            let prefixes_of = |t: &(u32, u32, u32)| match t.1 & SHARED {
                0 => &prefix_ids[t.1 as usize..t.2 as usize],
                _ => &self.flat[(t.1 & !SHARED) as usize..t.2 as usize],
            };
            // Does `entry.rest` match the tokens from `at` on?
            let rest_matches = |entry: &Entry, at: usize| {
                entry.rest.iter().enumerate().all(|(j, tok)| {
                    let Some(t) = tokens.get(at + j) else {
                        return false;
                    };
                    match *tok {
                        Tok::Word(w) => t.0 == w,
                        Tok::Prefix(p) => prefixes_of(t).contains(&p),
                    }
                })
            };
            for (i, token) in tokens.iter().enumerate() {
                let w = token.0;
                if w == NO_WORD || !self.heads[w as usize] {
                    continue;
                }
                let Some(next) = tokens.get(i + 1) else {
                    continue;
                };
                let exact = (next.0 != NO_WORD).then_some(next.0 << 1);
                let seconds = exact
                    .into_iter()
                    .chain(prefixes_of(next).iter().map(|&p| (p << 1) | 1));
                for second in seconds {
                    if let Some(entries) = self.by_pair.get(&(w, second)) {
                        for entry in entries {
                            if rest_matches(entry, i + 2) {
                                hit(entry.atom);
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The atoms found in `lines`, each one a text column.
    fn hits_in(set: &mut PhraseSet, lines: &[&str]) -> Vec<u32> {
        set.seal();
        let mut text = ContactText::default();
        for line in lines {
            text.push_field(line.as_bytes());
        }
        let mut out = Vec::new();
        set.find(&text, &mut PhraseScratch::default(), |a| out.push(a));
        out.sort_unstable();
        out.dedup();
        out
    }

    fn hits(set: &mut PhraseSet, text: &str) -> Vec<u32> {
        hits_in(set, &[text])
    }

    #[test]
    fn whole_words_prefixes_and_overlaps() {
        let mut set = PhraseSet::default();
        let bin = set.add("bin", false);
        let missed_bin = set.add("bin missed", false);
        let chas = set.add("chas", true);
        let any_upd = set.add("any updat", true);
        let chasing_up = set.add("chasing up", false);
        assert_eq!(set.add("bin", false), bin);
        assert_eq!(set.len(), 5);
        assert_eq!(hits(&mut set, "bin missed"), vec![bin, missed_bin]);
        assert_eq!(hits(&mut set, "cabinet binned"), Vec::<u32>::new());
        assert_eq!(hits(&mut set, "chasing up"), vec![chas, chasing_up]);
        assert_eq!(hits(&mut set, "chas"), vec![chas]);
        assert_eq!(hits(&mut set, "purchase"), Vec::<u32>::new());
        assert_eq!(hits(&mut set, "any updates pls"), vec![any_upd]);
        assert_eq!(hits_in(&mut set, &["any", "updates"]), Vec::<u32>::new());
    }

    #[test]
    fn a_prefix_added_after_a_word_still_matches_that_word() {
        let mut set = PhraseSet::default();
        let missed = set.add("bin missed", false);
        let mis = set.add("mis", true);
        let miss_it = set.add("missed it", false);
        assert_eq!(hits(&mut set, "bin missed it"), vec![missed, mis, miss_it]);
        assert_eq!(hits(&mut set, "mistake"), vec![mis]);
        assert_eq!(hits(&mut set, "m"), Vec::<u32>::new());
    }

    #[test]
    fn a_prefix_inside_a_longer_prefix_is_found() {
        let mut set = PhraseSet::default();
        let com = set.add("com", true);
        let complain = set.add("complain", true);
        assert_eq!(hits(&mut set, "complaining"), vec![com, complain]);
        assert_eq!(hits(&mut set, "compare"), vec![com]);
    }
}
