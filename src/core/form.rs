//! The page's form as data: what its fields hold, the defaults it starts with, a config link into it and
//! out of it, the run it describes, and whether the key guard stops that run.
//!
//! The shell copies field values in and out of the DOM and nothing else; every rule about what a field
//! means (the test-message box and `service.message` in the list of checks, what a link names, what an
//! empty field defaults to) is decided here, once.

use super::i18n::Lang;
use super::input::{Context, Selection, Settings, Vantage};
use super::key::{ApiKey, AuthMode};
use super::link::{self, Config};
use super::probe::API_VERSION;

/// The code that the test-message box stands for in a list of checks.
const MESSAGE: &str = "service.message";

/// The form's fields: text as typed, boxes as ticked, menus as chosen.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Form {
    pub base: String,
    /// The auth menu's value: `key` or `bearer`.
    pub auth: String,
    /// The key as pasted; it goes into the run's context and nowhere else.
    pub key: String,
    pub model: String,
    pub version: String,
    /// The list of checks, without `service.message`, which is the test-message box.
    pub checks: String,
    /// The test-message box.
    pub message: bool,
    pub control_url: String,
    pub resolvers: [String; 2],
    pub status_url: String,
    pub samples: String,
    /// The watch menu's value, in seconds; `0` is off.
    pub watch: String,
    /// The box that makes the link to copy start the checks at once.
    pub link_run: bool,
    /// The box by which the person trusts a host a link chose with the key.
    pub key_confirmed: bool,
}

impl Form {
    /// The advanced settings' defaults, which the page shows in its empty fields, so that it holds no copy
    /// of them: `(field, value)` for the control URL, both resolvers, the status page, the version and the
    /// number of samples.
    pub fn defaults() -> [(&'static str, String); 6] {
        let d = Settings::default();
        let [doh1, doh2] = d.resolvers;
        [
            ("control-url", d.control_url),
            ("doh1", doh1),
            ("doh2", doh2),
            ("status-url", d.status_url),
            ("version", d.version),
            ("samples", d.samples.to_string()),
        ]
    }

    /// The auth menu's default: the header today's SDKs send a key in.
    pub fn default_auth() -> &'static str {
        AuthMode::default().as_str()
    }

    /// The run the form describes, from a page loaded over `https:` or not, while the browser is online
    /// or not.
    pub fn context(&self, page_secure: bool, online: bool) -> Context {
        let defaults = Settings::default();
        let list = self.checks.trim();
        // The test message is opt-in by its own box, so a list of checks that leaves it out still has it.
        let checks = match (list.is_empty(), self.message) {
            (true, _) => Selection::ALL,
            (false, true) => Selection::parse(&format!("{list},{MESSAGE}")).0,
            (false, false) => Selection::parse(list).0,
        };
        let version = self.version.trim();
        let settings = Settings {
            model: Some(self.model.clone()),
            version: if version.is_empty() {
                defaults.version.clone()
            } else {
                version.to_string()
            },
            checks,
            control_url: self.control_url.clone(),
            resolvers: self.resolvers.clone(),
            status_url: self.status_url.clone(),
            samples: self.samples.trim().parse().unwrap_or(defaults.samples),
            message: self.message,
            watch_secs: self.watch.trim().parse().unwrap_or(0),
            probe_timeout_ms: None,
            upload: false,
            idle_secs: 0,
        };
        let auth = AuthMode::parse(&self.auth).unwrap_or_default();
        let mut ctx = Context::new(&self.base, auth, ApiKey::new(self.key.clone()), page_secure)
            .with_settings(settings)
            .from_vantage(Vantage::Browser);
        ctx.online = online;
        ctx
    }

    /// Fills the form from a config link: only what the link names changes.
    pub fn apply(&mut self, c: &Config) {
        if let Some(base) = &c.base {
            self.base = base.clone();
        }
        if let Some(auth) = c.auth {
            self.auth = auth.as_str().to_string();
        }
        if let Some(model) = &c.model {
            self.model = model.clone();
        }
        if let Some(version) = &c.version {
            self.version = version.clone();
        }
        if let Some(secs) = c.watch {
            self.watch = secs.to_string();
        }
        if let Some(list) = &c.checks {
            // The test message has its own box; the rest of the list goes to the field.
            let mut message = false;
            let rest: Vec<&str> = list
                .split(',')
                .map(str::trim)
                .filter(|i| {
                    let m = i.eq_ignore_ascii_case(MESSAGE);
                    message |= m;
                    !m && !i.is_empty()
                })
                .collect();
            self.message = message;
            self.checks = if rest.is_empty() && message {
                // The message alone (with what it depends on), not every check plus the message.
                MESSAGE.to_string()
            } else if rest.iter().all(|i| i.eq_ignore_ascii_case("all")) {
                String::new()
            } else {
                rest.join(",")
            };
        }
    }

    /// The config link the form describes: only what differs from the defaults, and never the key.
    pub fn config(&self, lang: Lang, preferred: Lang) -> Config {
        let text = |v: &str| {
            let v = v.trim();
            (!v.is_empty()).then(|| v.to_string())
        };
        let mut checks = text(&self.checks);
        if self.message {
            checks = Some(match checks {
                None => format!("all,{MESSAGE}"),
                Some(list) if list.contains(MESSAGE) => list,
                Some(list) => format!("{list},{MESSAGE}"),
            });
        }
        Config {
            base: text(&self.base).filter(|b| b != link::DEFAULT_BASE),
            auth: AuthMode::parse(&self.auth).filter(|a| *a != AuthMode::default()),
            model: text(&self.model),
            version: text(&self.version).filter(|v| v != API_VERSION),
            lang: (lang != preferred).then_some(lang),
            run: self.link_run,
            watch: self.watch.trim().parse().ok().filter(|s| *s > 0),
            checks,
        }
    }

    /// The host a link chose, while the form still aims at it: the key field then warns.
    pub fn guarding<'a>(&self, guarded: Option<&'a str>) -> Option<&'a str> {
        guarded.filter(|host| link::guarded_host(&self.base).as_deref() == Some(*host))
    }

    /// The host that stops the run: a key is typed for the guarded host and not confirmed.
    pub fn guard_blocks<'a>(&self, guarded: Option<&'a str>) -> Option<&'a str> {
        self.guarding(guarded)
            .filter(|_| !self.key.trim().is_empty() && !self.key_confirmed)
    }
}

/// The config link that runs the checks against the target of a shared report: only its base.
pub fn own_run(target: &str) -> Config {
    Config {
        base: Some(target.to_string()).filter(|b| b != link::DEFAULT_BASE),
        ..Config::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::key_text;

    fn form() -> Form {
        let mut f = Form {
            base: link::DEFAULT_BASE.into(),
            auth: Form::default_auth().into(),
            watch: "0".into(),
            ..Form::default()
        };
        for (field, value) in Form::defaults() {
            match field {
                "control-url" => f.control_url = value,
                "doh1" => f.resolvers[0] = value,
                "doh2" => f.resolvers[1] = value,
                "status-url" => f.status_url = value,
                "version" => f.version = value,
                "samples" => f.samples = value,
                _ => panic!("{field}"),
            }
        }
        f
    }

    #[test]
    fn the_defaults_are_the_settings_defaults() {
        let ctx = form().context(true, true);
        assert_eq!(
            ctx.settings,
            Settings {
                model: Some(String::new()),
                ..Settings::default()
            }
        );
        assert_eq!(ctx.vantage, Vantage::Browser);
        assert!(ctx.key.is_none());
    }

    #[test]
    fn the_message_box_and_the_list_of_checks() {
        // (list, box, selected checks' codes hold service.message, perf.watch)
        let rows = [
            ("", false, true, true),
            ("", true, true, true),
            ("network", false, false, false),
            ("network", true, true, false),
            ("service.message", false, true, false),
        ];
        for (list, message, has_message, has_watch) in rows {
            let f = Form {
                checks: list.into(),
                message,
                ..form()
            };
            let s = f.context(false, true).settings;
            assert_eq!(s.message, message, "{list} {message}");
            assert_eq!(
                s.checks.has_code("service.message"),
                has_message,
                "{list} {message}"
            );
            assert_eq!(
                s.checks.has_code("perf.watch"),
                has_watch,
                "{list} {message}"
            );
        }
    }

    #[test]
    fn blank_and_bad_fields_fall_back_to_defaults() {
        let f = Form {
            version: "  ".into(),
            samples: "many".into(),
            watch: "x".into(),
            auth: "nonsense".into(),
            ..form()
        };
        let ctx = f.context(false, false);
        assert_eq!(ctx.settings.version, API_VERSION);
        assert_eq!(ctx.settings.samples, Settings::default().samples);
        assert_eq!(ctx.settings.watch_secs, 0);
        assert_eq!(ctx.auth, AuthMode::Bearer);
        assert_eq!(Form::default_auth(), "bearer");
        assert!(!ctx.online);
    }

    #[test]
    fn a_link_into_the_form_and_back() {
        // (checks= in the link, the list field, the message box, checks= in the link to copy)
        let rows = [
            (
                "service.message",
                "service.message",
                true,
                "service.message",
            ),
            ("all,service.message", "", true, "all,service.message"),
            (
                "network,service.message",
                "network",
                true,
                "network,service.message",
            ),
            ("all", "", false, ""),
            ("cors, auth.key", "cors,auth.key", false, "cors,auth.key"),
        ];
        for (given, list, message, back) in rows {
            let mut f = form();
            f.apply(&Config {
                checks: Some(given.into()),
                ..Config::default()
            });
            assert_eq!((f.checks.as_str(), f.message), (list, message), "{given}");
            let c = f.config(Lang::En, Lang::En);
            assert_eq!(c.checks.as_deref().unwrap_or(""), back, "{given}");
        }
    }

    #[test]
    fn the_link_to_copy_names_only_what_differs_and_never_the_key() {
        let mut f = form();
        f.key = key_text();
        assert_eq!(f.config(Lang::En, Lang::En), Config::default());
        f.apply(&Config {
            base: Some("https://gw.example.com".into()),
            auth: Some(AuthMode::ApiKey),
            model: Some("claude-x".into()),
            watch: Some(120),
            ..Config::default()
        });
        f.link_run = true;
        let c = f.config(Lang::Zh, Lang::En);
        assert_eq!(c.base.as_deref(), Some("https://gw.example.com"));
        assert_eq!(c.auth, Some(AuthMode::ApiKey));
        assert_eq!(c.model.as_deref(), Some("claude-x"));
        assert_eq!((c.watch, c.run, c.lang), (Some(120), true, Some(Lang::Zh)));
        assert!(!link::write(&c).contains(&key_text()));
    }

    #[test]
    fn the_guard_stops_a_keyed_run_to_the_chosen_host_until_confirmed() {
        let host = "gw.example.com";
        let mut f = Form {
            base: format!("https://{host}/x"),
            ..form()
        };
        assert_eq!(f.guarding(Some(host)), Some(host));
        assert_eq!(f.guard_blocks(Some(host)), None, "no key, no block");
        f.key = key_text();
        assert_eq!(f.guard_blocks(Some(host)), Some(host));
        f.key_confirmed = true;
        assert_eq!(f.guard_blocks(Some(host)), None);
        f.key_confirmed = false;
        f.base = "https://other.example.com".into();
        assert_eq!(f.guarding(Some(host)), None, "the form aims elsewhere now");
        assert_eq!(f.guard_blocks(None), None);
    }

    #[test]
    fn a_shared_report_runs_again_from_its_target() {
        assert_eq!(own_run(link::DEFAULT_BASE), Config::default());
        assert_eq!(
            own_run("https://gw.example.com").base.as_deref(),
            Some("https://gw.example.com")
        );
    }
}
