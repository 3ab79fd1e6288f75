// One language per download: the page fetches the texts of the language it shows (texts-<lang>-<hash>.txt
// beside it), the other only when the reader switches to it, and says so when a language cannot be had.
// The texts only a report from the command line needs (native-texts-<lang>-<hash>.txt) come only with such
// a report; its link is made by the real doctor (DOCTOR_BIN, built by scripts/test).

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { REPO, assertVerdict, harness, validKey } from "./harness.mjs";

const h = harness();
const DOCTOR = process.env.DOCTOR_BIN || path.join(REPO, "target/debug/api-doctor");

/** Which language files the recorded requests asked for, in order: "en", "zh", "native-en" or "native-zh". */
const textsAsked = (requests) =>
  requests.seen
    .map((r) => /\/((?:native-)?)texts-(en|zh)-[0-9a-f]{16}\.txt$/.exec(r.url))
    .filter(Boolean)
    .map((m) => m[1] + m[2]);

/** The notes on show: kind and text. */
const notes = (page) =>
  page.$$eval("#notices .notice", (ps) => ps.map((p) => ({ kind: p.dataset.kind, text: p.textContent })));

/** What a reader of each language sees of the page and of a bad-key run. */
const WORDS = {
  en: { tag: "en", run: "Run checks", verdict: /The key is not valid/, notVerdict: /密钥无效/ },
  zh: { tag: "zh-Hans", run: "开始检测", verdict: /密钥无效/, notVerdict: /The key is not valid/ },
};

/** Asserts that `page` shows `lang` in its static copy and in the bad-key run's verdict. */
async function assertShows(page, lang) {
  const w = WORDS[lang];
  assert.equal(await page.getAttribute("html", "lang"), w.tag);
  assert.equal((await page.textContent("#run")).trim(), w.run);
  const v = await h.verdictOf(page);
  assert.match(v.text, w.verdict);
  assert.doesNotMatch(v.text, w.notVerdict);
}

/**
 * A new page whose uncaught errors, and the shell's report of a text shown before its file came, are
 * collected (its own failed file requests are expected here, so the harness's watch is off).
 */
async function pageExpectingFailedFiles(locale) {
  const page = await h.newPage({ watchErrors: false, locale });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (msg) => {
    if (msg.type() === "error" && /before its language file/.test(msg.text())) errors.push(msg.text());
  });
  return { page, errors };
}

const NAMES = { en: "English", zh: "Chinese" };

for (const [first, second, locale] of [
  ["en", "zh", "en-US"],
  ["zh", "en", "zh-CN"],
]) {
  const [one, other] = [NAMES[first], NAMES[second]];
  test(`a reader in ${one} downloads only the ${one} texts; switching downloads the ${other} ones, once`, async () => {
    const page = await h.newPage({ locale });
    const requests = h.recordRequests(page);
    await h.load(page);
    assert.deepEqual(textsAsked(requests), [first]);
    await h.runAgainst(page, { base: h.scenario("bad-key"), key: validKey() });
    await assertShows(page, first);

    await h.switchLanguage(page);
    await assertShows(page, second);
    assert.deepEqual(textsAsked(requests), [first, second]);

    // Back again: both are here now, nothing more is downloaded.
    await h.switchLanguage(page);
    await assertShows(page, first);
    await h.switchLanguage(page);
    await assertShows(page, second);
    assert.deepEqual(textsAsked(requests), [first, second]);
    assert.deepEqual(await notes(page), []);
  });

  test(`when the ${other} texts cannot be downloaded, a reader in ${one} is told so in ${one} and the page stays in ${one}`, async () => {
    const { page, errors } = await pageExpectingFailedFiles(locale);
    // One direction has the request fail outright, the other gets an error status.
    let failing = true;
    await page.route(`**/texts-${second}-*.txt`, (route) => {
      if (!failing) return route.continue();
      return first === "en" ? route.abort() : route.fulfill({ status: 500, body: "no" });
    });
    await h.load(page);
    await h.runAgainst(page, { base: h.scenario("bad-key"), key: validKey() });

    await page.click("#lang");
    await page.waitForSelector('#notices .notice[data-kind="lang"]', { timeout: 15_000 });
    const said = await notes(page);
    assert.equal(said.length, 1, JSON.stringify(said));
    assert.match(
      said[0].text,
      first === "en" ? /The Chinese texts could not be downloaded, so the page stays in English/ : /无法下载英文文本，页面保持中文/,
    );
    await assertShows(page, first);
    assert.equal(await page.isEnabled("#lang"), true);

    // Once the file can be had, the switch works and the note goes.
    failing = false;
    await h.switchLanguage(page);
    await assertShows(page, second);
    assert.deepEqual(await notes(page), []);
    assert.deepEqual(errors, []);
  });
}

test("a report link opens in the reader's language, with only that language's texts", async () => {
  const maker = await h.openPage();
  await h.runAgainst(maker, { base: h.scenario("bad-key"), key: validKey() });
  // A browser's report needs none of the command line's texts.
  await maker.waitForFunction(() => document.getElementById("report-link").value.includes("#report="), null, {
    timeout: 10_000,
  });
  const link = await maker.$eval("#report-link", (i) => i.value);

  for (const [lang, locale, heading] of [
    ["zh", "zh-CN", "分享的报告"],
    ["en", "en-US", "Shared report"],
  ]) {
    const page = await h.newPage({ locale });
    const requests = h.recordRequests(page);
    await page.goto(link);
    await page.waitForSelector("#shared:not([hidden])", { timeout: 15_000 });
    assert.equal((await page.textContent("#shared-heading")).trim(), heading);
    const v = await h.verdictOf(page);
    assertVerdict(v, { state: "broken", layer: "auth", code: "auth.key", outcome: "invalid" });
    assert.match(v.text, WORDS[lang].verdict);
    assert.doesNotMatch(v.text, WORDS[lang].notVerdict);
    assert.deepEqual(textsAsked(requests), [lang]);
  }
});

test("a reader whose language cannot be downloaded gets the page in the other, and is told so", async () => {
  const { page, errors } = await pageExpectingFailedFiles("zh-CN");
  await page.route("**/texts-zh-*.txt", (route) => route.abort());
  await h.load(page);
  assert.equal(await page.getAttribute("html", "lang"), "en");
  assert.equal((await page.textContent("#run")).trim(), "Run checks");
  const said = await notes(page);
  assert.equal(said.length, 1, JSON.stringify(said));
  assert.match(said[0].text, /The Chinese texts could not be downloaded/);
  assert.deepEqual(errors, []);
});

test("a page that can download no texts at all says it cannot start, in both languages", async () => {
  const { page, errors } = await pageExpectingFailedFiles("en-US");
  await page.route("**/texts-*.txt", (route) => route.abort());
  await page.goto(`${h.pageOrigin}/`);
  await page.waitForSelector("#load-failed", { state: "visible", timeout: 16_000 });
  assert.equal(await page.isVisible("#boot-status"), false);
  assert.equal(await page.$("html[data-ready]"), null);
  assert.equal(await page.isEnabled("#run"), false);
  assert.deepEqual(errors, []);
});

/** A report link from the native doctor, checked against the mock's healthy scenario. */
function doctorLink() {
  return new Promise((resolve, reject) => {
    execFile(
      DOCTOR,
      ["check", h.scenario("healthy"), "--link", `${h.pageOrigin}/`, "--timeout-ms", "3000", "--json"],
      { env: { PATH: process.env.PATH, HOME: "/nonexistent", LANG: "C.UTF-8" }, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error && error.code !== 1) return reject(new Error(`api-doctor failed (${error.code}): ${stderr}`));
        try {
          resolve(JSON.parse(stdout).link);
        } catch (e) {
          reject(new Error(`api-doctor printed no JSON: ${stdout.slice(0, 500)} ${stderr.slice(0, 500)}`));
        }
      },
    );
  });
}

/** What the shared report's native section says: the banner line and the runtime lines. */
async function nativeSection(page) {
  await page.waitForSelector("#shared-native:not([hidden])", { timeout: 15_000 });
  return {
    who: await page.$eval("#shared-who", (e) => e.textContent),
    runtimes: await page.$$eval("#shared-runtimes li", (ls) => ls.map((l) => l.textContent)),
  };
}

const NATIVE_WORDS = {
  en: { who: /^From a command line \(api-doctor on /, runtime: /Python SDK: works/ },
  zh: { who: /^来自命令行/, runtime: /Python SDK: 可用/ },
};

test("a report from the command line downloads its texts only when opened, and both parts on a switch", async () => {
  const link = await doctorLink();
  assert.ok(link?.startsWith(`${h.pageOrigin}/#report=`), `no link: ${link}`);
  for (const [first, second, locale] of [
    ["en", "zh", "en-US"],
    ["zh", "en", "zh-CN"],
  ]) {
    const page = await h.newPage({ locale });
    const requests = h.recordRequests(page);
    await page.goto(link);
    await page.waitForSelector("#shared:not([hidden])", { timeout: 15_000 });
    let seen = await nativeSection(page);
    assert.match(seen.who, NATIVE_WORDS[first].who);
    assert.equal(seen.runtimes.length, 4, JSON.stringify(seen.runtimes));
    assert.ok(seen.runtimes.some((r) => NATIVE_WORDS[first].runtime.test(r)), JSON.stringify(seen.runtimes));
    assert.deepEqual(textsAsked(requests), [first, `native-${first}`]);

    await h.switchLanguage(page);
    seen = await nativeSection(page);
    assert.match(seen.who, NATIVE_WORDS[second].who);
    assert.ok(seen.runtimes.some((r) => NATIVE_WORDS[second].runtime.test(r)), JSON.stringify(seen.runtimes));
    assert.deepEqual(textsAsked(requests), [first, `native-${first}`, second, `native-${second}`]);
    await page.close();
  }
});

test("a report from the command line whose texts cannot be downloaded is not shown half-worded, and the reader is told", async () => {
  const link = await doctorLink();
  // Opening: the page's own texts come, the command line's do not.
  const { page, errors } = await pageExpectingFailedFiles("en-US");
  await page.route("**/native-texts-*.txt", (route) => route.abort());
  await h.load(page, new URL(link).hash);
  assert.ok(await page.$eval("#shared", (e) => e.hidden));
  assert.ok(!(await page.$eval("#setup", (e) => e.hidden)), "the form is offered instead");
  const said = await notes(page);
  assert.deepEqual(
    said.map((n) => n.kind),
    ["report-texts"],
  );
  assert.match(said[0].text, /This report came from a command line, and the texts it needs could not be downloaded/);

  // Switching language while such a report shows: the other language's page texts come, its command-line
  // texts do not; the page stays in its language and says so.
  const { page: viewer, errors: viewerErrors } = await pageExpectingFailedFiles("en-US");
  await viewer.route("**/native-texts-zh-*.txt", (route) => route.abort());
  await viewer.goto(link);
  await viewer.waitForSelector("#shared:not([hidden])", { timeout: 15_000 });
  await nativeSection(viewer);
  await viewer.click("#lang");
  await viewer.waitForSelector('#notices .notice[data-kind="lang"]', { timeout: 15_000 });
  assert.equal(await viewer.getAttribute("html", "lang"), "en");
  assert.match((await nativeSection(viewer)).who, NATIVE_WORDS.en.who);
  assert.deepEqual([...errors, ...viewerErrors], []);
});

test("a report made in Chinese carries the resolvers' answers in English, as links always did", async () => {
  // The answers a resolver gives in words ("unavailable", "no address") travel as their English line, which
  // a page in Chinese writes without the English texts.
  const page = await h.openPage({ locale: "zh-CN" });
  const base = `http://api.mock.test:${h.mockPort}/s/healthy`;
  await h.runAgainst(page, { base, sides: h.sides({ doh1: "down", doh2: "garbage" }) });
  const unavailable = `127.0.0.1:${h.mockPort}: 不可用`;
  const resolvers = ({ resolver_1, resolver_2 }) => ({ resolver_1, resolver_2 });
  assert.deepEqual(resolvers(await h.factsOf(page, "dns.public")), { resolver_1: unavailable, resolver_2: unavailable });
  await page.waitForFunction(() => document.getElementById("report-link").value.includes("#report="), null, {
    timeout: 10_000,
  });
  const link = await page.$eval("#report-link", (i) => i.value);
  const reader = await h.newPage({ locale: "en-US" });
  await reader.goto(link);
  await reader.waitForSelector("#shared:not([hidden])", { timeout: 15_000 });
  const english = `127.0.0.1:${h.mockPort}: unavailable`;
  assert.deepEqual(resolvers(await h.factsOf(reader, "dns.public")), { resolver_1: english, resolver_2: english });
});

test("the download boot.js starts is the one the wasm wants, so each reader downloads one file", async () => {
  // boot.js picks the language as the wasm does (scripts/postbuild); were they to disagree, the wasm would
  // download a second file and this would see two.
  for (const [locale, fragment, lang] of [
    ["en-US", "", "en"],
    ["zh-CN", "", "zh"],
    ["fr-FR", "", "en"],
    ["en-US", "#lang=zh", "zh"],
    ["zh-CN", "#lang=en-GB", "en"],
    ["zh-CN", "#lang=fr", "zh"],
    ["en-US", "#base=http%3A%2F%2Fexample.test&lang=zh-Hans&run=0", "zh"],
  ]) {
    const page = await h.newPage({ locale });
    const requests = h.recordRequests(page);
    await h.load(page, fragment);
    assert.equal(await page.getAttribute("html", "lang"), WORDS[lang].tag, `${locale} ${fragment}`);
    assert.deepEqual(textsAsked(requests), [lang], `${locale} ${fragment}`);
    await page.close();
  }
});
