//! Prints every check's outcomes, one per line (code, outcome, status, layer, tab-separated), so that the
//! end-to-end coverage report can tell which outcomes no scenario reached.

use api_doctor::core::checks::REGISTRY;

fn main() {
    for check in REGISTRY {
        for o in check.outcome_list() {
            println!(
                "{}\t{}\t{}\t{}",
                check.code,
                o.id,
                o.status.as_str(),
                o.layer.as_str()
            );
        }
    }
}
