// Zero accessibility violations (axe-core, WCAG 2.x A and AA rules) in the page's main states.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { assertVerdict, harness, validKey } from "./harness.mjs";

const h = harness();
const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

async function violations(page) {
  await page.addScriptTag({ path: AXE });
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
  await page.click("#lang");
  const v = await h.runAgainst(page, { base: h.scenario("healthy"), key: validKey() });
  assertVerdict(v, { state: "healthy" });
  assert.deepEqual(await violations(page), []);
});

test("no violations while a run is in progress", async () => {
  const page = await h.openPage();
  await page.fill("#base", h.scenario("hang"));
  await page.click("#run");
  await page.waitForSelector("#verdict[data-state=running]");
  assert.deepEqual(await violations(page), []);
  await page.click("#cancel");
  await h.waitForVerdict(page, 5000);
});
