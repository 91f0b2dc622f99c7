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
    trie: Trie,
    prefixes: u32,
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

/// Per-thread working memory for [`PhraseSet::find`].
#[derive(Debug, Default)]
pub struct PhraseScratch {
    /// Per word of the current line: its exact word id, and its prefix ids as a range.
    tokens: Vec<(Option<u32>, u32, u32)>,
    prefix_ids: Vec<u32>,
}

impl PhraseSet {
    /// Adds a phrase (normalised words separated by single spaces) and returns its atom.
    /// Adding the same phrase twice returns the same atom.
    pub fn add(&mut self, words: &str, prefix: bool) -> u32 {
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
            (Tok::Word(w), Some(&second)) => self
                .by_pair
                .entry((w, pair_key(second)))
                .or_default()
                .push(Entry {
                    rest: toks[2..].into(),
                    atom: next,
                }),
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
            self.by_word.push(Vec::new());
        }
        id
    }

    fn prefix_id(&mut self, w: &str) -> u32 {
        let id = self.trie.insert(w.as_bytes(), self.prefixes);
        if id == self.prefixes {
            self.prefixes += 1;
            self.by_prefix.push(Vec::new());
        }
        id
    }

    /// Calls `hit` with the atom of every phrase occurrence in `text` (normalised text,
    /// lines separated by `\n`), in no particular order; an atom may be reported more
    /// than once.
    pub fn find(&self, text: &[u8], scratch: &mut PhraseScratch, mut hit: impl FnMut(u32)) {
        for line in text.split(|&b| b == b'\n') {
            scratch.tokens.clear();
            scratch.prefix_ids.clear();
            for word in line.split(|&b| b == b' ').filter(|w| !w.is_empty()) {
                let start = scratch.prefix_ids.len() as u32;
                self.trie.walk(word, &mut scratch.prefix_ids);
                let exact = self.words.get(word).copied();
                scratch
                    .tokens
                    .push((exact, start, scratch.prefix_ids.len() as u32));
            }
            let tokens = &scratch.tokens;
            let prefix_ids = &scratch.prefix_ids;
            let prefixes_of = |t: &(Option<u32>, u32, u32)| &prefix_ids[t.1 as usize..t.2 as usize];
            // Does `entry.rest` match the tokens from `at` on?
            let rest_matches = |entry: &Entry, at: usize| {
                entry.rest.iter().enumerate().all(|(j, tok)| {
                    let Some(t) = tokens.get(at + j) else {
                        return false;
                    };
                    match *tok {
                        Tok::Word(w) => t.0 == Some(w),
                        Tok::Prefix(p) => prefixes_of(t).contains(&p),
                    }
                })
            };
            for (i, token) in tokens.iter().enumerate() {
                for &p in prefixes_of(token) {
                    self.by_prefix[p as usize].iter().for_each(|&a| hit(a));
                }
                let Some(w) = token.0 else {
                    continue;
                };
                self.by_word[w as usize].iter().for_each(|&a| hit(a));
                let Some(next) = tokens.get(i + 1) else {
                    continue;
                };
                let seconds = next
                    .0
                    .map(Tok::Word)
                    .into_iter()
                    .chain(prefixes_of(next).iter().map(|&p| Tok::Prefix(p)));
                for second in seconds {
                    if let Some(entries) = self.by_pair.get(&(w, pair_key(second))) {
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

    fn hits(set: &PhraseSet, text: &str) -> Vec<u32> {
        let mut out = Vec::new();
        set.find(text.as_bytes(), &mut PhraseScratch::default(), |a| {
            out.push(a)
        });
        out.sort_unstable();
        out.dedup();
        out
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
        assert_eq!(hits(&set, " bin missed \n"), vec![bin, missed_bin]);
        assert_eq!(hits(&set, " cabinet binned \n"), Vec::<u32>::new());
        assert_eq!(hits(&set, " chasing up \n"), vec![chas, chasing_up]);
        assert_eq!(hits(&set, " chas \n"), vec![chas]);
        assert_eq!(hits(&set, " purchase \n"), Vec::<u32>::new());
        assert_eq!(hits(&set, " any updates pls \n"), vec![any_upd]);
        assert_eq!(hits(&set, " any \n updates \n"), Vec::<u32>::new());
    }

    #[test]
    fn a_prefix_inside_a_longer_prefix_is_found() {
        let mut set = PhraseSet::default();
        let com = set.add("com", true);
        let complain = set.add("complain", true);
        assert_eq!(hits(&set, " complaining \n"), vec![com, complain]);
        assert_eq!(hits(&set, " compare \n"), vec![com]);
    }
}
