//! An Atlassian Statuspage stand-in, one page state per path: `/status/<state>/api/v2/summary.json`.

use crate::api::escape;
use crate::cors;
use crate::http::{self, Request, Response};

/// One row of the state table. Adding a state is adding a row.
pub struct State {
    /// The path segment.
    pub name: &'static str,
    /// One line for `GET /`.
    pub description: &'static str,
    pub page: Page,
}

/// What a state serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// The summary JSON; `cors: false` leaves out every access-control header.
    Summary { summary: Summary, cors: bool },
    /// Not the summary: an HTTP status, content type and body, readable.
    Other {
        status: u16,
        content_type: &'static str,
        body: &'static str,
    },
}

/// The state of the page: its indicator, two components, and what is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// `status.indicator`: none, minor, major, critical or maintenance.
    pub indicator: &'static str,
    /// The status of "Claude API (api.anthropic.com)".
    pub api: &'static str,
    /// The status of "claude.ai".
    pub claude_ai: &'static str,
    pub incident: Option<Incident>,
    /// A scheduled maintenance in progress.
    pub maintenance: Option<Incident>,
}

/// An open incident (or maintenance) with its one update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Incident {
    pub name: &'static str,
    pub status: &'static str,
    pub impact: &'static str,
    pub update: &'static str,
}

const OPERATIONAL: Summary = Summary {
    indicator: "none",
    api: "operational",
    claude_ai: "operational",
    incident: None,
    maintenance: None,
};

const API_ERRORS: Incident = Incident {
    name: "Elevated errors on Claude API",
    status: "investigating",
    impact: "minor",
    update: "We are currently investigating elevated error rates on the Claude API.",
};

const DOWN_HTML: &str = concat!(
    "<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head>",
    "<body><h1>503 Service Unavailable</h1><p>No server is available to handle this request.</p></body></html>"
);

pub const STATES: &[State] = &[
    State {
        name: "operational",
        description: "status page: all components operational, no incidents",
        page: Page::Summary {
            summary: OPERATIONAL,
            cors: true,
        },
    },
    State {
        name: "degraded",
        description: "status page: API degraded_performance, indicator minor, incident investigating",
        page: Page::Summary {
            summary: Summary {
                indicator: "minor",
                api: "degraded_performance",
                incident: Some(API_ERRORS),
                ..OPERATIONAL
            },
            cors: true,
        },
    },
    State {
        name: "partial",
        description: "status page: API partial_outage, indicator major, incident identified (impact major)",
        page: Page::Summary {
            summary: Summary {
                indicator: "major",
                api: "partial_outage",
                incident: Some(Incident {
                    name: "Partial outage of Claude API",
                    status: "identified",
                    impact: "major",
                    update: "The issue has been identified and a fix is being implemented.",
                }),
                ..OPERATIONAL
            },
            cors: true,
        },
    },
    State {
        name: "major",
        description: "status page: API major_outage, indicator critical, incident (impact critical)",
        page: Page::Summary {
            summary: Summary {
                indicator: "critical",
                api: "major_outage",
                incident: Some(Incident {
                    name: "Claude API unavailable",
                    status: "investigating",
                    impact: "critical",
                    update: "Requests to the Claude API are failing. We are investigating.",
                }),
                ..OPERATIONAL
            },
            cors: true,
        },
    },
    State {
        name: "maintenance",
        description: "status page: API under_maintenance, indicator maintenance, a maintenance in progress",
        page: Page::Summary {
            summary: Summary {
                indicator: "maintenance",
                api: "under_maintenance",
                maintenance: Some(Incident {
                    name: "Scheduled maintenance of Claude API",
                    status: "in_progress",
                    impact: "maintenance",
                    update: "Scheduled maintenance is currently in progress.",
                }),
                ..OPERATIONAL
            },
            cors: true,
        },
    },
    State {
        name: "elsewhere",
        description: "status page: API operational, claude.ai degraded, incident Login issues on claude.ai",
        page: Page::Summary {
            summary: Summary {
                indicator: "minor",
                claude_ai: "degraded_performance",
                incident: Some(Incident {
                    name: "Login issues on claude.ai",
                    status: "investigating",
                    impact: "minor",
                    update: "Some users cannot log in to claude.ai. The API is not affected.",
                }),
                ..OPERATIONAL
            },
            cors: true,
        },
    },
    State {
        name: "down",
        description: "status page down: 503 HTML, readable",
        page: Page::Other {
            status: 503,
            content_type: "text/html; charset=utf-8",
            body: DOWN_HTML,
        },
    },
    State {
        name: "garbage",
        description: "status page: 200 with a JSON content type and an HTML body, readable",
        page: Page::Other {
            status: 200,
            content_type: "application/json; charset=utf-8",
            body: "<html><body>Please log in to continue.</body></html>",
        },
    },
    State {
        name: "no-cors",
        description: "status page: the operational summary without any access-control headers",
        page: Page::Summary {
            summary: OPERATIONAL,
            cors: false,
        },
    },
    State {
        name: "xss",
        description: "status page: API degraded, an incident whose name and update are HTML that must show as text",
        page: Page::Summary {
            summary: Summary {
                indicator: "minor",
                api: "degraded_performance",
                incident: Some(Incident {
                    name: "<img src=x onerror=\"document.title='pwned'\">",
                    status: "investigating",
                    impact: "minor",
                    update: "<script>alert(1)</script>",
                }),
                ..OPERATIONAL
            },
            cors: true,
        },
    },
];

/// Finds a state by its path segment.
pub fn lookup(segment: &str) -> Option<&'static State> {
    STATES.iter().find(|s| s.name == segment)
}

/// The page's id, and the ids of what it lists: made up, in Statuspage's shape.
const PAGE_ID: &str = "mockpage0001";

/// When the components were created: a fixed past date (2023-07-11).
const CREATED: u64 = 1_689_033_600;

/// `status.description` for an indicator, in Statuspage's words.
fn indicator_description(indicator: &str) -> &'static str {
    match indicator {
        "none" => "All Systems Operational",
        "minor" => "Partially Degraded Service",
        "major" => "Partial System Outage",
        "critical" => "Major System Outage",
        "maintenance" => "Service Under Maintenance",
        _ => "Unknown",
    }
}

/// Answers a request under `/status`; `rest` is the path after it.
pub fn handle(req: &Request, rest: &str) -> Response {
    let mut parts = rest.strip_prefix('/').unwrap_or("").splitn(2, '/');
    let (name, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let Some(state) = lookup(name) else {
        return readable(text(404, "Not Found\n"));
    };
    let cors = match state.page {
        Page::Summary { cors, .. } => cors,
        Page::Other { .. } => true,
    };
    if req.is_preflight() {
        return if cors {
            cors::preflight_any(req)
        } else {
            // A server that knows nothing of CORS: the preflight fails.
            text(405, "Method Not Allowed\n").with("allow", "GET, HEAD")
        };
    }
    let resp = if path != "api/v2/summary.json" {
        text(404, "Not Found\n")
    } else if req.method != "GET" && req.method != "HEAD" {
        text(405, "Method Not Allowed\n").with("allow", "GET, HEAD")
    } else {
        match state.page {
            Page::Other {
                status,
                content_type,
                body,
            } => Response::new(status)
                .with("date", http::date_now())
                .body(content_type, body),
            Page::Summary { summary, .. } => {
                let host = req.header("host").unwrap_or("127.0.0.1");
                let url = format!("http://{host}/status/{}", state.name);
                Response::new(200)
                    .with("date", http::date_now())
                    .with("cache-control", "max-age=0, private, must-revalidate")
                    .body(
                        "application/json; charset=utf-8",
                        summary_json(&summary, &url, http::now_secs()),
                    )
            }
        }
    };
    if cors {
        readable(resp)
    } else {
        resp
    }
}

fn readable(resp: Response) -> Response {
    resp.with("access-control-allow-origin", "*")
}

fn text(status: u16, body: &str) -> Response {
    Response::new(status)
        .with("date", http::date_now())
        .body("text/plain; charset=utf-8", body)
}

/// The summary document for `summary`, as of `now`.
fn summary_json(summary: &Summary, url: &str, now: u64) -> String {
    let t = |ago: u64| http::rfc3339(now.saturating_sub(ago));
    let components: Vec<(&str, &str, &str, &str)> = vec![
        (
            "mockcomp0001",
            "claude.ai",
            summary.claude_ai,
            "The Claude apps on the web, desktop and mobile.",
        ),
        (
            "mockcomp0002",
            "platform.claude.com",
            "operational",
            "The Claude Console.",
        ),
        (
            "mockcomp0003",
            "Claude API (api.anthropic.com)",
            summary.api,
            "The Claude API.",
        ),
        ("mockcomp0004", "Claude Code", "operational", "Claude Code."),
    ];
    let components: Vec<String> = components
        .iter()
        .enumerate()
        .map(|(i, (id, name, status, description))| {
            let updated = if *status == "operational" { t(86_400) } else { t(300) };
            format!(
                r#"{{"id":"{id}","name":"{}","status":"{status}","created_at":"{}","updated_at":"{updated}","position":{},"description":"{}","showcase":true,"start_date":null,"group_id":null,"page_id":"{PAGE_ID}","group":false,"only_show_if_degraded":false}}"#,
                escape(name),
                http::rfc3339(CREATED),
                i + 1,
                escape(description),
            )
        })
        .collect();
    let incident = |n: u32, i: &Incident, extra: &str| {
        format!(
            r#"{{"id":"mockinc{n:05}","name":"{}","status":"{}","created_at":"{}","updated_at":"{}","monitoring_at":null,"resolved_at":null,"impact":"{}","shortlink":"https://stspg.io/mock{n}","started_at":"{}","page_id":"{PAGE_ID}"{extra},"incident_updates":[{{"id":"mockupd{n:05}","status":"{}","body":"{}","incident_id":"mockinc{n:05}","created_at":"{}","updated_at":"{}","display_at":"{}"}}]}}"#,
            escape(i.name),
            escape(i.status),
            t(1200),
            t(300),
            escape(i.impact),
            t(1200),
            escape(i.status),
            escape(i.update),
            t(300),
            t(300),
            t(300),
        )
    };
    let incidents: Vec<String> = summary
        .incident
        .iter()
        .map(|i| incident(1, i, ""))
        .collect();
    let maintenances: Vec<String> = summary
        .maintenance
        .iter()
        .map(|i| {
            let window = format!(
                r#","scheduled_for":"{}","scheduled_until":"{}""#,
                t(1200),
                http::rfc3339(now + 2400)
            );
            incident(2, i, &window)
        })
        .collect();
    format!(
        r#"{{"page":{{"id":"{PAGE_ID}","name":"Claude","url":"{}","time_zone":"Etc/UTC","updated_at":"{}"}},"components":[{}],"incidents":[{}],"scheduled_maintenances":[{}],"status":{{"indicator":"{}","description":"{}"}}}}"#,
        escape(url),
        t(300),
        components.join(","),
        incidents.join(","),
        maintenances.join(","),
        escape(summary.indicator),
        indicator_description(summary.indicator),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn get(state: &str, headers: &[(&str, &str)]) -> Response {
        let target = format!("/status/{state}/api/v2/summary.json");
        handle(
            &Request::for_test("GET", &target, headers),
            &target["/status".len()..],
        )
    }

    fn component<'a>(v: &'a Value, name: &str) -> &'a str {
        v.get("components")
            .and_then(Value::as_array)
            .unwrap()
            .iter()
            .find(|c| c.get("name").and_then(Value::as_str) == Some(name))
            .and_then(|c| c.get("status"))
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no component {name}"))
    }

    const API: &str = "Claude API (api.anthropic.com)";

    #[test]
    fn every_state_has_the_right_component_states() {
        // (state, indicator, API, claude.ai, incidents, maintenances, ACAO)
        type Row<'a> = (&'a str, &'a str, &'a str, &'a str, usize, usize, bool);
        let rows: &[Row] = &[
            (
                "operational",
                "none",
                "operational",
                "operational",
                0,
                0,
                true,
            ),
            (
                "degraded",
                "minor",
                "degraded_performance",
                "operational",
                1,
                0,
                true,
            ),
            (
                "partial",
                "major",
                "partial_outage",
                "operational",
                1,
                0,
                true,
            ),
            (
                "major",
                "critical",
                "major_outage",
                "operational",
                1,
                0,
                true,
            ),
            (
                "maintenance",
                "maintenance",
                "under_maintenance",
                "operational",
                0,
                1,
                true,
            ),
            (
                "elsewhere",
                "minor",
                "operational",
                "degraded_performance",
                1,
                0,
                true,
            ),
            ("no-cors", "none", "operational", "operational", 0, 0, false),
            (
                "xss",
                "minor",
                "degraded_performance",
                "operational",
                1,
                0,
                true,
            ),
        ];
        for &(state, indicator, api, claude_ai, incidents, maintenances, cors) in rows {
            let r = get(state, &[("host", "127.0.0.1:8787")]);
            assert_eq!(r.status, 200, "{state}");
            assert_eq!(
                r.header("content-type"),
                Some("application/json; charset=utf-8")
            );
            assert_eq!(
                r.header("access-control-allow-origin").is_some(),
                cors,
                "{state}"
            );
            if !cors {
                assert!(r
                    .headers
                    .iter()
                    .all(|(n, _)| !n.starts_with("access-control-")));
            }
            let v =
                serde_json::from_str::<Value>(&r.text()).unwrap_or_else(|e| panic!("{state}: {e}"));
            let status = v.get("status").unwrap();
            assert_eq!(
                status.get("indicator").and_then(Value::as_str),
                Some(indicator),
                "{state}"
            );
            assert!(status.get("description").and_then(Value::as_str).is_some());
            assert_eq!(component(&v, API), api, "{state}");
            assert_eq!(component(&v, "claude.ai"), claude_ai, "{state}");
            assert_eq!(component(&v, "platform.claude.com"), "operational");
            assert_eq!(component(&v, "Claude Code"), "operational");
            let list = |key| v.get(key).and_then(Value::as_array).map(Vec::len);
            assert_eq!(list("incidents"), Some(incidents), "{state}");
            assert_eq!(
                list("scheduled_maintenances"),
                Some(maintenances),
                "{state}"
            );
            let page = v.get("page").unwrap();
            assert_eq!(
                page.get("url").and_then(Value::as_str),
                Some(format!("http://127.0.0.1:8787/status/{state}").as_str())
            );
            for key in ["id", "name", "time_zone", "updated_at"] {
                assert!(page.get(key).and_then(Value::as_str).is_some(), "{key}");
            }
        }
    }

    #[test]
    fn summary_fields_have_statuspage_shapes() {
        for state in STATES
            .iter()
            .filter(|s| matches!(s.page, Page::Summary { .. }))
        {
            let v = serde_json::from_str::<Value>(&get(state.name, &[]).text()).unwrap();
            for c in v.get("components").and_then(Value::as_array).unwrap() {
                for key in [
                    "id",
                    "name",
                    "status",
                    "created_at",
                    "updated_at",
                    "description",
                ] {
                    assert!(c.get(key).and_then(Value::as_str).is_some(), "{key}");
                }
                assert!(c.get("position").and_then(Value::as_f64).is_some());
                for key in ["showcase", "group", "only_show_if_degraded"] {
                    assert!(c.get(key).and_then(Value::as_bool).is_some(), "{key}");
                }
                assert_eq!(c.get("group_id"), Some(&Value::Null));
            }
            let open = ["incidents", "scheduled_maintenances"]
                .iter()
                .flat_map(|k| v.get(k).and_then(Value::as_array).unwrap().iter());
            for i in open {
                for key in [
                    "id",
                    "name",
                    "status",
                    "impact",
                    "shortlink",
                    "created_at",
                    "updated_at",
                    "started_at",
                ] {
                    assert!(
                        i.get(key).and_then(Value::as_str).is_some(),
                        "{}: {key}",
                        state.name
                    );
                }
                let updates = i.get("incident_updates").and_then(Value::as_array).unwrap();
                for key in ["id", "status", "body", "created_at"] {
                    assert!(
                        updates[0].get(key).and_then(Value::as_str).is_some(),
                        "{key}"
                    );
                }
            }
        }
    }

    #[test]
    fn incidents_say_what_the_brief_says() {
        let first = |state: &str, list: &str| {
            let v = serde_json::from_str::<Value>(&get(state, &[]).text()).unwrap();
            let i = v.get(list).and_then(Value::as_array).unwrap()[0].clone();
            let field = |k: &str| i.get(k).and_then(Value::as_str).unwrap().to_string();
            let update = i.get("incident_updates").and_then(Value::as_array).unwrap()[0]
                .get("body")
                .and_then(Value::as_str)
                .unwrap()
                .to_string();
            (field("name"), field("status"), field("impact"), update)
        };
        let (name, status, impact, _) = first("degraded", "incidents");
        assert_eq!(
            (name.as_str(), status.as_str(), impact.as_str()),
            ("Elevated errors on Claude API", "investigating", "minor")
        );
        let (_, status, impact, _) = first("partial", "incidents");
        assert_eq!((status.as_str(), impact.as_str()), ("identified", "major"));
        let (_, _, impact, _) = first("major", "incidents");
        assert_eq!(impact, "critical");
        let (_, status, _, _) = first("maintenance", "scheduled_maintenances");
        assert_eq!(status, "in_progress");
        let (name, ..) = first("elsewhere", "incidents");
        assert_eq!(name, "Login issues on claude.ai");
        let (name, _, _, update) = first("xss", "incidents");
        assert_eq!(name, "<img src=x onerror=\"document.title='pwned'\">");
        assert_eq!(update, "<script>alert(1)</script>");
    }

    #[test]
    fn pages_that_are_not_the_summary() {
        let r = get("down", &[]);
        assert_eq!(
            (r.status, r.header("content-type")),
            (503, Some("text/html; charset=utf-8"))
        );
        assert!(r.text().contains("<title>503"));
        assert_eq!(r.header("access-control-allow-origin"), Some("*"));
        let r = get("garbage", &[]);
        assert_eq!(r.status, 200);
        assert!(serde_json::from_str::<Value>(&r.text()).is_err());
        assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    }

    #[test]
    fn routing_and_preflights() {
        let at = |method: &str, target: &str, headers: &[(&str, &str)]| {
            handle(
                &Request::for_test(method, target, headers),
                target.strip_prefix("/status").unwrap(),
            )
        };
        for target in [
            "/status/nope/api/v2/summary.json",
            "/status/operational/api/v2/x.json",
            "/status/operational",
            "/status/",
        ] {
            assert_eq!(at("GET", target, &[]).status, 404, "{target}");
        }
        assert_eq!(
            at("POST", "/status/operational/api/v2/summary.json", &[]).status,
            405
        );
        let pre = [
            ("origin", "http://x"),
            ("access-control-request-method", "GET"),
        ];
        let r = at("OPTIONS", "/status/degraded/api/v2/summary.json", &pre);
        assert_eq!(
            (r.status, r.header("access-control-allow-origin")),
            (204, Some("*"))
        );
        let r = at("OPTIONS", "/status/no-cors/api/v2/summary.json", &pre);
        assert_eq!(r.status, 405);
        assert!(r
            .headers
            .iter()
            .all(|(n, _)| !n.starts_with("access-control-")));
        // A hostile Host header stays inside its JSON string.
        let r = get("operational", &[("host", "a\"b")]);
        let v = serde_json::from_str::<Value>(&r.text()).unwrap();
        assert_eq!(
            v.get("page")
                .and_then(|p| p.get("url"))
                .and_then(Value::as_str),
            Some("http://a\"b/status/operational")
        );
    }
}
