// The key-leak watcher: records where every key a test used went, and names each place other than the target's credential header.
//
// Every browser context a test makes (the harness's, the ones it makes for a locale, and any a test makes
// itself through `h.context.browser()`) is watched: each request with all its headers and its body, each
// console message and page error, and, before each page or context closes and at the end of the test,
// the places a key could rest: the address, every history entry, web storage, cookies, IndexedDB and
// Cache Storage names, the page's markup, and the config and report links (report links unpacked too).
// After each test, every key the test could have used must appear only in the `x-api-key` or
// `authorization` header of a request to the target: the base URL the page was checking, path included,
// so that the side endpoints the mock serves on the same origin do not count as the target.

import { writeFileSync } from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { handedOut } from "./keys.mjs";

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
/**
 * Endpoints a person may paste where a base URL belongs; the page names one and checks the base before it
 * (src/core/target.rs, ENDPOINTS), so the target is that base. Longest first.
 */
const PASTED_ENDPOINTS = ["/v1/messages/count_tokens", "/v1/chat/completions", "/v1/messages", "/v1/complete", "/v1/models"];

function targetPrefixes(bases) {
  const out = [];
  for (const base of bases) {
    for (const text of new Set([base, base.trim()])) {
      try {
        const u = new URL(text);
        if (u.protocol === "http:" || u.protocol === "https:") {
          let path = u.pathname.replace(/\/+$/, "");
          const pasted = PASTED_ENDPOINTS.find((e) => path.toLowerCase().endsWith(e));
          if (pasted) path = path.slice(0, -pasted.length).replace(/\/+$/, "");
          out.push({ origin: u.origin, path });
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

/** The watch of the test under way; each test starts a new one (beginWatch). */
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

/** Writes (into `dir`, when there is one) and prints how much the leak check saw in this file. */
export function writeLeakTotals(dir) {
  if (!leakTotals.tests) return;
  const name = path.basename(process.argv[1] ?? "x");
  if (dir) {
    writeFileSync(path.join(dir, `leakcheck-${name}-${process.pid}.json`), JSON.stringify({ file: name, ...leakTotals }));
  }
  const t = leakTotals;
  console.log(
    `leak check, ${name}: ${t.tests} tests, ${t.pages} pages, ${t.requests} requests (${t.keyed} carrying a key), ` +
      `${t.console} console messages, ${t.places} places, ${t.reports} report links unpacked, ${t.keys} keys, ${t.leaks} leaks`,
  );
}


// --- What the harness calls -----------------------------------------------------------------------------

/** Starts a new test's watch: contexts made from now on, and their pages, are watched for that test. */
export function beginWatch() {
  watch = newWatch();
}

/** Watches `context` for the test under way (launchChromium wraps every browser's newContext with it). */
export function watchNewContext(context) {
  return watchContext(watch, context);
}

/** Notes that `page` is about to check `base`, so that its keyed requests there count as to the target. */
export function noteBase(page, base) {
  pageState(watch, page).bases.add(base);
}

/** Checks the test under way now (see findLeaks) and forgets what it checked; returns the leaks. */
export function checkNow() {
  return checkWatch(watch);
}

/**
 * Ends the test under way: checks where its keys went, counts it in the file's totals, and stops recording
 * (closing its contexts afterwards records nothing more). Returns the leaks, a failed check being one, and
 * the contexts it watched, for the harness to close.
 */
export async function endWatch() {
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
  return { leaks, contexts: w.contexts };
}
