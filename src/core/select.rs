//! Which checks a run shows: lists of check codes and layer names read into a [`Selection`], closed
//! under what they depend on, and what a run shows from its vantage.

use super::checks::{by_code, Check, REGISTRY};
use super::input::{Context, Selection};

/// The layer names a selection accepts: the part of a code before its dot.
fn layer_of(code: &str) -> &str {
    code.split('.').next().unwrap_or(code)
}

/// The bit of a check in a selection.
fn bit(check: &Check) -> u64 {
    1 << check.wire
}

/// Whether a run shows the check: it is selected and applies to the run's vantage.
pub fn shown(ctx: &Context, check: &Check) -> bool {
    ctx.settings.checks.has(check) && check.applies_to(ctx.vantage)
}

impl Selection {
    /// Reads a comma-separated list of codes (`network.reach`), layers (`cors`) or `all`. An empty list
    /// is every check. Returns the selection and the items it did not know.
    pub fn parse(list: &str) -> (Selection, Vec<String>) {
        let mut bits = 0u64;
        let mut unknown = Vec::new();
        let mut any = false;
        let mut all = false;
        for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            any = true;
            let item_lc = item.to_ascii_lowercase();
            if item_lc == "all" {
                all = true;
                continue;
            }
            let before = bits;
            for c in REGISTRY {
                if c.code == item_lc || layer_of(c.code) == item_lc {
                    bits |= bit(c);
                }
            }
            if bits == before && !REGISTRY.iter().any(|c| c.code == item_lc) {
                unknown.push(item.chars().take(40).collect());
            }
        }
        if !any || all {
            return (Self::ALL, unknown);
        }
        (Selection(bits).closed(), unknown)
    }

    /// The selection with every check its members depend on, directly or not; every check of the
    /// registry is [`Selection::ALL`], so that the two compare equal.
    fn closed(self) -> Selection {
        let mut bits = self.0;
        // Dependencies come earlier in the registry, so one pass from the end reaches them all.
        for c in REGISTRY.iter().rev() {
            if bits & bit(c) != 0 {
                for dep in c.depends_on {
                    if let Some(d) = by_code(dep) {
                        bits |= bit(d);
                    }
                }
            }
        }
        if REGISTRY.iter().all(|c| bits & bit(c) != 0) {
            return Selection::ALL;
        }
        Selection(bits)
    }

    /// Whether the check is selected.
    pub fn has(self, check: &Check) -> bool {
        self.has_wire(check.wire)
    }

    /// Whether the check with `code` is selected.
    pub fn has_code(self, code: &str) -> bool {
        by_code(code).is_some_and(|c| self.has(c))
    }

    /// The shortest list that reads back as this selection: empty for every check, else the codes.
    pub fn to_list(self) -> String {
        if self == Self::ALL {
            return String::new();
        }
        let codes: Vec<&str> = REGISTRY
            .iter()
            .filter(|c| self.has(c))
            .map(|c| c.code)
            .collect();
        codes.join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(s: Selection) -> Vec<&'static str> {
        REGISTRY
            .iter()
            .filter(|c| s.has(c))
            .map(|c| c.code)
            .collect()
    }

    #[test]
    fn lists_read_as_codes_layers_and_their_dependencies() {
        assert_eq!(Selection::parse(""), (Selection::ALL, vec![]));
        assert_eq!(Selection::parse(" , all"), (Selection::ALL, vec![]));
        let (s, unknown) = Selection::parse("cors");
        assert!(unknown.is_empty());
        // cors.read needs the reach probe, which needs the page, the connection and DNS; the layer also
        // holds the native cors.headers, which needs the native paths and TLS. Each vantage shows its own.
        assert_eq!(
            codes(s),
            [
                "page.target",
                "page.mixed_content",
                "page.online",
                "dns.public",
                "dns.system",
                "network.reach",
                "network.connect",
                "network.proxy",
                "tls.handshake",
                "tls.trust",
                "cors.read",
                "cors.headers"
            ]
        );
        let (s, _) = Selection::parse("PAGE.TARGET");
        assert_eq!(codes(s), ["page.target"]);
        let (s, unknown) = Selection::parse("service.message, nonsense ,perf.latency");
        assert_eq!(unknown, ["nonsense"]);
        assert!(s.has_code("service.message") && s.has_code("perf.latency"));
        assert!(s.has_code("auth.key") && !s.has_code("perf.watch"));
    }

    #[test]
    fn a_list_reads_back_as_itself() {
        for list in ["", "cors", "service", "perf.watch", "dns,auth.model"] {
            let (s, _) = Selection::parse(list);
            assert_eq!(Selection::parse(&s.to_list()).0, s, "{list}");
        }
        assert_eq!(Selection::ALL.to_list(), "");
    }

    #[test]
    fn every_selection_of_one_check_finishes_and_sends_only_what_it_reads() {
        use crate::core::diagnosis::{diagnose, Verdict};
        use crate::core::fixtures as sim;
        use crate::core::input::{Context, Settings};
        use crate::core::key::{ApiKey, AuthMode};
        let key = ApiKey::new(format!("sk-ant-api03-{}AA", "k".repeat(93)));
        for check in REGISTRY {
            let (checks, _) = Selection::parse(check.code);
            let settings = Settings {
                checks,
                message: true,
                watch_secs: 10,
                model: Some("claude-test".into()),
                ..Settings::default()
            };
            // Each check is run from a vantage it applies to, so the native plan is driven here too.
            use crate::core::input::Vantage;
            let vantage = if check.applies_to(Vantage::Browser) {
                Vantage::Browser
            } else {
                Vantage::Native
            };
            let ctx = Context::new(
                "https://api.anthropic.com",
                AuthMode::ApiKey,
                key.clone(),
                true,
            )
            .with_settings(settings)
            .from_vantage(vantage);
            let obs = sim::run(&ctx, &[]);
            let d = diagnose(&ctx, &obs);
            assert_ne!(d.verdict, Verdict::Running, "{} never finishes", check.code);
            let shown: Vec<_> = d.entries.iter().map(|e| e.check.code).collect();
            let want: Vec<_> = codes(checks)
                .into_iter()
                .filter(|c| crate::core::checks::by_code(c).is_some_and(|c| c.applies_to(vantage)))
                .collect();
            assert_eq!(shown, want, "{}", check.code);
            // No probe goes out that no shown check reads.
            for id in obs.keys() {
                let kind = std::mem::discriminant(id);
                assert!(
                    d.entries.iter().any(|e| e
                        .check
                        .probes
                        .iter()
                        .any(|p| std::mem::discriminant(p) == kind)),
                    "{}: {id:?} sent for no shown check",
                    check.code
                );
            }
        }
    }
}
