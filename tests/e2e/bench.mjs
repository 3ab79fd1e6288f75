// Times a full run without a key in headless Chromium against the mock API with a delay injected into
// every response, and compares it with the critical path of those delays. Prints one JSON line.
//
// Usage: node tests/e2e/bench.mjs --dist DIR --mock BIN [--delay MS] [--runs N] [--samples N]
//
// The critical path of a no-key run, in round trips of the injected delay (see src/core/run.rs):
//   first wave, concurrent: the readable CORS probe needs a preflight and then the request (2); the
//     control, the two resolvers, the no-cors probe and the status page need one each (1);
//   then the latency series, one at a time: the cold round trip, N warm ones, and the control's
//     min(N, 5) interleaved ones.
// So the critical path is (2 + 1 + N + min(N, 5)) × delay. Everything else the page does (planning,
// diagnosing, rendering) is the overhead this measures.

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
const dist = path.resolve(args.dist ?? "dist");
const delay = Number(args.delay ?? 100);
const runs = Number(args.runs ?? 5);
const samples = Number(args.samples ?? 10);
const CONTROL_SAMPLES = 5;
const criticalPath = (2 + 1 + samples + Math.min(samples, CONTROL_SAMPLES)) * delay;

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm" };

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

const mock = await startMock(args.mock);
const site = await serve(dist);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run"],
});
const results = [];
try {
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${site.origin}/`);
    await page.waitForSelector("html[data-ready]", { state: "attached" });
    const m = mock.origin;
    const fields = {
      base: `${m}/s/healthy`,
      key: "",
      samples: String(samples),
      "control-url": `${m}/s/control/`,
      doh1: `${m}/doh/ok/dns-query`,
      doh2: `${m}/doh/ok/resolve`,
      "status-url": `${m}/status/operational/api/v2/summary.json`,
    };
    const t = await page.evaluate(async (fields) => {
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
    if (t.state !== "healthy") throw new Error(`run ${i} ended ${t.state}, not healthy`);
    results.push(t);
    await context.close();
  }
} finally {
  await browser.close();
  site.server.close();
  mock.child.kill("SIGTERM");
}

const full = median(results.map((r) => r.full));
const first = median(results.map((r) => r.first));
console.log(
  JSON.stringify({
    delay_ms: delay,
    runs,
    samples,
    critical_path_ms: criticalPath,
    first_finding_ms: Math.round(first),
    full_run_ms: Math.round(full),
    ratio: Math.round((full / criticalPath) * 1000) / 1000,
  }),
);
