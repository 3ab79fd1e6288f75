// Fixtures of the monitor's end-to-end tests: the monitor itself (`api-doctor monitor`, in a mount
// namespace whose resolv.conf names nothing, so no lookup leaves loopback), fronts whose scenario and
// certificate the test switches while the monitor runs, the real Prometheus (Debian's) with a temp data
// dir and a one-second scrape and evaluation interval, its HTTP API, and promtool.
//
// Everything listens on 127.0.0.1; every process is ended by its pid when the file's tests end.

import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { createInterface } from "node:readline";
import { startServer } from "../e2e/lib/servers.mjs";
import { freePort, until } from "../e2e/lib/util.mjs";
import { DOCTOR, REPO, onTearDown, sandboxed } from "../native/lib.mjs";

export const PROMETHEUS = process.env.PROMETHEUS_BIN || "/usr/bin/prometheus";
export const PROMTOOL = process.env.PROMTOOL_BIN || "/usr/bin/promtool";
export const DEPLOY = path.join(REPO, "deploy");

/** Stops a child we started, by its pid: TERM, then KILL after 5 s; resolves with how it ended. */
export function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    try {
      process.kill(child.pid, "SIGTERM");
    } catch {
      resolve({ code: null, signal: null });
    }
    setTimeout(() => {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // gone
      }
    }, 5000).unref();
  });
}

/** A resolv.conf that names a resolver nobody runs: a lookup fails at once instead of leaving loopback. */
export function deadResolvConf(dir) {
  const file = path.join(dir, "resolv.conf");
  writeFileSync(file, "nameserver 127.0.0.9\noptions timeout:1 attempts:1\n");
  return file;
}

/**
 * Starts `api-doctor monitor ARGS --listen 127.0.0.1:0` with exactly `env`, in a mount namespace whose
 * resolv.conf is `resolv`; resolves once it says where it serves, with { url, child, pid, log(), stop() }.
 */
export function startMonitor(args, env, resolv) {
  const [cmd, argv] = sandboxed(DOCTOR, ["monitor", "--listen", "127.0.0.1:0", ...args], { resolv });
  const child = spawn(cmd, argv, { env, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  const stop = () => stopChild(child);
  onTearDown(stop);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the monitor said nothing in 20 s:\n${log}`)), 20_000);
    const lines = createInterface({ input: child.stderr });
    lines.on("line", (line) => {
      log += line + "\n";
      const m = /serving (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], child, pid: child.pid, log: () => log, stop });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the monitor exited (${code}):\n${log}`));
    });
  });
}

/** GET `url` with `headers`; resolves with { status, type, body }. */
export function get(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode, type: res.headers["content-type"] ?? "", body }));
    });
    req.on("error", reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${url} took over 10 s`)));
  });
}

/**
 * An http(s) server that forwards every request to `upstream()` + the request's path, asking `upstream`
 * afresh each time, so that the test switches what the monitor meets while it runs. With `tls` it serves
 * that { key, cert } and `useCert` swaps it for new connections.
 */
export async function switchable(upstream, tls) {
  const server = await startServer((req, res) => {
    const target = new URL(upstream() + req.url);
    const out = http.request(target, { method: req.method, headers: { ...req.headers, host: target.host, connection: "close" } }, (up) => {
      const headers = { ...up.headers };
      delete headers.connection;
      delete headers["keep-alive"];
      res.writeHead(up.statusCode, headers);
      up.pipe(res);
    });
    out.on("error", () => res.destroy());
    res.on("close", () => out.destroy());
    req.pipe(out);
  }, { tls: tls && { key: readFileSync(tls.key), cert: readFileSync(tls.cert) } });
  server.server.on("tlsClientError", () => {});
  onTearDown(server.close);
  const port = Number(new URL(server.origin).port);
  return {
    port,
    origin: server.origin,
    useCert(leaf) {
      server.server.setSecureContext({ key: readFileSync(leaf.key), cert: readFileSync(leaf.cert) });
      // Kept-alive connections still hold the old certificate: close them so the next probe meets the new.
      server.server.closeIdleConnections?.();
    },
  };
}

/** Shortens the rules' `for:` durations (minutes become seconds), so that alerts go pending and fire within a test. */
export function quickRules(text) {
  return text.replace(/for: (\d+)m/g, (_, m) => `for: ${Math.max(2, Number(m) * 2)}s`);
}

/**
 * Starts Prometheus with `scrapeConfigs` (YAML text of the scrape_configs list) and the deploy rules (their
 * `for:` shortened), scraping and evaluating every second, its data in `dir`; resolves once it is ready
 * with { url, query, alerts, stop }.
 */
export async function startPrometheus(dir, scrapeConfigs) {
  mkdirSync(path.join(dir, "data"), { recursive: true });
  for (const f of ["alerts.yml", "records.yml"]) {
    writeFileSync(path.join(dir, f), quickRules(readFileSync(path.join(DEPLOY, f), "utf8")));
  }
  const config = [
    "global:",
    "  scrape_interval: 1s",
    "  scrape_timeout: 900ms",
    "  evaluation_interval: 1s",
    "rule_files:",
    "  - alerts.yml",
    "  - records.yml",
    "scrape_configs:",
    scrapeConfigs,
  ].join("\n");
  writeFileSync(path.join(dir, "prometheus.yml"), config);
  const check = await promtool(["check", "config", path.join(dir, "prometheus.yml")]);
  assert.equal(check.code, 0, `promtool check config:\n${check.stdout}${check.stderr}`);
  const port = await freePort();
  const child = spawn(PROMETHEUS, [
    `--config.file=${path.join(dir, "prometheus.yml")}`,
    `--storage.tsdb.path=${path.join(dir, "data")}`,
    `--web.listen-address=127.0.0.1:${port}`,
    "--web.console.templates=/nonexistent",
    "--web.console.libraries=/nonexistent",
    "--log.level=warn",
  ], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr.on("data", (c) => (log = (log + c).slice(-8000)));
  const stop = () => stopChild(child);
  onTearDown(stop);
  const url = `http://127.0.0.1:${port}`;
  await until(async () => {
    if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}):\n${log}`);
    try {
      return (await get(`${url}/-/ready`)).status === 200;
    } catch {
      return false;
    }
  }, () => `prometheus to be ready:\n${log}`, 60_000);
  const api = async (p) => {
    const r = await get(`${url}${p}`);
    assert.equal(r.status, 200, `${p}: ${r.body}`);
    const j = JSON.parse(r.body);
    assert.equal(j.status, "success", `${p}: ${r.body}`);
    return j.data;
  };
  return {
    url,
    log: () => log,
    stop,
    /** An instant query's vector, as [{ metric, value: number }]. */
    query: async (expr) =>
      (await api(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) })),
    /** Every alert now pending or firing, as [{ name, state, labels, annotations }]. */
    alerts: async () =>
      (await api("/api/v1/alerts")).alerts.map((a) => ({ name: a.labels.alertname, state: a.state, labels: a.labels, annotations: a.annotations })),
  };
}

/** Runs promtool with `args` (and `input` on stdin); resolves with { code, stdout, stderr }. */
export function promtool(args, input) {
  return new Promise((resolve) => {
    const child = execFile(PROMTOOL, args, { timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (err.code ?? 1) : 0, stdout, stderr }));
    if (input !== undefined) child.stdin.end(input);
  });
}

/** The resident memory of process `pid`, in bytes (VmRSS). */
export function rssOf(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : NaN;
}
