// Every snippet the page can show, run with the real runtime it names (the Python SDK, the TypeScript SDK
// on Node, curl, a shell) against the mock API, with its placeholders filled in: the base URL, a CA file
// this test made, a proxy this test started. A snippet that does not run, or does not do what its finding
// says it does (route through the proxy, trust the CA, set the retries or the timeout, point at the base
// URL), fails. The list comes from the core (`cargo run --example snippets`), so a new snippet is run
// without anyone adding it here; one that no rule below knows fails too.
//
// The fixtures: the mock (MOCK_ORIGIN, started by scripts/test), an https front to it whose certificate a
// private CA of this test signed (so nothing trusts it by default), and tinyproxy (from Debian), whose log
// shows what it carried (both from tests/e2e/lib). The Python SDK comes from the venv scripts/setup makes (SDK_PYTHON), the
// TypeScript SDK and undici 7 from this folder's node_modules.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { TINYPROXY, tinyproxy } from "../e2e/lib/proxies.mjs";
import { startServer } from "../e2e/lib/servers.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, "../..");
const PYTHON = process.env.SDK_PYTHON || path.join(os.homedir(), ".cache/api-doctor/sdk-venv/bin/python");
/** How long one snippet may take: the SDKs retry failures, which makes a failing run slow, not endless. */
const RUN_TIMEOUT_MS = 60_000;

/** A key of the API key's shape, which the mock accepts; the test's own, never a real one. */
const KEY = `sk-ant-api03-${"s".repeat(93)}AA`;

/** The placeholders snippets use, as the page shows them. */
const PLACEHOLDER = {
  api: "https://api.anthropic.com",
  gateway: "https://gateway.example.com",
  proxy: "http://proxy.example.com:8080",
  ca: "/path/to/corporate-ca.pem",
};

// --- Fixtures ---------------------------------------------------------------------------------------------

const fx = {};
const cleanups = [];

/** A private CA and a leaf for localhost and 127.0.0.1 signed by it, made by `openssl` in `dir`. */
function makeCa(dir) {
  const file = (name) => path.join(dir, name);
  const run = (args) => execFileSync("openssl", args, { stdio: "ignore" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  run(["req", "-x509", ...ec, "-keyout", file("ca.key"), "-out", file("ca.pem"), "-days", "2",
    "-subj", "/CN=API Doctor snippet test CA", "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  run(["req", ...ec, "-keyout", file("leaf.key"), "-out", file("leaf.csr"), "-subj", "/CN=localhost"]);
  writeFileSync(file("leaf.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  run(["x509", "-req", "-in", file("leaf.csr"), "-CA", file("ca.pem"), "-CAkey", file("ca.key"),
    "-CAcreateserial", "-out", file("leaf.pem"), "-days", "2", "-extfile", file("leaf.ext")]);
  return { ca: file("ca.pem"), key: file("leaf.key"), cert: file("leaf.pem") };
}

/** An https server with the CA's leaf that forwards every request to the mock, and counts them. */
async function httpsFront(tls, upstream) {
  const seen = { requests: 0 };
  const tlsFiles = { key: readFileSync(tls.key), cert: readFileSync(tls.cert) };
  const server = await startServer((req, res) => {
    seen.requests++;
    const target = new URL(upstream + req.url);
    const out = http.request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (up) => {
      res.writeHead(up.statusCode, up.headers);
      up.pipe(res);
    });
    out.on("error", () => res.destroy());
    req.pipe(out);
  }, { tls: tlsFiles });
  cleanups.push(server.close);
  return { origin: server.origin, seen };
}

/** Whether tinyproxy's log shows it carried a request to `port` since `mark` (a log length). */
function carried(proxy, port, mark) {
  const lines = proxy.log().slice(mark).split("\n");
  return lines.some((l) => /Request \(file descriptor \d+\): (GET|POST|CONNECT) /.test(l) && l.includes(`:${port}`));
}

// --- Running a snippet --------------------------------------------------------------------------------------

/** Runs `cmd args` with `env` added to a clean environment; resolves with { code, stdout, stderr }. */
function run(cmd, args, { env = {}, cwd, input } = {}) {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      {
        cwd,
        timeout: RUN_TIMEOUT_MS,
        maxBuffer: 4 << 20,
        // Nothing of the machine's own proxy or trust settings: each run says what it uses.
        env: { PATH: `${fx.bin}:${process.env.PATH}`, HOME: fx.home, LANG: "C.UTF-8", ...env },
      },
      (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin.end(input);
  });
}

/** `code` with every placeholder replaced. */
function fill(code, { api = fx.base, ca = fx.tls.ca, proxy = fx.proxy.url } = {}) {
  return code
    .replaceAll(PLACEHOLDER.api, api)
    .replaceAll(PLACEHOLDER.gateway, api)
    .replaceAll(PLACEHOLDER.proxy, proxy)
    .replaceAll(PLACEHOLDER.ca, ca);
}

/** Python: `import anthropic`, the snippet, one model listed; prints what the client was built with. */
function python(code, env = {}) {
  const script = `import anthropic, json
${code}
page = client.models.list(limit=1)
t = client.timeout
print(json.dumps({"model": page.data[0].id, "max_retries": client.max_retries,
  "connect": getattr(t, "connect", t), "read": getattr(t, "read", t)}))
`;
  const file = path.join(fx.dir, `snippet-${Math.random().toString(36).slice(2)}.py`);
  writeFileSync(file, script);
  return run(PYTHON, [file], { env: { ANTHROPIC_API_KEY: KEY, ...env } });
}

/** Node: `import Anthropic`, the snippet, one model listed; prints what the client was built with. */
function node(code, env = {}) {
  const script = `import Anthropic from "@anthropic-ai/sdk";
${code}
const page = await client.models.list({ limit: 1 });
console.log(JSON.stringify({ model: page.data[0].id, maxRetries: client.maxRetries, timeout: client.timeout }));
`;
  const file = path.join(HERE, `.snippet-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, script);
  cleanups.push(() => rmSync(file, { force: true }));
  return run(process.execPath, [file], { env: { ANTHROPIC_API_KEY: KEY, ...env }, cwd: HERE });
}

/** The variables an `export A=1 B=2` line sets; a trailing comment is dropped. */
function exported(line) {
  const m = /^export\s+(.*?)(\s+#.*)?$/.exec(line.trim());
  assert.ok(m, `not an export line: ${line}`);
  return Object.fromEntries(m[1].split(/\s+/).map((pair) => {
    const i = pair.indexOf("=");
    return [pair.slice(0, i), pair.slice(i + 1)];
  }));
}

/** Fails with the run's output unless it succeeded and printed one JSON line; returns that line. */
function ok(r, what) {
  assert.equal(r.code, 0, `${what} failed (${r.code}):\n${r.stderr.slice(-3000)}\n${r.stdout.slice(-1000)}`);
  return JSON.parse(r.stdout.trim().split("\n").pop());
}

/** A number the snippet passes, as it wrote it: `max_retries=4` gives 4. */
function number(code, name) {
  const m = new RegExp(`${name}\\s*[=:]\\s*([0-9_.]+)`).exec(code);
  assert.ok(m, `no ${name} in ${code}`);
  return Number(m[1].replaceAll("_", ""));
}

// --- What each kind of snippet must do ------------------------------------------------------------------------

/**
 * The rules, first match wins: `when(snippet)` says whether it applies, `check(snippet)` runs the snippet
 * and asserts that it did what its finding says. `skip` names why a snippet cannot be run here.
 */
const RULES = [
  {
    name: "Python, through a proxy",
    when: (s) => s.tool === "Python" && s.code.includes("proxy="),
    async check(s) {
      const mark = fx.proxy.log().length;
      ok(await python(fill(s.code), { ANTHROPIC_BASE_URL: fx.base }), "the Python snippet");
      assert.ok(carried(fx.proxy, fx.mockPort, mark), "the proxy did not carry the request");
    },
  },
  {
    name: "Python, trusting a private CA",
    when: (s) => s.tool === "Python" && s.code.includes("cafile="),
    async check(s) {
      const env = { ANTHROPIC_BASE_URL: fx.tlsBase };
      // Without the snippet the private CA is not trusted, so the snippet is what makes it work.
      const plain = await python("client = anthropic.Anthropic(max_retries=0)", env);
      assert.notEqual(plain.code, 0, "the private CA was trusted without the snippet");
      const before = fx.front.seen.requests;
      ok(await python(fill(s.code), env), "the Python snippet");
      assert.ok(fx.front.seen.requests > before, "the https front saw no request");
    },
  },
  {
    name: "Python, a base URL",
    when: (s) => s.tool === "Python" && s.code.includes("base_url="),
    async check(s) {
      // No ANTHROPIC_BASE_URL: the snippet alone points the client at the mock.
      ok(await python(fill(s.code)), "the Python snippet");
    },
  },
  {
    name: "Python, retries and timeouts",
    when: (s) => s.tool === "Python" && /max_retries=|timeout=/.test(s.code),
    async check(s) {
      const got = ok(await python(fill(s.code), { ANTHROPIC_BASE_URL: fx.base }), "the Python snippet");
      if (s.code.includes("max_retries=")) assert.equal(got.max_retries, number(s.code, "max_retries"));
      if (s.code.includes("timeout=")) {
        const m = /Timeout\(([0-9.]+), connect=([0-9.]+)\)/.exec(s.code);
        assert.ok(m, `a timeout the test does not read: ${s.code}`);
        assert.deepEqual([got.read, got.connect], [Number(m[1]), Number(m[2])]);
      }
    },
  },
  {
    name: "Python, one client",
    when: (s) => s.tool === "Python" && /anthropic\.Anthropic\(\)/.test(s.code),
    async check(s) {
      ok(await python(fill(s.code), { ANTHROPIC_BASE_URL: fx.base }), "the Python snippet");
    },
  },
  {
    name: "TypeScript, through a proxy",
    when: (s) => s.tool === "TypeScript" && s.code.includes("ProxyAgent"),
    async check(s) {
      assert.match(s.code, /undici@7/, "on Node 20 the fix must say undici@7: undici 8 does not load there");
      const mark = fx.proxy.log().length;
      ok(await node(fill(s.code), { ANTHROPIC_BASE_URL: fx.base }), "the TypeScript snippet");
      assert.ok(carried(fx.proxy, fx.mockPort, mark), "the proxy did not carry the request");
    },
  },
  {
    name: "TypeScript, a base URL",
    when: (s) => s.tool === "TypeScript" && s.code.includes("baseURL"),
    async check(s) {
      ok(await node(fill(s.code)), "the TypeScript snippet");
    },
  },
  {
    name: "TypeScript, retries and timeouts",
    when: (s) => s.tool === "TypeScript" && /maxRetries|timeout/.test(s.code),
    async check(s) {
      const got = ok(await node(fill(s.code), { ANTHROPIC_BASE_URL: fx.base }), "the TypeScript snippet");
      if (s.code.includes("maxRetries")) assert.equal(got.maxRetries, number(s.code, "maxRetries"));
      if (s.code.includes("timeout")) assert.equal(got.timeout, number(s.code, "timeout"));
    },
  },
  {
    name: "Node's extra CA",
    when: (s) => s.code.startsWith("export NODE_EXTRA_CA_CERTS="),
    async check(s) {
      const env = { ANTHROPIC_BASE_URL: fx.tlsBase };
      const snippet = "const client = new Anthropic({ maxRetries: 0 });";
      const plain = await node(snippet, env);
      assert.notEqual(plain.code, 0, "Node trusted the private CA without the variable");
      ok(await node(snippet, { ...env, ...exported(fill(s.code)) }), "Node with the variable");
    },
  },
  {
    name: "the proxy variable",
    when: (s) => /^export HTTPS_PROXY=/.test(s.code),
    async check(s) {
      // Claude Code is not on this machine; the Python SDK and curl read the same variable, and are run. The
      // target is https, since HTTPS_PROXY is for https URLs; its CA is given as each runtime reads one.
      const env = exported(fill(s.code));
      let mark = fx.proxy.log().length;
      ok(await python("client = anthropic.Anthropic(max_retries=0)", { ...env, ANTHROPIC_BASE_URL: fx.tlsBase, SSL_CERT_FILE: fx.tls.ca }), "Python with the variable");
      assert.ok(carried(fx.proxy, fx.frontPort, mark), "the proxy did not carry the Python SDK's request");
      mark = fx.proxy.log().length;
      const headers = ["-H", `x-api-key: ${KEY}`, "-H", "anthropic-version: 2023-06-01"];
      const r = await run("curl", ["-sS", "--fail", "--cacert", fx.tls.ca, `${fx.tlsBase}/v1/models`, ...headers], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(carried(fx.proxy, fx.frontPort, mark), "the proxy did not carry curl's request");
    },
  },
  {
    name: "the proxy variable on Node 22 and later",
    when: (s) => s.code.includes("NODE_USE_ENV_PROXY=1"),
    skip: () =>
      Number(process.versions.node.split(".")[0]) < 22 &&
      `needs Node 22 or later to run (this machine has ${process.version}); Node 20 ignores the variable, as the text says`,
    async check(s) {
      const env = exported(fill(s.code));
      const mark = fx.proxy.log().length;
      ok(await node("const client = new Anthropic({ maxRetries: 0 });", { ...env, ANTHROPIC_BASE_URL: fx.tlsBase, NODE_EXTRA_CA_CERTS: fx.tls.ca }), "Node with the variables");
      assert.ok(carried(fx.proxy, fx.frontPort, mark), "the proxy did not carry Node's request");
    },
  },
  {
    name: "the base URL variable",
    when: (s) => s.code.startsWith("export ANTHROPIC_BASE_URL="),
    async check(s) {
      // Claude Code reads the variable as the SDKs do; the Python SDK is run with it.
      ok(await python("client = anthropic.Anthropic()", exported(fill(s.code))), "Python with the variable");
    },
  },
  {
    name: "the system trust store (Debian)",
    when: (s) => s.code.includes("update-ca-certificates"),
    async check(s) {
      // Run in a mount namespace of its own, over copies of the trust store's folders, so the machine's
      // store is never touched; then the Python SDK, which trusts the system store, must reach the front.
      const root = mkdtempSync(path.join(fx.dir, "store-"));
      for (const d of ["certs", "local"]) mkdirSync(path.join(root, d));
      const script = [
        "set -e",
        "cp -a /etc/ssl/certs/. \"$ROOT/certs/\"",
        "mount --bind \"$ROOT/certs\" /etc/ssl/certs",
        "mount --bind \"$ROOT/local\" /usr/local/share/ca-certificates",
        `cd "$CA_DIR"`,
        `${s.code} >/dev/null`,
        `exec "$PYTHON" "$SCRIPT"`,
      ].join("\n");
      const py = path.join(fx.dir, "system-store.py");
      writeFileSync(py, "import anthropic\nprint(anthropic.Anthropic(max_retries=0).models.list(limit=1).data[0].id)\n");
      const env = { ROOT: root, CA_DIR: path.dirname(fx.caCopy), PYTHON, SCRIPT: py, ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: fx.tlsBase };
      const r = await run("unshare", ["-m", "--propagation", "private", "bash", "-c", script], { env });
      assert.equal(r.code, 0, `the snippet, then the Python SDK, in a mount namespace:\n${r.stderr.slice(-3000)}`);
    },
  },
  {
    name: "curl",
    when: (s) => s.tool === "curl",
    async check(s) {
      // Against the mock over http, unless the snippet is about the TLS path (verbose, or the issuer); the
      // gateway that redirects is the mock's redirecting scenario.
      const tlsPath = /curl -(s?v)\b/.test(s.code);
      const redirect = s.code.includes(PLACEHOLDER.gateway);
      const code = fill(s.code, { api: tlsPath ? fx.tlsBase : redirect ? fx.redirectBase : fx.base });
      const r = await run("bash", ["-o", "pipefail", "-c", code], { env: { ANTHROPIC_API_KEY: KEY } });
      if (redirect) {
        // curl -i shows the redirect's head, where its Location says where it points.
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^HTTP\/[\d.]+ 30[1278]/);
        assert.match(r.stdout, /^location: \S+/im);
      } else if (s.code.includes("grep -i issuer")) {
        // The issuer line names who signed the certificate: with the CA trusted, the test's CA.
        const trusted = await run("bash", ["-o", "pipefail", "-c", code], { env: { CURL_CA_BUNDLE: fx.tls.ca } });
        assert.equal(trusted.code, 0, trusted.stderr);
        assert.match(trusted.stdout, /issuer:.*API Doctor snippet test CA/);
      } else if (tlsPath) {
        // curl -v names the failing step: here, an untrusted certificate.
        assert.match(r.stderr, /SSL certificate problem|certificate verify failed/i);
      } else if (s.code.includes("/v1/messages")) {
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /event: message_start/);
      } else if (s.code.includes("Bearer") || s.code.includes("x-api-key")) {
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /"data"/, "the keyed curl did not list models");
      } else {
        // Keyless: the API's own 401 is the answer it shows.
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /401/);
        assert.match(r.stdout, /authentication_error/);
      }
    },
  },
  {
    name: "the clock",
    when: (s) => s.code.includes("timedatectl"),
    skip: () => "turns on the system's time sync: a test must not change the machine, and this one has no systemd",
  },
];

// --- The snippets ------------------------------------------------------------------------------------------

const SNIPPETS = execFileSync("cargo", ["run", "-q", "--example", "snippets"], { cwd: REPO, encoding: "utf8" })
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l));

before(async () => {
  assert.ok(process.env.MOCK_ORIGIN, "MOCK_ORIGIN is not set: scripts/test starts the mock and sets it");
  assert.ok(existsSync(PYTHON), `no Python SDK venv at ${PYTHON}: run scripts/setup`);
  assert.ok(existsSync(path.join(HERE, "node_modules/@anthropic-ai/sdk")), "no TypeScript SDK: run scripts/setup");
  assert.ok(existsSync(TINYPROXY), "no tinyproxy: run scripts/setup");
  fx.dir = mkdtempSync(path.join(os.tmpdir(), "snippets-"));
  cleanups.push(() => rmSync(fx.dir, { recursive: true, force: true }));
  fx.home = path.join(fx.dir, "home");
  fx.bin = path.join(fx.dir, "bin");
  mkdirSync(fx.home);
  mkdirSync(fx.bin);
  // Snippets say `sudo`; the test runs as the user it is, so `sudo` runs the command as it is.
  writeFileSync(path.join(fx.bin, "sudo"), '#!/bin/sh\nexec "$@"\n');
  chmodSync(path.join(fx.bin, "sudo"), 0o755);
  const mock = process.env.MOCK_ORIGIN.replace(/\/+$/, "");
  fx.mockPort = new URL(mock).port;
  fx.base = `${mock}/s/healthy`;
  fx.redirectBase = `${mock}/s/redirect`;
  fx.tls = makeCa(fx.dir);
  // The file name the Debian snippet copies from its own folder.
  fx.caCopy = path.join(fx.dir, "ca-dir", "corporate-ca.pem");
  mkdirSync(path.dirname(fx.caCopy));
  writeFileSync(fx.caCopy, readFileSync(fx.tls.ca));
  fx.front = await httpsFront(fx.tls, fx.base);
  fx.frontPort = new URL(fx.front.origin).port;
  fx.tlsBase = fx.front.origin;
  // tinyproxy stops with the others, in `after`.
  fx.proxy = await tinyproxy({ after: (stop) => cleanups.push(stop) });
});

after(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe("every snippet the page shows runs and does what its finding says", () => {
  test("the core lists snippets, and every one has a rule", () => {
    assert.ok(SNIPPETS.length >= 20, `only ${SNIPPETS.length} snippets`);
    const lost = SNIPPETS.filter((s) => !RULES.some((r) => r.when(s)));
    assert.deepEqual(lost.map((s) => `${s.tool}: ${s.code}`), [], "snippets no rule runs: add a rule");
  });
  for (const s of SNIPPETS) {
    const rule = RULES.find((r) => r.when(s));
    if (!rule) continue;
    const why = rule.skip?.(s);
    const title = `${s.check}/${s.outcome} · ${s.tool} · ${rule.name}: ${s.code.split("\n").pop().slice(0, 70)}`;
    test(title, { skip: why || false, timeout: 3 * RUN_TIMEOUT_MS }, () => rule.check(s));
  }
});
