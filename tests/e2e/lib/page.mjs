// The page API of a test file: `harness()` registers the file's hooks and returns the helpers that drive the built page.
//
// scripts/test passes DIST_DIR, MOCK_ORIGIN, CLOSED_PORT, CHROMIUM and SCREENSHOT_DIR. Run standalone, the
// harness falls back to <repo>/dist, starts the mock itself (MOCK_BIN, or target/release/mock-api, built
// first if missing; see lib/processes.mjs), and asks it for a closed port. It stops only the processes it
// started, by pid.
//
// After every test it checks where the test's keys went (lib/leaks.mjs): only to the target, in its
// credential header. A test fails when a key turns up anywhere else, or when its page raised an error
// (lib/errors.mjs).

import { after, afterEach, before, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { watchPageErrors } from "./errors.mjs";
import { beginWatch, checkNow, endWatch, noteBase, writeLeakTotals } from "./leaks.mjs";
import { MOCK_START_TIMEOUT_MS, REPO, closedPort, killChildren, launchChromium, startMock } from "./processes.mjs";
import { startServer, staticHandler } from "./servers.mjs";

/** Generous bounds for a loaded 2-core machine. */
export const RUN_TIMEOUT_MS = 25_000;
const READY_TIMEOUT_MS = 20_000;

// --- The environment, once per test file ------------------------------------------------------------

const env = {
  distDir: null,
  mockOrigin: null,
  closedPort: null,
  pageOrigin: null,
  screenshotDir: null,
  browser: null,
  site: null,
};

async function setUp() {
  env.distDir = path.resolve(process.env.DIST_DIR || path.join(REPO, "dist"));
  assert.ok(
    existsSync(path.join(env.distDir, "index.html")),
    `no built page at ${env.distDir}/index.html: run trunk build (or set DIST_DIR)`,
  );
  env.mockOrigin = (process.env.MOCK_ORIGIN || (await startMock())).replace(/\/+$/, "");
  env.closedPort = Number(process.env.CLOSED_PORT || closedPort());
  env.screenshotDir = path.resolve(process.env.SCREENSHOT_DIR || path.join(REPO, "target/e2e"));
  mkdirSync(env.screenshotDir, { recursive: true });
  env.site = await startServer(staticHandler(env.distDir));
  env.pageOrigin = env.site.origin;
  env.browser = await launchChromium();
}

async function tearDown() {
  writeCoverage();
  writeLeakTotals(env.screenshotDir);
  await env.browser?.close().catch(() => {});
  await env.site?.close().catch(() => {});
  killChildren();
}

// --- Coverage: which (check, outcome) pairs the runs of this file rendered ---------------------------
//
// tests/e2e/coverage.mjs joins these files with the catalogue of outcomes after the suite.

const covered = [];

/** Notes the outcomes a finished run rendered, under the test's name. */
export function noteCoverage(scenario, findings) {
  for (const f of findings) {
    if (f.outcome) covered.push({ code: f.code, outcome: f.outcome, scenario });
  }
}

function writeCoverage() {
  if (!covered.length || !env.screenshotDir) return;
  const file = path.join(env.screenshotDir, `coverage-${path.basename(process.argv[1] ?? "x")}-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(covered));
}

// --- The helpers ---------------------------------------------------------------------------------------

/**
 * Registers the file's hooks and returns the helpers. Call once, at the top level of a test file.
 */
export function harness() {
  let context = null;
  let extraContexts = [];
  let problems = [];

  before(setUp, { timeout: MOCK_START_TIMEOUT_MS + 60_000 });
  after(tearDown);
  beforeEach(async () => {
    problems = [];
    beginWatch();
    context = await env.browser.newContext({ locale: "en-US", viewport: { width: 1100, height: 900 } });
  });
  afterEach(async () => {
    const seen = problems;
    // The leak check reads the pages before anything closes them.
    const { leaks, contexts } = await endWatch();
    for (const c of new Set([context, ...extraContexts, ...contexts])) await c?.close().catch(() => {});
    context = null;
    extraContexts = [];
    assert.deepEqual(seen, [], "the page raised errors");
    assert.deepEqual(leaks, [], "a key went somewhere other than the target's credential header");
  });

  const h = {
    get mockOrigin() {
      return env.mockOrigin;
    },
    get pageOrigin() {
      return env.pageOrigin;
    },
    /** The built page's directory (DIST_DIR, default <repo>/dist), for a test that serves it itself. */
    get distDir() {
      return env.distDir;
    },
    /** The mock's port, for targets that reach it under another host name (`*.mock.test`, `localhost`). */
    get mockPort() {
      return new URL(env.mockOrigin).port;
    },
    get closedPort() {
      return env.closedPort;
    },
    get screenshotDir() {
      return env.screenshotDir;
    },
    get context() {
      return context;
    },

    /**
     * Checks, now, where this test's keys went (see findLeaks), and forgets what it checked: a test that
     * leaks a key on purpose takes the leaks here, so that the check after the test sees only the rest.
     */
    leaks() {
      return checkNow();
    },

    /** The base URL of a mock scenario. */
    scenario(name) {
      return `${env.mockOrigin}/s/${name}`;
    },

    /**
     * A new page in this test's context, without waiting for the wasm; errors are still recorded
     * unless `watchErrors` is false.
     */
    async newPage({ watchErrors = true, locale } = {}) {
      let ctx = context;
      if (locale) {
        ctx = await env.browser.newContext({ locale, viewport: { width: 1100, height: 900 } });
        extraContexts.push(ctx);
      }
      const page = await ctx.newPage();
      if (watchErrors) {
        watchPageErrors(page, env.pageOrigin, problems);
      }
      return page;
    },

    /** Opens a new page (in the browser language `locale`, default en-US) once the wasm has started. */
    async openPage({ locale } = {}) {
      const page = await h.newPage({ locale });
      await h.load(page);
      return page;
    },

    /** Navigates `page` to the built page and waits until the wasm has started (`html[data-ready]`). */
    async load(page, hash = "") {
      await page.goto(`${env.pageOrigin}/${hash}`);
      await page.waitForSelector("html[data-ready]", { state: "attached", timeout: READY_TIMEOUT_MS });
    },

    /**
     * Presses the language switch and waits until the page shows the other language: the first time, the
     * page downloads that language's texts before it switches.
     */
    async switchLanguage(page) {
      const before = await page.getAttribute("html", "lang");
      await page.click("#lang");
      await page.waitForFunction((was) => document.documentElement.lang !== was, before, {
        timeout: READY_TIMEOUT_MS,
      });
    },

    /** Records every request the page makes; `settle()` resolves each one's full header set. */
    recordRequests(page) {
      const seen = [];
      page.on("request", (request) => {
        seen.push({
          url: request.url(),
          method: request.method(),
          headers: request.allHeaders().catch(() => request.headers()),
          postData: request.postData(),
        });
      });
      return {
        seen,
        async settle() {
          return Promise.all(seen.map(async (r) => ({ ...r, headers: await r.headers })));
        },
      };
    },

    /** The mock's side endpoints: control, two DNS-over-HTTPS resolvers and the status page. */
    sides({ doh1 = "ok", doh2 = "ok", status = "operational", control = true } = {}) {
      return {
        "control-url": control ? `${env.mockOrigin}/s/control/` : `http://127.0.0.1:${env.closedPort}/`,
        doh1: `${env.mockOrigin}/doh/${doh1}/dns-query`,
        doh2: `${env.mockOrigin}/doh/${doh2}/resolve`,
        "status-url": `${env.mockOrigin}/status/${status}/api/v2/summary.json`,
      };
    },

    /**
     * Fills the form and presses Run, without waiting for anything: for a test that acts while the run is
     * under way (Cancel) or waits longer than `runAgainst` does. `sides` overrides the side endpoints (see
     * `sides()`); `model`, `message`, `watch` and `samples` set the other fields. `fields` sets advanced
     * fields by id, verbatim and after the sides (e.g. `{ "control-url": "not a url" }`).
     */
    async startRun(
      page,
      {
        base,
        key = "",
        // The page's default (page.test.mjs holds the two together): the key as today's SDKs send it.
        auth = "bearer",
        sides = {},
        fields = {},
        model = "",
        message = false,
        watch = "0",
        samples = 3,
      } = {},
    ) {
      noteBase(page, base);
      await page.fill("#base", base);
      await page.selectOption("#auth", auth);
      await page.fill("#key", key);
      await page.fill("#model", model);
      await page.setChecked("#message", message);
      await page.selectOption("#watch", String(watch));
      // The advanced fields sit in a closed <details>; they are set directly, as a link would set them.
      await page.evaluate(
        (values) => {
          for (const [id, value] of Object.entries(values)) document.getElementById(id).value = value;
        },
        { ...h.sides(sides), samples: String(samples), ...fields },
      );
      // Mark the verdict's current content, so that a verdict left from an earlier run is not taken
      // for this run's: rendering replaces the children.
      await page.evaluate(() => {
        const first = document.getElementById("verdict").firstChild;
        if (first) first.__e2eStale = true;
      });
      await page.click("#run");
    },

    /**
     * Waits for the run's verdict and for every finding to settle (`timeout` each), notes the outcomes
     * for coverage under `label`, and returns the verdict.
     */
    async finishRun(page, { label, timeout = RUN_TIMEOUT_MS }) {
      await h.waitForVerdict(page, timeout);
      await h.waitForSettled(page, timeout);
      noteCoverage(label, await h.findings(page));
      return h.verdictOf(page);
    },

    /**
     * Fills the form, presses Run and waits for a finished verdict (`startRun`, then `finishRun`), the
     * outcomes noted under `label` (default the base, less the mock's origin).
     */
    async runAgainst(page, { label, ...options } = {}) {
      await h.startRun(page, options);
      return h.finishRun(page, { label: label ?? options.base.replace(env.mockOrigin, "") });
    },

    /** Waits until no finding is pending (the latency series may still run after the verdict). */
    async waitForSettled(page, timeout = RUN_TIMEOUT_MS) {
      await page.waitForFunction(
        () => !document.querySelector('#findings li.finding[data-status="pending"]'),
        null,
        { timeout, polling: 100 },
      );
    },

    /** Waits until the verdict is neither idle nor running, and is not the one from before. */
    async waitForVerdict(page, timeout = RUN_TIMEOUT_MS) {
      await page.waitForFunction(
        () => {
          const v = document.getElementById("verdict");
          const first = v.firstChild;
          return !["idle", "running"].includes(v.dataset.state) && !(first && first.__e2eStale);
        },
        null,
        { timeout, polling: 100 },
      );
    },

    /** The verdict's data attributes and text. */
    verdictOf(page) {
      return page.$eval("#verdict", (v) => ({
        state: v.dataset.state ?? null,
        layer: v.dataset.layer ?? null,
        code: v.dataset.code ?? null,
        outcome: v.dataset.outcome ?? null,
        text: v.innerText,
      }));
    },

    /**
     * Every finding: code, status, outcome, text and facts (slot → value, by the stable `data-fact`, never the
     * label, so rewording a label breaks no test; of a list of facts sharing a slot, the first).
     */
    findings(page) {
      return page.$$eval("#findings li.finding", (items) =>
        items.map((li) => {
          const facts = {};
          for (const dt of li.querySelectorAll("dl.facts > dt")) {
            const dd = dt.nextElementSibling;
            if (dd && dd.tagName === "DD" && dd.dataset.fact === dt.dataset.fact && !(dt.dataset.fact in facts)) {
              facts[dt.dataset.fact] = dd.textContent;
            }
          }
          return {
            code: li.dataset.code,
            status: li.dataset.status,
            outcome: li.dataset.outcome ?? null,
            text: li.innerText,
            facts,
          };
        }),
      );
    },

    /** The finding with `code`, failing if absent. */
    async finding(page, code) {
      const all = await h.findings(page);
      const f = all.find((x) => x.code === code);
      assert.ok(f, `no finding ${code} among ${all.map((x) => x.code).join(", ")}`);
      return f;
    },

    /** The facts of the finding with `code` (slot → value), failing if the finding is absent. */
    async factsOf(page, code) {
      return (await h.finding(page, code)).facts;
    },

    /**
     * Waits until each finding of `codes` is there and no longer pending, while the run may still be under
     * way: a test that cancels waits so for the findings it expects to stand before it presses Cancel.
     */
    async waitForFindings(page, codes, timeout = RUN_TIMEOUT_MS) {
      await page.waitForFunction(
        (codes) =>
          codes.every((code) => {
            const li = document.querySelector(`#findings li.finding[data-code="${code}"]`);
            return li && li.dataset.status && li.dataset.status !== "pending";
          }),
        codes,
        { timeout, polling: 100 },
      );
    },

    /** A full-page screenshot into SCREENSHOT_DIR. */
    async screenshot(page, name) {
      const file = path.join(env.screenshotDir, name);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
  };
  return h;
}

/**
 * Opens a page of `h` at `viewport` ({ width, height }, default the context's) in `colorScheme` ("light" or
 * "dark"), once the wasm has started. The scheme is emulated for the page, so `prefers-color-scheme` and
 * the native form controls follow it; it asserts that the page sees the scheme asked for.
 */
export async function openPageAs(h, { viewport, colorScheme = "light", hash = "" } = {}) {
  const page = await h.newPage();
  if (viewport) await page.setViewportSize(viewport);
  await page.emulateMedia({ colorScheme });
  await h.load(page, hash);
  const dark = await page.evaluate(() => matchMedia("(prefers-color-scheme: dark)").matches);
  assert.equal(dark, colorScheme === "dark", `the page does not see the ${colorScheme} scheme`);
  return page;
}
