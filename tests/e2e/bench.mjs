// Measures the built page in headless Chromium, each figure the median of several fresh browser contexts,
// and prints one JSON line. scripts/bench runs it once per measurement and grades the figures.
//
// Usage: node tests/e2e/bench.mjs --measure run|load|latency --dist DIR [--mock BIN] [--delay MS] [--runs N]
//        [--samples N]
//
// run: a full run without a key against the mock API with a delay injected into every response, beside
//   the critical path of those delays (see src/core/run.rs), in round trips of the delay:
//     first wave, concurrent: the readable CORS probe needs a preflight and then the request (2); the
//       control, the two resolvers, the no-cors probe and the status page need one each (1);
//     then the latency series, one at a time: the cold round trip, N warm ones, and the control's
//       min(N, 5) interleaved ones.
//   So the critical path is (2 + 1 + N + min(N, 5)) × delay. Everything else the page does (planning,
//   diagnosing, rendering) is the overhead this measures.
// load: how long the wasm takes to start once downloaded: from the Resource Timing `responseEnd` of the
//   .wasm to the moment `html[data-ready]` is set (seen by a MutationObserver installed before the page's
//   own scripts), which includes downloading the language file the wasm asks for once it runs; and, for
//   context, from navigation start to that moment, and from the wasm's download to the language file's.
// latency: the median warm round trip the latency check reports (its rendered fact) beside a plain
//   JavaScript timing loop in the same page making the same requests: what src/web/fetch.rs sends for
//   the series (src/core/run.rs series_order, src/core/probe.rs describe): a `no-cors` GET of
//   <base>/v1/models without headers, credentials omitted, `cache: no-store`, redirects followed, an
//   abort signal armed with the 10 s timeout, timed with performance.now() from before the Request is
//   built until fetch resolves (an opaque body is never read); one cold round trip, then N warm ones with
//   the control endpoint's no-cors GET after each of the first five; Resource Timing cleared before each,
//   as the page does. The medians are of the warm round trips. The page and the loop take turns going
//   first, so that neither always meets the connections the other left.

import { spawn } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .join(" ")
    .split("--")
    .filter(Boolean)
    .map((a) => a.trim().split(/\s+/)),
);
const measure = args.measure ?? "run";
const dist = path.resolve(args.dist ?? "dist");
const delay = Number(args.delay ?? 100);
const runs = Number(args.runs ?? 5);
const samples = Number(args.samples ?? 10);
/** Control round trips interleaved with the target's (src/core/run.rs CONTROL_SAMPLES). */
const CONTROL_SAMPLES = 5;
/** The probes' timeout (src/core/probe.rs DEFAULT_TIMEOUT_MS). */
const PROBE_TIMEOUT_MS = 10_000;

const TYPES = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".wasm": "application/wasm",
  ".txt": "text/plain; charset=utf-8",
};

function serve(root) {
  const server = http.createServer(async (req, res) => {
    try {
      let rel = decodeURIComponent(new URL(req.url, "http://x").pathname);
      if (rel.endsWith("/")) rel += "index.html";
      const file = path.resolve(root, `.${rel}`);
      if (!file.startsWith(root + path.sep) || !(await stat(file)).isFile()) throw new Error("missing");
      res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
      res.end(await readFile(file));
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ server, origin: `http://127.0.0.1:${server.address().port}` })),
  );
}

function startMock(bin) {
  const child = spawn(bin, ["--port", "0", "--delay-ms", String(delay)], { stdio: ["ignore", "pipe", "ignore"] });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", (line) => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      m ? resolve({ child, origin: m[1] }) : reject(new Error(line));
    });
    child.once("exit", (code) => reject(new Error(`mock-api exited ${code}`)));
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x, places = 1) => Math.round(x * 10 ** places) / 10 ** places;

/** The form's fields for a keyless run against the mock's healthy API with `n` warm samples. */
const fieldsFor = (mock, n) => ({
  base: `${mock}/s/healthy`,
  key: "",
  samples: String(n),
  "control-url": `${mock}/s/control/`,
  doh1: `${mock}/doh/ok/dns-query`,
  doh2: `${mock}/doh/ok/resolve`,
  "status-url": `${mock}/status/operational/api/v2/summary.json`,
});

/** Opens the page in a fresh context and waits for the wasm; returns { context, page }. */
async function openPage(browser, site) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${site.origin}/`);
  await page.waitForSelector("html[data-ready]", { state: "attached" });
  return { context, page };
}

/**
 * Fills the form, submits it, and resolves when every finding has settled, with the times from the submit
 * to the first settled finding and to the last, and the verdict.
 */
function runChecks(page, fields) {
  return page.evaluate(async (fields) => {
    for (const [id, v] of Object.entries(fields)) document.getElementById(id).value = v;
    const findings = document.getElementById("findings");
    const verdict = document.getElementById("verdict");
    return new Promise((resolve) => {
      let first = null;
      let start = 0;
      const check = () => {
        const now = performance.now() - start;
        if (first === null && findings.querySelector('li.finding:not([data-status="pending"])')) first = now;
        const pending = findings.querySelector('li.finding[data-status="pending"]');
        if (!pending && !["idle", "running"].includes(verdict.dataset.state) && findings.childElementCount) {
          observer.disconnect();
          resolve({ first, full: now, state: verdict.dataset.state });
        }
      };
      const observer = new MutationObserver(check);
      observer.observe(document.body, { subtree: true, childList: true, attributes: true });
      start = performance.now();
      document.getElementById("form").requestSubmit();
    });
  }, fields);
}

// --- The measurements ------------------------------------------------------------------------------------

async function measureRun(browser, site, mock) {
  const criticalPath = (2 + 1 + samples + Math.min(samples, CONTROL_SAMPLES)) * delay;
  const results = [];
  for (let i = 0; i < runs; i++) {
    const { context, page } = await openPage(browser, site);
    const t = await runChecks(page, fieldsFor(mock.origin, samples));
    if (t.state !== "healthy") throw new Error(`run ${i} ended ${t.state}, not healthy`);
    results.push(t);
    await context.close();
  }
  const full = median(results.map((r) => r.full));
  const first = median(results.map((r) => r.first));
  return {
    delay_ms: delay,
    runs,
    samples,
    critical_path_ms: criticalPath,
    first_finding_ms: Math.round(first),
    full_run_ms: Math.round(full),
    ratio: Math.round((full / criticalPath) * 1000) / 1000,
  };
}

/** Notes, before the page's own scripts run, when `html[data-ready]` appears. */
function watchReady() {
  const seen = () => {
    if (window.__benchReadyAt === undefined && document.documentElement?.hasAttribute("data-ready")) {
      window.__benchReadyAt = performance.now();
    }
  };
  new MutationObserver(seen).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-ready"] });
}

async function measureLoad(browser, site) {
  const results = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.addInitScript(watchReady);
    await page.goto(`${site.origin}/`);
    await page.waitForSelector("html[data-ready]", { state: "attached" });
    const t = await page.evaluate(() => ({
      ready: window.__benchReadyAt,
      wasm: performance
        .getEntriesByType("resource")
        .filter((e) => new URL(e.name).pathname.endsWith(".wasm"))
        .map((e) => ({ start: e.startTime, end: e.responseEnd, bytes: e.encodedBodySize })),
      texts: performance
        .getEntriesByType("resource")
        .filter((e) => new URL(e.name).pathname.endsWith(".txt"))
        .map((e) => ({ start: e.startTime, end: e.responseEnd })),
    }));
    await context.close();
    if (typeof t.ready !== "number") throw new Error("the ready moment was not observed");
    if (!t.wasm.length) throw new Error("no Resource Timing entry for the .wasm");
    // The page preloads the wasm and then fetches it; the download that ended last is the one it waited for.
    const end = Math.max(...t.wasm.map((w) => w.end));
    // The language file is asked for once the wasm runs: from the wasm's download to the file's arrival.
    const texts = t.texts.length ? Math.max(...t.texts.map((x) => x.end)) - end : null;
    results.push({ ready: t.ready, downloaded: end, instantiate: t.ready - end, entries: t.wasm.length, texts });
  }
  const texts = results.map((r) => r.texts).filter((x) => x !== null);
  return {
    runs,
    wasm_downloaded_ms: round(median(results.map((r) => r.downloaded))),
    wasm_instantiate_ms: round(median(results.map((r) => r.instantiate))),
    ready_ms: round(median(results.map((r) => r.ready))),
    texts_arrived_ms: texts.length ? round(median(texts)) : null,
    wasm_entries: Math.max(...results.map((r) => r.entries)),
  };
}

/** The plain JavaScript timing loop: the series the page sends, as the header comment describes. */
function timingLoop({ base, control, samples, controlSamples, timeoutMs }) {
  const once = async (url) => {
    performance.clearResourceTimings();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const started = performance.now();
    const request = new Request(url, {
      method: "GET",
      mode: "no-cors",
      credentials: "omit",
      cache: "no-store",
      redirect: "follow",
      headers: new Headers(),
      signal: controller.signal,
    });
    await fetch(request);
    const elapsed = performance.now() - started;
    clearTimeout(timer);
    return elapsed;
  };
  return (async () => {
    const target = `${base}/v1/models`;
    const cold = await once(target);
    const warm = [];
    for (let i = 1; i <= samples; i++) {
      warm.push(await once(target));
      if (i <= controlSamples) await once(control);
    }
    return { cold, warm };
  })();
}

async function measureLatency(browser, site, mock) {
  const results = [];
  const degraded = [];
  for (let i = 0; i < runs; i++) {
    const { context, page } = await openPage(browser, site);
    const fields = fieldsFor(mock.origin, samples);
    const loop = () =>
      page.evaluate(timingLoop, {
        base: fields.base,
        control: fields["control-url"],
        samples,
        controlSamples: CONTROL_SAMPLES,
        timeoutMs: PROBE_TIMEOUT_MS,
      });
    const js = i % 2 ? await loop() : null;
    const t = await runChecks(page, fields);
    // The verdict may be degraded by a loaded machine (a jittery series, say); what matters here is that
    // every round trip of the series was answered and timed.
    const latency = await page.$eval('#findings li.finding[data-code="perf.latency"]', (li) => ({
      outcome: li.dataset.outcome,
      facts: Object.fromEntries(
        [...li.querySelectorAll("dl.facts > dt")].map((dt) => [dt.dataset.fact, dt.nextElementSibling?.textContent ?? ""]),
      ),
      verdict: document.getElementById("verdict").dataset,
    }));
    const m = /^(\d+) ms$/.exec(latency.facts["duration_median_ms"] ?? "");
    if (!m || ["lossy", "not_run"].includes(latency.outcome) || latency.facts["samples"] !== String(samples)) {
      throw new Error(`run ${i} (${t.state}): perf.latency ${latency.outcome}, ${JSON.stringify(latency.facts)}`);
    }
    if (t.state !== "healthy") degraded.push(`${latency.verdict.code}/${latency.verdict.outcome}`);
    const loopResult = js ?? (await loop());
    await context.close();
    results.push({ page: Number(m[1]), js: median(loopResult.warm) });
  }
  const pageMedian = median(results.map((r) => r.page));
  const jsMedian = median(results.map((r) => r.js));
  return {
    delay_ms: delay,
    runs,
    samples,
    page_median_ms: round(pageMedian),
    js_median_ms: round(jsMedian),
    diff_ms: round(pageMedian - jsMedian),
    ratio: round(pageMedian / jsMedian, 3),
    page_medians_ms: results.map((r) => r.page),
    js_medians_ms: results.map((r) => round(r.js)),
    not_healthy: degraded,
  };
}

// --- Main ------------------------------------------------------------------------------------------------

const MEASURES = { run: measureRun, load: measureLoad, latency: measureLatency };
if (!MEASURES[measure]) throw new Error(`unknown --measure ${measure}: one of ${Object.keys(MEASURES).join(", ")}`);
const mock = measure === "load" ? null : await startMock(args.mock);
const site = await serve(dist);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run"],
});
let result;
try {
  result = await MEASURES[measure](browser, site, mock);
} finally {
  await browser.close();
  site.server.close();
  mock?.child.kill("SIGTERM");
}
console.log(JSON.stringify(result));
