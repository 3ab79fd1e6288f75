// The end-to-end harness: serves dist/ on a loopback port of its own, finds (or starts) the mock API,
// drives headless Chromium with playwright-core, and reads the page's DOM contract.
//
// scripts/test passes DIST_DIR, MOCK_ORIGIN, CLOSED_PORT, CHROMIUM and SCREENSHOT_DIR. Run standalone
// (`node --test --test-concurrency=1 tests/e2e/`), it falls back to <repo>/dist, starts
// target/release/mock-api itself (building it first if missing), and asks it for a closed port.
// It stops only the processes it started, by pid.

import { after, afterEach, before, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Generous bounds for a loaded 2-core machine. */
export const RUN_TIMEOUT_MS = 25_000;
const READY_TIMEOUT_MS = 20_000;
const MOCK_START_TIMEOUT_MS = 300_000; // `cargo run` may have to build it first

/** A key of the API key's shape (the mock's healthy scenario accepts exactly this shape). */
export function validKey() {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  let body = "";
  for (let i = 0; i < 93; i++) body += alphabet[Math.floor(Math.random() * alphabet.length)];
  const key = `sk-ant-api03-${body}AA`;
  assert.equal(key.length, 108);
  return key;
}

/** A subscription OAuth token's shape. */
export function oauthToken() {
  return `sk-ant-oat01-${validKey().slice("sk-ant-api03-".length)}`;
}

// --- Processes we started ------------------------------------------------------------------------

const children = new Set();

function killChildren() {
  for (const child of children) {
    try {
      process.kill(child.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  children.clear();
}
process.on("exit", killChildren);

// Builds the mock first when it is missing, then runs the binary itself: a pid we start is then the
// server's own, and killing it leaves no grandchild behind (as `cargo run` would).
function mockCommand(args) {
  const bin = path.join(REPO, "target/release/mock-api");
  if (!existsSync(bin)) {
    execFileSync("cargo", ["build", "-q", "-p", "mock-api", "--release"], {
      cwd: REPO,
      stdio: "inherit",
      timeout: MOCK_START_TIMEOUT_MS,
    });
  }
  return [bin, args];
}

/** Starts the mock API on a free port and resolves with its origin. */
function startMock() {
  const [cmd, args] = mockCommand(["--port", "0"]);
  // Its per-request log on stderr would drown the test report; keep only the tail for errors.
  const child = spawn(cmd, args, { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let log = "";
  child.stderr.on("data", (chunk) => {
    log = (log + chunk).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`mock-api printed no address within ${MOCK_START_TIMEOUT_MS} ms`)),
      MOCK_START_TIMEOUT_MS,
    );
    const lines = createInterface({ input: child.stdout });
    lines.once("line", (line) => {
      clearTimeout(timer);
      const m = /^mock-api listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line.trim());
      if (m) resolve(m[1]);
      else reject(new Error(`unexpected first line from mock-api: ${line}`));
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      children.delete(child);
      reject(new Error(`mock-api exited (${code}) before listening:\n${log}`));
    });
  });
}

function closedPort() {
  const [cmd, args] = mockCommand(["--closed-port"]);
  const out = execFileSync(cmd, args, { cwd: REPO, encoding: "utf8", timeout: MOCK_START_TIMEOUT_MS });
  const port = Number(out.trim());
  assert.ok(Number.isInteger(port) && port > 0, `mock-api --closed-port printed ${out}`);
  return port;
}

// --- Loopback HTTP servers -------------------------------------------------------------------------

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".webmanifest": "application/manifest+json",
};

/** Starts an HTTP server on 127.0.0.1:0 with `handler`; resolves with { origin, close }. */
export function startServer(handler) {
  const server = http.createServer(handler);
  server.keepAliveTimeout = 1000;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({
        origin: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}

/** A static file server for `root`: GET and HEAD only, 404 for anything outside it or missing. */
export function staticHandler(root) {
  return async (req, res) => {
    try {
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { allow: "GET, HEAD" }).end();
        return;
      }
      let rel = decodeURIComponent(new URL(req.url, "http://x").pathname);
      if (rel.endsWith("/")) rel += "index.html";
      const file = path.resolve(root, `.${rel}`);
      if (!file.startsWith(root + path.sep)) throw Object.assign(new Error("outside"), { code: "ENOENT" });
      const info = await stat(file);
      if (!info.isFile()) throw Object.assign(new Error("not a file"), { code: "ENOENT" });
      const body = await readFile(file);
      res.writeHead(200, {
        "content-type": TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream",
        "content-length": body.length,
        "cache-control": "no-store",
      });
      res.end(req.method === "HEAD" ? undefined : body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
    }
  };
}

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
  env.browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
      // Tests reach loopback only: names under mock.test resolve to the mock (so that DNS checks have a
      // host name to look up), and every other name fails to resolve, so nothing can leave the machine.
      "--host-resolver-rules=MAP *.mock.test 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    ],
  });
}

// --- Coverage: which (check, outcome) pairs the runs of this file rendered ---------------------------

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

async function tearDown() {
  writeCoverage();
  await env.browser?.close().catch(() => {});
  await env.site?.close().catch(() => {});
  killChildren();
}

// --- Console noise that is the checks working, not the page failing -----------------------------------

// Chromium reports every failed or non-2xx network request on the console, as errors the page cannot
// suppress. They are expected whenever a probe meets a refusal (that is what the checks look for), so
// they are allowed for requests that left for another origin than the page's. Anything else fails.
function isExpectedNetworkNoise(msg, pageOrigin) {
  const text = msg.text();
  const where = msg.location()?.url ?? "";
  const cors = /^Access to fetch at '([^']+)' from origin '[^']+' has been blocked by CORS policy/.exec(text);
  if (cors) return !cors[1].startsWith(pageOrigin + "/");
  if (/^Failed to load resource: /.test(text)) {
    return !where.startsWith(pageOrigin + "/") || where === `${pageOrigin}/favicon.ico`;
  }
  // Chromium's "GET <url> net::ERR_…" line for a rejected fetch names the request's URL.
  const m = /^(?:GET|HEAD|POST|OPTIONS) (\S+) net::ERR_/.exec(text);
  if (m) return !m[1].startsWith(pageOrigin + "/");
  return false;
}

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
    context = await env.browser.newContext({ locale: "en-US", viewport: { width: 1100, height: 900 } });
  });
  afterEach(async () => {
    const seen = problems;
    for (const c of [context, ...extraContexts]) await c?.close().catch(() => {});
    context = null;
    extraContexts = [];
    assert.deepEqual(seen, [], "the page raised errors");
  });

  const h = {
    get mockOrigin() {
      return env.mockOrigin;
    },
    get pageOrigin() {
      return env.pageOrigin;
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
        page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
        page.on("console", (msg) => {
          if (msg.type() === "error" && !isExpectedNetworkNoise(msg, env.pageOrigin)) {
            problems.push(`console.error: ${msg.text()} (at ${msg.location()?.url ?? "?"})`);
          }
        });
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

    /** Records every request the page makes; `settle()` resolves each one's full header set. */
    recordRequests(page) {
      const seen = [];
      page.on("request", (request) => {
        seen.push({
          url: request.url(),
          method: request.method(),
          headers: request.allHeaders().catch(() => request.headers()),
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
     * Fills the form, presses Run and waits for a finished verdict. `sides` overrides the side endpoints
     * (see `sides()`); `model`, `message`, `watch` and `samples` set the other fields. `fields` sets
     * advanced fields by id, verbatim and after the sides (e.g. `{ "control-url": "not a url" }`).
     */
    async runAgainst(
      page,
      {
        base,
        key = "",
        auth = "key",
        sides = {},
        fields = {},
        model = "",
        message = false,
        watch = "0",
        samples = 3,
        label,
      } = {},
    ) {
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
      await h.waitForVerdict(page);
      await h.waitForSettled(page);
      noteCoverage(label ?? base.replace(env.mockOrigin, ""), await h.findings(page));
      return h.verdictOf(page);
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

    /** Every finding: code, status, outcome, text and facts (label → value). */
    findings(page) {
      return page.$$eval("#findings li.finding", (items) =>
        items.map((li) => {
          const facts = {};
          for (const dt of li.querySelectorAll("dl.facts > dt")) {
            const dd = dt.nextElementSibling;
            if (dd && dd.tagName === "DD") facts[dt.textContent] = dd.textContent;
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

    /** A full-page screenshot into SCREENSHOT_DIR. */
    async screenshot(page, name) {
      const file = path.join(env.screenshotDir, name);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
  };
  return h;
}

/** Asserts the verdict's state, layer, code and outcome at once, with the verdict text on failure. */
export function assertVerdict(v, want) {
  const got = { state: v.state, layer: v.layer, code: v.code, outcome: v.outcome };
  assert.deepEqual(got, { layer: null, code: null, outcome: null, ...want }, `verdict text:\n${v.text}`);
}

/** Asserts the status and outcome of some findings, given as { code: [status, outcome] }. */
export function assertFindings(findings, want) {
  const got = {};
  for (const code of Object.keys(want)) {
    const f = findings.find((x) => x.code === code);
    got[code] = f ? [f.status, f.outcome] : null;
  }
  assert.deepEqual(got, want);
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

// --- The page under a subpath, as GitHub Pages serves a project site (hosting.test.mjs) -------------------

/**
 * A static file server for `root` mounted at `prefix` (which ends in "/", e.g. "/api-doctor/"), the way
 * GitHub Pages serves a project site: the prefix without its slash redirects to it, and every path outside
 * it is a 404. Each request's path is pushed onto `seen`, so that a test can tell what the browser asked for.
 */
export function prefixedStaticHandler(root, prefix, seen = []) {
  assert.ok(prefix.startsWith("/") && prefix.endsWith("/"), `prefix ${prefix} must start and end with "/"`);
  const files = staticHandler(root);
  return (req, res) => {
    const url = new URL(req.url, "http://x");
    seen.push(url.pathname);
    if (url.pathname === prefix.slice(0, -1)) {
      res.writeHead(301, { location: `${prefix}${url.search}` }).end();
      return;
    }
    if (!url.pathname.startsWith(prefix)) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
      return;
    }
    req.url = `/${url.pathname.slice(prefix.length)}${url.search}`;
    return files(req, res);
  };
}
