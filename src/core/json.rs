//! A small JSON reader for the bodies the checks read: error bodies, model lists, DoH answers, status pages and
//! stream events.
//!
//! It replaces a general-purpose JSON crate, whose map type, deserializer framework and number parsing cost the
//! page more bytes than all the checks that read JSON. It reads RFC 8259 strictly (what it accepts, a browser's
//! `JSON.parse` accepts too), keeps numbers as their text until a check asks for one, and gives up beyond
//! [`MAX_DEPTH`] levels of nesting rather than exhausting the stack on a hostile body.

use std::fmt;
use std::ops::Index;

/// Nesting deeper than this is refused: real bodies nest a few levels, a hostile one could nest millions.
pub const MAX_DEPTH: usize = 128;

/// A JSON value. Objects keep their members in order; a name given twice reads as its last value.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Json {
    #[default]
    Null,
    Bool(bool),
    /// The number's text exactly as written, already checked against the grammar.
    Number(String),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

/// Why a body is not JSON; the checks only need to know that it is not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonError {
    /// Something other than a value, or a value followed by more than whitespace.
    Syntax,
    /// The body ended inside a value.
    Eof,
    /// Nested deeper than [`MAX_DEPTH`].
    TooDeep,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JsonError::Syntax => "not JSON",
            JsonError::Eof => "JSON cut short",
            JsonError::TooDeep => "JSON nested too deeply",
        })
    }
}

/// What indexing a missing member or element returns, as the reader of a lenient body wants.
static NULL: Json = Json::Null;

impl Json {
    /// Reads a whole document: one value with nothing but whitespace around it.
    pub fn parse(text: &str) -> Result<Json, JsonError> {
        let mut reader = Reader {
            bytes: text.as_bytes(),
            at: 0,
        };
        let value = reader.value(0)?;
        reader.skip_space();
        if reader.at == reader.bytes.len() {
            Ok(value)
        } else {
            Err(JsonError::Syntax)
        }
    }

    /// The text of a string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// A number written as a non-negative integer that fits in 64 bits (`1.0` and `1e2` are not).
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Number(n) => n.parse().ok(),
            _ => None,
        }
    }

    /// The elements of an array.
    pub fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }

    /// Whether this is an object.
    pub fn is_object(&self) -> bool {
        matches!(self, Json::Object(_))
    }
}

impl Index<&str> for Json {
    type Output = Json;

    /// The member named `name`, or null when there is none or this is not an object.
    fn index(&self, name: &str) -> &Json {
        match self {
            Json::Object(members) => members
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map_or(&NULL, |(_, v)| v),
            _ => &NULL,
        }
    }
}

impl PartialEq<&str> for Json {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

impl PartialEq<bool> for Json {
    fn eq(&self, other: &bool) -> bool {
        *self == Json::Bool(*other)
    }
}

/// A cursor over the body's bytes.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Result<u8, JsonError> {
        let b = self.peek().ok_or(JsonError::Eof)?;
        self.at += 1;
        Ok(b)
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// Consumes `word` (the rest of `true`, `false` or `null`).
    fn expect(&mut self, word: &[u8]) -> Result<(), JsonError> {
        for &b in word {
            if self.next()? != b {
                return Err(JsonError::Syntax);
            }
        }
        Ok(())
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        if depth > MAX_DEPTH {
            return Err(JsonError::TooDeep);
        }
        self.skip_space();
        match self.next()? {
            b'n' => self.expect(b"ull").map(|()| Json::Null),
            b't' => self.expect(b"rue").map(|()| Json::Bool(true)),
            b'f' => self.expect(b"alse").map(|()| Json::Bool(false)),
            b'"' => self.string().map(Json::String),
            b'[' => {
                let mut items = Vec::new();
                if self.close(b']') {
                    return Ok(Json::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    if self.separator(b']')? {
                        return Ok(Json::Array(items));
                    }
                }
            }
            b'{' => {
                let mut members = Vec::new();
                if self.close(b'}') {
                    return Ok(Json::Object(members));
                }
                loop {
                    self.skip_space();
                    if self.next()? != b'"' {
                        return Err(JsonError::Syntax);
                    }
                    let name = self.string()?;
                    self.skip_space();
                    if self.next()? != b':' {
                        return Err(JsonError::Syntax);
                    }
                    members.push((name, self.value(depth + 1)?));
                    if self.separator(b'}')? {
                        return Ok(Json::Object(members));
                    }
                }
            }
            b'-' | b'0'..=b'9' => {
                self.at -= 1;
                self.number()
            }
            _ => Err(JsonError::Syntax),
        }
    }

    /// Consumes `end` after optional whitespace, for an empty array or object.
    fn close(&mut self, end: u8) -> bool {
        self.skip_space();
        let closed = self.peek() == Some(end);
        self.at += usize::from(closed);
        closed
    }

    /// After an element: `,` means another follows (false), `end` closes the container (true).
    fn separator(&mut self, end: u8) -> Result<bool, JsonError> {
        self.skip_space();
        match self.next()? {
            b',' => Ok(false),
            b if b == end => Ok(true),
            _ => Err(JsonError::Syntax),
        }
    }

    /// Consumes a run of ASCII digits and says whether there was at least one.
    fn digits(&mut self) -> bool {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        self.at > start
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, kept as text.
    fn number(&mut self) -> Result<Json, JsonError> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            None => return Err(JsonError::Eof),
            _ => return Err(JsonError::Syntax),
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            if !self.digits() {
                return Err(JsonError::Syntax);
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if !self.digits() {
                return Err(JsonError::Syntax);
            }
        }
        // The grammar above admits ASCII only, so the slice is valid UTF-8 on its own.
        let text =
            std::str::from_utf8(&self.bytes[start..self.at]).map_err(|_| JsonError::Syntax)?;
        Ok(Json::Number(text.to_string()))
    }

    /// The rest of a string after its opening quote, with escapes resolved.
    fn string(&mut self) -> Result<String, JsonError> {
        let mut out = String::new();
        loop {
            // Copy the longest run without quotes, escapes or control characters at once.
            let start = self.at;
            while matches!(self.peek(), Some(b) if b != b'"' && b != b'\\' && b >= 0x20) {
                self.at += 1;
            }
            // The body came from a &str and the run stops only at ASCII bytes, so it is whole characters.
            out.push_str(
                std::str::from_utf8(&self.bytes[start..self.at]).map_err(|_| JsonError::Syntax)?,
            );
            match self.next()? {
                b'"' => return Ok(out),
                b'\\' => {}
                _ => return Err(JsonError::Syntax),
            }
            let c = match self.next()? {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => self.escaped_char()?,
                _ => return Err(JsonError::Syntax),
            };
            out.push(c);
        }
    }

    /// The character of a `\u` escape, joining a surrogate pair; a lone surrogate is refused.
    fn escaped_char(&mut self) -> Result<char, JsonError> {
        let high = self.hex4()?;
        let code = match high {
            0xD800..=0xDBFF => {
                self.expect(b"\\u")?;
                let low = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return Err(JsonError::Syntax);
                }
                0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(JsonError::Syntax),
            _ => high,
        };
        char::from_u32(code).ok_or(JsonError::Syntax)
    }

    /// Four hex digits.
    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut code = 0;
        for _ in 0..4 {
            let digit = char::from(self.next()?)
                .to_digit(16)
                .ok_or(JsonError::Syntax)?;
            code = code * 16 + digit;
        }
        Ok(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Json {
        Json::String(text.to_string())
    }

    #[test]
    fn reads_every_kind_of_value() {
        let json = Json::parse(
            r#" {"a": [1, -2.5e3, true, false, null, "x"], "b": {"c": "d"}, "e": {}, "f": []} "#,
        )
        .unwrap();
        assert_eq!(
            json["a"],
            Json::Array(vec![
                Json::Number("1".into()),
                Json::Number("-2.5e3".into()),
                Json::Bool(true),
                Json::Bool(false),
                Json::Null,
                s("x"),
            ])
        );
        assert_eq!(json["b"]["c"], "d");
        assert_eq!(json["e"], Json::Object(vec![]));
        assert_eq!(json["f"].as_array(), Some(&[][..]));
        assert!(json["b"].is_object() && !json["a"].is_object());
    }

    #[test]
    fn missing_members_and_wrong_kinds_read_as_null() {
        let json = Json::parse(r#"{"a": 1}"#).unwrap();
        assert_eq!(json["nope"], Json::Null);
        assert_eq!(json["a"]["deeper"], Json::Null);
        assert_eq!(json["a"].as_str(), None);
        assert_eq!(json["nope"].as_array(), None);
        assert!(json["nope"] != "");
        assert!(Json::parse("true").unwrap() == true && Json::parse("1").unwrap() != true);
    }

    #[test]
    fn a_name_given_twice_reads_as_its_last_value() {
        assert_eq!(Json::parse(r#"{"a":1,"a":"two"}"#).unwrap()["a"], "two");
    }

    #[test]
    fn integers_are_read_only_when_written_as_integers() {
        let n = |t: &str| Json::parse(t).unwrap().as_u64();
        assert_eq!(n("0"), Some(0));
        assert_eq!(n("28"), Some(28));
        assert_eq!(n("18446744073709551615"), Some(u64::MAX));
        assert_eq!(n("18446744073709551616"), None);
        assert_eq!(n("-1"), None);
        assert_eq!(n("1.0"), None);
        assert_eq!(n("1e2"), None);
        assert_eq!(Json::parse(r#""3""#).unwrap().as_u64(), None);
    }

    #[test]
    fn escapes_and_surrogate_pairs_are_resolved() {
        let json = Json::parse(r#""a\"b\\c\/d\b\f\n\r\t \u00e9 \u4e2d \ud83d\ude00""#).unwrap();
        assert_eq!(json, "a\"b\\c/d\u{8}\u{c}\n\r\t é 中 😀");
        assert_eq!(Json::parse("\"中文 ✓\"").unwrap(), "中文 ✓");
    }

    #[test]
    fn what_json_parse_refuses_is_refused() {
        for bad in [
            "",
            "   ",
            "{",
            "[1,",
            "[1,]",
            "{\"a\":1,}",
            "{a:1}",
            "{\"a\" 1}",
            "'a'",
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "+1",
            "NaN",
            "nul",
            "tru",
            "\"a",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\\ud83d\"",
            "\"\\ude00\"",
            "\"\\ud83d\\u0041\"",
            "\"tab\there\"",
            "{} {}",
            "[1] x",
            "<html>",
        ] {
            assert!(Json::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn a_cut_body_says_so() {
        assert_eq!(Json::parse(r#"{"a": [1, 2"#), Err(JsonError::Eof));
        assert_eq!(Json::parse(r#"{"a": "#), Err(JsonError::Eof));
        assert_eq!(Json::parse("-"), Err(JsonError::Eof));
    }

    #[test]
    fn deep_nesting_is_refused_without_exhausting_the_stack() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(Json::parse(&ok).is_ok());
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 2), "]".repeat(MAX_DEPTH + 2));
        assert_eq!(Json::parse(&deep), Err(JsonError::TooDeep));
        // A million levels, far beyond what the stack could recurse through, are refused just the same.
        assert_eq!(
            Json::parse(&"[{\"a\":".repeat(1_000_000)),
            Err(JsonError::TooDeep)
        );
    }

    #[test]
    fn agrees_with_a_reference_parser_on_generated_documents() {
        // Random documents and random corruptions of them: wherever the reference parser accepts, the reader
        // accepts the same value; wherever it refuses, the reader refuses too.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut rand = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        const PIECES: [&str; 22] = [
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"a\"",
            "\"\\u00e9\"",
            "\"\\ud83d\\ude00\"",
            "1",
            "-0.5e+2",
            "true",
            "null",
            " ",
            "\"中\"",
            "\"\\n\"",
            "0",
            "12",
            "{\"k\":",
            "[1,2]",
            "\"x\\\"\"",
            "false",
        ];
        let mut agreed = 0;
        for _ in 0..20_000 {
            let doc: String = (0..rand(12) + 1)
                .map(|_| PIECES[rand(PIECES.len())])
                .collect();
            let reference = serde_json::from_str::<serde_json::Value>(&doc);
            // The reference refuses numbers beyond f64's range; JSON (and JSON.parse) accepts them, and so does
            // the reader, which keeps numbers as text.
            if reference
                .as_ref()
                .is_err_and(|e| e.to_string().contains("number out of range"))
            {
                continue;
            }
            let ours = Json::parse(&doc);
            assert_eq!(ours.is_ok(), reference.is_ok(), "{doc:?}: {ours:?}");
            if let (Ok(ours), Ok(reference)) = (ours, reference) {
                assert_eq!(to_reference(&ours), reference, "{doc:?}");
                agreed += 1;
            }
        }
        assert!(agreed > 500, "only {agreed} generated documents were JSON");
    }

    /// The same value as the reference parser's, to compare the two.
    fn to_reference(json: &Json) -> serde_json::Value {
        use serde_json::Value;
        match json {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => serde_json::from_str(n).unwrap(),
            Json::String(s) => Value::String(s.clone()),
            Json::Array(items) => Value::Array(items.iter().map(to_reference).collect()),
            Json::Object(members) => Value::Object(
                members
                    .iter()
                    .map(|(k, v)| (k.clone(), to_reference(v)))
                    .collect(),
            ),
        }
    }
}
