//! Frequent words and two- and three-word phrases in contact text, counted in bounded
//! memory (`demand rules stats` shows them for the contacts no rule matched, so that a
//! rule author sees what to write next).
//!
//! Counting every distinct phrase of a large log exactly would take memory in proportion
//! to the log. Instead each length keeps a [`Frequent`] counter of at most
//! 2 x [`CAPACITY`] entries: the Misra-Gries "frequent items" summary. When it outgrows
//! that, every count is lowered by the (CAPACITY + 1)-th largest count and the entries that
//! reach zero are dropped. Each such step removes at least CAPACITY + 1 times its amount
//! from the total, so a count is never more than N / (CAPACITY + 1) below the truth (N:
//! the occurrences counted), and any phrase more frequent than that is kept. The sum of
//! the amounts removed is tracked and reported ([`Frequent::undercount`]): it is the exact
//! bound for this run, and 0 when nothing was dropped.

use rustc_hash::FxHashMap;

/// Entries a [`Frequent`] keeps after pruning; it holds at most twice as many.
pub const CAPACITY: usize = 4096;

/// Words left out of the counts, and that a phrase may not start or end with: English
/// function words that say nothing about why someone made contact, and the words notes use
/// for the caller. Negations ("not", "no", "never"), "any", "up", "again" and "still" are
/// deliberately absent: "any update", "chase up", "not again" are what failure demand
/// sounds like. Sorted (a unit test checks), listed in docs/rules.md.
pub const STOP_WORDS: [&str; 68] = [
    "a", "about", "after", "all", "am", "an", "and", "are", "as", "at", "be", "been", "but", "by",
    "caller", "can", "could", "cust", "customer", "did", "do", "does", "for", "from", "had", "has",
    "have", "he", "her", "him", "his", "i", "if", "in", "into", "is", "it", "its", "me", "my",
    "of", "on", "or", "our", "re", "she", "so", "that", "the", "their", "them", "there", "they",
    "this", "to", "us", "was", "we", "were", "what", "when", "which", "who", "will", "with",
    "would", "you", "your",
];

/// Whether `word` is a stop word.
pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

/// A word worth counting: not a stop word, not a single character, and without digits
/// (reference numbers, dates and amounts are different in every contact).
fn countable(word: &str) -> bool {
    word.chars().count() > 1 && !is_stop_word(word)
}

fn has_digit(word: &str) -> bool {
    word.bytes().any(|b| b.is_ascii_digit())
}

/// Pushes the distinct words (n = 1) and phrases (n = 2, 3) of normalised text onto
/// `out[n - 1]`: words that are `countable`; phrases of adjacent words within one line
/// (one column) that contain no digits and neither start nor end with a stop word. Each
/// list is sorted and free of duplicates, so a contact counts once per phrase.
pub fn ngrams(text: &[u8], out: &mut [Vec<String>; 3]) {
    out.iter_mut().for_each(Vec::clear);
    for line in text.split(|&b| b == b'\n') {
        let Ok(line) = std::str::from_utf8(line) else {
            continue;
        };
        let words: Vec<&str> = line.split(' ').filter(|w| !w.is_empty()).collect();
        for (i, w) in words.iter().enumerate() {
            if has_digit(w) {
                continue;
            }
            if countable(w) {
                out[0].push((*w).to_string());
            }
            if is_stop_word(w) {
                continue;
            }
            for n in 2..=3 {
                let Some(gram) = words.get(i..i + n) else {
                    break;
                };
                if gram.iter().any(|w| has_digit(w)) {
                    break;
                }
                if !is_stop_word(gram[n - 1]) {
                    out[n - 1].push(gram.join(" "));
                }
            }
        }
    }
    for list in out.iter_mut() {
        list.sort_unstable();
        list.dedup();
    }
}

/// Approximate counts of the most frequent keys, in at most 2 x capacity entries (see the
/// module documentation for the guarantee).
#[derive(Debug, Clone)]
pub struct Frequent {
    counts: FxHashMap<Box<str>, u64>,
    capacity: usize,
    undercount: u64,
}

impl Default for Frequent {
    fn default() -> Self {
        Frequent::with_capacity(CAPACITY)
    }
}

impl Frequent {
    pub fn with_capacity(capacity: usize) -> Frequent {
        Frequent {
            counts: FxHashMap::default(),
            capacity: capacity.max(1),
            undercount: 0,
        }
    }

    /// Counts `n` more occurrences of `key`.
    pub fn add(&mut self, key: &str, n: u64) {
        match self.counts.get_mut(key) {
            Some(c) => *c += n,
            None => {
                self.counts.insert(key.into(), n);
                self.prune();
            }
        }
    }

    /// Adds another counter's counts (and its undercount) to this one.
    pub fn merge(&mut self, other: Frequent) {
        self.undercount += other.undercount;
        for (key, n) in other.counts {
            *self.counts.entry(key).or_insert(0) += n;
        }
        self.prune();
    }

    /// How far below the truth any count may be; 0 while nothing has been dropped.
    pub fn undercount(&self) -> u64 {
        self.undercount
    }

    /// Entries held now (at most 2 x capacity).
    pub fn len(&self) -> usize {
        self.counts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// The `k` largest counts, largest first, ties in key order.
    pub fn top(&self, k: usize) -> Vec<(&str, u64)> {
        let mut all: Vec<(&str, u64)> = self.counts.iter().map(|(k, &n)| (&**k, n)).collect();
        all.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        all.truncate(k);
        all
    }

    fn prune(&mut self) {
        if self.counts.len() <= 2 * self.capacity {
            return;
        }
        let mut values: Vec<u64> = self.counts.values().copied().collect();
        let (_, &mut cut, _) = values.select_nth_unstable_by(self.capacity, |a, b| b.cmp(a));
        self.counts.retain(|_, n| {
            *n = n.saturating_sub(cut);
            *n > 0
        });
        self.undercount += cut;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_are_sorted_lower_case_and_documented() {
        let docs = include_str!("../docs/rules.md");
        for w in STOP_WORDS {
            assert_eq!(w, w.to_lowercase());
            assert!(docs.contains(&format!("`{w}`")), "docs/rules.md lacks {w}");
        }
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn ngrams_skip_stop_words_digits_and_column_boundaries() {
        let mut out: [Vec<String>; 3] = Default::default();
        ngrams(
            b" cust says bin not collected again ref 12345 \n collected again \n",
            &mut out,
        );
        assert_eq!(
            out[0],
            ["again", "bin", "collected", "not", "ref", "says"].map(String::from)
        );
        assert!(out[1].contains(&"not collected".to_string()));
        assert!(out[1].contains(&"collected again".to_string()));
        assert!(!out[1]
            .iter()
            .any(|p| p.contains("cust") || p.contains("ref 12345")));
        assert_eq!(out[1].iter().filter(|p| *p == "collected again").count(), 1);
        assert!(out[2].contains(&"bin not collected".to_string()));
        assert!(!out[2].contains(&"again ref 12345".to_string()));
        // Across the two lines there is no phrase.
        assert!(!out[1]
            .iter()
            .any(|p| p.ends_with(" collected") && p.starts_with("again")));
        // A stop word may sit inside a phrase, not at either end.
        ngrams(b" waiting for refund \n", &mut out);
        assert_eq!(out[2], ["waiting for refund"]);
        assert!(!out[1].iter().any(|p| p.contains("for")));
    }

    #[test]
    fn frequent_is_exact_until_it_prunes_and_then_bounded() {
        let mut f = Frequent::with_capacity(4);
        for (k, n) in [("a", 50), ("b", 40), ("c", 30), ("d", 20), ("e", 10)] {
            f.add(k, n);
        }
        assert_eq!(f.undercount(), 0);
        assert_eq!(f.top(2), vec![("a", 50), ("b", 40)]);
        // 100 keys seen once each: memory stays bounded, heavy keys survive, and every
        // count is within the reported undercount of the truth.
        for i in 0..100 {
            f.add(&format!("rare{i}"), 1);
            assert!(f.len() <= 8);
        }
        let truth = [("a", 50), ("b", 40), ("c", 30), ("d", 20)];
        for (k, n) in truth {
            let got = f.top(10).iter().find(|e| e.0 == k).map_or(0, |e| e.1);
            assert!(got <= n && n - got <= f.undercount(), "{k}: {got} of {n}");
        }
        let total: u64 = 150 + 100;
        assert!(f.undercount() <= total / 5);
    }

    #[test]
    fn merging_adds_counts_and_undercounts() {
        let mut a = Frequent::with_capacity(2);
        let mut b = Frequent::with_capacity(2);
        a.add("x", 3);
        b.add("x", 4);
        b.add("y", 1);
        a.merge(b);
        assert_eq!(a.top(1), vec![("x", 7)]);
        assert_eq!(a.undercount(), 0);
    }
}
