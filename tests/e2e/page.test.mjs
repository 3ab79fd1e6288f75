// The page as a whole: its idle state, bad input, a re-run, Cancel, the language switch, a failed
// WebAssembly load, and screenshots of finished runs.

import { test } from "node:test";
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { assertFindings, assertVerdict, assertWorked, cancelled, harness, validKey } from "./harness.mjs";
import { holdAll, relay } from "./lib/proxies.mjs";
import { until } from "./lib/util.mjs";

const h = harness();

test("before a run: idle, Run enabled, Cancel hidden, no findings", async () => {
  const page = await h.openPage();
  assertVerdict(await h.verdictOf(page), { state: "idle" });
  assert.equal(await page.isEnabled("#run"), true);
  assert.equal(await page.isVisible("#lang"), true);
  assert.equal(await page.isVisible("#cancel"), false);
  assert.equal(await page.isVisible("#load-failed"), false);
  assert.deepEqual(await h.findings(page), []);
  assert.equal(await page.getAttribute("html", "lang"), "en");
  // The key goes as today's SDKs send it unless the person picks x-api-key; the harness assumes the same.
  assert.equal(await page.inputValue("#auth"), "bearer");
});

test("a base URL without a scheme is named, and only the side probes leave the page", async () => {
  const page = await h.newPage();
  const requests = h.recordRequests(page);
  await h.load(page);
  const v = await h.runAgainst(page, { base: "api.anthropic.com", key: validKey() });
  assertVerdict(v, { state: "broken", layer: "page", code: "page.target", outcome: "no_scheme" });
  assertFindings(await h.findings(page), {
    "page.target": ["fail", "no_scheme"],
    "page.mixed_content": ["skipped", "skipped"],
    "network.reach": ["skipped", "skipped"],
    "cors.read": ["skipped", "skipped"],
    "auth.key": ["skipped", "skipped"],
  });
  // Probes are started synchronously with the run; give any stray request time to show up.
  await page.waitForTimeout(1000);
  // The control endpoint and the status page need no target; nothing else may go out.
  const sides = Object.values(h.sides());
  const elsewhere = (await requests.settle())
    .filter((r) => new URL(r.url).origin !== h.pageOrigin)
    .map((r) => r.url)
    .filter((url) => !sides.includes(url));
  assert.deepEqual(elsewhere, []);
});

test("a base URL ending in /v1 is named, and the probes use the base without it", async () => {
  const page = await h.newPage();
  const requests = h.recordRequests(page);
  await h.load(page);
  const base = h.scenario("healthy");
  const v = await h.runAgainst(page, { base: `${base}/v1`, key: validKey() });
  assertVerdict(v, { state: "degraded", layer: "page", code: "page.target", outcome: "trailing_v1" });
  const fs = await h.findings(page);
  assertFindings(fs, {
    "page.target": ["warn", "trailing_v1"],
    "network.reach": ["pass", "answered"],
    "cors.read": ["pass", "readable"],
    "auth.key": ["pass", "accepted"],
  });
  assert.equal(fs.find((f) => f.code === "page.target").facts["base_used"], base);
  const probes = (await requests.settle()).filter((r) => r.url.startsWith(base + "/")).map((r) => r.url);
  assert.deepEqual(
    [...new Set(probes)].sort(),
    [`${base}/v1/models`, `${base}/v1/models?limit=1`],
  );
});

test("a second run replaces the first one's verdict and findings", async () => {
  const page = await h.openPage();
  const key = validKey();
  const first = await h.runAgainst(page, { base: h.scenario("no-cors"), key });
  assertVerdict(first, { state: "broken", layer: "cors", code: "cors.read", outcome: "refused" });
  const second = await h.runAgainst(page, { base: h.scenario("healthy"), key });
  assertVerdict(second, { state: "healthy" });
  assertFindings(await h.findings(page), { "cors.read": ["pass", "readable"], "auth.key": ["pass", "accepted"] });
});

test("Cancel stops a hanging run, and the next run is unaffected", async (t) => {
  // The target takes every request and answers none until the test ends.
  const holder = await holdAll(t, h);
  const page = await h.openPage();
  await page.fill("#base", holder.base);
  await page.fill("#key", validKey());
  await page.click("#run");
  await page.waitForSelector("#verdict[data-state=running]");
  await page.waitForSelector("#cancel", { state: "visible" });
  // Cancel comes once the probes are out and held: the no-cors GET, and the preflights of the CORS read
  // and of the keyed request. Until then the page could not have finished them.
  await until(
    () =>
      holder.recs.some((r) => r.held && r.kind === "plain") &&
      holder.recs.filter((r) => r.held && r.kind === "preflight").length >= 2,
    () => `the probes to be held: ${JSON.stringify(holder.recs)}`,
  );
  const clicked = Date.now();
  await page.click("#cancel");
  await h.waitForVerdict(page, 5000);
  const took = Date.now() - clicked;
  assertVerdict(await h.verdictOf(page), cancelled);
  assert.ok(took < 5000, `cancelling took ${took} ms`);
  assertFindings(await h.findings(page), { "network.reach": ["info", "not_run"] });
  assert.equal(await page.isVisible("#cancel"), false);

  // Late answers of the cancelled run must not leak into the next one.
  const v = await h.runAgainst(page, { base: h.scenario("healthy"), key: validKey() });
  assertWorked(v);
});

test("the language switch puts the page and a run's results into Chinese and back", async () => {
  const page = await h.openPage();
  const english = await h.runAgainst(page, { base: h.scenario("no-cors") });
  assert.match(english.text, /Broken at/);

  await h.switchLanguage(page);
  assert.equal(await page.getAttribute("html", "lang"), "zh-Hans");
  assert.equal((await page.textContent("#run")).trim(), "开始检测");
  assert.equal((await page.textContent("#lang")).trim(), "English");
  // The finished run re-renders in Chinese, with the same diagnosis.
  const switched = await h.verdictOf(page);
  assertVerdict(switched, { state: "broken", layer: "cors", code: "cors.read", outcome: "refused" });
  assert.match(switched.text, /故障位置/);
  assert.match(switched.text, /主机有响应，但本页面无法读取/);

  // A new run renders in Chinese too.
  const v = await h.runAgainst(page, { base: h.scenario("bad-key"), key: validKey() });
  assertVerdict(v, { state: "broken", layer: "auth", code: "auth.key", outcome: "invalid" });
  assert.match(v.text, /密钥无效/);
  assert.doesNotMatch(v.text, /The key is not valid/);
  const keyFinding = await h.finding(page, "auth.key");
  assert.match(keyFinding.text, /失败/);

  await h.switchLanguage(page);
  assert.equal(await page.getAttribute("html", "lang"), "en");
  assert.equal((await page.textContent("#run")).trim(), "Run checks");
  assert.match((await h.verdictOf(page)).text, /The key is not valid/);
});

test("a Chinese browser gets the page in Chinese", async () => {
  const page = await h.openPage({ locale: "zh-CN" });
  assert.equal(await page.getAttribute("html", "lang"), "zh-Hans");
  assert.equal((await page.textContent("#run")).trim(), "开始检测");
  const v = await h.runAgainst(page, { base: h.scenario("healthy") });
  assertVerdict(v, { state: "healthy" });
  assert.match(v.text, /这个浏览器可以使用 API/);
});

test("a WebAssembly module that cannot load is reported in plain words", async () => {
  const page = await h.newPage({ watchErrors: false });
  await page.route("**/*.wasm", (route) => route.abort());
  await page.goto(`${h.pageOrigin}/`);
  await page.waitForSelector("#load-failed", { state: "visible", timeout: 16_000 });
  assert.equal(await page.isVisible("#boot-status"), false);
  assert.equal(await page.$("html[data-ready]"), null);
  assert.equal(await page.isEnabled("#run"), false);
});

test("screenshots of finished runs", async () => {
  const page = await h.openPage();
  const key = validKey();
  const broken = await h.runAgainst(page, { base: h.scenario("org-blocked"), key });
  assertVerdict(broken, { state: "broken", layer: "auth", code: "auth.key", outcome: "org_blocks_browser" });
  const finished = await h.screenshot(page, "finished-run.png");
  const healthy = await h.runAgainst(page, { base: h.scenario("healthy"), key });
  assertVerdict(healthy, { state: "healthy" });
  const good = await h.screenshot(page, "healthy-run.png");
  for (const file of [finished, good]) assert.ok(statSync(file).size > 1000, `${file} is empty`);
});

test("a snippet opened while probes are still out stays open as they land", async (t) => {
  // The base's trailing /v1 is judged at once (with snippets); a relay in front of the healthy API holds
  // every answer until the snippet is open, so that the probes land after it, however fast the page is.
  const held = await relay(t, h, { stall: () => true, stallAfter: -1 });
  const page = await h.openPage();
  await page.fill("#base", `${held.base}/v1`);
  await page.click("#run");
  const snippet = '#findings li[data-code="page.target"] details.snippet';
  await page.waitForSelector(snippet);
  await page.click(`${snippet} > summary`);
  assert.equal(await page.$eval(snippet, (d) => d.open), true);
  await until(() => held.recs.some((r) => r.held && r.kind === "plain"), "the reach probe's answer to be held");
  const state = await page.getAttribute("#verdict", "data-state");
  assert.equal(state, "running", "the probes landed before the snippet opened");
  held.release();
  await page.waitForFunction(() => document.querySelector("#verdict").dataset.state === "degraded", null, {
    timeout: 25_000,
  });
  assertFindings(await h.findings(page), { "network.reach": ["pass", "answered"], "cors.read": ["pass", "readable"] });
  assert.equal(await page.$eval(snippet, (d) => d.open), true, "re-rendering closed the snippet");
});
