// One language per download: the page fetches the texts of the language it shows (texts-<lang>-<hash>.txt
// beside it), the other only when the reader switches to it, and says so when a language cannot be had.

import { test } from "node:test";
import assert from "node:assert/strict";
import { assertVerdict, harness, validKey } from "./harness.mjs";

const h = harness();

/** Which language files the recorded requests asked for, in order: "en" or "zh" for each. */
const textsAsked = (requests) =>
  requests.seen.map((r) => /\/texts-(en|zh)-[0-9a-f]{16}\.txt$/.exec(r.url)?.[1]).filter(Boolean);

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

/** A new page whose uncaught errors are collected (its own failed file requests are expected here). */
async function pageExpectingFailedFiles(locale) {
  const page = await h.newPage({ watchErrors: false, locale });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
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
