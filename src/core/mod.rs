//! The pure core: targets, keys, probe descriptions, observations, checks, diagnosis, report and texts.

pub mod b64;
pub mod checks;
pub mod diagnosis;
pub mod dns;
pub mod export;
pub mod finding;
#[cfg(test)]
pub mod fixtures;
pub mod form;
pub mod i18n;
pub mod input;
pub mod json;
pub mod key;
pub mod link;
pub mod monitor;
pub mod native;
pub mod native_text;
pub mod net;
pub mod observation;
pub mod plan;
pub mod probe;
pub mod reply;
pub mod report;
pub mod run;
pub mod select;
pub mod sha256;
pub mod share;
pub mod sse;
pub mod stats;
pub mod statuspage;
pub mod target;
pub mod time;
pub mod watch;
