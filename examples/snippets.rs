//! Prints every snippet the page can show, once each, as JSON lines (`check`, `outcome`, `tool`, `code`),
//! for the test that runs each against the mock with the real runtimes (`tests/sdk/snippets.mjs`).

use api_doctor::core::checks;

fn main() {
    for (check, outcome, snippet) in checks::snippets() {
        let line = serde_json::json!({
            "check": check,
            "outcome": outcome,
            "tool": snippet.tool,
            "code": snippet.code,
        });
        println!("{line}");
    }
}
