//! What `check` and `monitor` share: the exit statuses, the value enums, the probe arguments (flattened into
//! both), and the language of the command line's own words.

use crate::inputs;
use api_doctor::core::i18n::Lang;
use clap::ValueEnum;
use std::path::PathBuf;

/// Exit status when nothing failed.
pub const EXIT_OK: u8 = 0;
/// Exit status when a check failed.
pub const EXIT_FAILED: u8 = 1;
/// Exit status for bad usage.
pub const EXIT_USAGE: u8 = 2;

#[derive(Clone, Copy, ValueEnum)]
pub enum LangArg {
    En,
    Zh,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum AuthArg {
    /// Authorization: Bearer, as today's SDKs send a key.
    Bearer,
    /// x-api-key, as older SDKs and curl examples send it.
    Key,
}

/// What `check` and `monitor` both take: the model, the route and trust the doctor's own requests use,
/// which checks run, and the probes' limits and side endpoints.
#[derive(clap::Args)]
pub struct ProbeArgs {
    /// A model to look up (and to message, with --message).
    #[arg(long)]
    pub model: Option<String>,
    /// Check as if HTTPS_PROXY were this URL.
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,
    /// Check as if NO_PROXY were this list.
    #[arg(long, value_name = "LIST")]
    pub no_proxy: Option<String>,
    /// A CA file the doctor's own requests trust (as curl's --cacert); no runtime reads it.
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// Connect HOST:PORT to these addresses instead of resolving it, as curl's --resolve.
    #[arg(long, value_name = "HOST:PORT:ADDR[,ADDR]")]
    pub resolve: Vec<String>,
    /// Use a kept-alive connection, leave it idle this many seconds, and use it again.
    #[arg(long, value_name = "SECS")]
    pub idle: Option<u32>,
    /// Also send a body of a few megabytes to a free endpoint: do large prompts get through?
    #[arg(long)]
    pub upload: bool,
    /// Only these check codes or layers, comma-separated (what they depend on runs too).
    #[arg(long, value_name = "LIST")]
    pub checks: Option<String>,
    /// Warm round trips in the latency series.
    #[arg(long, value_name = "N")]
    pub samples: Option<u16>,
    /// A shorter timeout for every probe, in milliseconds.
    #[arg(long, value_name = "MS")]
    pub timeout_ms: Option<u32>,
    /// The longest one run may take, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    pub deadline: u64,
    /// The status page's summary JSON.
    #[arg(long, value_name = "URL")]
    pub status_url: Option<String>,
    /// A public DNS-over-HTTPS resolver's JSON endpoint (give it twice for both).
    #[arg(long, value_name = "URL")]
    pub doh_url: Vec<String>,
}

impl ProbeArgs {
    /// The flags that stand for settings the app reads; a `--resolve` that does not parse is an error.
    pub fn flags(&self) -> Result<inputs::Flags, inputs::InputError> {
        Ok(inputs::Flags {
            proxy: self.proxy.clone(),
            no_proxy: self.no_proxy.clone(),
            cacert: self.cacert.clone(),
            resolve: self
                .resolve
                .iter()
                .map(|r| inputs::parse_resolve(r))
                .collect::<Result<_, _>>()?,
        })
    }
}

/// The language from the flag, else from the locale variables.
pub fn language(arg: Option<LangArg>) -> Lang {
    match arg {
        Some(LangArg::En) => Lang::En,
        Some(LangArg::Zh) => Lang::Zh,
        None => {
            let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
                .iter()
                .filter_map(|v| std::env::var(v).ok())
                .find(|v| !v.is_empty())
                .unwrap_or_default();
            Lang::from_preferences([locale.as_str()])
        }
    }
}
