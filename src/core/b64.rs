//! URL-safe base64 without padding (RFC 4648 §5), for report links: a few dozen lines instead of a crate.

/// The URL- and filename-safe alphabet: `-` and `_` where standard base64 has `+` and `/`.
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Why a text is not URL-safe base64.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum B64Error {
    /// A byte outside the alphabet (padding and whitespace included), at this byte offset.
    BadChar { at: usize },
    /// A length that no byte string encodes to: one more than a multiple of four.
    BadLength(usize),
    /// The last character carries bits that no encoder sets, so the text is not the canonical encoding.
    TrailingBits,
}

impl std::fmt::Display for B64Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            B64Error::BadChar { at } => write!(f, "not a base64url character at byte {at}"),
            B64Error::BadLength(n) => write!(f, "no byte string encodes to {n} characters"),
            B64Error::TrailingBits => f.write_str("non-canonical base64url: stray trailing bits"),
        }
    }
}

/// `bytes` as URL-safe base64, without padding.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let mut group = 0u32;
        for (i, b) in chunk.iter().enumerate() {
            group |= u32::from(*b) << (16 - 8 * i);
        }
        // n bytes give n + 1 characters of six bits each.
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(group >> (18 - 6 * i)) as usize & 63]));
        }
    }
    out
}

/// The bytes of URL-safe base64 without padding; anything else, or a non-canonical encoding, is an error.
pub fn decode(text: &str) -> Result<Vec<u8>, B64Error> {
    let len = text.len();
    let mut out = Vec::with_capacity(len / 4 * 3 + 2);
    let (mut acc, mut bits) = (0u32, 0u32);
    for (at, c) in text.bytes().enumerate() {
        let six = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return Err(B64Error::BadChar { at }),
        };
        acc = (acc << 6) | u32::from(six);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // Characters come first: a stray '=' or space is a better message than the length it causes.
    if len % 4 == 1 {
        return Err(B64Error::BadLength(len));
    }
    // What is left are the low bits of the last character, which an encoder always leaves zero.
    if acc != 0 {
        return Err(B64Error::TrailingBits);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_4648_vectors() {
        let rows: [(&[u8], &str); 9] = [
            (b"", ""),
            (b"f", "Zg"),
            (b"fo", "Zm8"),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg"),
            (b"fooba", "Zm9vYmE"),
            (b"foobar", "Zm9vYmFy"),
            // Standard base64 writes these as "+/8=" and "//7/": the URL-safe alphabet differs here.
            (&[0xfb, 0xff], "-_8"),
            (&[0xff, 0xfe, 0xff], "__7_"),
        ];
        for (bytes, text) in rows {
            assert_eq!(encode(bytes), text, "{bytes:?}");
            assert_eq!(decode(text).as_deref(), Ok(bytes), "{text:?}");
        }
    }

    #[test]
    fn every_length_round_trips() {
        // A xorshift generator: fixed, so a failure reproduces.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let bytes: Vec<u8> = (0..300)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        assert!(
            bytes.iter().any(|b| *b >= 0xf8),
            "the sample needs high bytes"
        );
        for n in 0..=300 {
            let text = encode(&bytes[..n]);
            assert_eq!(text.len(), (n * 4).div_ceil(3), "length {n}");
            assert!(text
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
            assert_eq!(decode(&text).as_deref(), Ok(&bytes[..n]), "length {n}");
        }
    }

    #[test]
    fn malformed_text_is_refused() {
        let rows = [
            ("Zm9v=", B64Error::BadChar { at: 4 }),
            ("Zg==", B64Error::BadChar { at: 2 }),
            ("Zm9vYg=", B64Error::BadChar { at: 6 }),
            ("Zm 9v", B64Error::BadChar { at: 2 }),
            ("Zm9v\n", B64Error::BadChar { at: 4 }),
            ("Zm9v\nZg", B64Error::BadChar { at: 4 }),
            ("Zm+v", B64Error::BadChar { at: 2 }),
            ("Zm/v", B64Error::BadChar { at: 2 }),
            ("Zé9v", B64Error::BadChar { at: 1 }),
            ("Z", B64Error::BadLength(1)),
            ("Zm9vY", B64Error::BadLength(5)),
            // "f" is "Zg"; "Zh" sets a bit of the last character that the encoder leaves zero.
            ("Zh", B64Error::TrailingBits),
            ("Zm9", B64Error::TrailingBits),
            ("Zm9vYmF", B64Error::TrailingBits),
        ];
        for (text, want) in rows {
            assert_eq!(decode(text), Err(want), "{text:?}");
        }
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert_eq!(
            B64Error::BadChar { at: 3 }.to_string(),
            "not a base64url character at byte 3"
        );
        assert_eq!(
            B64Error::BadLength(5).to_string(),
            "no byte string encodes to 5 characters"
        );
        assert!(B64Error::TrailingBits.to_string().contains("trailing bits"));
    }
}
