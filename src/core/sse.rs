//! Server-sent events: an incremental parser fed a body chunk by chunk.
//!
//! It follows the WHATWG "event stream interpretation": a stream arrives in chunks cut anywhere, even
//! inside a line ending or a UTF-8 character, so bytes are buffered until a line is complete and only
//! complete lines are decoded.

/// A line longer than this is dropped: a broken or hostile server could otherwise send one endless line
/// and grow the tab's memory without bound, while real events are a few kilobytes.
const MAX_LINE: usize = 1 << 20;

/// The UTF-8 byte order mark, which the spec's decoder skips once at the start of the stream.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One dispatched event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field, or "message" when there was none.
    pub event: String,
    /// The `data:` lines joined by "\n".
    pub data: String,
    /// Bytes fed so far when the event was dispatched: just past the blank line that ended it (for a CRLF
    /// just past its CR, since the event is complete there and waiting for the LF would stall a stream
    /// that ends its lines with CR alone).
    pub end: usize,
}

/// An incremental event-stream parser.
#[derive(Debug, Default)]
pub struct SseParser {
    /// Bytes of the current, unfinished line.
    line: Vec<u8>,
    /// The data buffer of the event being built.
    data: String,
    /// The event type buffer of the event being built.
    event: String,
    /// Total bytes fed.
    fed: usize,
    /// The first line has been seen, so a BOM is no longer skipped.
    past_first_line: bool,
    /// The last byte fed was a CR, so an LF right after it ends no further line.
    after_cr: bool,
    /// The current line grew past `MAX_LINE` and is skipped up to its end.
    dropping: bool,
    /// A field line has been seen since the last blank line.
    in_event: bool,
}

impl SseParser {
    /// Feeds the next chunk of the stream; returns the events it completed, in order.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        let mut events = Vec::new();
        let mut rest = chunk;
        while let Some((&first, tail)) = rest.split_first() {
            if std::mem::take(&mut self.after_cr) && first == b'\n' {
                self.fed += 1;
                rest = tail;
                continue;
            }
            match rest.iter().position(|&b| b == b'\r' || b == b'\n') {
                None => {
                    self.take(rest);
                    self.fed += rest.len();
                    break;
                }
                Some(i) => {
                    self.take(&rest[..i]);
                    self.fed += i + 1;
                    self.after_cr = rest[i] == b'\r';
                    rest = &rest[i + 1..];
                    events.extend(self.end_line());
                }
            }
        }
        events
    }

    /// True when bytes of an unfinished event (or line) remain buffered.
    pub fn pending(&self) -> bool {
        !self.line.is_empty() || self.dropping || self.in_event
    }

    /// Adds bytes to the current line, dropping the line once it grows too long.
    fn take(&mut self, bytes: &[u8]) {
        if self.dropping {
            return;
        }
        if self.line.len() + bytes.len() > MAX_LINE {
            self.line = Vec::new();
            self.dropping = true;
        } else {
            self.line.extend_from_slice(bytes);
        }
    }

    /// Interprets the line just ended; a blank line may dispatch an event.
    fn end_line(&mut self) -> Option<SseEvent> {
        let first = !std::mem::replace(&mut self.past_first_line, true);
        let bytes = std::mem::take(&mut self.line);
        // The end of a dropped line must not count as a blank line, or it would dispatch half an event.
        if std::mem::take(&mut self.dropping) {
            return None;
        }
        let bytes = match bytes.strip_prefix(BOM) {
            Some(after) if first => after,
            _ => &bytes[..],
        };
        if bytes.is_empty() {
            return self.dispatch();
        }
        self.field(&String::from_utf8_lossy(bytes));
        None
    }

    /// Applies one non-blank line: a comment, or a field with an optional value.
    fn field(&mut self, line: &str) {
        if line.starts_with(':') {
            return;
        }
        let (name, value) = match line.split_once(':') {
            Some((name, value)) => (name, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match name {
            "event" => self.event = value.to_string(),
            "data" => {
                self.data.push_str(value);
                self.data.push('\n');
            }
            // `id` and `retry` matter only to a reconnecting EventSource, which this is not.
            _ => {}
        }
        self.in_event = true;
    }

    /// Ends the event being built; it is dispatched only when it has data.
    fn dispatch(&mut self) -> Option<SseEvent> {
        self.in_event = false;
        let event = std::mem::take(&mut self.event);
        if self.data.is_empty() {
            return None;
        }
        let mut data = std::mem::take(&mut self.data);
        data.pop();
        Some(SseEvent {
            event: if event.is_empty() {
                "message".to_string()
            } else {
                event
            },
            data,
            end: self.fed,
        })
    }
}

/// Parses a whole stream given as chunks, in order.
pub fn parse_chunks<'a>(chunks: impl IntoIterator<Item = &'a [u8]>) -> Vec<SseEvent> {
    let mut parser = SseParser::default();
    chunks.into_iter().flat_map(|c| parser.feed(c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A short reply streamed by `POST /v1/messages`, as the API sends it.
    const ANTHROPIC_STREAM: &str = concat!(
        "event: message_start\n",
        r#"data: {"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","content":[],"model":"claude-x","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":1}}}"#,
        "\n\n",
        "event: ping\n",
        r#"data: {"type": "ping"}"#,
        "\n\n",
        "event: content_block_start\n",
        r#"data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
        "\n\n",
        "event: content_block_delta\n",
        r#"data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi \u00e9😀"}}"#,
        "\n\n",
        "event: content_block_stop\n",
        r#"data: {"type":"content_block_stop","index":0}"#,
        "\n\n",
        "event: message_delta\n",
        r#"data: {"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":1}}"#,
        "\n\n",
        "event: message_stop\n",
        r#"data: {"type":"message_stop"}"#,
        "\n\n",
    );

    /// The events of `ANTHROPIC_STREAM`, with `end` taken from the positions of its blank lines.
    fn anthropic_events() -> Vec<SseEvent> {
        let mut events = Vec::new();
        let mut offset = 0;
        for block in ANTHROPIC_STREAM.split_terminator("\n\n") {
            offset += block.len() + 2;
            let (event, data) = block.split_once('\n').unwrap();
            events.push(SseEvent {
                event: event["event: ".len()..].to_string(),
                data: data["data: ".len()..].to_string(),
                end: offset,
            });
        }
        events
    }

    #[test]
    fn anthropic_stream_fed_whole() {
        let events = parse_chunks([ANTHROPIC_STREAM.as_bytes()]);
        let names: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
        assert_eq!(
            names,
            [
                "message_start",
                "ping",
                "content_block_start",
                "content_block_delta",
                "content_block_stop",
                "message_delta",
                "message_stop"
            ]
        );
        assert_eq!(
            events[3].data,
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi \u00e9😀"}}"#
        );
        assert_eq!(events, anthropic_events());
        assert_eq!(events[6].end, ANTHROPIC_STREAM.len());
    }

    #[test]
    fn anthropic_stream_fed_one_byte_at_a_time() {
        let mut parser = SseParser::default();
        let events: Vec<SseEvent> = ANTHROPIC_STREAM
            .as_bytes()
            .chunks(1)
            .flat_map(|c| parser.feed(c))
            .collect();
        assert_eq!(events, anthropic_events());
        assert!(!parser.pending());
    }

    #[test]
    fn anthropic_stream_split_at_every_byte() {
        let bytes = ANTHROPIC_STREAM.as_bytes();
        let want = anthropic_events();
        for at in 0..=bytes.len() {
            let (a, b) = bytes.split_at(at);
            assert_eq!(parse_chunks([a, b]), want, "split at {at}");
        }
    }

    #[test]
    fn streams_table() {
        let long = format!("data: {}", "x".repeat(MAX_LINE));
        // (what, chunks, events as (type, data, end), pending at the end)
        type Row<'a> = (&'a str, Vec<&'a [u8]>, Vec<(&'a str, &'a str, usize)>, bool);
        let rows: Vec<Row> = vec![
            (
                "CRLF endings",
                vec![b"data: a\r\n\r\ndata: b\r\n\r\n"],
                vec![("message", "a", 10), ("message", "b", 21)],
                false,
            ),
            (
                "CR endings",
                vec![b"data: a\r\rdata: b\r\r"],
                vec![("message", "a", 9), ("message", "b", 18)],
                false,
            ),
            (
                "CR at a chunk's end, LF at the next one's start: one line ending",
                vec![b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"],
                vec![("message", "a\nb", 19)],
                false,
            ),
            (
                "LF LF after CR: the second LF is a blank line",
                vec![b"data: a\r\n\n"],
                vec![("message", "a", 10)],
                false,
            ),
            (
                "comments",
                vec![b": keep-alive\n:\ndata: x\n: inside\n\n"],
                vec![("message", "x", 33)],
                false,
            ),
            (
                "multi-line data, an empty data line kept",
                vec![b"data: a\ndata:\ndata:  b\n\n"],
                vec![("message", "a\n\n b", 24)],
                false,
            ),
            (
                "missing space after the colon",
                vec![b"event:e\ndata:x\n\n"],
                vec![("e", "x", 16)],
                false,
            ),
            (
                "a line without a colon is a field with an empty value",
                vec![b"data\n\n"],
                vec![("message", "", 6)],
                false,
            ),
            (
                "leading BOM skipped, even split across chunks",
                vec![b"\xEF", b"\xBB\xBFdata: x\n\n"],
                vec![("message", "x", 12)],
                false,
            ),
            (
                "a second BOM is part of the field name",
                vec![b"\xEF\xBB\xBF\xEF\xBB\xBFdata: x\n\n"],
                vec![],
                false,
            ),
            (
                "an event without data is not dispatched and its type resets",
                vec![b"event: ping\n\ndata: x\n\n"],
                vec![("message", "x", 22)],
                false,
            ),
            (
                "id and retry ignored",
                vec![b"id: 7\nretry: 10\ndata: x\n\n"],
                vec![("message", "x", 25)],
                false,
            ),
            (
                "unfinished event at the end is not dispatched",
                vec![b"data: a\n\ndata: b\n"],
                vec![("message", "a", 9)],
                true,
            ),
            (
                "unfinished line at the end",
                vec![b"data: a\n\ndata: b"],
                vec![("message", "a", 9)],
                true,
            ),
            ("only an event type", vec![b"event: x\n"], vec![], true),
            ("only a comment", vec![b": hi\n"], vec![], false),
            (
                "a 4-byte character split across chunks",
                vec![b"data: \xF0\x9F", b"\x98", b"\x80!\n\n"],
                vec![("message", "\u{1F600}!", 13)],
                false,
            ),
            (
                "invalid UTF-8 becomes U+FFFD",
                vec![b"data: \xFF\xF0\x9F\n\n"],
                vec![("message", "\u{FFFD}\u{FFFD}", 11)],
                false,
            ),
            (
                "an error event",
                vec![
                    b"event: error\n",
                    br#"data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
                    b"\n\n",
                ],
                vec![(
                    "error",
                    r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
                    96,
                )],
                false,
            ),
            (
                "an overlong line is dropped whole, its end is no blank line",
                vec![b"data: a\n", long.as_bytes(), b"\ndata: b\n\n"],
                vec![("message", "a\nb", long.len() + 18)],
                false,
            ),
            ("empty stream", vec![], vec![], false),
        ];
        for (what, chunks, want, pending) in rows {
            let mut parser = SseParser::default();
            let got: Vec<SseEvent> = chunks.iter().flat_map(|c| parser.feed(c)).collect();
            let want: Vec<SseEvent> = want
                .into_iter()
                .map(|(event, data, end)| SseEvent {
                    event: event.into(),
                    data: data.into(),
                    end,
                })
                .collect();
            assert_eq!(got, want, "{what}");
            assert_eq!(parser.pending(), pending, "{what}");
        }
    }

    #[test]
    fn an_overlong_line_is_pending_while_dropped() {
        let mut parser = SseParser::default();
        assert!(parser.feed(&vec![b'x'; MAX_LINE + 1]).is_empty());
        assert!(parser.pending() && parser.line.is_empty());
        assert!(parser.feed(b"\n").is_empty());
        assert!(!parser.pending());
    }
}
