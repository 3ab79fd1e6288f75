// Zero accessibility violations (axe-core, WCAG 2.x A and AA rules) in the page's main states, in the light
// and the dark colour scheme (the dark palette has contrast of its own to get right).

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { assertVerdict, assertWorked, harness, openPageAs, validKey } from "./harness.mjs";
import { holdAll } from "./lib/proxies.mjs";
import { until } from "./lib/util.mjs";

const h = harness();
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

async function violations(page) {
  // The built page's Content-Security-Policy forbids inline script, so axe is not added as a <script>
  // tag: it is evaluated through the browser's DevTools protocol, which the policy does not govern. The
  // page itself runs under its real policy.
  await page.evaluate(AXE);
  const found = await page.evaluate(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
      resultTypes: ["violations"],
    });
    return result.violations.map((v) => ({
      rule: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5),
    }));
  });
  return found;
}

test("no violations before a run", async () => {
  const page = await h.openPage();
  assert.deepEqual(await violations(page), []);
});

test("no violations in a broken run with fixes and snippets", async () => {
  const page = await h.openPage();
  const v = await h.runAgainst(page, { base: h.scenario("no-cors"), key: validKey() });
  assertVerdict(v, { state: "broken", layer: "cors", code: "cors.read", outcome: "refused" });
  // Open the snippets too.
  await page.$$eval("details", (all) => all.forEach((d) => (d.open = true)));
  assert.deepEqual(await violations(page), []);
});

test("no violations in a healthy run, in Chinese", async () => {
  const page = await h.openPage();
  await h.switchLanguage(page);
  const v = await h.runAgainst(page, { base: h.scenario("healthy"), key: validKey() });
  assertWorked(v);
  assert.deepEqual(await violations(page), []);
});

test("no violations while a run is in progress", async (t) => {
  // The target takes every request and answers none until the test ends.
  const holder = await holdAll(t, h);
  const page = await h.openPage();
  await page.fill("#base", holder.base);
  await page.click("#run");
  await page.waitForSelector("#verdict[data-state=running]");
  // The reach probe is held, so the run stays in progress while axe looks (up to the probe's 10 s timeout).
  await until(() => holder.recs.some((r) => r.held && r.kind === "plain"), "the reach probe to be held");
  assert.deepEqual(await violations(page), []);
  assert.equal(await page.getAttribute("#verdict", "data-state"), "running", "the run ended while axe looked");
  await page.click("#cancel");
  await h.waitForVerdict(page, 5000);
});

test("no violations before a run, in the dark scheme", async () => {
  const page = await openPageAs(h, { colorScheme: "dark" });
  assert.deepEqual(await violations(page), []);
});

test("no violations in a broken run with fixes and snippets, in the dark scheme", async () => {
  const page = await openPageAs(h, { colorScheme: "dark" });
  const v = await h.runAgainst(page, { base: h.scenario("no-cors"), key: validKey() });
  assertVerdict(v, { state: "broken", layer: "cors", code: "cors.read", outcome: "refused" });
  await page.$$eval("details", (all) => all.forEach((d) => (d.open = true)));
  assert.deepEqual(await violations(page), []);
});

/** Runs against `scenario` with a key and returns the finished run's report link. */
async function reportOf(scenario) {
  const page = await h.openPage();
  await h.runAgainst(page, { base: h.scenario(scenario), key: validKey(), label: `a11y: ${scenario} report` });
  await page.waitForFunction(() => document.getElementById("report-link").value.includes("#report="));
  assert.deepEqual(await violations(page), [], "the finished run with its share panel");
  return page.$eval("#report-link", (i) => i.value);
}

test("no violations in a shared report, in English and Chinese, light and dark", async () => {
  const link = await reportOf("bad-key");
  for (const [lang, colorScheme] of [
    ["en", "light"],
    ["zh", "dark"],
  ]) {
    const page = await openPageAs(h, { colorScheme, hash: new URL(link).hash });
    await page.waitForSelector("#shared", { state: "visible" });
    if (lang === "zh") await h.switchLanguage(page);
    assert.equal(await page.getAttribute("html", "lang"), lang === "zh" ? "zh-Hans" : "en");
    assert.deepEqual(await violations(page), [], `shared report, ${lang}, ${colorScheme}`);
  }
});

test("no violations with link notes and the key guard showing, in both languages", async () => {
  const base = encodeURIComponent(h.scenario("healthy"));
  for (const lang of ["en", "zh"]) {
    const page = await h.newPage();
    await page.goto(`${h.pageOrigin}/#base=${base}&lang=${lang}&colour=red&watch=soon&key=${validKey()}`);
    await page.waitForSelector("html[data-ready]", { state: "attached" });
    await page.waitForSelector("#key-guard", { state: "visible" });
    assert.equal(await page.$$eval("#notices .notice", (n) => n.length), 3);
    await page.fill("#key", validKey());
    await page.click("#run");
    await page.waitForSelector("#form-alert", { state: "visible" });
    assert.deepEqual(await violations(page), [], `notes and guard, ${lang}`);
  }
});
