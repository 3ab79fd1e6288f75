// The end-to-end harness: serves dist/ on a loopback port of its own, finds (or starts) the mock API,
// drives headless Chromium with playwright-core, and reads the page's DOM contract.
//
// scripts/test passes DIST_DIR, MOCK_ORIGIN, CLOSED_PORT, CHROMIUM and SCREENSHOT_DIR. Run standalone
// (`node --test --test-concurrency=1 tests/e2e/`), it falls back to <repo>/dist, starts
// target/release/mock-api itself (building it first if missing), and asks it for a closed port.
// It stops only the processes it started, by pid.
//
// After every test it checks where the test's keys went (see "Key leaks" below): only to the target, in
// its credential header. A test fails when a key turns up anywhere else.

import { after, afterEach, before, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";
import { chromium } from "playwright-core";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Generous bounds for a loaded 2-core machine. */
export const RUN_TIMEOUT_MS = 25_000;
const READY_TIMEOUT_MS = 20_000;
const MOCK_START_TIMEOUT_MS = 300_000; // `cargo run` may have to build it first

/** Every key and token handed out in this process: the leak check looks for each of them everywhere. */
const handedOut = new Set();

/** A key of the API key's shape (the mock's healthy scenario accepts exactly this shape). */
export function validKey() {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  let body = "";
  for (let i = 0; i < 93; i++) body += alphabet[Math.floor(Math.random() * alphabet.length)];
  const key = `sk-ant-api03-${body}AA`;
  assert.equal(key.length, 108);
  handedOut.add(key);
  return key;
}

/** A subscription OAuth token's shape. */
export function oauthToken() {
  const token = `sk-ant-oat01-${validKey().slice("sk-ant-api03-".length)}`;
  handedOut.add(token);
  return token;
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
  env.browser = await launchChromium();
}

/**
 * The flags every Chromium of the tests starts with. Tests reach loopback only: names under mock.test
 * resolve to the mock (so that DNS checks have a host name to look up), and every other name fails to
 * resolve, so nothing can leave the machine.
 */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
  "--host-resolver-rules=MAP *.mock.test 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
];

/**
 * Starts a Chromium with the tests' flags and `extra` ones. Every context of it, whoever makes it, is
 * watched for key leaks (see below) by the test that made it; a test that starts a browser of its own
 * closes it.
 */
export async function launchChromium(extra = []) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [...CHROMIUM_ARGS, ...extra],
  });
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    await watchContext(watch, context);
    return context;
  };
  return browser;
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
  writeLeakTotals();
  await env.browser?.close().catch(() => {});
  await env.site?.close().catch(() => {});
  killChildren();
}

// --- Key leaks: where every key a test used went ------------------------------------------------------
//
// Every browser context a test makes (the harness's, the ones it makes for a locale, and any a test makes
// itself through `h.context.browser()`) is watched: each request with all its headers and its body, each
// console message and page error, and, before each page or context closes and at the end of the test,
// the places a key could rest: the address, every history entry, web storage, cookies, IndexedDB and
// Cache Storage names, the page's markup, and the config and report links (report links unpacked too).
// After each test, every key the test could have used must appear only in the `x-api-key` or
// `authorization` header of a request to the target: the base URL the page was checking, path included,
// so that the side endpoints the mock serves on the same origin do not count as the target.

/** A key inside a value typed into #key (with quotes, `Bearer ` or spaces around it): a key of its own. */
const KEY_TYPED = /sk-ant-[A-Za-z0-9_-]{8,}/g;
/**
 * A key-shaped string in a place no key belongs, whoever typed it. Longer than the prefixes the page
 * itself names in its advice (`sk-ant-admin01-`), which are not keys.
 */
const KEY_ANYWHERE = /sk-ant-[A-Za-z0-9_-]{20,}/g;
/** The headers that carry the key to the target. */
const CREDENTIAL_HEADERS = new Set(["x-api-key", "authorization"]);
/** The binding through which the page reports what #key and #base held. */
const FIELD_BINDING = "__e2eLeakWatchField";
/** How long to wait for a request's full header set before taking the headers the page set. */
const HEADERS_WAIT_MS = 3_000;
/** How long a page may take to describe its storage. */
const SNAPSHOT_WAIT_MS = 5_000;

/** A key shortened for messages: enough to tell keys apart, too little to use. */
function redact(key) {
  return `${JSON.stringify(key.slice(0, 16))}… (${key.length} characters)`;
}

/**
 * The bytes a report link's `report=` text packs: URL-safe base64 of a version byte and the deflate-raw
 * compressed pack (src/core/share.rs), or null when the text does not unpack (a damaged link, say).
 */
export function unpackReport(text) {
  try {
    const bytes = Buffer.from(text, "base64url");
    if (bytes.length < 2) return null;
    return zlib.inflateRawSync(bytes.subarray(1), { maxOutputLength: 1 << 20 });
  } catch {
    return null;
  }
}

/** Each `report=` text in `text`. */
function reportTexts(text) {
  return [...text.matchAll(/[#&]report=([A-Za-z0-9_-]+)/g)].map((m) => m[1]);
}

/** The base URLs' prefixes as { origin, path }: the path without trailing slashes, "" for none. */
function targetPrefixes(bases) {
  const out = [];
  for (const base of bases) {
    for (const text of new Set([base, base.trim()])) {
      try {
        const u = new URL(text);
        if (u.protocol === "http:" || u.protocol === "https:") {
          out.push({ origin: u.origin, path: u.pathname.replace(/\/+$/, "") });
        }
      } catch {
        // Not a URL: the page checks nothing there, so it is no target.
      }
    }
  }
  return out;
}

/** Whether `url` is the target named by one of `bases`, or under its path. */
export function isTarget(url, bases) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return targetPrefixes(bases).some(
    (p) => u.origin === p.origin && (p.path === "" || u.pathname === p.path || u.pathname.startsWith(`${p.path}/`)),
  );
}

/** Adds to `secrets` a value typed into #key: as typed, trimmed, and each key-shaped part of it. */
function addTyped(secrets, value) {
  if (typeof value !== "string") return;
  for (const v of new Set([value, value.trim()])) if (v.length >= 8) secrets.add(v);
  for (const m of value.matchAll(KEY_TYPED)) secrets.add(m[0]);
}

/**
 * Where the keys went, as a list of sentences (empty when nothing leaked). Pure, so that it can be shown
 * to fail on made-up records (leak.test.mjs).
 *
 * - `secrets`: every key or token the test used.
 * - `requests`: { method, url, headers, postData, targets }, `targets` being the base URLs the page that
 *   made the request was checking; a secret may be in the `x-api-key` or `authorization` header of a
 *   request to one of them, and nowhere else. A URL's fragment is left out: it never leaves the browser
 *   (the page's address and history, where it does stay, are places of their own).
 * - `places`: { where, text }: console messages, storage, cookies, addresses, links, markup; report
 *   links in them are unpacked and searched too.
 */
export function findLeaks({ secrets, requests = [], places = [] }) {
  const needles = new Set();
  for (const s of secrets) {
    if (typeof s !== "string" || s.length < 8) continue;
    needles.add(s);
    needles.add(encodeURIComponent(s));
  }
  const leaks = [];
  // A place's name may hold the key too (a URL): it is shortened there as well.
  const shorten = (where) =>
    [...needles]
      .sort((a, b) => b.length - a.length)
      .reduce((w, n) => w.split(n).join(`${n.slice(0, 16)}…`), where)
      .replace(KEY_ANYWHERE, (k) => `${k.slice(0, 16)}…`);
  const look = (text, where) => {
    if (!text) return;
    const found = [...needles].filter((n) => text.includes(n));
    for (const n of found) leaks.push(`${redact(n)} in ${shorten(where)}`);
    for (const m of text.matchAll(KEY_ANYWHERE)) {
      if (!found.some((n) => n.includes(m[0]) || m[0].includes(n))) {
        leaks.push(`a key-shaped string ${redact(m[0])} in ${shorten(where)}`);
      }
    }
  };
  for (const r of requests) {
    const url = r.url.split("#")[0];
    const what = `${r.method} ${url}`;
    look(url, `the URL of ${what}`);
    look(r.postData, `the body of ${what}`);
    const toTarget = isTarget(url, r.targets ?? []);
    for (const [name, value] of Object.entries(r.headers ?? {})) {
      look(name, `a header name of ${what}`);
      const credential = CREDENTIAL_HEADERS.has(name.toLowerCase());
      if (credential && toTarget) continue;
      const whose = credential ? `, which is not the target (${(r.targets ?? []).join(", ") || "none"})` : "";
      look(String(value), `the ${name} header of ${what}${whose}`);
    }
  }
  for (const p of places) {
    if (!p.text) continue;
    look(p.text, p.where);
    for (const packed of reportTexts(p.text)) {
      const bytes = unpackReport(packed);
      if (bytes) look(bytes.toString("latin1"), `the report unpacked from ${p.where}`);
    }
  }
  return [...new Set(leaks)];
}

/** Watches the page's key and base fields from inside it: runs before the page's own scripts. */
function fieldWatcher(binding) {
  const report = (what, value) => {
    try {
      Promise.resolve(window[binding](what, value)).catch(() => {});
    } catch {
      // No binding in this frame: nothing to report to.
    }
  };
  const onField = (event) => {
    const t = event.target;
    if (t && (t.id === "key" || t.id === "base")) report(`${t.id}:${event.type}`, t.value);
  };
  document.addEventListener("input", onField, true);
  document.addEventListener("change", onField, true);
  // A run takes the fields as they are, whether typed or set by a script.
  document.addEventListener(
    "submit",
    () => {
      for (const id of ["key", "base"]) {
        const el = document.getElementById(id);
        if (el) report(`${id}:submit`, el.value);
      }
    },
    true,
  );
}

/** Describes the places in a page where a key could rest. Runs in the page. */
async function describePage() {
  const dump = (storage) => {
    const out = {};
    for (let i = 0; i < storage.length; i++) out[storage.key(i)] = storage.getItem(storage.key(i));
    return JSON.stringify(out);
  };
  const tryOr = async (f) => {
    try {
      return await f();
    } catch (e) {
      return `unreadable (${e?.name ?? e})`;
    }
  };
  const el = (id) => document.getElementById(id);
  return {
    historyState: await tryOr(() => JSON.stringify(history.state)),
    localStorage: await tryOr(() => dump(localStorage)),
    sessionStorage: await tryOr(() => dump(sessionStorage)),
    cookie: await tryOr(() => document.cookie),
    indexedDB: await tryOr(async () => JSON.stringify((await indexedDB.databases()).map((d) => d.name))),
    caches: await tryOr(async () => JSON.stringify(await caches.keys())),
    markup: document.documentElement?.outerHTML ?? "",
    key: el("key")?.value ?? null,
    base: el("base")?.value ?? null,
    configLink: el("config-link")?.value ?? null,
    reportLink: el("report-link")?.value ?? null,
    reportShown: Boolean(el("share") && !el("share").hidden && !el("report-link-row")?.hidden),
  };
}

/** Resolves with `promise`, or rejects after `ms`. */
function within(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** What one test's contexts did; `done` once checked, so that closing them records nothing more. */
function newWatch() {
  return {
    contexts: new Set(),
    pages: new Map(),
    requests: [],
    pending: [],
    places: [],
    typed: new Set(),
    done: false,
  };
}

let watch = newWatch();

/** Every key the file's tests used. */
const keysSeen = new Set();

/** Per file: how much the leak check saw. */
const leakTotals = { tests: 0, pages: 0, requests: 0, keyed: 0, console: 0, places: 0, reports: 0, keys: 0, leaks: 0 };

/** The watch's state for `page`, made on first sight: a number for messages and the bases it checked. */
function pageState(w, page) {
  let st = w.pages.get(page);
  if (!st) {
    st = { id: w.pages.size + 1, bases: new Set(), lastKey: null };
    w.pages.set(page, st);
  }
  return st;
}

/** Notes a base URL given in a config link's fragment. */
function noteLinkBase(st, url) {
  try {
    const base = new URLSearchParams(new URL(url).hash.slice(1)).get("base");
    if (base) st.bases.add(base);
  } catch {
    // Not a URL with a fragment.
  }
}

/** Starts watching a new page of a watched context. */
function watchPage(w, page) {
  const st = pageState(w, page);
  page.on("console", (msg) =>
    w.places.push({ where: `a console ${msg.type()} message of page ${st.id}`, text: msg.text(), console: true }),
  );
  page.on("pageerror", (e) =>
    w.places.push({ where: `a page error of page ${st.id}`, text: String(e?.stack ?? e), console: true }),
  );
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) noteLinkBase(st, frame.url());
  });
  const close = page.close.bind(page);
  page.close = async (options) => {
    if (!w.done) await snapshotPage(w, page);
    return close(options);
  };
}

/** Records a request with its body now and its full headers when the browser has them. */
function noteRequest(w, request) {
  let page = null;
  try {
    page = request.frame().page();
  } catch {
    // A worker's request: it counts against every base of the test.
  }
  const r = { page, method: request.method(), url: request.url(), postData: null, headers: null };
  try {
    const body = request.postDataBuffer();
    if (body) r.postData = body.toString("utf8");
  } catch {
    // No body.
  }
  const provisional = request.headers();
  w.requests.push(r);
  w.pending.push(
    request
      .allHeaders()
      .catch(() => provisional)
      .then((headers) => {
        r.headers = headers;
      }),
  );
  // Until the full set arrives, the headers the page set stand in (they hold any key it added).
  r.provisional = provisional;
}

/** Records the places in `page` where a key could rest. */
async function snapshotPage(w, page) {
  if (page.isClosed()) return;
  const st = pageState(w, page);
  const at = `page ${st.id}`;
  w.places.push({ where: `the address of ${at}`, text: page.url() });
  noteLinkBase(st, page.url());
  let d = null;
  try {
    d = await within(page.evaluate(describePage), SNAPSHOT_WAIT_MS, "describing the page");
  } catch (e) {
    w.places.push({ where: `the description of ${at} (failed: ${e.message.split("\n")[0]})`, text: "" });
  }
  if (d) {
    for (const [name, text] of Object.entries({
      "history state": d.historyState,
      localStorage: d.localStorage,
      sessionStorage: d.sessionStorage,
      "document.cookie": d.cookie,
      "IndexedDB names": d.indexedDB,
      "Cache Storage names": d.caches,
      markup: d.markup,
      "config link": d.configLink,
      "report link": d.reportLink,
    })) {
      w.places.push({ where: `the ${name} of ${at}${name === "report link" && !d.reportShown ? " (hidden)" : ""}`, text: text ?? "" });
    }
    addTyped(w.typed, d.key);
    if (d.base) st.bases.add(d.base);
  }
  addTyped(w.typed, st.lastKey);
  // Every entry of the tab's history, not only the current one: a key replaced out of the address bar
  // must not stay in an earlier entry.
  try {
    const cdp = await page.context().newCDPSession(page);
    const { entries } = await cdp.send("Page.getNavigationHistory");
    await cdp.detach().catch(() => {});
    entries.forEach((e, i) => w.places.push({ where: `history entry ${i} of ${at}`, text: e.url }));
  } catch {
    // A page closing under us: its address was recorded above.
  }
}

/** Records a context's pages and cookies. */
async function snapshotContext(w, context) {
  for (const page of context.pages()) await snapshotPage(w, page);
  try {
    w.places.push({ where: "the context's cookies", text: JSON.stringify(await context.cookies()) });
  } catch {
    // A closed context has no cookies left.
  }
}

/** Starts watching a new context: its pages, requests, and the fields of its pages. */
async function watchContext(w, context) {
  w.contexts.add(context);
  context.on("page", (page) => watchPage(w, page));
  context.on("request", (request) => noteRequest(w, request));
  await context.exposeBinding(FIELD_BINDING, ({ page }, what, value) => {
    const st = pageState(w, page);
    const [field, event] = String(what).split(":");
    if (field === "base") {
      if (value) st.bases.add(value);
    } else {
      st.lastKey = value;
      if (event !== "input") addTyped(w.typed, value);
    }
  });
  await context.addInitScript(fieldWatcher, FIELD_BINDING);
  const close = context.close.bind(context);
  context.close = async (options) => {
    if (!w.done) await snapshotContext(w, context);
    return close(options);
  };
}

/**
 * Records every open page of the watch, then checks everything recorded so far; the records are then
 * cleared (the keys stay known). Returns the leaks.
 */
async function checkWatch(w) {
  for (const context of w.contexts) await snapshotContext(w, context);
  await Promise.race([Promise.all(w.pending), new Promise((resolve) => setTimeout(resolve, HEADERS_WAIT_MS))]);
  const everyBase = new Set([...w.pages.values()].flatMap((st) => [...st.bases]));
  const requests = w.requests.map((r) => ({
    method: r.method,
    url: r.url,
    headers: r.headers ?? r.provisional,
    postData: r.postData,
    targets: [...(r.page ? pageState(w, r.page).bases : everyBase)],
  }));
  // Whatever the page sent as a credential is a key as well, wherever it came from.
  for (const r of requests) {
    for (const [name, value] of Object.entries(r.headers ?? {})) {
      if (CREDENTIAL_HEADERS.has(name)) addTyped(w.typed, String(value).replace(/^Bearer /, ""));
    }
  }
  const secrets = new Set([...handedOut, ...w.typed]);
  const leaks = findLeaks({ secrets, requests, places: w.places });
  for (const s of secrets) keysSeen.add(s);
  leakTotals.keys = keysSeen.size;
  leakTotals.requests += requests.length;
  leakTotals.keyed += requests.filter((r) =>
    Object.entries(r.headers ?? {}).some(([n, v]) => CREDENTIAL_HEADERS.has(n) && [...secrets].some((s) => String(v).includes(s))),
  ).length;
  leakTotals.console += w.places.filter((p) => p.console).length;
  leakTotals.places += w.places.filter((p) => !p.console).length;
  leakTotals.reports += w.places.filter((p) => p.text && reportTexts(p.text).some((t) => unpackReport(t))).length;
  w.requests = [];
  w.pending = [];
  w.places = [];
  return leaks;
}

/** Writes and prints how much the leak check saw in this file. */
function writeLeakTotals() {
  if (!leakTotals.tests) return;
  const name = path.basename(process.argv[1] ?? "x");
  if (env.screenshotDir) {
    writeFileSync(path.join(env.screenshotDir, `leakcheck-${name}-${process.pid}.json`), JSON.stringify({ file: name, ...leakTotals }));
  }
  const t = leakTotals;
  console.log(
    `leak check, ${name}: ${t.tests} tests, ${t.pages} pages, ${t.requests} requests (${t.keyed} carrying a key), ` +
      `${t.console} console messages, ${t.places} places, ${t.reports} report links unpacked, ${t.keys} keys, ${t.leaks} leaks`,
  );
}

// --- Console noise that is the checks working, not the page failing -----------------------------------

// Chromium reports every failed or non-2xx network request on the console, as errors the page cannot
// suppress. They are expected whenever a probe meets a refusal (that is what the checks look for), so
// they are allowed for requests that left for another origin than the page's. Anything else fails.
/**
 * Adds to `problems` every error `page` raises: an uncaught exception or unhandled rejection (a panic in
 * the wasm is one), a crashed renderer, and any console error but Chromium's own lines for requests to
 * other origins that failed, which are the checks at work.
 */
export function watchPageErrors(page, pageOrigin, problems) {
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  // A renderer that crashed (out of memory on a huge body, say) raised no error the page could see.
  page.on("crash", () => problems.push("crash: the page's renderer crashed"));
  page.on("console", (msg) => {
    if (msg.type() === "error" && !isExpectedNetworkNoise(msg, pageOrigin)) {
      problems.push(`console.error: ${msg.text()} (at ${msg.location()?.url ?? "?"})`);
    }
  });
}

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
    watch = newWatch();
    context = await env.browser.newContext({ locale: "en-US", viewport: { width: 1100, height: 900 } });
  });
  afterEach(async () => {
    const seen = problems;
    // The leak check reads the pages before anything closes them.
    const w = watch;
    let leaks;
    try {
      leaks = await checkWatch(w);
    } catch (e) {
      leaks = [`the leak check could not finish: ${e.stack ?? e}`];
    }
    leakTotals.tests += 1;
    leakTotals.pages += w.pages.size;
    leakTotals.leaks += leaks.length;
    w.done = true;
    for (const c of new Set([context, ...extraContexts, ...w.contexts])) await c?.close().catch(() => {});
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
      return checkWatch(watch);
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
        watch: watchFor = "0",
        samples = 3,
        label,
      } = {},
    ) {
      pageState(watch, page).bases.add(base);
      await page.fill("#base", base);
      await page.selectOption("#auth", auth);
      await page.fill("#key", key);
      await page.fill("#model", model);
      await page.setChecked("#message", message);
      await page.selectOption("#watch", String(watchFor));
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
/** The verdicts tests expect, in the shape `assertVerdict` compares. */
export const healthy = { state: "healthy" };
export const broken = (layer, code, outcome) => ({ state: "broken", layer, code, outcome });
export const degraded = (layer, code, outcome) => ({ state: "degraded", layer, code, outcome });

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
