//! The pure core: targets, keys, probe descriptions, observations, checks, diagnosis, report and texts.

pub mod checks;
pub mod diagnosis;
pub mod finding;
pub mod i18n;
pub mod key;
pub mod observation;
pub mod probe;
pub mod reply;
pub mod report;
pub mod run;
pub mod target;
