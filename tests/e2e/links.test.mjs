// Config links, report links, keys in links, the phishing guard, Markdown and JSON exports.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { assertWorked, harness, validKey } from "./harness.mjs";

const h = harness();
const KEY = validKey();

/** The page's address with `fragment`. */
const at = (fragment) => `${h.pageOrigin}/#${fragment}`;

/** Opens the page at `fragment` and waits for the wasm. */
async function open(page, fragment) {
  await page.goto(at(fragment));
  await page.waitForSelector("html[data-ready]", { state: "attached", timeout: 15_000 });
}

/** The notes shown about the link: kind and text. */
const notes = (page) =>
  page.$$eval("#notices .notice", (ps) => ps.map((p) => ({ kind: p.dataset.kind, text: p.textContent })));

/** Every finding's code, status, outcome and facts, without the words (which depend on the language). */
async function shape(page) {
  return (await h.findings(page)).map(({ code, status, outcome, facts }) => ({ code, status, outcome, facts }));
}

/** Waits for the share panel's report link and returns it. */
async function reportLink(page) {
  await page.waitForFunction(() => document.getElementById("report-link").value.includes("#report="), null, {
    timeout: 10_000,
  });
  return page.$eval("#report-link", (i) => i.value);
}

describe("config links", () => {
  test("a link with run=1 fills the form and runs against its target with no clicks", async () => {
    const page = await h.newPage();
    const base = h.scenario("bad-key");
    await open(page, `base=${encodeURIComponent(base)}&model=claude-test-1&version=2023-06-01&watch=0&run=1`);
    assert.equal(await page.inputValue("#base"), base);
    assert.equal(await page.inputValue("#model"), "claude-test-1");
    await h.waitForVerdict(page);
    await h.waitForSettled(page);
    // No key in a link, so the path is checked without one: reach and CORS work on this scenario.
    const f = await shape(page);
    assert.deepEqual(
      f.filter((x) => ["network.reach", "cors.read", "auth.key"].includes(x.code)).map((x) => [x.code, x.status]),
      [
        ["network.reach", "pass"],
        ["cors.read", "pass"],
        ["auth.key", "info"],
      ],
    );
    assert.deepEqual(await notes(page), []);
  });

  test("checks= shows only the named checks and what they depend on", async () => {
    const page = await h.newPage();
    await open(page, `base=${encodeURIComponent(h.scenario("healthy"))}&checks=cors&run=1`);
    await h.waitForVerdict(page);
    await h.waitForSettled(page);
    const codes = (await h.findings(page)).map((f) => f.code);
    assert.deepEqual(codes, ["page.target", "page.mixed_content", "page.online", "dns.public", "network.reach", "cors.read"]);
    // The test message named alone ticks its box and stays alone, and the link to copy says the same.
    const alone = await h.newPage();
    await open(alone, "checks=service.message");
    assert.equal(await alone.isChecked("#message"), true);
    assert.equal(await alone.inputValue("#checks"), "service.message");
    assert.match(await alone.inputValue("#config-link"), /[#&]checks=service\.message(&|$)/);
  });

  test("unknown keys and malformed values are named in notes, and the rest is used", async () => {
    const page = await h.newPage();
    await open(page, "model=claude-ok&colour=red&auth=basic&watch=soon&lang=fr&version=yesterday");
    const n = await notes(page);
    assert.deepEqual(
      n.map((x) => x.kind),
      ["unknown", "malformed", "malformed", "malformed", "malformed"],
    );
    const text = n.map((x) => x.text).join("\n");
    for (const shown of ["colour", "auth=basic", "watch=soon", "lang=fr", "version=yesterday"]) {
      assert.ok(text.includes(shown), `the notes name ${shown}: ${text}`);
    }
    assert.equal(await page.inputValue("#model"), "claude-ok");
    assert.equal(await page.$eval("#verdict", (v) => v.dataset.state), "idle");
  });

  test("changing the form updates the link to copy, which reads back and never holds the key", async () => {
    const page = await h.openPage();
    const base = h.scenario("healthy");
    await page.fill("#base", base);
    await page.fill("#key", KEY);
    await page.fill("#model", "claude-x");
    await page.selectOption("#auth", "key");
    await page.selectOption("#watch", "60");
    await page.setChecked("#message", true);
    const link = await page.inputValue("#config-link");
    assert.ok(!link.includes(KEY) && !link.includes("sk-ant"), link);
    const params = new URLSearchParams(new URL(link).hash.slice(1));
    assert.deepEqual(Object.fromEntries(params), {
      base,
      auth: "key",
      model: "claude-x",
      run: "1",
      watch: "60",
      checks: "all,service.message",
    });
    // Opening it gives the same form.
    const other = await h.newPage();
    await other.goto(link.replace("run=1", "run=0"));
    await other.waitForSelector("html[data-ready]", { state: "attached" });
    assert.equal(await other.inputValue("#base"), base);
    assert.equal(await other.inputValue("#auth"), "key");
    assert.equal(await other.inputValue("#watch"), "60");
    assert.equal(await other.isChecked("#message"), true);
    assert.equal(await other.inputValue("#key"), "");
  });

  test("lang=zh shows the page in Chinese, and the switcher changes the link", async () => {
    const page = await h.newPage();
    await open(page, "lang=zh");
    assert.equal(await page.getAttribute("html", "lang"), "zh-Hans");
    assert.equal(await page.textContent("#run"), "开始检测");
    assert.ok((await page.inputValue("#config-link")).includes("lang=zh"));
    await h.switchLanguage(page);
    assert.equal(await page.getAttribute("html", "lang"), "en");
    assert.ok(!(await page.inputValue("#config-link")).includes("lang="));
  });
});

describe("no key in links, ever", () => {
  test("a key in the fragment is stripped at once, not used, and the person is told why", async () => {
    const page = await h.newPage();
    const requests = h.recordRequests(page);
    const base = h.scenario("healthy");
    await open(page, `base=${encodeURIComponent(base)}&key=${KEY}&run=1`);
    // Gone from the address bar and from this tab's history entry.
    assert.ok(!page.url().includes("sk-ant"), page.url());
    assert.equal(new URL(page.url()).hash, `#base=${encodeURIComponent(base)}&run=1`);
    const n = await notes(page);
    assert.deepEqual(n.map((x) => x.kind), ["key"]);
    assert.match(n[0].text, /removed from the address bar and not used/);
    assert.equal(await page.inputValue("#key"), "");
    await h.waitForVerdict(page);
    await h.waitForSettled(page);
    // The run went out without the key: no request carried it anywhere.
    for (const r of await requests.settle()) {
      const all = `${r.url} ${JSON.stringify(r.headers)} ${r.postData ?? ""}`;
      assert.ok(!all.includes(KEY.slice(14, 40)), `the key reached ${r.method} ${r.url}`);
    }
    assert.equal((await h.finding(page, "auth.key")).status, "info");
    // Nor did it reach storage.
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
    assert.ok(!stored.includes("sk-ant"));
  });

  test("a key-shaped value under any name is stripped too", async () => {
    const page = await h.newPage();
    await open(page, `model=claude-x&note=${KEY}`);
    assert.ok(!page.url().includes("sk-ant"));
    assert.deepEqual((await notes(page)).map((x) => x.kind), ["key"]);
    assert.equal(await page.inputValue("#model"), "claude-x");
  });
});

describe("phishing guard", () => {
  test("a link's other host is named at the key field, and keyed checks wait for a confirmation", async () => {
    const page = await h.newPage();
    const base = h.scenario("healthy");
    const host = new URL(base).host;
    await open(page, `base=${encodeURIComponent(base)}`);
    await page.waitForSelector("#key-guard", { state: "visible" });
    assert.ok((await page.textContent("#key-guard-text")).includes(host));
    assert.ok((await page.textContent("#key-confirm-label")).includes(host));
    const requests = h.recordRequests(page);
    await page.fill("#key", KEY);
    await page.click("#run");
    await page.waitForSelector("#form-alert", { state: "visible" });
    assert.ok((await page.textContent("#form-alert")).includes(host));
    await page.waitForTimeout(300);
    assert.deepEqual(requests.seen.map((r) => r.url), [], "nothing is sent before the confirmation");
    assert.equal(await page.$eval("#verdict", (v) => v.dataset.state), "idle");
    // Confirmed, the run goes out and the key reaches the target.
    await page.check("#key-confirm");
    const v = await h.runAgainst(page, { base, key: KEY, label: "phishing guard confirmed" });
    assertWorked(v);
    const keyed = (await requests.settle()).filter((r) => r.headers.authorization === `Bearer ${KEY}`);
    assert.ok(keyed.length > 0 && keyed.every((r) => r.url.startsWith(new URL(base).origin + "/")));
  });

  test("the real API's host is not guarded, nor a target typed by hand", async () => {
    const page = await h.newPage();
    await open(page, "base=https%3A%2F%2Fapi.anthropic.com");
    assert.equal(await page.isHidden("#key-guard"), true);
    const typed = await h.openPage();
    await typed.fill("#base", h.scenario("healthy"));
    assert.equal(await typed.isHidden("#key-guard"), true);
  });
});

describe("report links", () => {
  test("a report link round trip renders the same verdict and findings, read-only", async (t) => {
    const page = await h.openPage();
    const v = await h.runAgainst(page, { base: h.scenario("bad-key"), key: KEY, label: "report round trip" });
    assert.equal(v.state, "broken");
    const link = await reportLink(page);
    // A typical full report fits in a link that chat apps and tickets keep whole.
    assert.ok(link.length <= 2000, `report link is ${link.length} characters`);
    t.diagnostic(`broken-run report link: ${link.length} characters`);
    assert.ok(!link.includes(KEY.slice(14, 40)));
    const before = { verdict: await h.verdictOf(page), findings: await shape(page) };

    const viewer = await h.newPage();
    const requests = h.recordRequests(viewer);
    await viewer.goto(link);
    await viewer.waitForSelector("html[data-ready]", { state: "attached" });
    await viewer.waitForSelector("#shared", { state: "visible" });
    assert.equal(await viewer.isHidden("#setup"), true);
    const after = { verdict: await h.verdictOf(viewer), findings: await shape(viewer) };
    assert.deepEqual(after, before);
    // The banner says whose and when.
    const who = await viewer.textContent("#shared-who");
    assert.match(who, /Chrome \d+/);
    const meta = await viewer.textContent("#shared-meta");
    assert.ok(meta.includes(h.scenario("bad-key")));
    assert.match(meta, /api-key, 108 characters, SHA-256 starts [0-9a-f]{8}/);
    // Nothing was checked from the viewer's browser.
    assert.deepEqual(
      requests.seen.map((r) => r.url).filter((u) => !u.startsWith(h.pageOrigin)),
      [],
    );
    // In Chinese, the same report: the labels change, the values do not.
    await h.switchLanguage(viewer);
    const values = (fs) => fs.map((f) => [f.code, f.status, f.outcome, Object.values(f.facts)]);
    assert.equal(await viewer.getAttribute("html", "lang"), "zh-Hans");
    assert.deepEqual(values(await shape(viewer)), values(before.findings));
  });

  test("a full healthy run with a key, the test message and ten round trips fits in 2,000 characters", async (t) => {
    const page = await h.openPage();
    const v = await h.runAgainst(page, {
      base: h.scenario("healthy"),
      key: KEY,
      message: true,
      samples: 10,
      label: "report size, full run",
    });
    assertWorked(v);
    const link = await reportLink(page);
    t.diagnostic(`full report link: ${link.length} characters, ${(await shape(page)).length} findings`);
    assert.ok(link.length <= 2000, `report link is ${link.length} characters`);
  });

  test("damaged, foreign and oversize report links are refused with a message", async () => {
    const rows = [
      ["report=!!not-base64!!", /holds characters a report never has/],
      ["report=AwAB", /another version/],
      ["report=AQ", /does not describe a report/],
      ["report=AXt7e3t7e3t7", /does not unpack|does not describe/],
      [`report=${"A".repeat(40_001)}`, /too long/],
    ];
    for (const [fragment, want] of rows) {
      const page = await h.newPage();
      await open(page, fragment);
      const n = await notes(page);
      assert.equal(n.length, 1, fragment.slice(0, 40));
      assert.equal(n[0].kind, "report");
      assert.match(n[0].text, want);
      // The form is there to run one's own checks instead.
      assert.equal(await page.isVisible("#setup"), true);
      await page.close();
    }
  });
});

describe("Markdown and JSON", () => {
  test("carry the same report as the link, with request ids and never the key", async () => {
    await h.context.grantPermissions(["clipboard-read", "clipboard-write"]);
    const page = await h.openPage();
    await h.runAgainst(page, { base: h.scenario("bad-key"), key: KEY, label: "exports" });
    const link = await reportLink(page);
    const findings = await shape(page);

    await page.click("#copy-md");
    await page.waitForFunction(() => document.getElementById("share-status").textContent.length > 0);
    const md = await page.evaluate(() => navigator.clipboard.readText());
    assert.ok(md.includes(link), "the Markdown carries the report link");
    for (const f of findings) assert.ok(md.includes(f.code), `Markdown lacks ${f.code}`);
    const ids = findings.flatMap((f) => Object.entries(f.facts).filter(([k]) => k === "request_id").map(([, v]) => v));
    assert.ok(ids.length > 0, "the bad-key scenario gives request ids");
    for (const id of ids) assert.ok(md.includes(id), `Markdown lacks ${id}`);

    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-json")]);
    const json = JSON.parse(await readFile(await download.path(), "utf8"));
    assert.equal(json.schema, 1);
    assert.equal(json.verdict.state, "broken");
    assert.deepEqual(
      json.findings.map((f) => [f.code, f.status, f.outcome]),
      findings.map((f) => [f.code, f.status, f.outcome ?? "skipped"]),
    );
    const text = JSON.stringify(json);
    for (const id of ids) assert.ok(text.includes(id), `JSON lacks ${id}`);
    for (const out of [md, text, link]) assert.ok(!out.includes(KEY.slice(14, 40)), "the key leaked into an export");
  });
});
