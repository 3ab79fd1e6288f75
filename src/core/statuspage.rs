//! The status page's summary JSON: the API component's state and open incidents.
//!
//! The page is an Atlassian Statuspage; `GET /api/v2/summary.json` carries `status`, `components`,
//! `incidents` and `scheduled_maintenances`. The body is untrusted, so every string kept is capped and
//! every link must be http(s).

use super::json::Json;

/// The summary of Claude's status page.
pub const DEFAULT_SUMMARY_URL: &str = "https://status.claude.com/api/v2/summary.json";

/// The most characters kept of any string.
const MAX_CHARS: usize = 200;

/// The most incidents (and, separately, maintenances) kept.
const MAX_INCIDENTS: usize = 10;

/// A component's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ComponentState {
    Operational,
    Degraded,
    PartialOutage,
    MajorOutage,
    Maintenance,
    Unknown,
}

impl ComponentState {
    /// Reads a component's `status` as Statuspage spells it; anything else is `Unknown`.
    pub fn parse(s: &str) -> Self {
        match s {
            "operational" => ComponentState::Operational,
            "degraded_performance" => ComponentState::Degraded,
            "partial_outage" => ComponentState::PartialOutage,
            "major_outage" => ComponentState::MajorOutage,
            "under_maintenance" => ComponentState::Maintenance,
            _ => ComponentState::Unknown,
        }
    }
}

/// An open incident or a maintenance in progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Incident {
    /// The incident's title.
    pub name: String,
    /// none|minor|major|critical|maintenance, as sent.
    pub impact: String,
    /// investigating|identified|monitoring|… or scheduled|in_progress for maintenances.
    pub status: String,
    /// A short link to the incident's page, when it is an http(s) URL.
    pub shortlink: Option<String>,
}

/// What the status page says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusSummary {
    /// status.indicator: none|minor|major|critical.
    pub indicator: String,
    /// status.description, such as "All Systems Operational".
    pub description: String,
    /// The API's component: its name and state; None when no component looks like the API.
    pub api: Option<(String, ComponentState)>,
    /// Incidents not resolved or postmortem.
    pub incidents: Vec<Incident>,
    /// Scheduled maintenances in progress.
    pub maintenances: Vec<Incident>,
    /// page.url, the human page to link to.
    pub page_url: Option<String>,
}

/// Reads a summary body; None when it is not this format (no status.indicator).
pub fn parse_summary(body: &str) -> Option<StatusSummary> {
    let json = Json::parse(body.trim_start_matches('\u{feff}').trim()).ok()?;
    let status = &json["status"];
    let indicator = capped(status["indicator"].as_str()?);
    Some(StatusSummary {
        indicator,
        description: text(&status["description"]),
        api: api_component(&json["components"]),
        incidents: incidents(&json["incidents"], |s| {
            !matches!(s, "resolved" | "postmortem")
        }),
        // "verifying" follows the work but is shown as ongoing, and the component often still reads
        // under_maintenance then.
        maintenances: incidents(&json["scheduled_maintenances"], |s| {
            matches!(s, "in_progress" | "verifying")
        }),
        page_url: link(&json["page"]["url"]),
    })
}

/// The human status page to link to when the summary cannot be fetched: the summary URL without "/api/v2/summary.json".
pub fn page_url_of(summary_url: &str) -> String {
    let url = summary_url.trim();
    url.strip_suffix("/api/v2/summary.json")
        .unwrap_or(url)
        .to_string()
}

/// The API's component: the first named after api.anthropic.com, else the first with the word "API".
fn api_component(components: &Json) -> Option<(String, ComponentState)> {
    let list = components.as_array()?;
    let name = |c: &Json| c["name"].as_str().unwrap_or("").to_ascii_lowercase();
    let component = list
        .iter()
        .find(|c| name(c).contains("api.anthropic.com"))
        .or_else(|| {
            list.iter().find(|c| {
                name(c)
                    .split(|ch: char| !ch.is_ascii_alphanumeric())
                    .any(|word| word == "api")
            })
        })?;
    Some((
        text(&component["name"]),
        ComponentState::parse(component["status"].as_str().unwrap_or("")),
    ))
}

/// The entries of an incident list whose status passes `keep`, at most `MAX_INCIDENTS`.
fn incidents(list: &Json, keep: impl Fn(&str) -> bool) -> Vec<Incident> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter(|i| i.is_object() && keep(i["status"].as_str().unwrap_or("")))
        .take(MAX_INCIDENTS)
        .map(|i| Incident {
            name: text(&i["name"]),
            impact: text(&i["impact"]),
            status: text(&i["status"]),
            shortlink: link(&i["shortlink"]),
        })
        .collect()
}

/// A JSON string, capped; empty when it is not a string.
fn text(value: &Json) -> String {
    capped(value.as_str().unwrap_or(""))
}

/// At most `MAX_CHARS` characters of `s`.
fn capped(s: &str) -> String {
    s.chars().take(MAX_CHARS).collect()
}

/// A URL fit to link to: http(s), no whitespace or controls, not so long that capping would cut it.
fn link(value: &Json) -> Option<String> {
    let url = value.as_str()?.trim();
    let lower = url.to_ascii_lowercase();
    let ok = (lower.starts_with("https://") || lower.starts_with("http://"))
        && url.chars().count() <= MAX_CHARS
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    ok.then(|| url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One component object as Statuspage sends it.
    fn component(id: &str, name: &str, status: &str) -> String {
        format!(
            r#"{{"id":"{id}","name":"{name}","status":"{status}","created_at":"2023-07-11T17:46:54.447Z","updated_at":"2026-11-26T11:58:00.000Z","position":1,"description":null,"showcase":false,"start_date":"2023-07-11","group_id":null,"page_id":"tymt9n04zgry","group":false,"only_show_if_degraded":false}}"#
        )
    }

    /// One incident or maintenance object as Statuspage sends it.
    fn incident(name: &str, status: &str, impact: &str) -> String {
        format!(
            r#"{{"id":"inc{status}","name":"{name}","status":"{status}","created_at":"2026-11-26T11:40:00.000Z","updated_at":"2026-11-26T11:55:00.000Z","monitoring_at":null,"resolved_at":null,"impact":"{impact}","shortlink":"https://stspg.io/abc123","started_at":"2026-11-26T11:40:00.000Z","page_id":"tymt9n04zgry","incident_updates":[{{"id":"upd1","status":"{status}","body":"We are investigating.","incident_id":"inc","created_at":"2026-11-26T11:40:00.000Z","updated_at":"2026-11-26T11:40:00.000Z","display_at":"2026-11-26T11:40:00.000Z","affected_components":null,"deliver_notifications":true,"custom_tweet":null,"tweet_id":null}}],"components":[]}}"#
        )
    }

    /// A whole summary body with Claude's four components, the API's in the given state.
    fn summary(
        indicator: &str,
        api: &str,
        incidents: &[String],
        maintenances: &[String],
    ) -> String {
        let components = [
            component("rwppv331jlwc", "claude.ai", "operational"),
            component("0qbwn08sd68x", "platform.claude.com", "operational"),
            component("k8w3r06qmzrp", "Claude API (api.anthropic.com)", api),
            component("yyzkbfz2thpt", "Claude Code", "operational"),
        ];
        format!(
            r#"{{"page":{{"id":"tymt9n04zgry","name":"Claude","url":"https://status.claude.com","time_zone":"Etc/UTC","updated_at":"2026-11-26T12:00:05.123Z"}},"components":[{}],"incidents":[{}],"scheduled_maintenances":[{}],"status":{{"indicator":"{indicator}","description":"Some text"}}}}"#,
            components.join(","),
            incidents.join(","),
            maintenances.join(",")
        )
    }

    #[test]
    fn an_operational_summary_in_full() {
        let body = summary("none", "operational", &[], &[]);
        assert_eq!(
            parse_summary(&body),
            Some(StatusSummary {
                indicator: "none".into(),
                description: "Some text".into(),
                api: Some((
                    "Claude API (api.anthropic.com)".into(),
                    ComponentState::Operational
                )),
                incidents: vec![],
                maintenances: vec![],
                page_url: Some("https://status.claude.com".into()),
            })
        );
    }

    #[test]
    fn summaries_table() {
        use ComponentState::*;
        let claude_ai_only = summary(
            "minor",
            "operational",
            &[incident(
                "Elevated errors on claude.ai",
                "identified",
                "minor",
            )],
            &[],
        )
        .replace(
            r#""name":"claude.ai","status":"operational""#,
            r#""name":"claude.ai","status":"partial_outage""#,
        );
        let no_components = r#"{"page":{"url":"https://status.claude.com"},"status":{"indicator":"none","description":"All Systems Operational"}}"#;
        let word_api = format!(
            r#"{{"components":[{},{},{}],"status":{{"indicator":"none"}}}}"#,
            component("a", "Rapid builds", "major_outage"),
            component("b", "Anthropic API", "degraded_performance"),
            component("c", "Claude Code", "operational"),
        );
        let no_api = format!(
            r#"{{"components":[{},{}],"status":{{"indicator":"none"}}}}"#,
            component("a", "claude.ai", "operational"),
            component("b", "Claude Code", "operational"),
        );
        // (what, body, indicator, API component's state, incident names, maintenance names)
        type Row<'a> = (
            &'a str,
            String,
            &'a str,
            Option<ComponentState>,
            Vec<&'a str>,
            Vec<&'a str>,
        );
        let rows: Vec<Row> = vec![
            (
                "operational",
                summary("none", "operational", &[], &[]),
                "none",
                Some(Operational),
                vec![],
                vec![],
            ),
            (
                "degraded with an incident",
                summary(
                    "minor",
                    "degraded_performance",
                    &[incident(
                        "Elevated errors on the API",
                        "investigating",
                        "minor",
                    )],
                    &[],
                ),
                "minor",
                Some(Degraded),
                vec!["Elevated errors on the API"],
                vec![],
            ),
            (
                "major outage; resolved and postmortem incidents left out",
                summary(
                    "critical",
                    "major_outage",
                    &[
                        incident("API unavailable", "identified", "critical"),
                        incident("Earlier blip", "resolved", "minor"),
                        incident("Last week", "postmortem", "major"),
                    ],
                    &[],
                ),
                "critical",
                Some(MajorOutage),
                vec!["API unavailable"],
                vec![],
            ),
            (
                "maintenance in progress; scheduled and completed left out",
                summary(
                    "maintenance",
                    "under_maintenance",
                    &[],
                    &[
                        incident("Database upgrade", "in_progress", "maintenance"),
                        incident("Next week", "scheduled", "maintenance"),
                        incident("Last week", "completed", "maintenance"),
                    ],
                ),
                "maintenance",
                Some(Maintenance),
                vec![],
                vec!["Database upgrade"],
            ),
            (
                "an incident only on claude.ai",
                claude_ai_only,
                "minor",
                Some(Operational),
                vec!["Elevated errors on claude.ai"],
                vec![],
            ),
            (
                "an unknown component state",
                summary("minor", "flaky", &[], &[]),
                "minor",
                Some(Unknown),
                vec![],
                vec![],
            ),
            (
                "missing components",
                no_components.to_string(),
                "none",
                None,
                vec![],
                vec![],
            ),
            (
                "\"API\" as a word, not inside another",
                word_api,
                "none",
                Some(Degraded),
                vec![],
                vec![],
            ),
            (
                "no component like the API",
                no_api,
                "none",
                None,
                vec![],
                vec![],
            ),
        ];
        for (what, body, indicator, api, incidents, maintenances) in rows {
            let got = parse_summary(&body).unwrap_or_else(|| panic!("{what}"));
            assert_eq!(got.indicator, indicator, "{what}");
            assert_eq!(got.api.map(|(_, state)| state), api, "{what}");
            let names = |list: &[Incident]| list.iter().map(|i| i.name.clone()).collect::<Vec<_>>();
            assert_eq!(names(&got.incidents), incidents, "{what}");
            assert_eq!(names(&got.maintenances), maintenances, "{what}");
        }
    }

    #[test]
    fn other_bodies_are_not_summaries() {
        let rows = [
            "",
            "<!DOCTYPE html><title>Claude Status</title>",
            r#"{"page":{"url":"https://status.claude.com"},"status":{"indicator":"none""#,
            r#"{"status":"ok"}"#,
            r#"{"status":{"indicator":3}}"#,
            r#"{"Status":0,"Answer":[]}"#,
            "[1,2]",
        ];
        for body in rows {
            assert_eq!(parse_summary(body), None, "{body}");
        }
    }

    #[test]
    fn an_incident_is_read_in_full() {
        let body = summary(
            "major",
            "partial_outage",
            &[incident("Errors", "monitoring", "major")],
            &[],
        );
        let got = parse_summary(&body).unwrap();
        assert_eq!(
            got.incidents,
            vec![Incident {
                name: "Errors".into(),
                impact: "major".into(),
                status: "monitoring".into(),
                shortlink: Some("https://stspg.io/abc123".into()),
            }]
        );
        assert_eq!(got.api.unwrap().1, ComponentState::PartialOutage);
    }

    #[test]
    fn untrusted_strings_are_capped() {
        let long_name = "x".repeat(300);
        let many: Vec<String> = (0..15)
            .map(|_| incident(&long_name, "investigating", "minor"))
            .collect();
        let body = summary("minor", "operational", &many, &[])
            .replace("https://stspg.io/abc123", "javascript:alert(1)");
        let got = parse_summary(&body).unwrap();
        assert_eq!(got.incidents.len(), MAX_INCIDENTS);
        assert_eq!(got.incidents[0].name.chars().count(), MAX_CHARS);
        assert_eq!(got.incidents[0].shortlink, None);
    }

    #[test]
    fn links_table() {
        let too_long = format!("https://a.example/{}", "x".repeat(MAX_CHARS));
        let rows = [
            ("https://stspg.io/abc", Some("https://stspg.io/abc")),
            (" HTTP://status.example ", Some("HTTP://status.example")),
            ("javascript:alert(1)", None),
            ("data:text/html,hi", None),
            ("https://a b", None),
            ("https://a\u{7}", None),
            ("//status.example", None),
            ("", None),
            (too_long.as_str(), None),
        ];
        for (url, want) in rows {
            assert_eq!(
                link(&Json::String(url.to_string())),
                want.map(str::to_string),
                "{url}"
            );
        }
    }

    #[test]
    fn component_states_table() {
        use ComponentState::*;
        let rows = [
            ("operational", Operational),
            ("degraded_performance", Degraded),
            ("partial_outage", PartialOutage),
            ("major_outage", MajorOutage),
            ("under_maintenance", Maintenance),
            ("Operational", Unknown),
            ("", Unknown),
        ];
        for (text, want) in rows {
            assert_eq!(ComponentState::parse(text), want, "{text}");
        }
    }

    #[test]
    fn page_urls_table() {
        let rows = [
            (DEFAULT_SUMMARY_URL, "https://status.claude.com"),
            (
                " https://status.anthropic.com/api/v2/summary.json ",
                "https://status.anthropic.com",
            ),
            (
                "https://example.com/status/api/v2/summary.json",
                "https://example.com/status",
            ),
            (
                "https://example.com/other.json",
                "https://example.com/other.json",
            ),
        ];
        for (summary_url, want) in rows {
            assert_eq!(page_url_of(summary_url), want, "{summary_url}");
        }
    }
}
