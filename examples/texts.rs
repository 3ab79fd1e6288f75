//! Writes the page's language files, two per language (the page's texts, and those only a report from the
//! command line needs), from the text catalogue (`core::i18n`), into the folder named by its argument, or
//! else by `TRUNK_STAGING_DIR`. scripts/postbuild (Trunk's hook) runs it at every build.

use std::path::PathBuf;
use std::process::ExitCode;

use api_doctor::core::i18n::{self, Lang, Part};

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os()
        .nth(1)
        .or_else(|| std::env::var_os("TRUNK_STAGING_DIR"))
        .map(PathBuf::from)
    else {
        eprintln!(
            "texts: name the folder to write into (or run through Trunk, which sets TRUNK_STAGING_DIR)."
        );
        return ExitCode::from(2);
    };
    for lang in Lang::ALL {
        for part in Part::ALL {
            let path = dir.join(i18n::file_name(lang, part));
            if let Err(e) = std::fs::write(&path, i18n::file(lang, part)) {
                eprintln!("texts: cannot write {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        }
    }
    eprintln!(
        "texts: {} texts per language ({} the page's, the rest a command-line report's) written to {}",
        i18n::COUNT,
        i18n::PAGE_COUNT,
        dir.display()
    );
    ExitCode::SUCCESS
}
