//! Languages and bilingual texts: every user-facing string exists in English and Simplified Chinese.

/// A language the page speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Zh,
}

impl Lang {
    /// Both languages, for tests and the switcher.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Zh];

    /// The BCP 47 tag for the `lang` attribute.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-Hans",
        }
    }

    /// Picks the first supported language from the browser's preference list; English otherwise.
    pub fn from_preferences<'a>(prefs: impl IntoIterator<Item = &'a str>) -> Lang {
        for pref in prefs {
            let primary = pref
                .split(['-', '_'])
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            match primary.as_str() {
                "zh" => return Lang::Zh,
                "en" => return Lang::En,
                _ => {}
            }
        }
        Lang::En
    }
}

/// One text in both languages. The struct makes a text in one language only impossible to write.
///
/// Natively a text holds both strings. In the page it holds only its place in the catalogue ([`TEXTS`],
/// gathered from the sources by `build.rs`), and the strings come from the language file the page
/// downloaded ([`install`]): the wasm carries no text of either language.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Text {
    pub en: &'static str,
    pub zh: &'static str,
}

/// One text of the catalogue, by its place in [`TEXTS`]; its strings are in the language files.
#[cfg(target_arch = "wasm32")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Text {
    id: u16,
}

impl Text {
    /// A text of the catalogue. `t!` calls it at compile time, so that a text missing either language, or
    /// one `build.rs` did not gather, does not compile.
    pub const fn new(en: &'static str, zh: &'static str) -> Text {
        assert!(
            !en.is_empty() && !zh.is_empty(),
            "every text needs English and Chinese"
        );
        let id = id_of(en, zh);
        #[cfg(target_arch = "wasm32")]
        {
            Text { id }
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            let _ = id;
            Text { en, zh }
        }
    }

    /// The text in `lang`.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn get(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Zh => self.zh,
        }
    }

    /// The text in `lang`, from that language's file; empty while the file is not installed (the shell
    /// installs it before it shows anything that needs it, and reports a miss: see [`take_missed`]).
    #[cfg(target_arch = "wasm32")]
    pub fn get(&self, lang: Lang) -> &'static str {
        installed(lang, usize::from(self.id)).unwrap_or_else(|| {
            MISSED.store(true, std::sync::atomic::Ordering::Relaxed);
            ""
        })
    }
}

/// A text of the catalogue, English then Chinese, both string literals. It is made at compile time: the
/// strings reach the native build, and in the page only the text's place in the catalogue does.
macro_rules! text {
    ($en:literal, $zh:literal $(,)?) => {
        const { $crate::core::i18n::Text::new($en, $zh) }
    };
}
pub(crate) use text as t;

/// Shorthand for writing a bilingual text outside the catalogue: the native doctor's own texts, which the
/// page never shows. A text missing either language does not compile when it is a constant, and panics
/// where it is made at run time.
#[cfg(not(target_arch = "wasm32"))]
pub const fn t(en: &'static str, zh: &'static str) -> Text {
    assert!(
        !en.is_empty() && !zh.is_empty(),
        "every text needs English and Chinese"
    );
    Text { en, zh }
}

include!(concat!(env!("OUT_DIR"), "/catalogue.rs"));

/// How many texts the catalogue holds, and so how many lines follow a language file's header.
pub const COUNT: usize = TEXTS.len();

/// Orders two strings by their bytes, at compile time: -1, 0 or 1.
const fn compare(a: &str, b: &str) -> i8 {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != b[i] {
            return if a[i] < b[i] { -1 } else { 1 };
        }
        i += 1;
    }
    if a.len() == b.len() {
        0
    } else if a.len() < b.len() {
        -1
    } else {
        1
    }
}

/// A text's place among `TEXTS[low..high]`, which is sorted, found by bisection.
const fn find(en: &str, zh: &str, mut low: usize, mut high: usize) -> Option<usize> {
    while low < high {
        let mid = (low + high) / 2;
        let mut order = compare(TEXTS[mid].0, en);
        if order == 0 {
            order = compare(TEXTS[mid].1, zh);
        }
        if order == 0 {
            return Some(mid);
        } else if order < 0 {
            low = mid + 1;
        } else {
            high = mid;
        }
    }
    None
}

/// A text's place in the catalogue: among the page's texts, else among the command line's.
const fn id_of(en: &str, zh: &str) -> u16 {
    match find(en, zh, 0, PAGE_COUNT) {
        Some(id) => id as u16,
        None => match find(en, zh, PAGE_COUNT, TEXTS.len()) {
            Some(id) => id as u16,
            None => panic!("a text is not in the catalogue: write it as t!(\"English\", \"中文\") under src/, where build.rs finds it"),
        },
    }
}

/// A part of the catalogue, downloaded as one file per language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// Every text the page shows of its own.
    Page,
    /// The texts only a report from the command line shows: the native checks' and the native section's.
    Native,
}

impl Part {
    /// Both parts.
    pub const ALL: [Part; 2] = [Part::Page, Part::Native];

    /// The texts of this part: their places in [`TEXTS`].
    pub fn ids(self) -> std::ops::Range<usize> {
        match self {
            Part::Page => 0..PAGE_COUNT,
            Part::Native => PAGE_COUNT..COUNT,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Part::Page => "page",
            Part::Native => "native",
        }
    }
}

/// The name of a language's file of `part`, beside the page: it carries the catalogue's hash, so that a
/// cached file of another build is never read.
pub fn file_name(lang: Lang, part: Part) -> String {
    let mut name = String::new();
    if part == Part::Native {
        name.push_str("native-");
    }
    name.push_str("texts-");
    name.push_str(match lang {
        Lang::En => "en",
        Lang::Zh => "zh",
    });
    name.push('-');
    name.push_str(CATALOGUE_HASH);
    name.push_str(".txt");
    name
}

/// The first line of a language's file of `part`.
fn header(lang: Lang, part: Part) -> String {
    let mut line = String::from("api-doctor texts ");
    line.push_str(lang.tag());
    line.push(' ');
    line.push_str(part.word());
    line.push(' ');
    line.push_str(CATALOGUE_HASH);
    line
}

/// A language's file of `part`: its header, then every text of that part in that language, one per line,
/// in the catalogue's order. `examples/texts.rs` writes all four next to the page; the page never calls
/// it, so its wasm holds none of the strings.
pub fn file(lang: Lang, part: Part) -> String {
    let mut out = header(lang, part);
    out.push('\n');
    for (en, zh) in &TEXTS[part.ids()] {
        out.push_str(if lang == Lang::En { en } else { zh });
        out.push('\n');
    }
    out
}

/// Why a downloaded language file was not taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileError {
    /// Its first line is not this build's header for that language and part.
    Header,
    /// It holds more or fewer texts than that part of the catalogue.
    Count,
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FileError::Header => "the language file is not this build's (its header differs)",
            FileError::Count => "the language file holds more or fewer texts than the catalogue",
        })
    }
}

/// Reads a language's file of `part` into its texts, in the catalogue's order.
pub fn parse(lang: Lang, part: Part, file: &str) -> Result<Vec<&str>, FileError> {
    let mut lines = file.split('\n');
    if lines.next() != Some(header(lang, part).as_str()) {
        return Err(FileError::Header);
    }
    let texts: Vec<&str> = lines.collect();
    // The file ends with a line break, so the last piece is empty.
    match texts.split_last() {
        Some((&"", texts)) if texts.len() == part.ids().len() => Ok(texts.to_vec()),
        _ => Err(FileError::Count),
    }
}

/// The texts the page has installed, by language then part.
#[cfg(target_arch = "wasm32")]
static INSTALLED: [std::sync::OnceLock<Vec<&'static str>>; 4] = [
    std::sync::OnceLock::new(),
    std::sync::OnceLock::new(),
    std::sync::OnceLock::new(),
    std::sync::OnceLock::new(),
];

/// Set when a text was asked for whose file is not installed (it then reads as empty).
#[cfg(target_arch = "wasm32")]
static MISSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

#[cfg(target_arch = "wasm32")]
fn slot(lang: Lang, part: Part) -> &'static std::sync::OnceLock<Vec<&'static str>> {
    &INSTALLED[lang as usize * 2 + part as usize]
}

/// The text of `id` in `lang`, if its file is installed.
#[cfg(target_arch = "wasm32")]
fn installed(lang: Lang, id: usize) -> Option<&'static str> {
    let part = if id < PAGE_COUNT {
        Part::Page
    } else {
        Part::Native
    };
    let texts = slot(lang, part).get()?;
    texts.get(id - part.ids().start).copied()
}

/// Whether a language's file of `part` is installed, so that the page may show what needs it.
#[cfg(target_arch = "wasm32")]
pub fn is_installed(lang: Lang, part: Part) -> bool {
    slot(lang, part).get().is_some()
}

/// Installs a downloaded language file for the rest of the page's life (at most one per language and
/// part, so keeping it costs nothing that matters).
#[cfg(target_arch = "wasm32")]
pub fn install(lang: Lang, part: Part, file: String) -> Result<(), FileError> {
    let file: &'static str = Box::leak(file.into_boxed_str());
    let texts = parse(lang, part, file)?;
    let _ = slot(lang, part).set(texts);
    Ok(())
}

/// Whether a text was asked for, since the last call, whose file is not installed: a bug of the shell,
/// which must install a part before it shows what needs it.
#[cfg(target_arch = "wasm32")]
pub fn take_missed() -> bool {
    MISSED.swap(false, std::sync::atomic::Ordering::Relaxed)
}

/// Strings of the page itself, keyed by the `data-i18n` names used in `www/index.html`.
pub const UI: &[(&str, Text)] = &[
    ("title", t!("API Doctor", "API Doctor")),
    (
        "tagline",
        t!(
            "Can this browser, on this network, with this key, use the Claude API? If not, which layer breaks, and what fixes it.",
            "这个浏览器、这个网络、这个密钥，能否使用 Claude API？如果不能，是哪一层出了问题，又该如何修复。",
        ),
    ),
    (
        "privacy",
        t!(
            "Everything runs in your browser. The key stays in memory, is sent only to the target's own origin, and never appears in links or reports.",
            "一切都在你的浏览器中运行。密钥只保存在内存中，只发送到目标自身的源，绝不会出现在链接或报告中。",
        ),
    ),
    ("form-heading", t!("Target", "检测目标")),
    ("base-label", t!("Base URL", "基础 URL")),
    (
        "base-hint",
        t!(
            "The address your SDK uses as base_url / ANTHROPIC_BASE_URL, without /v1.",
            "即 SDK 中的 base_url / ANTHROPIC_BASE_URL，不含 /v1。",
        ),
    ),
    ("auth-label", t!("Send the key as", "密钥发送方式")),
    ("auth-bearer", t!("Authorization: Bearer (as today's SDKs send a key)", "Authorization: Bearer（当前 SDK 发送密钥的方式）")),
    ("auth-key", t!("x-api-key (older SDKs, curl examples)", "x-api-key（旧版 SDK、curl 示例）")),
    ("key-label", t!("API key (optional)", "API 密钥（可选）")),
    (
        "key-hint",
        t!(
            "Without a key, network and CORS are still checked. The key is never stored.",
            "不填密钥也会检测网络和 CORS。密钥不会被保存。",
        ),
    ),
    ("model-label", t!("Model (optional)", "模型（可选）")),
    (
        "model-hint",
        t!(
            "The model id your app uses; with a key, checks that the key can see it.",
            "你的应用使用的模型 ID；提供密钥时会检测该密钥能否访问它。",
        ),
    ),
    ("message-label", t!("Also send a one-token test message", "同时发送一条单 token 测试消息")),
    (
        "message-hint",
        t!(
            "Needs a key and spends a few tokens. Shows billing problems, model access, streaming through the path and time to first token.",
            "需要密钥，会消耗少量 token。可以发现计费问题、模型访问权限、流式传输是否畅通以及首个 token 的用时。",
        ),
    ),
    ("watch-label", t!("Watch over time", "持续观察")),
    ("watch-off", t!("Off", "关闭")),
    ("watch-1", t!("1 minute", "1 分钟")),
    ("watch-5", t!("5 minutes", "5 分钟")),
    ("watch-15", t!("15 minutes", "15 分钟")),
    ("watch-60", t!("1 hour", "1 小时")),
    (
        "watch-hint",
        t!(
            "Repeats a probe after the checks, backing off after failures, and draws a timeline: for faults that come and go.",
            "在检测完成后重复探测，失败后退避，并绘制时间线：用于排查时有时无的故障。",
        ),
    ),
    ("advanced", t!("Advanced settings", "高级设置")),
    ("samples-label", t!("Latency round trips", "延迟测量往返次数")),
    ("control-label", t!("Control endpoint (independent of the API)", "对照端点（独立于 API）")),
    ("doh1-label", t!("Public DNS resolver 1 (DNS-over-HTTPS JSON)", "公共 DNS 解析器 1（DNS-over-HTTPS JSON）")),
    ("doh2-label", t!("Public DNS resolver 2 (DNS-over-HTTPS JSON)", "公共 DNS 解析器 2（DNS-over-HTTPS JSON）")),
    ("status-label", t!("Status page summary", "状态页摘要")),
    (
        "their-side",
        t!(
            "The status page reports trouble right now: this is likely on the provider's side, not yours.",
            "状态页显示目前存在故障：问题很可能出在服务方，而不是你这边。",
        ),
    ),
    ("timeline-caption", t!("Each mark is one probe: left to right in time, height is how long it took.", "每个标记代表一次探测：从左到右为时间顺序，高度表示耗时。")),
    ("checks-label", t!("Only these checks", "仅运行这些检测")),
    (
        "checks-hint",
        t!(
            "Check codes or layers, separated by commas, e.g. network,cors. Empty runs them all. What they depend on runs too.",
            "检测代码或层级，以逗号分隔，例如 network,cors。留空则全部运行。它们所依赖的检测也会运行。",
        ),
    ),
    ("version-label", t!("anthropic-version header", "anthropic-version 请求头")),
    ("config-link-label", t!("Link to these settings", "这些设置的链接")),
    (
        "config-link-hint",
        t!(
            "Send it to someone to run the same checks from their browser. It never holds the key.",
            "把它发给别人，即可在对方的浏览器中运行相同的检测。链接中绝不包含密钥。",
        ),
    ),
    ("copy", t!("Copy", "复制")),
    ("copied", t!("Copied", "已复制")),
    ("link-run-label", t!("Start the checks as soon as the link is opened", "打开链接后立即开始检测")),
    ("copied-link", t!("The report link is on the clipboard.", "报告链接已复制到剪贴板。")),
    ("copied-markdown", t!("The report is on the clipboard as Markdown.", "报告已以 Markdown 格式复制到剪贴板。")),
    ("saved-json", t!("The report was saved as a JSON file.", "报告已保存为 JSON 文件。")),
    (
        "copy-refused",
        t!(
            "The browser did not allow copying. Select the text and copy it yourself.",
            "浏览器不允许复制。请自行选中文本并复制。",
        ),
    ),
    ("shared-who", t!("Checked from {} at {}", "检测来自 {}，时间 {}")),
    ("shared-target", t!("Target", "检测目标")),
    ("shared-time", t!("Time (UTC)", "时间（UTC）")),
    ("shared-browser", t!("Browser", "浏览器")),
    ("shared-took", t!("The run took", "检测用时")),
    ("shared-key", t!("Key", "密钥")),
    (
        "shared-nokey",
        t!("No key was given: the key checks did not run.", "未提供密钥：密钥相关检测未运行。"),
    ),
    (
        "shared-key-print",
        t!(
            "{}, {} characters, SHA-256 starts {} (compare: printf %s \"$ANTHROPIC_API_KEY\" | sha256sum | cut -c1-8)",
            "{}，{} 个字符，SHA-256 开头为 {}（对比：printf %s \"$ANTHROPIC_API_KEY\" | sha256sum | cut -c1-8）",
        ),
    ),
    ("report-unreadable", t!("This report link cannot be shown.", "无法显示此报告链接。")),
    (
        "report-texts-unavailable",
        t!(
            "This report came from a command line, and the texts it needs could not be downloaded. Reload the page to try again.",
            "这份报告来自命令行，但无法下载显示它所需的文本。请重新加载页面再试。",
        ),
    ),
    ("copy-link", t!("Copy link", "复制链接")),
    ("copy-md", t!("Copy as Markdown", "复制为 Markdown")),
    ("download-json", t!("Download JSON", "下载 JSON")),
    ("share-heading", t!("Share these results", "分享检测结果")),
    (
        "share-hint",
        t!(
            "The link holds the whole report, compressed: the findings, timings, browser and time, never the key. Opening it shows this report read-only.",
            "链接中包含压缩后的完整报告：检测结果、耗时、浏览器和时间，绝不包含密钥。打开链接会以只读方式显示这份报告。",
        ),
    ),
    ("report-link-label", t!("Report link", "报告链接")),
    ("shared-heading", t!("Shared report", "分享的报告")),
    (
        "shared-readonly",
        t!(
            "Read-only: this is what another browser saw. Nothing was checked from here.",
            "只读：这是另一个浏览器看到的结果。此处没有进行任何检测。",
        ),
    ),
    ("shared-own", t!("Run the checks from this browser", "在这个浏览器中运行检测")),
    (
        "shared-who-native",
        t!(
            "From a command line (api-doctor on {}) at {}",
            "来自命令行（{} 上的 api-doctor），时间 {}",
        ),
    ),
    (
        "shared-native-note",
        t!(
            "This report came from api-doctor check, run where the app runs: the paths it tried and what each runtime would meet are below. Nothing was checked from this browser.",
            "这份报告来自在应用所在环境运行的 api-doctor check：下面是它尝试的路径以及各运行时的结果。此浏览器没有进行任何检测。",
        ),
    ),
    ("native-paths", t!("Paths tried", "尝试的路径")),
    ("native-runtimes", t!("What each runtime would meet", "各运行时的结果")),
    ("run", t!("Run checks", "开始检测")),
    ("cancel", t!("Cancel", "取消")),
    ("results-heading", t!("Results", "检测结果")),
    ("lang-switch", t!("中文", "English")),
    // Shown in the language the page stays in, so it always names the other one.
    (
        "lang-unavailable",
        t!(
            "The Chinese texts could not be downloaded, so the page stays in English. Try again later.",
            "无法下载英文文本，页面保持中文。请稍后再试。",
        ),
    ),
    ("loading", t!("Loading the checks…", "正在加载检测程序…")),
    ("idle", t!("Press Run checks to start.", "点击“开始检测”。")),
    ("verdict-running", t!("Checking…", "正在检测…")),
    ("verdict-healthy", t!("This browser can use the API", "这个浏览器可以使用 API")),
    (
        "verdict-healthy-nokey",
        t!(
            "The path from this browser to the API works. Paste a key to check the key too.",
            "从这个浏览器到 API 的路径是通的。粘贴密钥即可一并检测密钥。",
        ),
    ),
    ("verdict-degraded", t!("Works, with a warning", "可以使用，但有警告")),
    ("verdict-broken", t!("Broken at", "故障位置")),
    ("verdict-cancelled", t!("Cancelled: the checks stopped before they finished.", "已取消：检测在完成前被停止。")),
    ("fix", t!("Fix", "修复方法")),
    ("pending", t!("Checking…", "检测中…")),
    ("skipped-because", t!("Skipped: it depends on {}, which failed.", "已跳过：它依赖的 {} 失败了。")),
    ("progress", t!("{} of {} checks done", "已完成 {} / {} 项检测")),
];

/// Looks up a page string by its `data-i18n` name.
pub fn ui(name: &str) -> Option<Text> {
    UI.iter().find(|(n, _)| *n == name).map(|(_, text)| *text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preferences_pick_the_first_supported_language() {
        assert_eq!(Lang::from_preferences(["zh-CN", "en"]), Lang::Zh);
        assert_eq!(Lang::from_preferences(["fr-FR", "zh_TW"]), Lang::Zh);
        assert_eq!(Lang::from_preferences(["en-GB", "zh"]), Lang::En);
        assert_eq!(Lang::from_preferences(["de"]), Lang::En);
        assert_eq!(Lang::from_preferences([]), Lang::En);
    }

    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    #[should_panic(expected = "every text needs English and Chinese")]
    fn a_text_in_one_language_is_refused() {
        let only_english = std::hint::black_box("");
        let _ = t("Only English", only_english);
    }

    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn every_text_of_the_catalogue_exists_in_both_languages() {
        // The checks alone have hundreds of texts, the native ones about two hundred: a scan that found
        // few has missed them.
        let count = |part| file(Lang::En, part).lines().count() - 1;
        assert!(count(Part::Page) > 500, "{} page texts", count(Part::Page));
        assert!(
            count(Part::Native) > 100,
            "{} native texts",
            count(Part::Native)
        );
        for (en, zh) in TEXTS {
            assert!(!en.trim().is_empty(), "a text lacks English: {zh:?}");
            assert!(!zh.trim().is_empty(), "a text lacks Chinese: {en:?}");
        }
        // Each part sorted and without repeats, as `id_of` bisects them, and no text in both.
        for part in Part::ALL {
            assert!(TEXTS[part.ids()].windows(2).all(|w| w[0] < w[1]));
        }
        for text in &TEXTS[Part::Native.ids()] {
            assert!(!TEXTS[Part::Page.ids()].contains(text), "{text:?} twice");
        }
    }

    #[test]
    fn the_native_checks_texts_are_downloaded_apart_and_the_page_checks_with_the_page() {
        use crate::core::checks::REGISTRY;
        use crate::core::input::Applies;
        let native = |text: Text| {
            let id = TEXTS
                .iter()
                .position(|&(en, zh)| (en, zh) == (text.get(Lang::En), text.get(Lang::Zh)))
                .expect("in the catalogue");
            Part::Native.ids().contains(&id)
        };
        for check in REGISTRY {
            let texts: Vec<Text> = check
                .outcome_list()
                .flat_map(|o| [o.title, o.detail].into_iter().chain(o.fix))
                .collect();
            if check.applies == Applies::NativeOnly {
                // A native check's own words may repeat a page check's; those stay with the page.
                assert!(
                    texts.iter().any(|&t| native(t)),
                    "{}: none apart",
                    check.code
                );
            } else {
                for text in texts {
                    assert!(!native(text), "{}: {:?} downloaded apart", check.code, text);
                }
                assert!(!native(check.title), "{}", check.code);
            }
        }
    }

    #[test]
    fn a_text_is_known_by_its_place_in_the_catalogue() {
        for (i, (en, zh)) in TEXTS.iter().enumerate() {
            assert_eq!(usize::from(id_of(en, zh)), i);
        }
        let made = t!("Cancel", "取消");
        assert_eq!((made.get(Lang::En), made.get(Lang::Zh)), ("Cancel", "取消"));
    }

    #[test]
    #[should_panic(expected = "a text is not in the catalogue")]
    fn a_text_the_catalogue_lacks_is_refused() {
        // t!(…) runs this at compile time, where the panic is a compile error.
        let _ = Text::new(
            std::hint::black_box("Not a text of the page"),
            "不是页面的文本",
        );
    }

    #[test]
    #[should_panic(expected = "every text needs English and Chinese")]
    fn a_catalogue_text_in_one_language_is_refused() {
        let _ = Text::new("Cancel", std::hint::black_box(""));
    }

    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn each_language_file_reads_back_into_its_texts() {
        let mut names = Vec::new();
        for lang in Lang::ALL {
            let mut all = Vec::new();
            for part in Part::ALL {
                let file = file(lang, part);
                let texts = parse(lang, part, &file).expect("the file reads back");
                assert_eq!(texts.len(), part.ids().len());
                all.extend(texts.iter().map(|t| t.to_string()));
                let name = file_name(lang, part);
                assert!(name.ends_with(".txt") && name.contains("texts-"), "{name}");
                assert!(name.contains(CATALOGUE_HASH), "{name}");
                names.push(name);
            }
            // Together, the parts are the whole catalogue in that language, in order.
            assert_eq!(all.len(), COUNT);
            for ((en, zh), got) in TEXTS.iter().zip(&all) {
                assert_eq!(got, if lang == Lang::En { en } else { zh });
            }
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 4);
    }

    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn a_language_file_of_another_language_or_build_or_length_is_refused() {
        let en = file(Lang::En, Part::Page);
        let page = |text: &str| parse(Lang::En, Part::Page, text).map(|t| t.len());
        assert_eq!(parse(Lang::Zh, Part::Page, &en), Err(FileError::Header));
        assert_eq!(parse(Lang::En, Part::Native, &en), Err(FileError::Header));
        let other_build = en.replacen(CATALOGUE_HASH, "0000000000000000", 1);
        assert_eq!(page(&other_build), Err(FileError::Header));
        let short = &en[..en[..en.len() - 1].rfind('\n').expect("lines") + 1];
        assert_eq!(page(short), Err(FileError::Count));
        let long = format!("{en}one more\n");
        assert_eq!(page(&long), Err(FileError::Count));
        let unterminated = &en[..en.len() - 1];
        assert_eq!(page(unterminated), Err(FileError::Count));
        assert_eq!(page(""), Err(FileError::Header));
        assert_eq!(page(&en), Ok(PAGE_COUNT));
    }

    #[test]
    fn every_page_string_exists_in_both_languages() {
        for (name, text) in UI {
            assert!(
                !text.get(Lang::En).trim().is_empty(),
                "{name} lacks English"
            );
            assert!(
                !text.get(Lang::Zh).trim().is_empty(),
                "{name} lacks Chinese"
            );
        }
    }

    /// Asserts that every quoted name following `marker` in `source` has a text; returns how many there were.
    fn assert_names_have_texts(source: &str, marker: &str, file: &str) -> usize {
        let names: Vec<&str> = source
            .split(marker)
            .skip(1)
            .map(|part| part.split('"').next().unwrap_or(""))
            .collect();
        for name in &names {
            assert!(
                ui(name).is_some(),
                "{file} names {name:?}, which has no text"
            );
        }
        names.len()
    }

    #[test]
    fn every_i18n_name_in_the_page_has_a_text() {
        let found = assert_names_have_texts(
            include_str!("../../www/index.html"),
            "data-i18n=\"",
            "www/index.html",
        );
        assert!(
            found >= 10,
            "the page should carry its static copy through data-i18n names"
        );
    }

    #[test]
    fn every_name_the_renderer_asks_for_has_a_text() {
        // The shell is wasm-only, so its source is read here: a missing name would render as nothing.
        let found = assert_names_have_texts(
            include_str!("../web/render.rs"),
            "tr(\"",
            "src/web/render.rs",
        );
        assert!(found >= 8, "expected the renderer's strings, found {found}");
        let found =
            assert_names_have_texts(include_str!("../web/links.rs"), "tr(\"", "src/web/links.rs");
        assert!(found >= 10, "expected the link strings, found {found}");
    }
}
