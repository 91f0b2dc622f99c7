//! Text normalisation shared by rule phrases and contact text.
//!
//! Rules and contacts must be normalised by the same function, or a phrase could never
//! match the text it was written for. Normalised text is lower case, has apostrophes
//! removed (`doesn't` = `doesnt`) and every other run of characters that are not letters
//! or digits folded into one space. Matching whole words then reduces to matching
//! `" word "` with its surrounding spaces, which the multi-pattern automaton does by
//! itself: no boundary checks after the fact.

/// Appends the normalised form of `input` to `out`: words separated by single spaces,
/// with no space at either end. Invalid UTF-8 sequences act as separators.
pub fn normalise_into(input: &[u8], out: &mut Vec<u8>) {
    normalise_words(input, out, |_, _| {});
}

/// [`normalise_into`], calling `word(start, end)` with the range of `out` that each word
/// written occupies, so that matching can go word by word without splitting the text again.
fn normalise_words(input: &[u8], out: &mut Vec<u8>, mut word: impl FnMut(usize, usize)) {
    // Where the word being written started in `out`, while one is.
    let mut open: Option<usize> = None;
    let mut wrote_any = false;
    out.reserve(input.len());
    let mut begin = |out: &mut Vec<u8>, open: &mut Option<usize>| {
        if open.is_none() {
            if wrote_any {
                out.push(b' ');
            }
            wrote_any = true;
            *open = Some(out.len());
        }
    };
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        if b < 0x80 {
            match ASCII[usize::from(b)] {
                SEPARATOR => {
                    if let Some(start) = open.take() {
                        word(start, out.len());
                    }
                }
                APOSTROPHE => {}
                lower => {
                    begin(out, &mut open);
                    out.push(lower);
                }
            }
            i += 1;
            continue;
        }
        let (ch, len) = decode_char(&input[i..]);
        i += len;
        match ch {
            Some('\u{2018}' | '\u{2019}' | '\u{02BC}') => {}
            Some(c) if c.is_alphanumeric() => {
                begin(out, &mut open);
                let mut utf8 = [0u8; 4];
                for lower in c.to_lowercase() {
                    out.extend_from_slice(lower.encode_utf8(&mut utf8).as_bytes());
                }
            }
            _ => {
                if let Some(start) = open.take() {
                    word(start, out.len());
                }
            }
        }
    }
    if let Some(start) = open {
        word(start, out.len());
    }
}

/// [`ASCII`] entries that are not letters or digits.
const SEPARATOR: u8 = 0;
const APOSTROPHE: u8 = 1;

/// What each ASCII byte becomes: a letter or digit its lower case, `'` [`APOSTROPHE`]
/// (dropped), anything else a [`SEPARATOR`].
static ASCII: [u8; 128] = {
    let mut table = [SEPARATOR; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            table[b] = c.to_ascii_lowercase();
        } else if c == b'\'' {
            table[b] = APOSTROPHE;
        }
        b += 1;
    }
    table
};

/// Decodes one UTF-8 character at the start of `bytes`, returning it (or `None` for an
/// invalid sequence) and how many bytes it used (at least 1).
fn decode_char(bytes: &[u8]) -> (Option<char>, usize) {
    let width = match bytes[0] {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return (None, 1),
    };
    match bytes.get(..width).map(std::str::from_utf8) {
        Some(Ok(s)) => (s.chars().next(), width),
        _ => (None, 1),
    }
}

/// Normalises a standalone string (a phrase, an alias, a field value).
pub fn normalise(input: &str) -> String {
    let mut out = Vec::with_capacity(input.len());
    normalise_into(input.as_bytes(), &mut out);
    // normalise_into only ever writes whole UTF-8 characters and ASCII bytes.
    String::from_utf8(out).expect("normalised text is UTF-8")
}

/// Folds a field value for comparison: trimmed, lower case, inner white space runs
/// folded to one space. Unlike [`normalise`] it keeps punctuation, because codes and
/// channel names such as `E-mail` or `CT-PAY` are compared as whole values.
pub fn fold_value(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    fold_value_into(input, &mut out);
    out
}

/// [`fold_value`] into a reused buffer (cleared first); ASCII takes a fast path.
pub fn fold_value_into(input: &str, out: &mut String) {
    out.clear();
    for word in input.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        if word.is_ascii() {
            let start = out.len();
            out.push_str(word);
            out[start..].make_ascii_lowercase();
        } else {
            out.extend(word.chars().flat_map(char::to_lowercase));
        }
    }
}

/// The text of one contact, normalised into a reused buffer: each text column on its own
/// line, every line with a space at each end, so that `" phrase "` matches whole words
/// and never spans two columns. The words' positions are kept as they are written.
#[derive(Debug, Default)]
pub struct ContactText {
    buf: Vec<u8>,
    /// Each word's byte range in `buf`.
    words: Vec<(u32, u32)>,
    /// Per line, the end of its words in `words`.
    line_ends: Vec<u32>,
}

impl ContactText {
    pub fn clear(&mut self) {
        self.buf.clear();
        self.words.clear();
        self.line_ends.clear();
    }

    /// Adds one column's text as a new line.
    pub fn push_field(&mut self, raw: &[u8]) {
        self.buf.push(b' ');
        let words = &mut self.words;
        normalise_words(raw, &mut self.buf, |start, end| {
            words.push((start as u32, end as u32));
        });
        self.buf.extend_from_slice(b" \n");
        self.line_ends.push(self.words.len() as u32);
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Each line's words, as byte ranges of [`ContactText::as_bytes`].
    pub fn lines(&self) -> impl Iterator<Item = &[(u32, u32)]> {
        let mut start = 0;
        self.line_ends.iter().map(move |&end| {
            let line = &self.words[start..end as usize];
            start = end as usize;
            line
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercases_and_folds_punctuation() {
        assert_eq!(
            normalise("  Cust CHASING  re: H.B. claim!! "),
            "cust chasing re h b claim"
        );
        assert_eq!(normalise("follow-up c/b"), "follow up c b");
    }

    #[test]
    fn removes_apostrophes_straight_and_curly() {
        assert_eq!(normalise("doesn't"), "doesnt");
        assert_eq!(normalise("doesn\u{2019}t"), "doesnt");
    }

    #[test]
    fn keeps_non_ascii_letters_and_lowercases_them() {
        assert_eq!(normalise("Café ÉTÉ £50"), "café été 50");
    }

    #[test]
    fn invalid_utf8_is_a_separator() {
        let mut out = Vec::new();
        normalise_into(b"bin\xffmissed", &mut out);
        assert_eq!(out, b"bin missed");
    }

    #[test]
    fn contact_text_puts_each_field_on_its_own_padded_line() {
        let mut t = ContactText::default();
        t.push_field(b"Bin missed");
        t.push_field(b"WASTE-01");
        assert_eq!(t.as_bytes(), b" bin missed \n waste 01 \n");
        let bytes = t.as_bytes();
        let words: Vec<Vec<&[u8]>> = t
            .lines()
            .map(|line| {
                line.iter()
                    .map(|&(s, e)| &bytes[s as usize..e as usize])
                    .collect()
            })
            .collect();
        assert_eq!(
            words,
            vec![vec![&b"bin"[..], b"missed"], vec![b"waste", b"01"]]
        );
        t.clear();
        t.push_field("  d\u{2019}Arcy\u{00a0}Café!! ".as_bytes());
        t.push_field(b"--");
        let spans: Vec<&[(u32, u32)]> = t.lines().collect();
        assert_eq!(t.as_bytes(), " darcy café \n  \n".as_bytes());
        assert_eq!(spans, vec![&[(1, 6), (7, 12)][..], &[][..]]);
    }

    #[test]
    fn fold_value_keeps_punctuation() {
        assert_eq!(fold_value("  E-Mail \t Inbound "), "e-mail inbound");
    }
}
