//! DNS over HTTPS: the JSON answers of public resolvers and what their addresses mean.
//!
//! Cloudflare's and Google's JSON APIs share one format: `{"Status":0,"Answer":[{"name","type","TTL","data"}]}`.
//! They show the public view of a name; comparing it with what the browser reaches can expose a sinkhole.

use super::i18n::{t, Lang, Text};
use super::json::Json;

/// An address from a resolver's answer. Parsed and written here rather than by `std::net`, whose parser
/// and writer cost the page's wasm about 4.5 KB for these few uses; it reads and writes exactly as
/// `std::net::IpAddr` does (its tests hold the two together).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Addr {
    V4([u8; 4]),
    V6([u16; 8]),
}

impl Addr {
    /// Reads an IPv4 address in dotted decimal: four numbers up to 255, without leading zeros.
    pub fn parse_v4(text: &str) -> Option<Addr> {
        parse_v4(text).map(Addr::V4)
    }

    /// Reads an IPv6 address: up to eight groups of hex digits, one `::`, and an IPv4 address at the end.
    pub fn parse_v6(text: &str) -> Option<Addr> {
        let (head, tail) = match text.split_once("::") {
            Some((head, tail)) => (head, Some(tail)),
            None => (text, None),
        };
        let mut front = groups(head)?;
        let back = match tail {
            Some(tail) => groups(tail)?,
            None => Vec::new(),
        };
        let len = front.len() + back.len();
        if (tail.is_none() && len != 8) || (tail.is_some() && len > 7) {
            return None;
        }
        front.resize(8 - back.len(), 0);
        front.extend(back);
        let mut segments = [0; 8];
        segments.copy_from_slice(&front);
        Some(Addr::V6(segments))
    }

    /// The IPv4 address an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) stands for.
    fn mapped(&self) -> Option<[u8; 4]> {
        match *self {
            Addr::V6([0, 0, 0, 0, 0, 0xffff, high, low]) => {
                let [a, b] = high.to_be_bytes();
                let [c, d] = low.to_be_bytes();
                Some([a, b, c, d])
            }
            _ => None,
        }
    }
}

/// Four decimal numbers up to 255, without leading zeros, separated by dots.
fn parse_v4(text: &str) -> Option<[u8; 4]> {
    let mut octets = [0u8; 4];
    let mut parts = text.split('.');
    for octet in &mut octets {
        let part = parts.next()?;
        if part.is_empty()
            || part.len() > 3
            || !part.bytes().all(|b| b.is_ascii_digit())
            || (part.len() > 1 && part.starts_with('0'))
        {
            return None;
        }
        *octet = part.parse().ok()?;
    }
    parts.next().is_none().then_some(octets)
}

/// The groups of one side of an IPv6 address's `::`: one to four hex digits each, the last of them
/// possibly an IPv4 address (two groups).
fn groups(text: &str) -> Option<Vec<u16>> {
    let mut out = Vec::new();
    if text.is_empty() {
        return Some(out);
    }
    let mut parts = text.split(':').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() && part.contains('.') {
            let [a, b, c, d] = parse_v4(part)?;
            out.push(u16::from_be_bytes([a, b]));
            out.push(u16::from_be_bytes([c, d]));
        } else if (1..=4).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_hexdigit()) {
            out.push(u16::from_str_radix(part, 16).ok()?);
        } else {
            return None;
        }
    }
    (out.len() <= 8).then_some(out)
}

impl std::fmt::Display for Addr {
    /// As `std::net` writes addresses: IPv6 in lower-case hex with the longest run (the first, on a tie)
    /// of two or more zero groups as `::`, and an IPv4-mapped one as `::ffff:a.b.c.d`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v4 =
            |f: &mut std::fmt::Formatter<'_>, [a, b, c, d]: [u8; 4]| write!(f, "{a}.{b}.{c}.{d}");
        let segments = match (*self, self.mapped()) {
            (Addr::V4(octets), _) => return v4(f, octets),
            (_, Some(octets)) => {
                f.write_str("::ffff:")?;
                return v4(f, octets);
            }
            (Addr::V6(segments), None) => segments,
        };
        // The longest run of zero groups, if it is at least two long.
        let (mut best, mut run) = ((0, 0), (0, 0));
        for (i, &segment) in segments.iter().enumerate() {
            if segment == 0 {
                run = if run.1 == 0 {
                    (i, 1)
                } else {
                    (run.0, run.1 + 1)
                };
                if run.1 > best.1 {
                    best = run;
                }
            } else {
                run = (0, 0);
            }
        }
        let hex = |f: &mut std::fmt::Formatter<'_>, part: &[u16]| -> std::fmt::Result {
            for (i, segment) in part.iter().enumerate() {
                if i > 0 {
                    f.write_str(":")?;
                }
                write!(f, "{segment:x}")?;
            }
            Ok(())
        };
        if best.1 < 2 {
            return hex(f, &segments);
        }
        hex(f, &segments[..best.0])?;
        f.write_str("::")?;
        hex(f, &segments[best.0 + best.1..])
    }
}

/// The default resolvers, in the order used.
pub const DEFAULT_RESOLVERS: [&str; 2] = [
    "https://cloudflare-dns.com/dns-query",
    "https://dns.google/resolve",
];

/// What a resolver's JSON answer says about a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DohAnswer {
    /// Status 0 with at least one A (type 1) or AAAA (type 28) record; other record types (CNAME…) ignored; unparsable data skipped.
    Addresses(Vec<Addr>),
    /// Status 0 without any address record.
    NoAddress,
    /// Status 3: the name does not exist.
    NxDomain,
    /// Any other DNS status code (2 = SERVFAIL, 5 = REFUSED…).
    Failure(u16),
    /// Not the DoH JSON format at all.
    Malformed,
}

/// Reads a resolver's JSON answer, leniently: unknown fields are ignored.
pub fn parse_doh(body: &str) -> DohAnswer {
    let body = body.trim_start_matches('\u{feff}').trim();
    let Ok(json) = Json::parse(body) else {
        return DohAnswer::Malformed;
    };
    match json["Status"].as_u64() {
        Some(0) => {}
        Some(3) => return DohAnswer::NxDomain,
        Some(code) => return u16::try_from(code).map_or(DohAnswer::Malformed, DohAnswer::Failure),
        None => return DohAnswer::Malformed,
    }
    let addresses: Vec<Addr> = json["Answer"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(address)
        .collect();
    if addresses.is_empty() {
        DohAnswer::NoAddress
    } else {
        DohAnswer::Addresses(addresses)
    }
}

/// The address of an A or AAAA record whose data is an address of that family.
fn address(record: &Json) -> Option<Addr> {
    let data = record["data"].as_str()?.trim();
    match record["type"].as_u64()? {
        1 => Addr::parse_v4(data),
        28 => Addr::parse_v6(data),
        _ => None,
    }
}

/// What kind of address a resolver returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddrClass {
    /// Globally routable.
    Public,
    /// 0.0.0.0/8 or ::, the usual sinkhole.
    Unspecified,
    /// 127.0.0.0/8 or ::1.
    Loopback,
    /// RFC 1918, 100.64/10 (CGNAT), 169.254/16, fc00::/7, fe80::/10.
    Private,
    /// Anything else that is not globally routable (multicast, 240/4, broadcast, documentation ranges, ::ffff:-mapped private ones classified by their IPv4).
    Reserved,
}

/// Classifies an address by the ranges that matter for a sinkholed or intercepted name.
pub fn classify(ip: &Addr) -> AddrClass {
    match ip {
        Addr::V4(v4) => classify_v4(*v4),
        Addr::V6(_) => classify_v6(ip),
    }
}

/// Classifies an IPv4 address.
fn classify_v4(octets: [u8; 4]) -> AddrClass {
    match octets {
        [0, ..] => AddrClass::Unspecified,
        [127, ..] => AddrClass::Loopback,
        [10, ..] | [172, 16..=31, ..] | [192, 168, ..] | [100, 64..=127, ..] | [169, 254, ..] => {
            AddrClass::Private
        }
        // IETF protocol assignments, the three documentation networks, benchmarking, and 224/3
        // (multicast, the old class E and the broadcast address).
        [192, 0, 0 | 2, _]
        | [198, 51, 100, _]
        | [203, 0, 113, _]
        | [198, 18..=19, ..]
        | [224..=255, ..] => AddrClass::Reserved,
        _ => AddrClass::Public,
    }
}

/// Classifies an IPv6 address; only 2000::/3 outside the documentation ranges is global unicast.
fn classify_v6(ip: &Addr) -> AddrClass {
    if let Some(v4) = ip.mapped() {
        return classify_v4(v4);
    }
    let Addr::V6(segments) = ip else {
        return AddrClass::Reserved;
    };
    let first = segments[0];
    match bits(segments) {
        0 => AddrClass::Unspecified,
        1 => AddrClass::Loopback,
        _ if first & 0xfe00 == 0xfc00 || first & 0xffc0 == 0xfe80 => AddrClass::Private,
        _ if first & 0xe000 != 0x2000 => AddrClass::Reserved,
        _ if in_v6(ip, 0x2001_0db8, 32) || in_v6(ip, 0x0003_fff0, 20) => AddrClass::Reserved,
        _ => AddrClass::Public,
    }
}

/// Whether `ip` is in Anthropic's published inbound ranges: 160.79.104.0/23, 153.61.224.0/22, 2607:6bc0::/48.
pub fn in_anthropic_ranges(ip: &Addr) -> bool {
    match (*ip, ip.mapped()) {
        (Addr::V4(v4), _) | (_, Some(v4)) => in_anthropic_v4(v4),
        (Addr::V6(_), None) => in_v6(ip, 0x2607_6bc0_0000, 48),
    }
}

/// Whether an IPv4 address is in Anthropic's published IPv4 ranges.
fn in_anthropic_v4(octets: [u8; 4]) -> bool {
    let n = u32::from_be_bytes(octets);
    n >> 9 == u32::from_be_bytes([160, 79, 104, 0]) >> 9
        || n >> 10 == u32::from_be_bytes([153, 61, 224, 0]) >> 10
}

/// Whether the first `len` bits of `ip` equal `prefix` (given as those `len` bits, right-aligned).
fn in_v6(ip: &Addr, prefix: u128, len: u32) -> bool {
    match ip {
        Addr::V6(segments) => bits(segments) >> (128 - len) == prefix,
        Addr::V4(_) => false,
    }
}

/// An IPv6 address as one number, its first group highest.
fn bits(segments: &[u16; 8]) -> u128 {
    segments
        .iter()
        .fold(0, |acc, &segment| (acc << 16) | u128::from(segment))
}

/// The query URL for `host` (already a valid DNS name) and record type ("A"/"AAAA") at a resolver's JSON endpoint `resolver` (e.g. "https://cloudflare-dns.com/dns-query" or "https://dns.google/resolve"); appends `?name=…&type=…`, or `&name=…` when the resolver URL already has a query; host percent-encoded conservatively.
pub fn query_url(resolver: &str, host: &str, rtype: &str) -> String {
    let separator = if resolver.ends_with(['?', '&']) {
        ""
    } else if resolver.contains('?') {
        "&"
    } else {
        "?"
    };
    format!(
        "{resolver}{separator}name={}&type={}",
        percent_encode(host),
        percent_encode(rtype)
    )
}

/// Percent-encodes every byte except RFC 3986's unreserved characters.
fn percent_encode(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out
}

/// What one public resolver answered, as a report carries it: the resolver's host and a typed answer, so
/// the renderer words it in the reader's language.
#[derive(Clone, Debug, PartialEq)]
pub struct ResolverView {
    /// The resolver's host as the settings gave it; empty when a report named none.
    pub host: String,
    pub answer: ResolverAnswer,
}

/// A public resolver's answer, reduced to what a reader needs.
#[derive(Clone, Debug, PartialEq)]
pub enum ResolverAnswer {
    /// The addresses, already listed as text (`"1.2.3.4, 5.6.7.8 (+2)"`).
    Addresses(String),
    NxDomain,
    NoAddress,
    /// Another DNS status code: 2 is SERVFAIL.
    Failure(u16),
    /// Not asked, or not answered in the DoH JSON format.
    Unavailable,
}

impl ResolverAnswer {
    /// The answer in `lang`; addresses and DNS's own status names are the same in every language.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            ResolverAnswer::Addresses(list) => list.clone(),
            ResolverAnswer::NxDomain => "NXDOMAIN".to_string(),
            ResolverAnswer::NoAddress => t!("no address", "无地址记录").get(lang).to_string(),
            ResolverAnswer::Failure(code) => format!(
                "{} ({} {code})",
                rcode_name(*code).get(lang),
                t!("status", "状态码").get(lang)
            ),
            ResolverAnswer::Unavailable => t!("unavailable", "不可用").get(lang).to_string(),
        }
    }

    /// The answer's English line, which report links and JSON carry whatever the reader's language. It is
    /// data, spelt exactly as links always held it, so it is written here rather than taken from the texts
    /// (a page in Chinese downloads no English); a test holds it equal to `text(Lang::En)`.
    fn english(&self) -> String {
        match self {
            ResolverAnswer::Addresses(list) => list.clone(),
            ResolverAnswer::NxDomain => "NXDOMAIN".to_string(),
            ResolverAnswer::NoAddress => "no address".to_string(),
            ResolverAnswer::Failure(code) => {
                let name = match code {
                    1 => "FORMERR",
                    2 => "SERVFAIL",
                    4 => "NOTIMP",
                    5 => "REFUSED",
                    _ => "DNS error",
                };
                format!("{name} (status {code})")
            }
            ResolverAnswer::Unavailable => "unavailable".to_string(),
        }
    }

    /// Reads an answer's English line back; anything that is not one of the fixed answers, exactly as
    /// [`ResolverAnswer::english`] writes it, is a list of addresses.
    fn parse(text: &str) -> ResolverAnswer {
        let fixed = [
            ResolverAnswer::NxDomain,
            ResolverAnswer::NoAddress,
            ResolverAnswer::Unavailable,
        ];
        if let Some(answer) = fixed.into_iter().find(|a| a.english() == text) {
            return answer;
        }
        // Split at the last space, a char pattern: a string pattern would pull a substring searcher into
        // the wasm for this one line.
        let code = text
            .strip_suffix(')')
            .and_then(|rest| rest.rsplit_once(' '))
            .filter(|(head, _)| head.ends_with(" (status"))
            .and_then(|(_, code)| code.parse::<u16>().ok());
        match code.map(ResolverAnswer::Failure) {
            Some(failure) if failure.english() == text => failure,
            _ => ResolverAnswer::Addresses(text.to_string()),
        }
    }
}

impl ResolverView {
    /// The view in `lang`, as shown beside the fact's label: `"dns.google: no address"`.
    pub fn text(&self, lang: Lang) -> String {
        self.line(self.answer.text(lang))
    }

    /// The host and an answer's words, as one line.
    fn line(&self, answer: String) -> String {
        if self.host.is_empty() {
            answer
        } else {
            format!("{}: {answer}", self.host)
        }
    }

    /// The English line that report links and JSON carry. Links made before the answer was typed carried
    /// exactly this line, so [`ResolverView::parse`] reads links of every version alike.
    pub fn canonical(&self) -> String {
        self.line(self.answer.english())
    }

    /// Reads a canonical line back; `parse(s).canonical() == s` for every string, so a report survives
    /// any number of round trips unchanged. Hosts hold no `": "`, so the first one ends a
    /// non-empty host.
    pub fn parse(line: &str) -> ResolverView {
        let (host, answer) = match line.split_once(": ") {
            Some((host, answer)) if !host.is_empty() => (host, answer),
            _ => ("", line),
        };
        ResolverView {
            host: host.to_string(),
            answer: ResolverAnswer::parse(answer),
        }
    }
}

/// The usual name of a DNS response code.
fn rcode_name(code: u16) -> Text {
    match code {
        1 => t!("FORMERR", "FORMERR"),
        2 => t!("SERVFAIL", "SERVFAIL"),
        4 => t!("NOTIMP", "NOTIMP"),
        5 => t!("REFUSED", "REFUSED"),
        _ => t!("DNS error", "DNS 错误"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_english_line_links_carry_is_the_english_text() {
        let mut answers = vec![
            ResolverAnswer::Addresses("160.79.104.10".into()),
            ResolverAnswer::NxDomain,
            ResolverAnswer::NoAddress,
            ResolverAnswer::Unavailable,
        ];
        answers.extend((0..=6).map(ResolverAnswer::Failure));
        for answer in answers {
            assert_eq!(answer.english(), answer.text(Lang::En), "{answer:?}");
            assert_eq!(ResolverAnswer::parse(&answer.english()), answer);
        }
    }

    /// An address from text, for tables.
    fn ip(text: &str) -> Addr {
        Addr::parse_v4(text)
            .or_else(|| Addr::parse_v6(text))
            .unwrap()
    }

    /// `std::net`'s reading of `text`, as an `Addr`.
    fn std_reading(text: &str) -> Option<Addr> {
        match text.parse::<std::net::IpAddr>().ok()? {
            std::net::IpAddr::V4(v4) => Some(Addr::V4(v4.octets())),
            std::net::IpAddr::V6(v6) => Some(Addr::V6(v6.segments())),
        }
    }

    #[test]
    fn addresses_read_and_write_as_std_net_does() {
        let mut texts: Vec<String> = [
            "0.0.0.0",
            "127.0.0.1",
            "160.79.104.10",
            "255.255.255.255",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.5",
            "1..2.3",
            "",
            ".",
            "1.2.3.4 ",
            "+1.2.3.4",
            "::",
            "::1",
            "1::",
            "2607:6bc0::10",
            "2001:db8:0:0:1:0:0:1",
            "2001:DB8::1",
            "0:0:0:0:0:0:0:0",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::8",
            ":::",
            "1:::2",
            "::1::",
            "12345::",
            "::ffff:1.2.3.4",
            "::ffff:0102:0304",
            "::1.2.3.4",
            "64:ff9b::1.2.3.4",
            "1:2:3:4:5:6:1.2.3.4",
            "1:2:3:4:5:6:7:1.2.3.4",
            "::ffff:1.2.3",
            "g::",
            "1:0:0:1:0:0:0:1",
            "0:0:1:0:0:1:0:0",
            "fe80::1%eth0",
            ":1::",
            "1::2:",
            "0000:0000::00001",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // And a spread of generated ones: every shape of zero runs, some with an IPv4 tail.
        for n in 0u32..512 {
            let groups: Vec<String> = (0..8)
                .map(|i| {
                    if n >> i & 1 == 0 {
                        "0".to_string()
                    } else {
                        format!("{:x}", (n * 7919 + i * 104_729) & 0xffff)
                    }
                })
                .collect();
            texts.push(groups.join(":"));
            texts.push(format!(
                "{}:{}.{}.{}.{}",
                groups[..6].join(":"),
                n % 256,
                n / 3 % 256,
                7,
                n / 2 % 256
            ));
        }
        for text in &texts {
            let ours = Addr::parse_v4(text).or_else(|| Addr::parse_v6(text));
            assert_eq!(ours, std_reading(text), "reading {text:?}");
            if let Some(addr) = ours {
                let theirs = text.parse::<std::net::IpAddr>().unwrap().to_string();
                assert_eq!(addr.to_string(), theirs, "writing {text:?}");
            }
        }
    }

    #[test]
    fn doh_bodies_table() {
        let rows: Vec<(&str, &str, DohAnswer)> = vec![
            (
                "Cloudflare, A",
                r#"{"Status":0,"TC":false,"RD":true,"RA":true,"AD":false,"CD":false,"Question":[{"name":"api.anthropic.com","type":1}],"Answer":[{"name":"api.anthropic.com","type":1,"TTL":300,"data":"160.79.104.10"}]}"#,
                DohAnswer::Addresses(vec![ip("160.79.104.10")]),
            ),
            (
                "Google, AAAA",
                r#"{"Status":0,"TC":false,"RD":true,"RA":true,"AD":false,"CD":false,"Question":[{"name":"api.anthropic.com.","type":28}],"Answer":[{"name":"api.anthropic.com.","type":28,"TTL":300,"data":"2607:6bc0::10"}]}"#,
                DohAnswer::Addresses(vec![ip("2607:6bc0::10")]),
            ),
            (
                "Google, a CNAME chain and a comment",
                r#"{"Status":0,"TC":false,"RD":true,"RA":true,"AD":false,"CD":false,"Question":[{"name":"www.example.com.","type":1}],"Answer":[{"name":"www.example.com.","type":5,"TTL":3600,"data":"www.example.com-v4.edgesuite.net."},{"name":"www.example.com-v4.edgesuite.net.","type":5,"TTL":21600,"data":"a1422.dscr.akamai.net."},{"name":"a1422.dscr.akamai.net.","type":1,"TTL":20,"data":"23.215.0.136"},{"name":"a1422.dscr.akamai.net.","type":1,"TTL":20,"data":"23.215.0.138"}],"Comment":"Response from 2600:1480:e800::c0."}"#,
                DohAnswer::Addresses(vec![ip("23.215.0.136"), ip("23.215.0.138")]),
            ),
            (
                "a sinkhole answer is still addresses",
                "\u{feff} {\"Status\":0,\"Answer\":[{\"name\":\"api.anthropic.com\",\"type\":1,\"TTL\":60,\"data\":\"0.0.0.0\"}]}\n",
                DohAnswer::Addresses(vec![ip("0.0.0.0")]),
            ),
            (
                "Google, NXDOMAIN with an Authority section",
                r#"{"Status":3,"TC":false,"RD":true,"RA":true,"AD":true,"CD":false,"Question":[{"name":"nope.anthropic.com.","type":1}],"Authority":[{"name":"anthropic.com.","type":6,"TTL":1800,"data":"ns-cloud-a1.googledomains.com. cloud-dns-hostmaster.google.com. 1 21600 3600 259200 300"}],"Comment":"Response from 216.239.32.106."}"#,
                DohAnswer::NxDomain,
            ),
            (
                "Google, SERVFAIL",
                r#"{"Status":2,"TC":false,"RD":true,"RA":true,"AD":false,"CD":false,"Question":[{"name":"api.anthropic.com.","type":1}],"Comment":"Name servers refused query (lame delegation?) [216.239.32.106]."}"#,
                DohAnswer::Failure(2),
            ),
            (
                "Cloudflare, REFUSED with comments as a list",
                r#"{"Status":5,"TC":false,"RD":true,"RA":true,"AD":false,"CD":false,"Question":[{"name":"api.anthropic.com","type":1}],"Comment":["EDE(18): Prohibited"]}"#,
                DohAnswer::Failure(5),
            ),
            (
                "NODATA: an Authority section, no Answer",
                r#"{"Status":0,"TC":false,"RD":true,"RA":true,"AD":false,"CD":false,"Question":[{"name":"anthropic.com","type":28}],"Authority":[{"name":"anthropic.com","type":6,"TTL":300,"data":"ns-cloud-a1.googledomains.com. cloud-dns-hostmaster.google.com. 1 21600 3600 259200 300"}]}"#,
                DohAnswer::NoAddress,
            ),
            (
                "empty Answer",
                r#"{"Status":0,"Answer":[]}"#,
                DohAnswer::NoAddress,
            ),
            (
                "only a CNAME",
                r#"{"Status":0,"Answer":[{"name":"a.example","type":5,"TTL":1,"data":"b.example."}]}"#,
                DohAnswer::NoAddress,
            ),
            (
                "garbage data skipped",
                r#"{"Status":0,"Answer":[{"type":1,"data":"not-an-ip"},{"type":28,"data":"160.79.104.10"},{"type":1,"data":"2607:6bc0::10"},{"type":1,"data":7},{"type":"1","data":"1.2.3.4"},{"type":1},"junk",{"type":1,"data":"160.79.104.11"}]}"#,
                DohAnswer::Addresses(vec![ip("160.79.104.11")]),
            ),
            (
                "Answer not a list",
                r#"{"Status":0,"Answer":"1.2.3.4"}"#,
                DohAnswer::NoAddress,
            ),
            ("not JSON", "<html><title>Blocked</title></html>", DohAnswer::Malformed),
            ("cut off", r#"{"Status":0,"Answer":[{"#, DohAnswer::Malformed),
            ("empty", "", DohAnswer::Malformed),
            ("JSON without Status", r#"{"Answer":[]}"#, DohAnswer::Malformed),
            ("Status as text", r#"{"Status":"0"}"#, DohAnswer::Malformed),
            ("negative Status", r#"{"Status":-1}"#, DohAnswer::Malformed),
            ("Status beyond 16 bits", r#"{"Status":70000}"#, DohAnswer::Malformed),
            ("a JSON list", "[0]", DohAnswer::Malformed),
        ];
        for (what, body, want) in rows {
            assert_eq!(parse_doh(body), want, "{what}");
        }
    }

    #[test]
    fn address_classes_table() {
        use AddrClass::*;
        let rows = [
            ("160.79.104.10", Public),
            ("8.8.8.8", Public),
            ("0.0.0.0", Unspecified),
            ("0.1.2.3", Unspecified),
            ("127.0.0.53", Loopback),
            ("10.1.2.3", Private),
            ("172.16.0.1", Private),
            ("172.31.255.255", Private),
            ("172.32.0.1", Public),
            ("172.15.255.255", Public),
            ("192.168.1.1", Private),
            ("100.64.0.1", Private),
            ("100.127.255.255", Private),
            ("100.128.0.1", Public),
            ("169.254.169.254", Private),
            ("224.0.0.1", Reserved),
            ("240.0.0.1", Reserved),
            ("255.255.255.255", Reserved),
            ("192.0.2.1", Reserved),
            ("198.51.100.1", Reserved),
            ("203.0.113.1", Reserved),
            ("198.18.0.1", Reserved),
            ("::", Unspecified),
            ("::1", Loopback),
            ("fc00::1", Private),
            ("fd12:3456::1", Private),
            ("fe80::1", Private),
            ("ff02::1", Reserved),
            ("2001:db8::1", Reserved),
            ("3fff::1", Reserved),
            ("3fff:1000::1", Public),
            ("::2", Reserved),
            ("::ffff:10.0.0.1", Private),
            ("::ffff:0.0.0.0", Unspecified),
            ("::ffff:127.0.0.1", Loopback),
            ("::ffff:160.79.104.10", Public),
            ("2607:6bc0::10", Public),
            ("2606:4700::6810:1", Public),
        ];
        for (text, want) in rows {
            assert_eq!(classify(&ip(text)), want, "{text}");
        }
    }

    #[test]
    fn anthropic_ranges_table() {
        let rows = [
            ("160.79.104.0", true),
            ("160.79.104.10", true),
            ("160.79.105.255", true),
            ("160.79.106.0", false),
            ("160.79.103.255", false),
            ("153.61.224.0", true),
            ("153.61.227.255", true),
            ("153.61.228.0", false),
            ("153.61.223.255", false),
            ("2607:6bc0::10", true),
            ("2607:6bc0:0:ffff:ffff:ffff:ffff:ffff", true),
            ("2607:6bc0:1::", false),
            ("2607:6bc1::", false),
            ("::ffff:160.79.104.10", true),
            ("8.8.8.8", false),
            ("::", false),
        ];
        for (text, want) in rows {
            assert_eq!(in_anthropic_ranges(&ip(text)), want, "{text}");
        }
    }

    #[test]
    fn query_urls_table() {
        let rows = [
            (
                DEFAULT_RESOLVERS[0],
                "api.anthropic.com",
                "A",
                "https://cloudflare-dns.com/dns-query?name=api.anthropic.com&type=A",
            ),
            (
                DEFAULT_RESOLVERS[1],
                "api.anthropic.com",
                "AAAA",
                "https://dns.google/resolve?name=api.anthropic.com&type=AAAA",
            ),
            (
                "https://dns.example/q?ct=application/dns-json",
                "a.example",
                "A",
                "https://dns.example/q?ct=application/dns-json&name=a.example&type=A",
            ),
            (
                "https://dns.example/q?",
                "a.example",
                "A",
                "https://dns.example/q?name=a.example&type=A",
            ),
            (
                "https://dns.example/q",
                "a b&c=d/é",
                "A&x",
                "https://dns.example/q?name=a%20b%26c%3Dd%2F%C3%A9&type=A%26x",
            ),
        ];
        for (resolver, host, rtype, want) in rows {
            assert_eq!(query_url(resolver, host, rtype), want, "{host}");
        }
    }

    #[test]
    fn resolver_views_are_worded_in_both_languages_and_read_back_from_their_english_line() {
        let view = |host: &str, answer| ResolverView {
            host: host.to_string(),
            answer,
        };
        let rows = [
            (
                view("dns.google", ResolverAnswer::NoAddress),
                "dns.google: no address",
                "dns.google: 无地址记录",
            ),
            (
                view("dns.google", ResolverAnswer::Unavailable),
                "dns.google: unavailable",
                "dns.google: 不可用",
            ),
            (
                view("a", ResolverAnswer::Failure(2)),
                "a: SERVFAIL (status 2)",
                "a: SERVFAIL (状态码 2)",
            ),
            (
                view("a", ResolverAnswer::Failure(9)),
                "a: DNS error (status 9)",
                "a: DNS 错误 (状态码 9)",
            ),
            (
                view("a", ResolverAnswer::NxDomain),
                "a: NXDOMAIN",
                "a: NXDOMAIN",
            ),
            (
                view(
                    "127.0.0.1:8053",
                    ResolverAnswer::Addresses("::1, 10.0.0.1 (+2)".into()),
                ),
                "127.0.0.1:8053: ::1, 10.0.0.1 (+2)",
                "127.0.0.1:8053: ::1, 10.0.0.1 (+2)",
            ),
            (
                view("", ResolverAnswer::Addresses("1.2.3.4".into())),
                "1.2.3.4",
                "1.2.3.4",
            ),
        ];
        for (v, en, zh) in rows {
            assert_eq!(v.text(Lang::En), en);
            assert_eq!(v.text(Lang::Zh), zh);
            assert_eq!(v.canonical(), en);
            assert_eq!(ResolverView::parse(en), v, "{en}");
        }
    }

    #[test]
    fn any_line_survives_a_round_trip_through_the_typed_view() {
        let lines = [
            "",
            ": ",
            "x: SERVFAIL (status 02)",
            "x: FOO (status 2)",
            "x: DNS error (status 2)",
            "x: SERVFAIL (status 99999)",
            "x: SERVFAIL (status -1)",
            "a: b: no address",
            "no address",
            "x: NXDOMAIN ",
            "日本: 不可用",
        ];
        for line in lines {
            assert_eq!(ResolverView::parse(line).canonical(), line, "{line:?}");
        }
    }
}
