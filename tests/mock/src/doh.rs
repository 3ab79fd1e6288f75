//! A DNS-over-HTTPS resolver in the JSON dialect of Cloudflare's and Google's, one answer per mode: `/doh/<mode>/dns-query` or `/resolve`.

use crate::api::escape;
use crate::cors;
use crate::http::{self, Request, Response};
use crate::scenarios::match_name;
use std::time::Duration;

/// One row of the mode table. Adding a mode is adding a row.
pub struct Mode {
    /// The path segment; `<…>` marks a numeric parameter as in scenario names.
    pub name: &'static str,
    /// One line for `GET /`.
    pub description: &'static str,
    pub answer: Answer,
}

/// What a mode answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Status 0 with one address of the asked family; `cname` puts a CNAME
    /// record first, whose target then owns the address, as chains look.
    Address {
        v4: &'static str,
        v6: &'static str,
        cname: bool,
    },
    /// A DNS status without an answer; `soa` adds the zone's SOA record under
    /// Authority, as resolvers do for NXDOMAIN and for a name without records.
    NoRecords { status: u8, soa: bool },
    /// Not DNS at all: an HTTP status and a body. `None` for the content type
    /// keeps the endpoint's JSON type, so the body claims to be JSON.
    Http {
        status: u16,
        content_type: Option<&'static str>,
        body: &'static str,
    },
    /// [`OK`] after the parameter in milliseconds.
    Slow,
}

/// Where the API's published ranges put its front door (the published 160.79.104.0/23 and 2607:6bc0::/48).
const OK: Answer = Answer::Address {
    v4: "160.79.104.10",
    v6: "2607:6bc0::10",
    cname: true,
};

/// How long `slow-<ms>` may wait at most.
const SLOW_CAP_MS: u64 = 120_000;
/// The TTL of every record the resolver makes up, in seconds.
const TTL: u32 = 60;

pub const MODES: &[Mode] = &[
    Mode {
        name: "ok",
        description: "A 160.79.104.10 / AAAA 2607:6bc0::10 (the API's ranges) after a CNAME",
        answer: OK,
    },
    Mode {
        name: "other",
        description: "another address in the API's ranges: 160.79.105.7 / 2607:6bc0::7",
        answer: Answer::Address {
            v4: "160.79.105.7",
            v6: "2607:6bc0::7",
            cname: false,
        },
    },
    Mode {
        name: "nxdomain",
        description: "Status 3 (NXDOMAIN), no Answer, the zone's SOA under Authority",
        answer: Answer::NoRecords {
            status: 3,
            soa: true,
        },
    },
    Mode {
        name: "servfail",
        description: "Status 2 (SERVFAIL), no Answer",
        answer: Answer::NoRecords {
            status: 2,
            soa: false,
        },
    },
    Mode {
        name: "empty",
        description: "Status 0 without an Answer (no records of the type)",
        answer: Answer::NoRecords {
            status: 0,
            soa: true,
        },
    },
    Mode {
        name: "sinkhole",
        description: "a DNS filter's sinkhole: 0.0.0.0 / ::",
        answer: Answer::Address {
            v4: "0.0.0.0",
            v6: "::",
            cname: false,
        },
    },
    Mode {
        name: "loopback",
        description: "a hosts-file override: 127.0.0.1 / ::1",
        answer: Answer::Address {
            v4: "127.0.0.1",
            v6: "::1",
            cname: false,
        },
    },
    Mode {
        name: "private",
        description: "a split-horizon or proxy address: 10.1.2.3 / fd00::1",
        answer: Answer::Address {
            v4: "10.1.2.3",
            v6: "fd00::1",
            cname: false,
        },
    },
    Mode {
        name: "down",
        description: "the resolver is down: 503 with a text body, readable",
        answer: Answer::Http {
            status: 503,
            content_type: Some("text/plain; charset=utf-8"),
            body: "Service Unavailable\n",
        },
    },
    Mode {
        name: "garbage",
        description: "200 'not json' with the JSON content type, readable",
        answer: Answer::Http {
            status: 200,
            content_type: None,
            body: "not json",
        },
    },
    Mode {
        name: "slow-<ms>",
        description: "ok after <ms> milliseconds (at most 120000)",
        answer: Answer::Slow,
    },
];

/// Finds a mode by its path segment, with its numeric parameter if it takes one.
pub fn lookup(segment: &str) -> Option<(&'static Mode, Option<u64>)> {
    MODES
        .iter()
        .find_map(|m| match_name(m.name, segment).map(|p| (m, p)))
}

/// The two endpoints: Cloudflare's path and Google's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    DnsQuery,
    Resolve,
}

impl Endpoint {
    fn content_type(self) -> &'static str {
        match self {
            Endpoint::DnsQuery => "application/dns-json",
            Endpoint::Resolve => "application/json",
        }
    }
}

/// Answers a request under `/doh`; `rest` is the path after it (`/<mode>/dns-query`).
pub fn handle(req: &Request, rest: &str) -> Response {
    if req.is_preflight() {
        return cors::preflight_any(req);
    }
    let mut parts = rest.strip_prefix('/').unwrap_or("").splitn(2, '/');
    let (mode, endpoint) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let endpoint = match endpoint {
        "dns-query" => Endpoint::DnsQuery,
        "resolve" => Endpoint::Resolve,
        _ => return text(404, "Not Found\n"),
    };
    let Some((mode, param)) = lookup(mode) else {
        return text(404, "Not Found\n");
    };
    if req.method != "GET" && req.method != "HEAD" {
        return text(405, "Method Not Allowed\n").with("allow", "GET, HEAD");
    }
    let json = |status: u16, body: String| {
        Response::new(status)
            .with("date", http::date_now())
            .with("access-control-allow-origin", "*")
            .body(endpoint.content_type(), body)
    };
    let question = match Question::of(req.query()) {
        Ok(q) => q,
        Err(why) => return json(400, header_json(1, None, &[], &[], Some(why))),
    };
    let answer = match mode.answer {
        Answer::Slow => {
            let ms = param.unwrap_or(0).min(SLOW_CAP_MS);
            std::thread::sleep(Duration::from_millis(ms));
            OK
        }
        a => a,
    };
    match answer {
        Answer::Http {
            status,
            content_type,
            body,
        } => Response::new(status)
            .with("date", http::date_now())
            .with("access-control-allow-origin", "*")
            .body(content_type.unwrap_or(endpoint.content_type()), body),
        other => json(200, question.answer(other)),
    }
}

/// A plain-text reply, readable from anywhere.
fn text(status: u16, body: &str) -> Response {
    Response::new(status)
        .with("date", http::date_now())
        .with("access-control-allow-origin", "*")
        .body("text/plain; charset=utf-8", body)
}

/// The question asked: a name with its trailing dot, and a numeric type.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Question {
    name: String,
    rtype: u16,
}

/// One resource record.
struct Record {
    name: String,
    rtype: u16,
    ttl: u32,
    data: String,
}

impl Question {
    /// Reads `name` and `type` from a query string; `type` defaults to A, as
    /// both public resolvers do.
    fn of(query: &str) -> Result<Question, &'static str> {
        let param = |key: &str| {
            query
                .split('&')
                .filter_map(|kv| kv.split_once('='))
                .find(|(k, _)| *k == key)
                .map(|(_, v)| percent_decode(v))
        };
        let name = param("name").unwrap_or_default();
        let name = name.trim();
        if name.is_empty() || name == "." {
            return Err("Missing required parameter: name");
        }
        if name.len() > 254 {
            return Err("Invalid name: too long");
        }
        let rtype = match param("type") {
            None => 1,
            Some(t) => match t.to_ascii_uppercase().as_str() {
                "A" => 1,
                "AAAA" => 28,
                "CNAME" => 5,
                "SOA" => 6,
                "MX" => 15,
                "TXT" => 16,
                "HTTPS" => 65,
                n => n.parse().map_err(|_| "Invalid type")?,
            },
        };
        let name = if name.ends_with('.') {
            name.to_string()
        } else {
            format!("{name}.")
        };
        Ok(Question { name, rtype })
    }

    /// The zone the name belongs to, roughly: its last two labels.
    fn zone(&self) -> String {
        let labels: Vec<&str> = self.name.trim_end_matches('.').split('.').collect();
        let from = labels.len().saturating_sub(2);
        format!("{}.", labels[from..].join("."))
    }

    /// The JSON answer of a mode that is DNS.
    fn answer(&self, answer: Answer) -> String {
        let soa = || Record {
            name: self.zone(),
            rtype: 6,
            ttl: 1800,
            data: format!(
                "ns1.{z} dns.{z} 2026112601 10000 2400 604800 1800",
                z = self.zone()
            ),
        };
        match answer {
            Answer::Address { v4, v6, cname } => {
                let address = match self.rtype {
                    1 => v4,
                    28 => v6,
                    // Another type: no records of it, as for `empty`.
                    _ => return header_json(0, Some(self), &[], &[soa()], None),
                };
                let mut owner = self.name.clone();
                let mut records = Vec::new();
                if cname {
                    let target = format!("{owner}cdn.cloudflare.net.");
                    records.push(Record {
                        name: owner,
                        rtype: 5,
                        ttl: TTL,
                        data: target.clone(),
                    });
                    owner = target;
                }
                records.push(Record {
                    name: owner,
                    rtype: self.rtype,
                    ttl: TTL,
                    data: address.into(),
                });
                header_json(0, Some(self), &records, &[], None)
            }
            Answer::NoRecords { status, soa: true } => {
                header_json(status, Some(self), &[], &[soa()], None)
            }
            Answer::NoRecords { status, soa: false } => {
                header_json(status, Some(self), &[], &[], None)
            }
            Answer::Http { .. } | Answer::Slow => header_json(2, Some(self), &[], &[], None),
        }
    }
}

/// The resolvers' JSON: flags, the question, and the sections that are not empty.
fn header_json(
    status: u8,
    question: Option<&Question>,
    answer: &[Record],
    authority: &[Record],
    comment: Option<&str>,
) -> String {
    let records = |rs: &[Record]| -> String {
        rs.iter()
            .map(|r| {
                format!(
                    r#"{{"name":"{}","type":{},"TTL":{},"data":"{}"}}"#,
                    escape(&r.name),
                    r.rtype,
                    r.ttl,
                    escape(&r.data)
                )
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut out =
        format!(r#"{{"Status":{status},"TC":false,"RD":true,"RA":true,"AD":false,"CD":false"#);
    if let Some(q) = question {
        out.push_str(&format!(
            r#","Question":[{{"name":"{}","type":{}}}]"#,
            escape(&q.name),
            q.rtype
        ));
    }
    if !answer.is_empty() {
        out.push_str(&format!(r#","Answer":[{}]"#, records(answer)));
    }
    if !authority.is_empty() {
        out.push_str(&format!(r#","Authority":[{}]"#, records(authority)));
    }
    if let Some(c) = comment {
        out.push_str(&format!(r#","Comment":"{}""#, escape(c)));
    }
    out.push('}');
    out
}

/// Decodes `%XX` escapes and `+`; a malformed escape stays as it is.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn get(target: &str) -> Response {
        let req = Request::for_test("GET", target, &[("origin", "http://localhost:1")]);
        handle(&req, req.path().strip_prefix("/doh").unwrap_or(""))
    }

    fn parsed(r: &Response) -> Value {
        serde_json::from_str::<Value>(&r.text()).unwrap_or_else(|e| panic!("{e}: {}", r.text()))
    }

    /// (type, data) of each Answer record.
    fn answers(v: &Value) -> Vec<(u16, String)> {
        v.get("Answer")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|r| {
                (
                    r.get("type").and_then(Value::as_f64).unwrap_or(-1.0) as u16,
                    r.get("data")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn every_mode_answers_as_its_row_says() {
        // (mode, type, DNS status, answer records (type, data), authority?)
        type Row<'a> = (&'a str, &'a str, f64, &'a [(u16, &'a str)], bool);
        let cname = "api.anthropic.com.cdn.cloudflare.net.";
        let rows: &[Row] = &[
            ("ok", "A", 0.0, &[(5, cname), (1, "160.79.104.10")], false),
            (
                "ok",
                "AAAA",
                0.0,
                &[(5, cname), (28, "2607:6bc0::10")],
                false,
            ),
            ("other", "A", 0.0, &[(1, "160.79.105.7")], false),
            ("other", "AAAA", 0.0, &[(28, "2607:6bc0::7")], false),
            ("nxdomain", "A", 3.0, &[], true),
            ("servfail", "AAAA", 2.0, &[], false),
            ("empty", "A", 0.0, &[], true),
            ("sinkhole", "A", 0.0, &[(1, "0.0.0.0")], false),
            ("sinkhole", "AAAA", 0.0, &[(28, "::")], false),
            ("loopback", "A", 0.0, &[(1, "127.0.0.1")], false),
            ("loopback", "AAAA", 0.0, &[(28, "::1")], false),
            ("private", "A", 0.0, &[(1, "10.1.2.3")], false),
            ("private", "AAAA", 0.0, &[(28, "fd00::1")], false),
            (
                "slow-1",
                "A",
                0.0,
                &[(5, cname), (1, "160.79.104.10")],
                false,
            ),
            // Numeric types as well as names; an unasked type gets no answer.
            ("ok", "28", 0.0, &[(5, cname), (28, "2607:6bc0::10")], false),
            ("ok", "TXT", 0.0, &[], true),
        ];
        for endpoint in ["dns-query", "resolve"] {
            for &(mode, ty, status, want, authority) in rows {
                let r = get(&format!(
                    "/doh/{mode}/{endpoint}?name=api.anthropic.com&type={ty}"
                ));
                let what = format!("{mode} {ty} {endpoint}");
                assert_eq!(r.status, 200, "{what}");
                assert_eq!(r.header("access-control-allow-origin"), Some("*"));
                let ct = if endpoint == "dns-query" {
                    "application/dns-json"
                } else {
                    "application/json"
                };
                assert_eq!(r.header("content-type"), Some(ct), "{what}");
                let v = parsed(&r);
                assert_eq!(
                    v.get("Status").and_then(Value::as_f64),
                    Some(status),
                    "{what}"
                );
                for flag in ["TC", "AD", "CD"] {
                    assert_eq!(v.get(flag).and_then(Value::as_bool), Some(false), "{what}");
                }
                for flag in ["RD", "RA"] {
                    assert_eq!(v.get(flag).and_then(Value::as_bool), Some(true), "{what}");
                }
                let q = &v.get("Question").and_then(Value::as_array).unwrap()[0];
                assert_eq!(
                    q.get("name").and_then(Value::as_str),
                    Some("api.anthropic.com.")
                );
                let got = answers(&v);
                let want: Vec<(u16, String)> =
                    want.iter().map(|(t, d)| (*t, d.to_string())).collect();
                assert_eq!(got, want, "{what}");
                assert_eq!(v.get("Answer").is_some(), !want.is_empty(), "{what}");
                assert_eq!(v.get("Authority").is_some(), authority, "{what}");
                if let Some(records) = v.get("Answer").and_then(Value::as_array) {
                    let first = records[0].get("name").and_then(Value::as_str);
                    assert_eq!(first, Some("api.anthropic.com."), "{what}");
                    for rec in records {
                        assert_eq!(rec.get("TTL").and_then(Value::as_f64), Some(60.0));
                    }
                }
            }
        }
    }

    #[test]
    fn nxdomain_carries_the_zone_soa() {
        let v = parsed(&get(
            "/doh/nxdomain/dns-query?name=api.anthropic.com&type=A",
        ));
        let soa = &v.get("Authority").and_then(Value::as_array).unwrap()[0];
        assert_eq!(soa.get("type").and_then(Value::as_f64), Some(6.0));
        assert_eq!(
            soa.get("name").and_then(Value::as_str),
            Some("anthropic.com.")
        );
    }

    #[test]
    fn failures_that_are_not_dns() {
        for (target, status, ct, body) in [
            (
                "/doh/down/dns-query?name=a.b",
                503,
                "text/plain; charset=utf-8",
                "Service Unavailable\n",
            ),
            (
                "/doh/garbage/dns-query?name=a.b",
                200,
                "application/dns-json",
                "not json",
            ),
            (
                "/doh/garbage/resolve?name=a.b",
                200,
                "application/json",
                "not json",
            ),
        ] {
            let r = get(target);
            assert_eq!(
                (r.status, r.header("content-type"), r.text().as_str()),
                (status, Some(ct), body),
                "{target}"
            );
            assert_eq!(r.header("access-control-allow-origin"), Some("*"));
        }
        assert!(serde_json::from_str::<Value>(&get("/doh/garbage/resolve?name=a").text()).is_err());
    }

    #[test]
    fn bad_questions_get_400_json() {
        for target in [
            "/doh/ok/dns-query",
            "/doh/ok/dns-query?type=A",
            "/doh/ok/resolve?name=",
            "/doh/ok/resolve?name=.",
            "/doh/ok/resolve?name=a.b&type=BOGUS",
        ] {
            let r = get(target);
            assert_eq!(r.status, 400, "{target}");
            let v = parsed(&r);
            assert_eq!(
                v.get("Status").and_then(Value::as_f64),
                Some(1.0),
                "{target}"
            );
            assert_eq!(r.header("access-control-allow-origin"), Some("*"));
        }
    }

    #[test]
    fn names_are_echoed_safely() {
        let r = get("/doh/ok/resolve?name=x%22y.example.&type=a");
        let v = parsed(&r);
        let q = &v.get("Question").and_then(Value::as_array).unwrap()[0];
        assert_eq!(q.get("name").and_then(Value::as_str), Some("x\"y.example."));
        assert_eq!(q.get("type").and_then(Value::as_f64), Some(1.0));
        // Broken escapes and odd bytes never panic.
        for query in [
            "name=%",
            "name=%zz",
            "name=%e9",
            "name=a&name=b",
            "name==&type==",
        ] {
            let r = get(&format!("/doh/ok/resolve?{query}"));
            assert!(r.status == 200 || r.status == 400, "{query}");
            assert!(serde_json::from_str::<Value>(&r.text()).is_ok(), "{query}");
        }
    }

    #[test]
    fn routing() {
        for target in [
            "/doh/nope/dns-query?name=a",
            "/doh/ok/other?name=a",
            "/doh/ok",
            "/doh/",
            "/doh",
        ] {
            assert_eq!(get(target).status, 404, "{target}");
        }
        let post = Request::for_test("POST", "/doh/ok/dns-query", &[]);
        assert_eq!(handle(&post, "/ok/dns-query").status, 405);
        let pre = Request::for_test(
            "OPTIONS",
            "/doh/ok/dns-query",
            &[
                ("origin", "http://x"),
                ("access-control-request-method", "GET"),
                ("access-control-request-headers", "accept"),
            ],
        );
        let r = handle(&pre, "/ok/dns-query");
        assert_eq!(r.status, 204);
        assert_eq!(r.header("access-control-allow-origin"), Some("*"));
        assert_eq!(r.header("access-control-allow-headers"), Some("accept"));
    }

    #[test]
    fn slow_waits() {
        let start = std::time::Instant::now();
        let r = get("/doh/slow-150/dns-query?name=a.b");
        assert!(start.elapsed() >= Duration::from_millis(150));
        assert_eq!(answers(&parsed(&r)).len(), 2);
        assert!(lookup("slow-").is_none());
    }
}
