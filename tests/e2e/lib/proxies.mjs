// The proxies in front of the mock: the fault suite's relay, the layer suite's fault proxy and the key suite's gateway,
// all hand-written, and Debian's tinyproxy, a real one.
//
// holdAll, a relay that answers nothing, is what the Cancel tests of several files hold their probes with.
// Each one listens on a loopback port of its own, is stopped when the test that started it ends, and gets
// the harness `h` of its test file as a parameter: `h.scenario(name)` and `h.mockOrigin` are where it
// forwards to, and they are known only once the file's environment is up.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { startServer } from "./servers.mjs";
import { freePort, until } from "./util.mjs";

/** Headers a readable answer of a gateway with CORS carries: any origin may read it, and all its headers. */
export const OPEN = { "access-control-allow-origin": "*", "access-control-expose-headers": "*" };

// --- What every proxy shares ---------------------------------------------------------------------------------

/** Whether `req` carries a credential: an API key or a bearer token. */
function isKeyed(req) {
  return Boolean(req.headers["x-api-key"] || req.headers.authorization);
}

/**
 * What a request is, as the page's probes differ: `preflight` (any OPTIONS), `keyed` (a credential in it),
 * `readable` (the anthropic-version header, which only the CORS-read GETs carry), `bare` (a CORS GET
 * without it: the probe with no custom header, and the preflight probes of one header each; a CORS
 * request carries an Origin, a no-cors GET none) or `plain` (the no-cors GETs: the reach probe and the
 * latency series).
 */
export function kindOf(req) {
  if (req.method === "OPTIONS") return "preflight";
  if (isKeyed(req)) return "keyed";
  if (req.headers["anthropic-version"]) return "readable";
  return req.headers.origin ? "bare" : "plain";
}

/** A counter per kind: `next(kind)` is 0 for a kind's first request, then 1, and so on. */
function perKind() {
  const counts = {};
  return (kind) => (counts[kind] = (counts[kind] ?? 0) + 1) - 1;
}

/**
 * Sends `req` on to `url` with `headers`, its body piped along, and hands the upstream's answer to
 * `onAnswer`. An upstream that cannot be reached breaks the browser's connection, so that the page sees
 * a network failure rather than an answer the proxy made up. Returns the upstream request.
 */
function forward(req, res, url, headers, onAnswer) {
  const up = http.request(url, { method: req.method, headers });
  up.on("error", () => res.destroy());
  up.on("response", onAnswer);
  req.pipe(up);
  return up;
}

/**
 * The request headers to send upstream: the browser's, with the upstream's host. With `close`, the
 * upstream connection closes after the answer, so that no answer waits on another's connection.
 */
function upstreamHeaders(req, url, { close = true } = {}) {
  const headers = { ...req.headers, host: url.host };
  if (close) headers.connection = "close";
  return headers;
}

/**
 * The upstream's answer headers as the proxy passes them on: `keep-alive` dropped (it describes the
 * upstream's connection, not this one); with `close`, the browser's connection closes after the answer,
 * so that the browser never reuses one and never silently retries a dropped request on it; without it,
 * this server decides; with `cors`, the headers of a gateway that adds CORS (OPEN).
 */
function passedOn(headers, { close = true, cors = false } = {}) {
  const out = { ...headers };
  if (close) out.connection = "close";
  else delete out.connection;
  delete out["keep-alive"];
  return cors ? { ...out, ...OPEN } : out;
}

/** Resolves when `res` can take more, or is gone. */
function writable(res) {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done).off("close", done);
      resolve();
    };
    res.on("drain", done).on("close", done);
  });
}

// --- The relay (faults.test.mjs) -------------------------------------------------------------------------------

/**
 * Starts a relay, forwarding to `upstream` (an origin and path prefix, by default the mock's healthy API),
 * and stops it when the test ends. `answer(rec)` may return `{ status, headers, body, cut }` (body a Buffer
 * or string) for the relay to send instead; with `cut`, the answer announces `cut` bytes, sends its body
 * and then breaks the connection. `stall(rec)` true holds that response after its head and `stallAfter`
 * body bytes (before its head when it has no body or `stallAfter` is negative) until `release()`, or
 * until the test ends. Every request is recorded as `rec` { kind, method, url, n (its number among its
 * kind), bytes (body bytes sent), held, finished, closedEarly (the browser closed it before its end) }.
 * Every answer closes its connection, so that the browser never reuses one.
 * Returns { base, recs, release }.
 */
export async function relay(
  t,
  h,
  { upstream = h.scenario("healthy"), answer = () => null, stall = () => false, stallAfter = 8 } = {},
) {
  const recs = [];
  const count = perKind();
  let open;
  const gate = new Promise((resolve) => (open = resolve));
  const server = await startServer(async (req, res) => {
    const kind = kindOf(req);
    const rec = { kind, method: req.method, url: req.url, n: count(kind) };
    Object.assign(rec, { bytes: 0, held: false, finished: false, closedEarly: false });
    recs.push(rec);
    const stalls = stall(rec);
    let up = null;
    res.on("close", () => {
      rec.closedEarly = !res.writableFinished;
      up?.destroy();
    });
    res.on("finish", () => (rec.finished = true));
    const hold = async () => {
      rec.held = true;
      await gate;
      rec.held = false;
    };
    // Writes a body chunk, stalling once `stallAfter` bytes are out; respects the socket's backpressure.
    const write = async (chunk) => {
      if (stalls && stallAfter >= 0 && rec.bytes < stallAfter && rec.bytes + chunk.length > stallAfter) {
        const cut = stallAfter - rec.bytes;
        await write(chunk.subarray(0, cut));
        return write(chunk.subarray(cut));
      }
      if (stalls && stallAfter >= 0 && rec.bytes >= stallAfter) await hold();
      if (res.destroyed) return;
      rec.bytes += chunk.length;
      if (!res.write(chunk)) await writable(res);
    };
    const own = answer(rec);
    if (own) {
      const body = Buffer.from(own.body ?? "");
      if (stalls && (!body.length || stallAfter < 0)) await hold();
      res.writeHead(own.status, { ...own.headers, "content-length": own.cut ?? body.length, connection: "close" });
      await write(body);
      if (own.cut) res.destroy();
      else res.end();
      return;
    }
    const target = new URL(upstream + req.url);
    up = forward(req, res, target, upstreamHeaders(req, target), async (answered) => {
      const headers = passedOn(answered.headers);
      const bodyless =
        answered.statusCode === 204 ||
        answered.statusCode === 304 ||
        (answered.statusCode >= 300 && answered.statusCode < 400);
      if (stalls && (bodyless || stallAfter < 0)) await hold();
      if (res.destroyed) return;
      res.writeHead(answered.statusCode, headers);
      // A reset upstream resets this answer too: the browser sees the connection break mid-body.
      try {
        for await (const chunk of answered) await write(chunk);
      } catch {
        // The upstream connection broke (`reset`) or was closed because the browser went away.
      }
      if (answered.complete) res.end();
      else res.destroy();
    });
  });
  t.after(() => {
    open();
    return server.close();
  });
  return { base: server.origin, recs, release: () => open() };
}

/**
 * A relay that answers nothing: it holds every request, preflights included, before its head (its `rec`
 * shows `held`) until `release()` or the test's end, and then answers 503 without a body. A Cancel test
 * points the probes it must catch in flight here, and waits until it sees them held before it cancels.
 */
export function holdAll(t, h) {
  return relay(t, h, { answer: () => ({ status: 503, headers: {}, body: "" }), stall: () => true });
}

// --- The fault proxy (layers.test.mjs) -------------------------------------------------------------------------

/**
 * Starts a proxy to `upstream` (default the mock's healthy scenario). Requests are counted per kind
 * (kindOf) from 0: `plain` are the no-cors GETs (the reach probe first, then the latency series: n = 1 is
 * its cold round trip), `readable` the GETs with anthropic-version (the CORS read first, then watch
 * probes); the layer rows run without a key, so none is `keyed`. `rule({ kind, n })` may return
 * `{ delayMs, drop }`: wait, and/or close the socket without a word (the browser's fetch rejects). Every
 * answer closes its connection, so that the browser never reuses one and never silently retries a dropped
 * request on it. `stripDate` removes the `date` header, as a gateway that rewrites headers might. `log`
 * lists what each request met. Returns { origin, log }.
 */
export async function faultProxy(t, h, rule = () => ({}), { upstream = h.scenario("healthy"), stripDate = false } = {}) {
  const count = perKind();
  const log = [];
  const server = await startServer((req, res) => {
    const kind = kindOf(req);
    const n = count(kind);
    const act = rule({ kind, n }) ?? {};
    log.push({ kind, n, ...act });
    const go = () => {
      if (act.drop) {
        req.socket.destroy();
        return;
      }
      const url = new URL(upstream + req.url);
      forward(req, res, url, upstreamHeaders(req, url), (up) => {
        const back = passedOn(up.headers);
        if (stripDate) {
          delete back.date;
          res.sendDate = false;
        }
        res.writeHead(up.statusCode, back);
        up.pipe(res);
      });
    };
    if (act.delayMs) setTimeout(go, act.delayMs);
    else go();
  });
  t.after(() => server.close());
  return { origin: server.origin, log };
}

// --- The gateway (keys.test.mjs) -------------------------------------------------------------------------------

/**
 * Starts a gateway in front of the mock and stops it when the test ends. For each request, `decide` gets
 * { method, path, search, headers, preflight, keyed } and returns nothing (the default: preflights are
 * allowed as asked; everything else goes to the mock's healthy API) or one of:
 *   { to: scenario, headers: fn }   forward to /s/<scenario>, request headers passed through `fn`;
 *   { refuse: true }                answer without any access-control header (CORS refused);
 *   { allowHeaders: "a, b" }        (preflights) allow only these request headers;
 *   { hang: true }                  never answer (until the test ends).
 * Every forwarded answer gets access-control-allow-origin and -expose-headers, as a gateway with CORS adds.
 * Unlike the other two, the gateway keeps connections as a server would: it sets no `connection: close`.
 * Returns { base, received }, `received` listing every request with `held` set on those never answered.
 */
export async function startGateway(t, h, decide = () => undefined) {
  const received = [];
  const gateway = await startServer((req, res) => {
    const url = new URL(req.url, "http://gateway");
    const r = {
      method: req.method,
      path: url.pathname,
      search: url.search,
      headers: req.headers,
      preflight: req.method === "OPTIONS" && "access-control-request-method" in req.headers,
      keyed: isKeyed(req),
    };
    received.push(r);
    const act = decide(r) ?? {};
    if (act.hang) {
      r.held = true;
      return;
    }
    if (act.refuse) {
      res.writeHead(403, { "content-type": "text/plain" }).end("Forbidden");
      return;
    }
    if (r.preflight && !act.to) {
      res
        .writeHead(204, {
          "access-control-allow-origin": "*",
          "access-control-allow-methods": "GET, POST, OPTIONS",
          "access-control-allow-headers": act.allowHeaders ?? req.headers["access-control-request-headers"] ?? "",
          "access-control-max-age": "0",
        })
        .end();
      return;
    }
    const target = new URL(`${h.mockOrigin}/s/${act.to ?? "healthy"}${url.pathname}${url.search}`);
    const headers = (act.headers ?? ((x) => x))(upstreamHeaders(req, target, { close: false }));
    forward(req, res, target, headers, (answer) => {
      res.writeHead(answer.statusCode, passedOn(answer.headers, { close: false, cors: true }));
      answer.pipe(res);
    });
  });
  t.after(() => gateway.close());
  return { base: gateway.origin, received };
}

/** A header transformation for the gateway's `headers` that drops `names`. */
export const without =
  (...names) =>
  (headers) => {
    const out = { ...headers };
    for (const n of names) delete out[n];
    return out;
  };

// --- A real proxy ----------------------------------------------------------------------------------------------

/** Debian's tinyproxy, a real HTTP proxy; scripts/setup installs it. */
export const TINYPROXY = "/usr/bin/tinyproxy";

/**
 * Starts tinyproxy in the foreground on a free loopback port, with its config, filter, log and pid file in
 * a temp dir; `deny` is an extended regex of URLs it refuses. Stops it (by its pid) when the test ends
 * (`t.after`). Resolves with { port, url, stop, log }, `log()` being what it has logged so far.
 */
export async function tinyproxy(t, { deny } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tinyproxy-"));
  const port = await freePort();
  const log = path.join(dir, "tinyproxy.log");
  const lines = [
    `Port ${port}`,
    "Listen 127.0.0.1",
    "Timeout 60",
    "MaxClients 50",
    "Allow 127.0.0.1",
    `LogFile "${log}"`,
    "LogLevel Info",
    `PidFile "${path.join(dir, "tinyproxy.pid")}"`,
    "DisableViaHeader Yes",
  ];
  if (deny) {
    writeFileSync(path.join(dir, "filter"), `${deny}\n`);
    lines.push(`Filter "${path.join(dir, "filter")}"`, "FilterURLs On", "FilterType ere");
  }
  const conf = path.join(dir, "tinyproxy.conf");
  writeFileSync(conf, lines.join("\n") + "\n");
  const child = spawn(TINYPROXY, ["-d", "-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (c) => (stderr = (stderr + c).slice(-2000)));
  // Stopped by its pid, and waited for: it finishes its open connections first, so it gets 5 s before a KILL.
  // A user of it may stop it earlier (faults' proxied browser does, once closed); this hook is for a test that
  // failed first.
  let stopping = null;
  const stop = () =>
    (stopping ??= (async () => {
      const exited = new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", resolve)));
      const signal = (name) => {
        try {
          process.kill(child.pid, name);
        } catch {
          // already gone
        }
      };
      signal("SIGTERM");
      const timer = setTimeout(() => signal("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    })());
  t.after(stop);
  // Ready once it accepts a connection.
  await until(() => child.exitCode !== null || existsSync(log), "tinyproxy to start", 10_000);
  for (let i = 0; ; i++) {
    assert.equal(child.exitCode, null, `tinyproxy exited: ${stderr}`);
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (ok) break;
    assert.ok(i < 100, `tinyproxy is not listening on ${port}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, url: `http://127.0.0.1:${port}`, stop, log: () => (existsSync(log) ? readFileSync(log, "utf8") : "") };
}
