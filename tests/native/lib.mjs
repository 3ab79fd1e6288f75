// The fixtures and runners of the native doctor's end-to-end test (doctor.test.mjs): a private PKI made
// with `openssl`, the mock API and https fronts to it, proxies that answer CONNECT as real ones do
// (tinyproxy, a 407 one, a 403 one), a listener that stalls TLS handshakes, a DNS responder on loopback,
// a network namespace whose only way out is a proxy, and the runners: the doctor, the Python SDK, the
// TypeScript SDK on Node and curl, each with a clean environment (PATH, HOME, LANG and what the scenario
// sets) and a bounded time.
//
// Nothing here reaches anything but loopback (and the veth pair of the namespace, which stays on this
// machine): every process this file runs sees a /etc/resolv.conf that names the test's own DNS responder,
// bound over the real one in a mount namespace of its own (`sandboxed`), so that no lookup leaves.

import assert from "node:assert/strict";
import { execFile, execFileSync, spawn } from "node:child_process";
import dgram from "node:dgram";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { startServer } from "../e2e/lib/servers.mjs";
import { freePort, until } from "../e2e/lib/util.mjs";

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, "../..");
/** The doctor under test: DOCTOR_BIN, or the release build. */
export const DOCTOR = path.resolve(process.env.DOCTOR_BIN || path.join(REPO, "target/release/api-doctor"));
export const MOCK_BIN = path.resolve(process.env.MOCK_BIN || path.join(REPO, "target/release/mock-api"));
export const PYTHON = process.env.SDK_PYTHON || path.join(os.homedir(), ".cache/api-doctor/sdk-venv/bin/python");
/** The TypeScript SDK's folder: its node_modules holds @anthropic-ai/sdk 1.16.0; Node runs from there. */
export const SDK_DIR = path.join(REPO, "tests/sdk");
export const TINYPROXY = "/usr/bin/tinyproxy";
export const COVERAGE_DIR = path.resolve(process.env.COVERAGE_DIR || path.join(REPO, "target/e2e"));

/** A key of the API key's shape (`sk-ant-api03-` + 93 + `AA`), which the mock accepts; the test's own. */
export const KEY = `sk-ant-api03-${"n".repeat(40)}${"D".repeat(40)}${"q".repeat(13)}AA`;
assert.equal(KEY.length, 108);

/** How long one runtime call may take at most (the SDKs' own timeout is 10 s, curl's --max-time 10). */
export const RUNTIME_BOUND_MS = 20_000;

// --- Clean-up ------------------------------------------------------------------------------------------------

const cleanups = [];
/** Runs `fn` when the file's fixtures are torn down (`tearDown`), latest first. */
export const onTearDown = (fn) => cleanups.push(fn);
export async function tearDown() {
  while (cleanups.length) {
    try {
      await cleanups.pop()();
    } catch (e) {
      console.error(`clean-up failed: ${e.message}`);
    }
  }
}

/** Stops a child we started, by its pid: TERM, then KILL after 3 s; resolves when it is gone. */
function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", resolve);
    try {
      process.kill(child.pid, "SIGTERM");
    } catch {
      resolve();
    }
    setTimeout(() => {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // gone
      }
    }, 3000).unref();
  });
}

// --- A private PKI ----------------------------------------------------------------------------------------------

export const CA_NAME = "API Doctor native test CA";

/**
 * A private CA and, signed by it, the leaves the scenarios serve: `good` (localhost, 127.0.0.1 and
 * api.anthropic.com for --resolve scenarios; valid 200 days), `wrong` (for another name), `expired`
 * (valid in 2025 only, made with `openssl ca`, which takes a start and an end date), `expiring` (valid
 * 3 days). Every file is PEM, in `dir`. `caName` names the CA (another name makes another issuer).
 */
export function makePki(dir, { caName = CA_NAME } = {}) {
  mkdirSync(dir, { recursive: true });
  const f = (name) => path.join(dir, name);
  const ssl = (args) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"], cwd: dir });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  ssl(["req", "-x509", ...ec, "-keyout", f("ca.key"), "-out", f("ca.pem"), "-days", "3650", "-subj", `/CN=${caName}`,
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  const leaf = (name, sans, days) => {
    ssl(["req", ...ec, "-keyout", f(`${name}.key`), "-out", f(`${name}.csr`), "-subj", `/CN=${sans[0].replace(/^\w+:/, "")}`]);
    writeFileSync(f(`${name}.ext`), `subjectAltName=${sans.join(",")}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
    ssl(["x509", "-req", "-in", f(`${name}.csr`), "-CA", f("ca.pem"), "-CAkey", f("ca.key"), "-CAcreateserial",
      "-out", f(`${name}.pem`), "-days", String(days), "-extfile", f(`${name}.ext`)]);
    return { key: f(`${name}.key`), cert: f(`${name}.pem`) };
  };
  const good = leaf("good", ["DNS:localhost", "IP:127.0.0.1", "DNS:api.anthropic.com"], 200);
  const wrong = leaf("wrong", ["DNS:wrong-name.test"], 200);
  const expiring = leaf("expiring", ["DNS:localhost", "IP:127.0.0.1"], 3);
  // `openssl ca` with a start and an end date in the past: the one way OpenSSL 3.0 makes an expired leaf.
  ssl(["req", ...ec, "-keyout", f("expired.key"), "-out", f("expired.csr"), "-subj", "/CN=localhost"]);
  mkdirSync(f("ca-db"), { recursive: true });
  writeFileSync(f("ca-db/index.txt"), "");
  writeFileSync(f("ca-db/serial"), "1000\n");
  writeFileSync(f("ca.cnf"), [
    "[ca]", "default_ca = test_ca", "[test_ca]", `dir = ${f("ca-db")}`, "database = $dir/index.txt",
    "new_certs_dir = $dir", "serial = $dir/serial", "default_md = sha256", "policy = any", "unique_subject = no",
    "copy_extensions = none", "[any]", "commonName = supplied",
    "[leaf_ext]", "subjectAltName = DNS:localhost,IP:127.0.0.1", "extendedKeyUsage = serverAuth", "basicConstraints = CA:FALSE", "",
  ].join("\n"));
  ssl(["ca", "-batch", "-config", f("ca.cnf"), "-cert", f("ca.pem"), "-keyfile", f("ca.key"), "-in", f("expired.csr"),
    "-out", f("expired.pem"), "-startdate", "20250101000000Z", "-enddate", "20250301000000Z", "-extensions", "leaf_ext", "-notext"]);
  const expired = { key: f("expired.key"), cert: f("expired.pem") };
  return { dir, ca: f("ca.pem"), good, wrong, expired, expiring };
}

/** A certificate's validity dates, as `openssl x509` prints them. */
export function validity(certFile) {
  return execFileSync("openssl", ["x509", "-noout", "-dates", "-subject", "-ext", "subjectAltName", "-in", certFile], { encoding: "utf8" });
}

// --- The mock API and the servers in front of it ------------------------------------------------------------------

/** Starts `mock-api --port 0`; resolves with { origin, port, stop }. */
export function startMock() {
  assert.ok(existsSync(MOCK_BIN), `no mock-api at ${MOCK_BIN}: cargo build -q -p mock-api --release`);
  const child = spawn(MOCK_BIN, ["--port", "0"], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stderr.on("data", (c) => (log = (log + c).slice(-4000)));
  const stop = () => stopChild(child);
  onTearDown(stop);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("mock-api printed no address in 20 s")), 20_000);
    createInterface({ input: child.stdout }).once("line", (line) => {
      clearTimeout(timer);
      const m = /^mock-api listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(line.trim());
      if (m) resolve({ origin: m[1], port: Number(m[2]), stop });
      else reject(new Error(`unexpected first line from mock-api: ${line}`));
    });
    child.once("exit", (code) => reject(new Error(`mock-api exited (${code}):\n${log}`)));
  });
}

/**
 * An https server with `leaf` (from makePki) that forwards every request to `upstream` (an origin and path
 * prefix), keeping its connections alive (with `close`, every answer closes its connection). Every request is recorded in `requests` as { method, url, headers, body } (the body as text,
 * capped), so that the key-hygiene test can see where the key went.
 */
export async function httpsFront(leaf, upstream, name, { close = false } = {}) {
  const requests = [];
  const tls = { key: readFileSync(leaf.key), cert: readFileSync(leaf.cert) };
  const server = await startServer((req, res) => {
    const rec = { front: name, method: req.method, url: req.url, headers: { ...req.headers }, body: "" };
    requests.push(rec);
    const target = new URL(upstream + req.url);
    const out = http.request(target, { method: req.method, headers: { ...req.headers, host: target.host, connection: "close" } }, (up) => {
      // The upstream leg closes after each answer; this one keeps the connection, as the API's edge does,
      // unless `close`: then every answer says `connection: close`, as some gateways do.
      const headers = { ...up.headers };
      delete headers["keep-alive"];
      if (close) headers.connection = "close";
      else delete headers.connection;
      res.writeHead(up.statusCode, headers);
      up.pipe(res);
    });
    out.on("error", () => res.destroy());
    req.on("data", (c) => {
      if (rec.body.length < 65536) rec.body += c.toString("latin1");
    });
    req.pipe(out);
  }, { tls });
  // A TLS client that gives up mid-handshake is not the server's error.
  server.server.on("tlsClientError", () => {});
  onTearDown(server.close);
  const port = Number(new URL(server.origin).port);
  return { name, port, requests, localhost: `https://localhost:${port}`, ip: `https://127.0.0.1:${port}` };
}

/** A TCP listener that accepts and never writes a byte: a TLS handshake to it stalls. */
export async function stallListener() {
  const sockets = new Set();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("error", () => {});
    s.on("close", () => sockets.delete(s));
    s.resume();
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const close = () => new Promise((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  });
  onTearDown(close);
  return { port: server.address().port };
}

/**
 * A proxy that answers every CONNECT (and every plain request) with `status` and closes: 407 with a
 * Proxy-Authenticate challenge, 403 as a filtering proxy does. `seen` lists what it was asked, with the
 * request's headers, so that a test can tell who went through it and that no key was in it.
 */
export async function refusingProxy(status) {
  const seen = [];
  const reason = { 407: "Proxy Authentication Required", 403: "Forbidden" }[status] ?? "Error";
  const extra = status === 407 ? 'Proxy-Authenticate: Basic realm="api-doctor test"\r\n' : "";
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, headers: { ...req.headers } });
    res.writeHead(status, status === 407 ? { "proxy-authenticate": 'Basic realm="api-doctor test"', connection: "close" } : { connection: "close" });
    res.end(`${status} ${reason}\n`);
  });
  server.on("connect", (req, socket) => {
    seen.push({ method: req.method, url: req.url, headers: { ...req.headers } });
    socket.on("error", () => {});
    socket.end(`HTTP/1.1 ${status} ${reason}\r\n${extra}Content-Length: 0\r\nConnection: close\r\n\r\n`);
  });
  server.on("clientError", (_e, socket) => socket.destroy());
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = server.address().port;
  onTearDown(() => new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  }));
  return { port, url: `http://127.0.0.1:${port}`, seen };
}

/**
 * Debian's tinyproxy in the foreground on a free port of `listen`, allowing `allow` (addresses), with its
 * config and log in a temp dir. Resolves with { port, url, log() }. Stopped at tear-down.
 */
export async function startTinyproxy({ listen = "127.0.0.1", allow = ["127.0.0.1"] } = {}) {
  assert.ok(existsSync(TINYPROXY), "no tinyproxy: run scripts/setup");
  const dir = mkdtempSync(path.join(os.tmpdir(), "native-tinyproxy-"));
  const port = await freePortOn(listen);
  const logFile = path.join(dir, "tinyproxy.log");
  const conf = path.join(dir, "tinyproxy.conf");
  writeFileSync(conf, [
    `Port ${port}`, `Listen ${listen}`, "Timeout 30", "MaxClients 50", ...allow.map((a) => `Allow ${a}`),
    `LogFile "${logFile}"`, "LogLevel Info", `PidFile "${path.join(dir, "tinyproxy.pid")}"`, "DisableViaHeader Yes",
    "",
  ].join("\n"));
  const child = spawn(TINYPROXY, ["-d", "-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (c) => (stderr = (stderr + c).slice(-2000)));
  onTearDown(async () => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  });
  await until(async () => {
    assert.equal(child.exitCode, null, `tinyproxy exited: ${stderr}`);
    return connects(listen, port);
  }, `tinyproxy on ${listen}:${port}`, 10_000);
  const log = () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : "");
  return { port, url: `http://${listen}:${port}`, log };
}

/** Whether a TCP connection to host:port is accepted. */
export function connects(host, port) {
  return new Promise((resolve) => {
    const s = net.connect(port, host, () => {
      s.destroy();
      resolve(true);
    });
    s.on("error", () => resolve(false));
  });
}

/** A free port on `host` (freePort covers 127.0.0.1 only). */
function freePortOn(host) {
  if (host === "127.0.0.1") return freePort();
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, host, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A loopback port nothing listens on: one the kernel just gave out and that was closed again. */
export async function closedPort() {
  const port = await freePort();
  assert.ok(!(await connects("127.0.0.1", port)), `port ${port} is not closed`);
  return port;
}

/** Whether tinyproxy's log shows it carried a request (CONNECT or GET) to `port` since `mark` (a log length). */
export function carried(proxy, port, mark) {
  return proxy.log().slice(mark).split("\n")
    .some((l) => /Request \(file descriptor \d+\): (GET|POST|CONNECT) /.test(l) && l.includes(`:${port}`));
}

// --- DNS: a responder on loopback, and the resolv.conf that names it ----------------------------------------------------

/**
 * A DNS responder on `addr`:53 (UDP): `names` (lower case, no trailing dot) answer with their A and AAAA
 * lists, or never when the value is "drop"; every other name is NXDOMAIN. `queries` lists what was asked ("name TYPE").
 */
export async function dnsResponder(addr, names = {}) {
  const queries = [];
  const sock = dgram.createSocket("udp4");
  sock.on("message", (msg, rinfo) => {
    try {
      const reply = answer(msg, names, queries);
      if (reply) sock.send(reply, rinfo.port, rinfo.address);
    } catch {
      // a malformed query gets no answer
    }
  });
  await new Promise((resolve, reject) => {
    sock.once("error", reject);
    sock.bind(53, addr, resolve);
  });
  onTearDown(() => new Promise((resolve) => sock.close(resolve)));
  return { addr, queries };
}

function answer(msg, names, queries) {
  if (msg.length < 12 || msg.readUInt16BE(4) !== 1) return null;
  let i = 12;
  const labels = [];
  while (msg[i] !== 0) {
    labels.push(msg.subarray(i + 1, i + 1 + msg[i]).toString("latin1"));
    i += msg[i] + 1;
    if (i >= msg.length) return null;
  }
  i += 1;
  const qtype = msg.readUInt16BE(i);
  const qend = i + 4;
  const name = labels.join(".").toLowerCase();
  const type = { 1: "A", 28: "AAAA" }[qtype] ?? String(qtype);
  queries.push(`${name} ${type}`);
  const known = names[name];
  // A name that is "drop" gets no answer at all: the resolver waits for its timeout.
  if (known === "drop") return null;
  const records = !known ? [] : type === "A" ? known.A ?? [] : type === "AAAA" ? known.AAAA ?? [] : [];
  const head = Buffer.alloc(12);
  head.writeUInt16BE(msg.readUInt16BE(0), 0);
  const rd = msg[2] & 0x01;
  head[2] = 0x80 | rd; // QR, RD as asked
  head[3] = 0x80 | (known ? 0 : 3); // RA; NOERROR or NXDOMAIN
  head.writeUInt16BE(1, 4);
  head.writeUInt16BE(records.length, 6);
  const rrs = records.map((ip) => {
    const data = type === "A" ? Buffer.from(ip.split(".").map(Number)) : ipv6Bytes(ip);
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0);
    rr.writeUInt16BE(qtype, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(60, 6);
    rr.writeUInt16BE(data.length, 10);
    return Buffer.concat([rr, data]);
  });
  return Buffer.concat([head, msg.subarray(12, qend), ...rrs]);
}

function ipv6Bytes(ip) {
  const [l, r = ""] = ip.split("::");
  const left = l ? l.split(":") : [];
  const right = r ? r.split(":") : [];
  const groups = [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  const b = Buffer.alloc(16);
  groups.forEach((g, k) => b.writeUInt16BE(parseInt(g, 16), k * 2));
  return b;
}

/** Writes a resolv.conf naming `addr` as the only name server, with short timeouts; returns its path. */
export function resolvConf(dir, addr) {
  const file = path.join(dir, `resolv-${addr}.conf`);
  writeFileSync(file, `nameserver ${addr}\noptions timeout:1 attempts:1\n`);
  return file;
}

// --- Network namespaces --------------------------------------------------------------------------------------------

/**
 * A network namespace joined to this one by a veth pair: this side `hostIp`, the namespace `nsIp`, and its
 * own loopback up. Nothing in it listens: a connection to 127.0.0.1 there is refused. Removed at tear-down.
 */
export function netns() {
  const n = Math.floor(Math.random() * 200) + 20;
  const name = `adt-native-${process.pid}-${n}`;
  const [hostDev, nsDev] = [`adn${n}h${process.pid % 1000}`.slice(0, 15), `adn${n}n${process.pid % 1000}`.slice(0, 15)];
  const hostIp = `10.213.${n}.1`;
  const nsIp = `10.213.${n}.2`;
  const ip = (...args) => execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
  ip("netns", "add", name);
  onTearDown(() => {
    try {
      ip("link", "del", hostDev);
    } catch {
      // went with the namespace
    }
    ip("netns", "del", name);
  });
  ip("link", "add", hostDev, "type", "veth", "peer", "name", nsDev, "netns", name);
  ip("addr", "add", `${hostIp}/30`, "dev", hostDev);
  ip("link", "set", hostDev, "up");
  ip("netns", "exec", name, "ip", "addr", "add", `${nsIp}/30`, "dev", nsDev);
  ip("netns", "exec", name, "ip", "link", "set", nsDev, "up");
  ip("netns", "exec", name, "ip", "link", "set", "lo", "up");
  return { name, hostIp, nsIp };
}

// --- Running things -------------------------------------------------------------------------------------------------

/**
 * The command line that runs `cmd args` in a mount namespace of its own where /etc/resolv.conf is `resolv`
 * (so that no lookup leaves loopback), and, with `netns`, inside that network namespace, or with
 * `noNetwork` in a fresh one with nothing in it (no resolver reachable, not even loopback up). Env values
 * in `raw` are set by the shell from octal escapes (printf), for bytes that are not UTF-8.
 */
export function sandboxed(cmd, args, { resolv, netns: ns, noNetwork = false, raw = {} }) {
  const exports = Object.entries(raw).map(([k, v]) => `export ${k}="$(printf '${v}')"; `).join("");
  const inner = ["unshare", "-m", "--propagation", "private", ...(noNetwork ? ["-n"] : []), "sh", "-c",
    `mount --bind "$0" /etc/resolv.conf && ${exports}exec "$@"`, resolv, cmd, ...args];
  return ns ? ["ip", ["netns", "exec", ns, ...inner]] : [inner[0], inner.slice(1)];
}

/**
 * Runs `cmd args` with exactly `env` (the caller builds it: see cleanEnv), bounded by `timeoutMs`;
 * resolves with { code, signal, stdout, stderr, ms }.
 */
export function run(cmd, args, { env, cwd, timeoutMs = RUNTIME_BOUND_MS, interruptAfterMs } = {}) {
  const start = Date.now();
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { cwd, env, timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 8 << 20, encoding: "utf8" },
      (error, stdout, stderr) => resolve({
        code: error ? (typeof error.code === "number" ? error.code : null) : 0,
        signal: error?.signal ?? null,
        stdout,
        stderr,
        ms: Date.now() - start,
      }));
    // Ctrl-C, as a person gives it: SIGINT to the process (the sandbox's wrappers exec, so it is the program).
    if (interruptAfterMs !== undefined) {
      const timer = setTimeout(() => {
        try {
          process.kill(child.pid, "SIGINT");
        } catch {
          // already gone
        }
      }, interruptAfterMs);
      child.once("exit", () => clearTimeout(timer));
    }
  });
}

/** The environment of every run: PATH, HOME and LANG only, then what the scenario sets. */
export function cleanEnv(home, extra = {}) {
  return { PATH: "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", HOME: home, LANG: "C.UTF-8", ...extra };
}

const NODE_RUNNER = path.join(HERE, "runners/node-models.cjs");
const PYTHON_RUNNER = path.join(HERE, "runners/python-models.py");

/** Reads the one JSON line a runner printed; a runner that printed none failed in a way its line explains. */
function verdictOf(r, who) {
  const line = r.stdout.trim().split("\n").filter(Boolean).pop();
  if (line?.startsWith("{")) {
    try {
      return { ...JSON.parse(line), ms: r.ms, exit: r.code };
    } catch {
      // fall through
    }
  }
  // No line: the process died before it could print (Node refusing its NODE_OPTIONS, a timeout kill).
  const why = r.signal ? `killed (${r.signal}) after ${r.ms} ms` : `exited ${r.code} without a result`;
  return { actual: "fails", started: false, error: `${who} ${why}: ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`, ms: r.ms, exit: r.code };
}

/** The Python SDK: models.list(limit=1) with max_retries=0, timeout=10. */
export async function runPython(base, env, sandbox) {
  const [cmd, args] = sandboxed(PYTHON, [PYTHON_RUNNER, base], sandbox);
  return verdictOf(await run(cmd, args, { env }), "python");
}

/** The TypeScript SDK on Node (this Node), run from tests/sdk: models.list({limit:1}), maxRetries 0, 10 s. */
export async function runNode(base, env, sandbox) {
  const [cmd, args] = sandboxed(process.execPath, [NODE_RUNNER, SDK_DIR, base], sandbox);
  return verdictOf(await run(cmd, args, { env, cwd: SDK_DIR }), "node");
}

/** curl -sS -o /dev/null --max-time 10 -H "x-api-key: $KEY" BASE/v1/models: works when any HTTP answer came. */
export async function runCurl(base, env, sandbox) {
  const url = `${base.replace(/\/+$/, "")}/v1/models`;
  const [cmd, args] = sandboxed("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10",
    "-H", `x-api-key: ${KEY}`, url], sandbox);
  const r = await run(cmd, args, { env });
  if (r.code === 0) return { actual: "works", status: Number(r.stdout.trim()), ms: r.ms, exit: 0 };
  const line = r.stderr.split("\n").find((l) => /^curl: \(\d+\)/.test(l));
  return { actual: "fails", error: line ?? (r.stderr.trim().split("\n").pop() || `exit ${r.code}`), ms: r.ms, exit: r.code };
}

/** The doctor: `api-doctor check ARGS --json`; resolves with { code, json, stdout, stderr, ms }. */
export async function runDoctor(args, env, sandbox, { timeoutMs = 60_000, interruptAfterMs } = {}) {
  const [cmd, argv] = sandboxed(DOCTOR, args, sandbox);
  const r = await run(cmd, argv, { env, timeoutMs, interruptAfterMs });
  let json = null;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    // left null: the test says what came instead
  }
  return { ...r, json, argv: args };
}

/** Keeps a run's JSON (or what came instead) in $COVERAGE_DIR/native-json/<scenario>.json, to read after a run. */
export function writeJson(scenario, value) {
  const dir = path.join(COVERAGE_DIR, "native-json");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${scenario}.json`), JSON.stringify(value, null, 1) + "\n");
}

/** Writes the (code, outcome) pairs of a run's findings where coverage.mjs reads them. */
export function writeCoverage(scenario, findings) {
  mkdirSync(COVERAGE_DIR, { recursive: true });
  // A skipped finding names no outcome of its check (the page notes none for it either).
  const rows = findings
    .filter((f) => f.outcome && f.status !== "skipped" && f.outcome !== "skipped")
    .map((f) => ({ code: f.code, outcome: f.outcome, scenario: `native/${scenario}` }));
  writeFileSync(path.join(COVERAGE_DIR, `coverage-native-${scenario}.json`), JSON.stringify(rows, null, 1) + "\n");
}
