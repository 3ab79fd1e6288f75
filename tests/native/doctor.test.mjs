// The native doctor end to end: the built `api-doctor check --json` against real servers on loopback that
// this file starts, and its per-runtime predictions against the real runtimes (the Python SDK, the
// TypeScript SDK on Node, curl) run in the same environment, scenario by scenario.
//
// Each scenario sets an environment (proxies, CA variables, NODE_OPTIONS, ~/.claude/settings.json) and a
// target (an https front to the mock API whose leaf a private CA of this file signed, a stalling listener,
// a closed port, the plain-HTTP mock, an unresolvable name), then runs the doctor, and, where no --resolve
// is needed, the three runtimes with that same environment. It asserts the doctor's verdict, findings, path
// rows and runtime rows; that each runtime's prediction is what the runtime really did (an HTTP answer of
// any status is "works"; a connection, TLS or proxy error "fails"); where a proxy's log can tell, that each
// runtime took the route the doctor says; and, separately, that the runtimes behave as API-FACTS.md
// (*Runtimes*) says. At the end it prints the table scenario × runtime (predicted, actual) and writes it to
// $COVERAGE_DIR/native-agreement.md, and each run's (code, outcome) pairs to coverage-native-<scenario>.json.
//
// Nothing leaves loopback: every process runs with /etc/resolv.conf bound to a file naming this file's
// own DNS responder (lib.mjs, `sandboxed`); the one namespace scenario uses a veth pair on this machine.
//
// Run: node --test tests/native/doctor.test.mjs (needs target/release/api-doctor or DOCTOR_BIN, the mock
// built with `cargo build -p mock-api --release`, and scripts/setup's SDKs). NATIVE_WITHOUT_DOCTOR=1 runs
// only the runtimes and the fixtures, skipping every assertion about the doctor.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { slowedByTheMachine } from "../e2e/lib/expect.mjs";
import { startServer } from "../e2e/lib/servers.mjs";
import * as L from "./lib.mjs";

const WITHOUT_DOCTOR = process.env.NATIVE_WITHOUT_DOCTOR === "1";
/** A second secret, for the scenario with both ANTHROPIC_API_KEY and ANTHROPIC_AUTH_TOKEN. */
const TOKEN = `adt-test-token-${"Zq7".repeat(12)}`;
const RUNTIMES = ["python", "node", "curl"];

// --- Fixtures -------------------------------------------------------------------------------------------------------

const fx = {};
/** Every doctor run: { scenario, stdout, stderr } for the key-hygiene test. */
const doctorRuns = [];
/** Every https front, and every proxy a scenario started, for the key-hygiene test. */
const fronts = [];
const proxies = [];
/** The agreement table's rows. */
const table = [];
/** Runtime results that API-FACTS.md does not predict: { scenario, runtime, expected, got }. */
const factsMismatches = [];

before(async () => {
  assert.ok(existsSync(L.PYTHON), `no Python SDK venv at ${L.PYTHON}: run scripts/setup (or set SDK_PYTHON)`);
  assert.ok(existsSync(path.join(L.SDK_DIR, "node_modules/@anthropic-ai/sdk")), "no TypeScript SDK in tests/sdk: run scripts/setup");
  if (!WITHOUT_DOCTOR) assert.ok(existsSync(L.DOCTOR), `no api-doctor at ${L.DOCTOR}: build it, or set DOCTOR_BIN`);
  // Every run happens in a mount namespace (its own resolv.conf); one scenario in a network namespace.
  try {
    execFileSync("unshare", ["-m", "--propagation", "private", "true"], { stdio: "ignore" });
  } catch {
    assert.fail("`unshare -m` failed: this test needs root (or CAP_SYS_ADMIN) for its mount and network namespaces");
  }
  fx.dir = mkdtempSync(path.join(os.tmpdir(), "native-doctor-"));
  L.onTearDown(() => rmSync(fx.dir, { recursive: true, force: true }));
  fx.pki = L.makePki(path.join(fx.dir, "pki"));
  fx.mock = await L.startMock();
  const healthy = `${fx.mock.origin}/s/healthy`;
  fx.healthy = healthy;
  [fx.good, fx.wrong, fx.expired, fx.expiring] = await Promise.all([
    L.httpsFront(fx.pki.good, healthy, "good"),
    L.httpsFront(fx.pki.wrong, healthy, "wrong"),
    L.httpsFront(fx.pki.expired, healthy, "expired"),
    L.httpsFront(fx.pki.expiring, healthy, "expiring"),
  ]);
  fronts.push(fx.good, fx.wrong, fx.expired, fx.expiring);
  fx.stall = await L.stallListener();
  fx.closed = await L.closedPort();
  // Side probes (status page, DNS-over-HTTPS) go to a closed loopback port: they fail, and stay here.
  fx.sideClosed = await L.closedPort();
  // The DNS responder every sandboxed process asks: localhost as /etc/hosts has it, slow-dns.test never
  // answered, anything else NXDOMAIN.
  const dnsAddr = `127.${50 + (process.pid % 150)}.${Math.floor(Math.random() * 250) + 1}.53`;
  fx.dns = await L.dnsResponder(dnsAddr, { localhost: { A: ["127.0.0.1"] }, "slow-dns.test": "drop" });
  fx.resolv = L.resolvConf(fx.dir, dnsAddr);
});

after(async () => {
  printTable();
  await L.tearDown();
});

// --- Scenarios ------------------------------------------------------------------------------------------------------

/** The three CA variables, so that every runtime trusts the test CA (the doctor gets --cacert too). */
const allCa = () => ({ SSL_CERT_FILE: fx.pki.ca, NODE_EXTRA_CA_CERTS: fx.pki.ca, CURL_CA_BUNDLE: fx.pki.ca });
const cacert = () => ["--cacert", fx.pki.ca];
const W = "works";
const F = "fails";
/**
 * perf.latency's outcome for a path with nothing slow on it: fast, or, on a loaded machine, the two outcomes its
 * stalls can cause (a spread of round trips, a slow first connection). Never lossy, slow or very slow.
 */
const FAST_UNLESS_LOADED = "fast|unstable|slow_setup";

/**
 * The scenarios. Each scenario gets `ctx.front`, an https front of its own (the good leaf), so that what
 * reached it came from this scenario alone. Fields:
 * - `base(ctx)` the target; `env(ctx)` the environment (added to PATH, HOME, LANG, the key and
 *   ANTHROPIC_BASE_URL = base); `raw(ctx)` variables whose bytes are not UTF-8 (octal escapes);
 *   `args(ctx)` extra doctor arguments; `timeoutMs` the doctor's --timeout-ms (default 4000);
 *   `positional: false` leaves BASE_URL out; `sandbox` ({ noNetwork }) where the processes run;
 *   `interruptAfterMs` sends the doctor SIGINT then; `setup(ctx)` starts what the scenario alone uses
 *   (`ctx.proxy`, `ctx.settings` for ~/.claude/settings.json, `ctx.sandbox`).
 * - `runtimes: false` where the runtimes are not run (--resolve, which no SDK has; a cancelled run).
 * - `facts` what API-FACTS.md says each runtime does; `routes` the route it says each takes, checked where
 *   `route(ctx)` can tell from a proxy's log (`tinyproxyRoute`, `refusingRoute`).
 * - `why` the reason (or reasons) the doctor must give for a runtime that fails, where the reason is clear.
 * - On the doctor's JSON: `verdict`, `findings` (code → outcome, or "skipped<-code"), `paths(rows, ctx)`,
 *   `runtimeRows(rows)`, `claude` (claude_code's route and prediction), `check(json, run)`, `target`
 *   (the target is ANTHROPIC_BASE_URL's), `zh` (the same run with --lang zh reaches the same outcomes).
 */
const SCENARIOS = [
  // --- Trust: which variable each runtime reads ---------------------------------------------------------------------
  {
    name: "ca_ssl_cert_file",
    base: (ctx) => ctx.front.localhost,
    env: () => ({ SSL_CERT_FILE: fx.pki.ca }),
    facts: { python: W, node: F, curl: W },
    why: { node: "untrusted" },
    verdict: { state: "degraded", code: "tls.trust", outcome: "partly_trusted" },
    findings: { "env.config": "ok", "dns.system": "resolved", "network.connect": "connected", "network.proxy": "none", "tls.handshake": "ok", "tls.trust": "partly_trusted" },
    paths: (p) => tlsDirect(p),
  },
  {
    name: "ca_node_extra_ca_certs",
    base: (ctx) => ctx.front.localhost,
    env: () => ({ NODE_EXTRA_CA_CERTS: fx.pki.ca }),
    facts: { python: F, node: W, curl: F },
    why: { python: "untrusted", curl: "untrusted" },
    verdict: { state: "degraded", code: "tls.trust", outcome: "partly_trusted" },
    findings: { "env.config": "ok", "tls.handshake": "ok", "tls.trust": "partly_trusted" },
    paths: (p) => tlsDirect(p),
  },
  {
    name: "ca_curl_ca_bundle",
    base: (ctx) => ctx.front.localhost,
    env: () => ({ CURL_CA_BUNDLE: fx.pki.ca }),
    facts: { python: F, node: F, curl: W },
    why: { python: "untrusted", node: "untrusted" },
    verdict: { state: "degraded", code: "tls.trust", outcome: "partly_trusted" },
    findings: { "tls.handshake": "ok", "tls.trust": "partly_trusted" },
    paths: (p) => tlsDirect(p),
  },
  {
    name: "ca_requests_ca_bundle",
    base: (ctx) => ctx.front.localhost,
    env: () => ({ REQUESTS_CA_BUNDLE: fx.pki.ca }),
    facts: { python: F, node: F, curl: F },
    why: { python: "untrusted", node: "untrusted", curl: "untrusted" },
    verdict: { state: "broken", code: "tls.trust", outcome: "untrusted" },
    findings: { "env.config": "ignored_ca_var", "tls.handshake": "ok", "tls.trust": "untrusted" },
    paths: (p) => tlsDirect(p),
  },
  {
    name: "ca_nowhere",
    base: (ctx) => ctx.front.localhost,
    env: () => ({}),
    facts: { python: F, node: F, curl: F },
    why: { python: "untrusted", node: "untrusted", curl: "untrusted" },
    verdict: { state: "broken", code: "tls.trust", outcome: "untrusted" },
    findings: { "env.config": "ok", "tls.handshake": "ok", "tls.trust": "untrusted" },
    paths: (p) => tlsDirect(p),
  },
  {
    name: "ca_cacert_only",
    base: (ctx) => ctx.front.localhost,
    env: () => ({}),
    args: cacert,
    facts: { python: F, node: F, curl: F },
    why: { python: "untrusted", node: "untrusted", curl: "untrusted" },
    verdict: { state: "broken", code: "tls.trust", outcome: "untrusted" },
    findings: { "tls.handshake": "ok", "tls.trust": "untrusted" },
    paths: (p) => tlsDirect(p),
  },
  {
    name: "ca_everywhere",
    base: (ctx) => ctx.front.localhost,
    env: allCa,
    args: cacert,
    facts: { python: W, node: W, curl: W },
    verdict: { state: "healthy" },
    findings: { "env.config": "ok", "dns.system": "resolved", "network.connect": "connected", "network.proxy": "none", "tls.handshake": "ok", "tls.trust": "trusted" },
    paths: (p) => {
      const [d] = tlsDirect(p);
      assert.equal(d.works, true, "the direct path works");
      assert.equal(typeof d.http_status, "number", "the direct path got an HTTP answer");
      assert.equal(d.failure, null);
    },
  },
  {
    name: "ca_file_unusable",
    base: (ctx) => ctx.front.localhost,
    env: () => ({ SSL_CERT_FILE: path.join(fx.dir, "no-such-ca.pem"), NODE_EXTRA_CA_CERTS: fx.pki.ca, CURL_CA_BUNDLE: fx.pki.ca }),
    args: cacert,
    // Python fails making its client (FileNotFoundError); Node and curl trust the CA their variables name.
    facts: { python: F, node: W, curl: W },
    why: { python: "ca_file" },
    verdict: { state: "broken", code: "env.config", outcome: "ca_file_unusable" },
    findings: { "env.config": "ca_file_unusable", "network.connect": "connected", "tls.handshake": "ok" },
  },
  {
    name: "node_options_use_openssl_ca",
    base: (ctx) => ctx.front.localhost,
    env: () => ({ NODE_OPTIONS: "--use-openssl-ca", SSL_CERT_FILE: fx.pki.ca, CURL_CA_BUNDLE: fx.pki.ca }),
    args: cacert,
    facts: { python: W, node: W, curl: W },
    verdict: { state: "healthy" },
    findings: { "tls.handshake": "ok", "tls.trust": "trusted" },
    paths: (p) => tlsDirect(p),
  },
  {
    name: "node_options_use_system_ca",
    base: (ctx) => ctx.front.localhost,
    env: () => ({ ...allCa(), NODE_OPTIONS: "--use-system-ca" }),
    args: cacert,
    // Node 20 refuses the flag and dies before any code runs; 22 and 24 take it.
    facts: { python: W, node: nodeMajor() < 22 ? F : W, curl: W },
    why: { node: nodeMajor() < 22 ? "node_options" : undefined },
    findings: { "tls.handshake": "ok", "env.config": nodeMajor() < 22 ? "node_options_refused" : "ok" },
    paths: (p) => tlsDirect(p),
  },
  // --- Proxies ----------------------------------------------------------------------------------------------------------
  {
    name: "proxy_tinyproxy",
    base: (ctx) => ctx.front.localhost,
    setup: async (ctx) => (ctx.proxy = await L.startTinyproxy()),
    env: (ctx) => ({ ...allCa(), HTTPS_PROXY: ctx.proxy.url }),
    args: cacert,
    facts: { python: W, node: W, curl: W },
    routes: { python: "proxy", node: "direct", curl: "proxy" },
    route: tinyproxyRoute,
    verdict: { state: "healthy" },
    findings: { "env.config": "ok", "network.proxy": "tunnel_ok", "tls.handshake": "ok", "tls.trust": "trusted" },
    paths: (p, ctx) => {
      const [x] = proxyRows(p, ctx.proxy.url);
      assert.equal(x.works, true);
      assert.equal(x.proxy_status, 200);
      assert.ok(x.tls, "the tunnelled path has a TLS row");
    },
  },
  {
    name: "proxy_without_scheme",
    base: (ctx) => ctx.front.localhost,
    setup: async (ctx) => (ctx.proxy = await L.startTinyproxy()),
    env: (ctx) => ({ ...allCa(), HTTPS_PROXY: `127.0.0.1:${ctx.proxy.port}` }),
    args: cacert,
    facts: { python: W, node: W, curl: W },
    routes: { python: "proxy", node: "direct", curl: "proxy" },
    route: tinyproxyRoute,
    verdict: { state: "degraded", code: "env.config", outcome: "proxy_without_scheme" },
    findings: { "env.config": "proxy_without_scheme", "network.proxy": "tunnel_ok" },
    paths: (p, ctx) => {
      const rows = p.filter((r) => r.route === "proxy");
      assert.ok(rows.length >= 1, "a proxy path");
      assert.ok(rows.every((r) => r.via.includes(`127.0.0.1:${ctx.proxy.port}`)), `via names the proxy: ${rows.map((r) => r.via)}`);
      assert.ok(rows.some((r) => r.works), "the proxy path works");
    },
  },
  {
    name: "proxy_all_proxy",
    base: (ctx) => ctx.front.localhost,
    setup: async (ctx) => (ctx.proxy = await L.startTinyproxy()),
    env: (ctx) => ({ ...allCa(), ALL_PROXY: ctx.proxy.url }),
    args: cacert,
    facts: { python: W, node: W, curl: W },
    routes: { python: "proxy", node: "direct", curl: "proxy" },
    route: tinyproxyRoute,
    verdict: { state: "healthy" },
    findings: { "network.proxy": "tunnel_ok" },
    paths: (p, ctx) => assert.ok(proxyRows(p, ctx.proxy.url)[0].works),
  },
  {
    name: "proxy_http_proxy_only",
    base: (ctx) => ctx.front.localhost,
    setup: async (ctx) => (ctx.proxy = await L.startTinyproxy()),
    env: (ctx) => ({ ...allCa(), HTTP_PROXY: ctx.proxy.url }),
    args: cacert,
    // HTTP_PROXY is for http:// URLs: nobody uses it for an https target.
    facts: { python: W, node: W, curl: W },
    routes: { python: "direct", node: "direct", curl: "direct" },
    route: tinyproxyRoute,
    verdict: { state: "healthy" },
    findings: { "network.proxy": "none", "tls.trust": "trusted" },
    paths: (p) => {
      assert.ok(directRows(p).some((r) => r.works));
      assert.ok(!p.some((r) => r.route === "proxy"), "no proxy path: HTTP_PROXY is not for https");
    },
  },
  {
    name: "proxy_407",
    base: (ctx) => ctx.front.localhost,
    setup: async (ctx) => (ctx.proxy = await L.refusingProxy(407)),
    env: (ctx) => ({ ...allCa(), HTTPS_PROXY: ctx.proxy.url }),
    args: cacert,
    facts: { python: F, node: W, curl: F },
    why: { python: "proxy_auth", curl: "proxy_auth" },
    routes: { python: "proxy", node: "direct", curl: "proxy" },
    route: refusingRoute,
    verdict: { state: "broken", code: "network.proxy", outcome: "auth_required" },
    findings: { "network.proxy": "auth_required" },
    paths: (p, ctx) => refusedProxyRow(p, ctx, 407),
  },
  {
    name: "proxy_403",
    base: (ctx) => ctx.front.localhost,
    setup: async (ctx) => (ctx.proxy = await L.refusingProxy(403)),
    env: (ctx) => ({ ...allCa(), HTTPS_PROXY: ctx.proxy.url }),
    args: cacert,
    facts: { python: F, node: W, curl: F },
    why: { python: "proxy_denied", curl: "proxy_denied" },
    routes: { python: "proxy", node: "direct", curl: "proxy" },
    route: refusingRoute,
    verdict: { state: "broken", code: "network.proxy", outcome: "denied" },
    findings: { "network.proxy": "denied" },
    paths: (p, ctx) => refusedProxyRow(p, ctx, 403),
  },
  {
    name: "proxy_closed_port",
    base: (ctx) => ctx.front.localhost,
    env: () => ({ ...allCa(), HTTPS_PROXY: `http://127.0.0.1:${fx.closed}` }),
    args: cacert,
    facts: { python: F, node: W, curl: F },
    why: { python: ["proxy", "connect"], curl: ["proxy", "connect"] },
    verdict: { state: "broken", code: "network.proxy", outcome: "unreachable" },
    findings: { "network.proxy": "unreachable" },
    paths: (p) => {
      const [x] = proxyRows(p, `http://127.0.0.1:${fx.closed}`);
      assert.equal(x.works, false);
      assert.ok(x.failure, "a failure");
      assert.equal(x.failure.error, "refused");
      assert.ok(["connect", "proxy"].includes(x.failure.stage), `stage ${x.failure.stage}`);
      assert.ok(directRows(p).some((r) => r.works), "the direct path works");
    },
  },
  {
    name: "proxy_bypassed_no_proxy",
    base: (ctx) => ctx.front.localhost,
    env: () => ({ ...allCa(), HTTPS_PROXY: `http://127.0.0.1:${fx.closed}`, NO_PROXY: "localhost" }),
    args: cacert,
    facts: { python: W, node: W, curl: W },
    verdict: { state: "healthy" },
    findings: { "network.proxy": "bypassed", "tls.trust": "trusted" },
    paths: (p) => assert.ok(directRows(p).some((r) => r.works), "the direct path works"),
  },
  {
    name: "proxy_node_use_env_proxy_407",
    base: (ctx) => ctx.front.localhost,
    setup: async (ctx) => (ctx.proxy = await L.refusingProxy(407)),
    env: (ctx) => ({ ...allCa(), HTTPS_PROXY: ctx.proxy.url, NODE_USE_ENV_PROXY: "1" }),
    args: cacert,
    // Node 20 ignores NODE_USE_ENV_PROXY: it goes direct, and works; 22+ would go to the proxy and fail.
    facts: { python: F, node: nodeMajor() < 22 ? W : F, curl: F },
    why: { python: "proxy_auth", curl: "proxy_auth" },
    routes: { python: "proxy", node: nodeMajor() < 22 ? "direct" : "proxy", curl: "proxy" },
    route: refusingRoute,
    verdict: { state: "broken", code: "network.proxy", outcome: "auth_required" },
    findings: { "network.proxy": "auth_required" },
    paths: (p, ctx) => refusedProxyRow(p, ctx, 407),
  },
  {
    name: "proxy_socks5",
    base: (ctx) => ctx.front.localhost,
    env: () => ({ ...allCa(), HTTPS_PROXY: "socks5://127.0.0.1:1" }),
    args: cacert,
    // Python: the client cannot be made without the socks extra; Node ignores it; curl uses it (port 1: refused).
    facts: { python: F, node: W, curl: F },
    why: { python: "socks_needs_extra", curl: "connect" },
    // The doctor speaks SOCKS5 too: the proxy is unreachable, which stops curl (a working SOCKS proxy is
    // checks.test.mjs's).
    verdict: { state: "broken", code: "network.proxy", outcome: "unreachable" },
    findings: { "network.proxy": "unreachable", "network.connect": "connected" },
    paths: (p) => assert.ok(directRows(p).some((r) => r.works), "the direct path works"),
  },
  {
    name: "proxy_https_scheme_to_plain_proxy",
    base: (ctx) => ctx.front.localhost,
    setup: async (ctx) => (ctx.proxy = await L.startTinyproxy()),
    env: (ctx) => ({ ...allCa(), HTTPS_PROXY: `https://127.0.0.1:${ctx.proxy.port}` }),
    args: cacert,
    facts: { python: F, node: W, curl: F },
    // The doctor speaks TLS to an https:// proxy as Python does; a plain proxy does not answer it.
    why: { python: "proxy", curl: "https_proxy" },
    verdict: { state: "broken", code: "network.proxy", outcome: "unreachable" },
    findings: { "network.proxy": "unreachable", "network.connect": "connected" },
    paths: (p) => assert.ok(directRows(p).some((r) => r.works), "the direct path works"),
  },
  {
    name: "proxy_bad_url",
    base: (ctx) => ctx.front.localhost,
    env: () => ({ ...allCa(), HTTPS_PROXY: "http://127.0.0.1:99999" }),
    args: cacert,
    facts: { node: W },
    why: { python: "bad_proxy", curl: "bad_proxy" },
    verdict: { state: "broken", code: "env.config", outcome: "bad_proxy" },
    findings: { "env.config": "bad_proxy", "network.connect": "connected" },
    paths: (p) => assert.ok(directRows(p).some((r) => r.works), "the direct path works"),
  },
  {
    name: "proxy_only_way_out",
    // The doctor and the runtimes run in a network namespace whose loopback has nothing on it; the only way
    // to the front is tinyproxy on this side of a veth pair. Node ignores HTTPS_PROXY and is refused.
    base: (ctx) => ctx.front.localhost,
    setup: async (ctx) => {
      ctx.ns = L.netns();
      ctx.proxy = await L.startTinyproxy({ listen: ctx.ns.hostIp, allow: [ctx.ns.nsIp, "127.0.0.1"] });
      ctx.sandbox = { netns: ctx.ns.name };
    },
    env: (ctx) => ({ ...allCa(), HTTPS_PROXY: ctx.proxy.url }),
    args: cacert,
    facts: { python: W, node: F, curl: W },
    why: { node: "connect" },
    routes: { python: "proxy", node: "direct", curl: "proxy" },
    route: tinyproxyRoute,
    verdict: { state: "degraded", code: "network.connect", outcome: "direct_blocked" },
    findings: { "network.connect": "direct_blocked", "network.proxy": "tunnel_ok" },
    paths: (p, ctx) => {
      const d = directRows(p);
      assert.ok(d.length >= 1 && d.every((r) => !r.works), "the direct path fails");
      assert.deepEqual(pick(d[0].failure, ["stage", "error"]), { stage: "connect", error: "refused" });
      assert.equal(proxyRows(p, ctx.proxy.url)[0].works, true, "the proxy path works");
    },
  },
  {
    name: "settings_env_proxy",
    // Claude Code reads ~/.claude/settings.json's env block; the SDKs and curl do not.
    base: (ctx) => ctx.front.localhost,
    setup: async (ctx) => {
      ctx.proxy = await L.refusingProxy(407);
      ctx.settings = JSON.stringify({ env: { HTTPS_PROXY: ctx.proxy.url } });
    },
    env: allCa,
    args: cacert,
    facts: { python: W, node: W, curl: W },
    verdict: { state: "broken", code: "network.proxy", outcome: "auth_required" },
    findings: { "env.config": "ok", "network.proxy": "auth_required" },
    paths: (p, ctx) => refusedProxyRow(p, ctx, 407),
    claude: { route: "proxy", prediction: F },
  },
  // --- The connection and the handshake ------------------------------------------------------------------------------
  {
    name: "tls_stalled",
    base: () => `https://localhost:${fx.stall.port}`,
    env: allCa,
    args: cacert,
    timeoutMs: 1500,
    facts: { python: F, node: F, curl: F },
    why: { python: "tls", node: "tls", curl: "tls" },
    verdict: { state: "broken", code: "tls.handshake", outcome: "stalled" },
    findings: { "network.connect": "connected", "tls.handshake": "stalled", "tls.trust": "skipped<-tls.handshake" },
    paths: (p) => {
      const [d] = directRows(p);
      assert.equal(d.works, false);
      assert.equal(typeof d.connect_ms, "number", "the TCP connect was timed");
      assert.deepEqual(pick(d.failure, ["stage", "error"]), { stage: "tls", error: "timed_out" });
    },
  },
  {
    name: "tls_to_plain_http_port",
    base: () => `https://localhost:${fx.mock.port}/s/healthy`,
    env: allCa,
    args: cacert,
    facts: { python: F, node: F, curl: F },
    why: { python: "tls", node: "tls", curl: "tls" },
    verdict: { state: "broken", code: "tls.handshake", outcome: "failed" },
    findings: { "network.connect": "connected", "tls.handshake": "failed", "tls.trust": "skipped<-tls.handshake" },
    paths: (p) => {
      const [d] = directRows(p);
      assert.equal(d.works, false);
      assert.equal(d.failure?.stage, "tls");
      assert.equal(d.failure?.error, "not_tls");
    },
  },
  {
    name: "plain_http",
    base: () => `http://localhost:${fx.mock.port}/s/healthy`,
    env: () => ({}),
    facts: { python: W, node: W, curl: W },
    verdict: { state: "healthy" },
    findings: { "network.connect": "connected", "tls.handshake": "plain_http", "tls.trust": "plain_http" },
    paths: (p) => {
      const [d] = directRows(p);
      assert.equal(d.works, true);
      assert.equal(d.tls, null, "no TLS on plain http");
      assert.equal(typeof d.http_status, "number");
    },
  },
  {
    name: "cert_wrong_name",
    base: () => fx.wrong.localhost,
    env: allCa,
    args: cacert,
    facts: { python: F, node: F, curl: F },
    why: { python: ["untrusted", "tls"], node: ["untrusted", "tls"], curl: ["untrusted", "tls"] },
    verdict: { state: "broken", code: "tls.trust", outcome: "wrong_name" },
    findings: { "tls.handshake": "ok", "tls.trust": "wrong_name" },
    paths: (p) => tlsDirect(p),
  },
  {
    name: "cert_expired",
    base: () => fx.expired.localhost,
    env: allCa,
    args: cacert,
    facts: { python: F, node: F, curl: F },
    why: { python: ["untrusted", "tls"], node: ["untrusted", "tls"], curl: ["untrusted", "tls"] },
    verdict: { state: "broken", code: "tls.trust", outcome: "expired" },
    findings: { "tls.handshake": "ok", "tls.trust": "expired" },
    paths: (p) => tlsDirect(p),
  },
  {
    name: "cert_expiring",
    base: () => fx.expiring.localhost,
    env: allCa,
    args: cacert,
    facts: { python: W, node: W, curl: W },
    verdict: { state: "degraded", code: "tls.trust", outcome: "expiring" },
    findings: { "tls.handshake": "ok", "tls.trust": "expiring" },
    paths: (p) => assert.equal(tlsDirect(p)[0].works, true),
  },
  {
    name: "port_closed",
    base: () => `https://localhost:${fx.closed}`,
    env: allCa,
    args: cacert,
    facts: { python: F, node: F, curl: F },
    why: { python: "connect", node: "connect", curl: "connect" },
    verdict: { state: "broken", code: "network.connect", outcome: "all_failed" },
    findings: { "dns.system": "resolved", "network.connect": "all_failed", "tls.handshake": "skipped<-network.connect", "tls.trust": "skipped<-network.connect" },
    paths: (p) => {
      const d = directRows(p);
      assert.ok(d.length >= 1);
      for (const r of d) {
        assert.equal(r.works, false);
        assert.deepEqual(pick(r.failure, ["stage", "error"]), { stage: "connect", error: "refused" });
        assert.equal(r.tls, null);
        assert.equal(r.http_status, null);
      }
    },
    // The same run in Chinese must reach the same codes and outcomes.
    zh: true,
  },
  {
    name: "ip_host",
    base: (ctx) => ctx.front.ip,
    env: allCa,
    args: cacert,
    facts: { python: W, node: W, curl: W },
    verdict: { state: "healthy" },
    findings: { "dns.system": "overridden", "network.connect": "connected", "tls.trust": "trusted" },
    paths: (p) => {
      const [d] = directRows(p);
      assert.equal(d.via, "127.0.0.1");
      assert.equal(d.family, 4);
      assert.equal(d.works, true);
    },
  },
  {
    name: "resolve_some_failed",
    base: (ctx) => `https://api.anthropic.com:${ctx.front.port}`,
    env: allCa,
    args: (ctx) => [...cacert(), "--resolve", `api.anthropic.com:${ctx.front.port}:::1,127.0.0.1`],
    runtimes: false,
    verdict: { state: "degraded", code: "network.connect", outcome: "some_failed" },
    findings: { "dns.system": "overridden", "network.connect": "some_failed", "tls.trust": "trusted" },
    paths: (p) => {
      const d = directRows(p);
      const v6 = d.find((r) => r.family === 6);
      const v4 = d.find((r) => r.family === 4);
      assert.ok(v6 && v4, `one row per family: ${JSON.stringify(d)}`);
      assert.equal(v6.via, "::1");
      assert.equal(v6.works, false);
      assert.deepEqual(pick(v6.failure, ["stage", "error"]), { stage: "connect", error: "refused" });
      assert.equal(v4.via, "127.0.0.1");
      assert.equal(v4.works, true);
    },
  },
  // --- DNS --------------------------------------------------------------------------------------------------------------
  {
    name: "dns_not_found",
    base: (ctx) => `https://doctor-test.invalid:${ctx.front.port}`,
    env: allCa,
    args: cacert,
    facts: { python: F, node: F, curl: F },
    why: { python: "not_resolved", node: "not_resolved", curl: "not_resolved" },
    verdict: { state: "broken", code: "dns.system", outcome: "not_found" },
    findings: { "dns.system": "not_found", "network.connect": "skipped<-dns.system", "tls.handshake": "skipped<-dns.system", "tls.trust": "skipped<-dns.system" },
    paths: (p) => assert.ok(!p.some((r) => r.works), "no path works"),
  },
  {
    name: "dns_failed",
    // No resolver can be reached: a network namespace with nothing in it (getaddrinfo: EAI_AGAIN).
    base: () => "https://api.anthropic.com",
    sandbox: { noNetwork: true },
    env: allCa,
    args: cacert,
    facts: { python: F, node: F, curl: F },
    why: { python: "not_resolved", node: "not_resolved", curl: "not_resolved" },
    verdict: { state: "broken", code: "dns.system", outcome: "failed" },
    findings: { "dns.system": "failed", "network.connect": "skipped<-dns.system", "network.proxy": "none", "tls.handshake": "skipped<-dns.system", "tls.trust": "skipped<-dns.system" },
    paths: (p) => assert.ok(!p.some((r) => r.works), "no path works"),
  },
  // --- The configuration ------------------------------------------------------------------------------------------------
  {
    name: "env_both_keys",
    base: (ctx) => ctx.front.localhost,
    env: () => ({ ...allCa(), ANTHROPIC_AUTH_TOKEN: TOKEN }),
    args: cacert,
    facts: { python: W, node: W, curl: W },
    verdict: { state: "degraded", code: "env.config", outcome: "both_keys" },
    findings: { "env.config": "both_keys", "tls.trust": "trusted" },
    paths: (p) => assert.equal(tlsDirect(p)[0].works, true),
  },
  {
    name: "env_settings_unusable",
    base: (ctx) => ctx.front.localhost,
    setup: (ctx) => (ctx.settings = '{"env": {"HTTPS_PROXY": '),
    env: allCa,
    args: cacert,
    facts: { python: W, node: W, curl: W },
    verdict: { state: "degraded", code: "env.config", outcome: "settings_unusable" },
    findings: { "env.config": "settings_unusable", "tls.trust": "trusted" },
    paths: (p) => assert.equal(tlsDirect(p)[0].works, true),
  },
  {
    name: "env_not_utf8",
    base: (ctx) => ctx.front.localhost,
    env: allCa,
    // HTTPS_PROXY names a closed port, then two bytes that are not UTF-8 (set by the shell: see `sandboxed`).
    raw: () => ({ HTTPS_PROXY: `http://127.0.0.1:${fx.closed}/\\377\\376` }),
    args: cacert,
    // Python fails making its client; curl reads the host and port before the bytes and meets a closed
    // port; Node ignores the variable.
    facts: { python: F, node: W, curl: F },
    why: { python: "not_text" },
    verdict: { state: "broken", code: "env.config", outcome: "not_utf8" },
    findings: { "env.config": "not_utf8" },
    paths: (p) => tlsDirect(p),
  },
  {
    name: "env_base_url_only",
    // No BASE_URL argument: the doctor takes ANTHROPIC_BASE_URL, as the SDKs do.
    base: (ctx) => ctx.front.localhost,
    env: allCa,
    args: cacert,
    positional: false,
    runtimes: false,
    verdict: { state: "healthy" },
    findings: { "env.config": "ok", "tls.trust": "trusted" },
    paths: (p) => assert.equal(tlsDirect(p)[0].works, true),
    target: true,
  },
  // --- A server that closes every connection after its answer (as some gateways do) -----------------------------------
  {
    name: "server_connection_close",
    base: (ctx) => ctx.closingFront.localhost,
    setup: async (ctx) => {
      ctx.closingFront = await L.httpsFront(fx.pki.good, fx.healthy, "closing", { close: true });
      fronts.push(ctx.closingFront);
    },
    env: allCa,
    args: cacert,
    facts: { python: W, node: W, curl: W },
    // `connection: close` is HTTP/1.1 working as meant: no round trip is lost (never lossy), nothing is slow.
    verdict: { state: "healthy" },
    findings: { "tls.trust": "trusted", "auth.key": "accepted", "perf.latency": FAST_UNLESS_LOADED },
    paths: (p) => assert.equal(tlsDirect(p)[0].works, true),
  },
  // --- Ctrl-C: the run ends at once, says it was cancelled, and what had not run is not_run -----------------------------
  {
    name: "cancelled_in_dns",
    // The DNS responder never answers this name: the run is interrupted while the system resolver waits.
    base: (ctx) => `https://slow-dns.test:${ctx.front.port}`,
    env: allCa,
    args: cacert,
    interruptAfterMs: 400,
    runtimes: false,
    verdict: { state: "cancelled" },
    findings: { "dns.system": "not_run", "network.connect": "not_run", "tls.handshake": "not_run", "tls.trust": "not_run" },
    // Nothing was resolved: no path, and no runtime can be predicted.
    paths: (p) => assert.deepEqual(p, []),
    runtimeRows: (rows) => assert.ok(rows.every((r) => r.prediction === "unknown"), "every prediction unknown"),
    check: (out, doc) => assert.ok(doc.ms < 5000, `the run ended ${doc.ms} ms after it started, interrupted at 400 ms`),
  },
  {
    name: "cancelled_in_handshake",
    // The target and the proxy both accept and never answer: interrupted mid-handshake and mid-CONNECT.
    base: () => `https://localhost:${fx.stall.port}`,
    setup: async (ctx) => (ctx.stalledProxy = await L.stallListener()),
    env: (ctx) => ({ ...allCa(), HTTPS_PROXY: `http://127.0.0.1:${ctx.stalledProxy.port}` }),
    args: cacert,
    timeoutMs: 20_000,
    interruptAfterMs: 1500,
    runtimes: false,
    verdict: { state: "cancelled" },
    findings: { "dns.system": "resolved", "network.proxy": "not_run", "tls.handshake": "not_run", "tls.trust": "not_run" },
    paths: (p, ctx) => {
      assert.ok(!p.some((r) => r.works), "no path is said to work");
      assert.ok(directRows(p).length >= 1, "the direct path is listed");
      assert.ok(p.some((r) => r.route === "proxy" && r.via === `http://127.0.0.1:${ctx.stalledProxy.port}`), "the proxy path is listed");
    },
    runtimeRows: (rows) => assert.ok(rows.every((r) => r.prediction === "unknown"), "every prediction unknown"),
    check: (out, doc) => assert.ok(doc.ms < 6000, `the run ended ${doc.ms} ms after it started, interrupted at 1500 ms (probe timeout 20 s)`),
  },
];

function nodeMajor() {
  return Number(process.versions.node.split(".")[0]);
}

// --- Path-row helpers ---------------------------------------------------------------------------------------------------

const pick = (o, keys) => (o ? Object.fromEntries(keys.map((k) => [k, o[k]])) : o);
const directRows = (p) => p.filter((r) => r.route === "direct");
/** The proxy rows via `url` (at least one). */
function proxyRows(p, url) {
  const rows = p.filter((r) => r.route === "proxy" && r.via === url);
  assert.ok(rows.length >= 1, `a proxy path via ${url}: ${JSON.stringify(p.map((r) => [r.route, r.via]))}`);
  return rows;
}
/** A direct path over IPv4 to 127.0.0.1 whose handshake completed and shows the test CA as issuer. */
function tlsDirect(p) {
  const d = directRows(p);
  assert.equal(d.length, 1, `one direct path (localhost is 127.0.0.1 only): ${JSON.stringify(d)}`);
  assert.equal(d[0].via, "127.0.0.1");
  assert.equal(d[0].family, 4);
  assert.ok(d[0].tls, "a TLS row on the direct path");
  assert.match(String(d[0].tls.issuer), new RegExp(L.CA_NAME), "the issuer is the test CA");
  assert.ok(Array.isArray(d[0].tls.trust) && d[0].tls.trust.length > 0, "trust sources are listed");
  return d;
}
function refusedProxyRow(p, ctx, status) {
  const [x] = proxyRows(p, ctx.proxy.url);
  assert.equal(x.works, false);
  assert.equal(x.proxy_status, status);
  assert.deepEqual(pick(x.failure, ["stage", "error"]), { stage: "proxy", error: "proxy_status" });
  assert.ok(directRows(p).some((r) => r.works), "the direct path works");
}

// --- Route evidence -------------------------------------------------------------------------------------------------

/** Who carried a runtime's request: marks before it runs, a verdict after. */
function tinyproxyRoute(ctx) {
  return {
    mark: () => ({ log: ctx.proxy.log().length, front: ctx.front.requests.length }),
    seen: (m) => (L.carried(ctx.proxy, ctx.front.port, m.log) ? "proxy" : ctx.front.requests.length > m.front ? "direct" : null),
  };
}
function refusingRoute(ctx) {
  return {
    mark: () => ({ proxy: ctx.proxy.seen.length, front: ctx.front.requests.length }),
    seen: (m) => (ctx.proxy.seen.length > m.proxy ? "proxy" : ctx.front.requests.length > m.front ? "direct" : null),
  };
}

// --- Checking one doctor run against the contract -------------------------------------------------------------------------

const STATES = ["healthy", "degraded", "broken", "cancelled"];
const FAILURE_STAGES = ["connect", "proxy", "tls", "http"];
const FAILURE_ERRORS = ["refused", "reset", "unreachable", "timed_out", "closed", "proxy_status", "not_tls", "tls_alert", "bad_answer", "other"];
const PREDICTIONS = ["works", "works_after_wait", "fails", "unknown"];
const WHYS = [null, "untrusted", "connect", "proxy_auth", "proxy_denied", "proxy", "tls", "http", "not_resolved", "dies_at_start", "socks_needs_extra", "socks_unsupported", "https_proxy", "bad_proxy", "node_options", "not_text", "ca_file"];

/** Asserts the shape of the --json output; returns it. */
function assertShape(out) {
  assert.ok(out && typeof out === "object", "stdout is one JSON object");
  for (const k of ["schema", "tool", "target", "verdict", "findings", "native"]) assert.ok(k in out, `the JSON has "${k}"`);
  assert.ok(STATES.includes(out.verdict.state), `verdict.state ${out.verdict.state}`);
  assert.ok(Array.isArray(out.findings) && out.findings.length > 0, "findings");
  for (const f of out.findings) {
    for (const k of ["code", "layer", "status", "outcome", "facts"]) assert.ok(k in f, `finding ${f.code} has "${k}"`);
    assert.ok(Array.isArray(f.facts), `finding ${f.code}: facts is a list`);
    for (const fact of f.facts) assert.ok("name" in fact && "value" in fact, `finding ${f.code}: a fact has name and value`);
  }
  const codes = out.findings.map((f) => f.code);
  assert.equal(new Set(codes).size, codes.length, `each check once: ${codes}`);
  const n = out.native;
  assert.ok(n && typeof n.host === "string", "native.host");
  assert.ok(Array.isArray(n.paths), "native.paths");
  for (const r of n.paths) {
    assert.ok(["direct", "proxy"].includes(r.route), `path route ${r.route}`);
    assert.equal(typeof r.via, "string");
    assert.ok([0, 4, 6].includes(r.family), `path family ${r.family}`);
    assert.equal(typeof r.works, "boolean");
    for (const k of ["connect_ms", "proxy_status", "http_status"]) assert.ok(r[k] === null || typeof r[k] === "number", `path ${k}: ${r[k]}`);
    assert.ok(r.tls === null || (typeof r.tls === "object" && ["version", "alpn", "cipher", "issuer", "trust"].every((k) => k in r.tls)), `path tls: ${JSON.stringify(r.tls)}`);
    if (r.tls) for (const s of r.tls.trust) assert.ok("source" in s && "result" in s, `a trust row: ${JSON.stringify(s)}`);
    if (r.failure !== null) {
      assert.ok(FAILURE_STAGES.includes(r.failure.stage), `failure.stage ${r.failure.stage}`);
      assert.ok(FAILURE_ERRORS.includes(r.failure.error), `failure.error ${r.failure.error}`);
      assert.equal(typeof r.failure.after_ms, "number");
    }
    if (r.works) assert.equal(r.failure, null, `a working path has no failure: ${JSON.stringify(r)}`);
    if (r.failure) assert.equal(r.works, false, `a path with a failure does not work: ${JSON.stringify(r)}`);
  }
  assert.ok(Array.isArray(n.runtimes), "native.runtimes");
  const names = n.runtimes.map((r) => r.runtime).sort();
  assert.deepEqual(names, ["claude_code", "curl", "node", "python"], "one row per runtime");
  for (const r of n.runtimes) {
    assert.ok(["direct", "proxy", "stopped"].includes(r.route), `${r.runtime} route ${r.route}`);
    assert.equal(typeof r.via, "string", `${r.runtime} via`);
    assert.ok(PREDICTIONS.includes(r.prediction), `${r.runtime} prediction ${r.prediction}`);
    assert.ok(WHYS.includes(r.why), `${r.runtime} why ${r.why}`);
    assert.ok(r.issuer === null || typeof r.issuer === "string", `${r.runtime} issuer`);
    if (r.prediction === "works") assert.equal(r.why, null, `${r.runtime} works, so no why`);
    if (r.prediction === "fails") assert.notEqual(r.why, null, `${r.runtime} fails: it says why`);
  }
  return out;
}

const finding = (out, code) => out.findings.find((f) => f.code === code);
const runtimeRow = (out, name) => out.native.runtimes.find((r) => r.runtime === name);
/** The prediction as works/fails, or what it said. */
const predicted = (p) => (p === "works" || p === "works_after_wait" ? W : p === "fails" ? F : p);

/** A short excerpt of the doctor's JSON for a failure message. */
function excerpt(out) {
  if (!out) return "(no JSON)";
  return JSON.stringify({
    verdict: out.verdict,
    findings: out.findings?.map((f) => `${f.code}=${f.outcome}${f.skipped_because ? ` (skipped: ${f.skipped_because})` : ""}`),
    paths: out.native?.paths,
    runtimes: out.native?.runtimes,
  }, null, 1).slice(0, 6000);
}

// --- Running one scenario ---------------------------------------------------------------------------------------------

function doctorArgs(s, ctx, base, extra = []) {
  const side = `http://127.0.0.1:${fx.sideClosed}/`;
  return ["check", ...(s.positional === false ? [] : [base]), "--json", "--timeout-ms", String(s.timeoutMs ?? 4000),
    "--status-url", side, "--doh-url", side, "--doh-url", side, ...(s.args?.(ctx) ?? []), ...extra];
}

async function runScenario(t, s) {
  // A front of its own (the good leaf), so that who reached it is this scenario's runtimes alone.
  const ctx = { front: await L.httpsFront(fx.pki.good, fx.healthy, s.name) };
  fronts.push(ctx.front);
  await s.setup?.(ctx);
  if (ctx.proxy) proxies.push(ctx.proxy);
  const home = mkdtempSync(path.join(fx.dir, `home-${s.name}-`));
  if (ctx.settings !== undefined) {
    mkdirSync(path.join(home, ".claude"));
    writeFileSync(path.join(home, ".claude/settings.json"), ctx.settings);
  }
  const base = s.base(ctx);
  const env = L.cleanEnv(home, { ANTHROPIC_API_KEY: L.KEY, ANTHROPIC_BASE_URL: base, ...s.env(ctx) });
  const sandbox = { resolv: fx.resolv, raw: s.raw?.(ctx) ?? {}, ...(s.sandbox ?? {}), ...(ctx.sandbox ?? {}) };

  // The doctor first, alone: the proxies' logs then show only the runtimes that follow.
  let doc = null;
  if (!WITHOUT_DOCTOR) {
    doc = await L.runDoctor(doctorArgs(s, ctx, base), env, sandbox, { interruptAfterMs: s.interruptAfterMs });
    doctorRuns.push({ scenario: s.name, stdout: doc.stdout, stderr: doc.stderr });
    if (doc.json?.findings) L.writeCoverage(s.name, doc.json.findings);
    L.writeJson(s.name, doc.json ?? { stdout: doc.stdout, stderr: doc.stderr, code: doc.code });
  }

  // The runtimes: one after another where a proxy's log tells the route, else side by side.
  const actual = {};
  if (s.runtimes !== false) {
    const runners = { python: L.runPython, node: L.runNode, curl: L.runCurl };
    const route = s.route?.(ctx);
    if (route) {
      for (const name of RUNTIMES) {
        const m = route.mark();
        actual[name] = await runners[name](base, env, sandbox);
        // Give a proxy a moment to write its log line.
        await new Promise((r) => setTimeout(r, 150));
        actual[name].route = route.seen(m);
      }
    } else {
      await Promise.all(RUNTIMES.map(async (name) => (actual[name] = await runners[name](base, env, sandbox))));
    }
    for (const name of RUNTIMES) assert.notEqual(actual[name].actual, "broken", `${name}: the runner itself is broken: ${actual[name].error}`);
  }

  // The table rows, whatever the assertions below say.
  for (const name of [...RUNTIMES, "claude_code"]) {
    const row = doc?.json?.native?.runtimes?.find?.((r) => r.runtime === name);
    if (name === "claude_code" && !row) continue;
    if (s.runtimes === false && name !== "claude_code" && !row) continue;
    table.push({
      scenario: s.name,
      runtime: name,
      predicted: row ? `${row.prediction}${row.why ? `/${row.why}` : ""} (${row.route})` : WITHOUT_DOCTOR ? "(no doctor)" : "—",
      actual: name === "claude_code" ? "not runnable" : s.runtimes === false ? "not run" : `${actual[name].actual}${actual[name].route ? ` (${actual[name].route})` : ""}`,
      agree: name === "claude_code" || s.runtimes === false || !row ? "" : predicted(row.prediction) === actual[name].actual ? "yes" : "NO",
      detail: actual[name]?.actual === F
        ? `${actual[name].stage === "construct" ? "(making the client) " : ""}${actual[name].error}`
        : actual[name]?.status !== undefined ? `HTTP ${actual[name].status}` : "",
    });
  }

  // --- What the doctor said -----------------------------------------------------------------------------------------
  await t.test("the doctor's JSON", { skip: WITHOUT_DOCTOR && "NATIVE_WITHOUT_DOCTOR=1" }, () => {
    assert.ok(doc.json, `stdout is not JSON (exit ${doc.code}${doc.signal ? `, ${doc.signal}` : ""}):\n${doc.stdout.slice(0, 2000)}\n${doc.stderr.slice(-2000)}`);
    const out = assertShape(doc.json);
    const msg = `\n${excerpt(out)}`;
    const failed = out.findings.some((f) => f.status === "fail");
    // A cancelled run did not finish: it must not say 0 (all well); which non-zero status is the doctor's.
    if (out.verdict.state === "cancelled") assert.notEqual(doc.code, 0, `a cancelled run exits non-zero${msg}`);
    else assert.equal(doc.code, failed ? 1 : 0, `exit ${doc.code} with ${failed ? "a" : "no"} failing check${msg}`);
    // A loaded machine can make perf.latency warn though nothing is wrong with the path (seen here: unstable while
    // the page's suite ran beside this one), so an expected healthy verdict also takes one degraded by it alone.
    if (s.verdict && !(s.verdict.state === "healthy" && slowedByTheMachine(out.verdict))) {
      assert.equal(out.verdict.state, s.verdict.state, `verdict state${msg}`);
      if (s.verdict.code) assert.deepEqual(pick(out.verdict, ["code", "outcome"]), pick(s.verdict, ["code", "outcome"]), `verdict${msg}`);
      if (s.verdict.state === "broken") assert.equal(doc.code, 1);
    }
    for (const [code, want] of Object.entries(s.findings ?? {})) {
      const f = finding(out, code);
      assert.ok(f, `no ${code} finding${msg}`);
      // "skipped<-X": skipped because X failed; "a|b": either outcome.
      const [outcome, because] = want.split("<-");
      assert.ok(outcome.split("|").includes(f.outcome), `${code}: ${f.outcome}, not ${outcome}${msg}`);
      if (because) assert.equal(f.skipped_because, because, `${code} is skipped because of ${because}${msg}`);
    }
    s.check?.(out, doc);
    s.runtimeRows?.(out.native.runtimes);
    if (s.target) assert.match(JSON.stringify(out.target), new RegExp(`localhost:${ctx.front.port}`), `the target is ANTHROPIC_BASE_URL's${msg}`);
    if (s.paths) {
      try {
        s.paths(out.native.paths, ctx);
      } catch (e) {
        e.message += `\npaths: ${JSON.stringify(out.native.paths, null, 1)}`;
        throw e;
      }
    }
    // Claude Code cannot run here: its row is there, and says what the scenario makes certain.
    const cc = runtimeRow(out, "claude_code");
    assert.ok(cc, "a claude_code row");
    if (s.claude?.route) assert.equal(cc.route, s.claude.route, `claude_code's route${msg}`);
    if (s.claude?.prediction) assert.equal(predicted(cc.prediction), s.claude.prediction, `claude_code's prediction${msg}`);
  });

  if (s.zh && !WITHOUT_DOCTOR) {
    await t.test("the same run in Chinese reaches the same outcomes", async () => {
      const zh = await L.runDoctor(doctorArgs(s, ctx, base, ["--lang", "zh"]), env, sandbox);
      doctorRuns.push({ scenario: `${s.name}-zh`, stdout: zh.stdout, stderr: zh.stderr });
      assert.ok(zh.json, `stdout is not JSON:\n${zh.stdout.slice(0, 1000)}\n${zh.stderr.slice(-1000)}`);
      L.writeCoverage(`${s.name}-zh`, zh.json.findings);
      // Two runs time their round trips apart, so on a loaded machine perf.latency may differ between them
      // (see slowedByTheMachine); every other outcome, and the verdict otherwise, must be the same.
      const pairs = (o) => o.findings.map((f) => (f.code === "perf.latency" ? f.code : `${f.code}=${f.outcome}`));
      assert.deepEqual(pairs(zh.json), pairs(doc.json));
      if (!slowedByTheMachine(zh.json.verdict) && !slowedByTheMachine(doc.json.verdict)) {
        assert.deepEqual(pick(zh.json.verdict, ["state", "code", "outcome"]), pick(doc.json.verdict, ["state", "code", "outcome"]));
      }
      assert.equal(zh.code, doc.code);
    });
  }

  if (s.runtimes === false) return;

  // --- The doctor's predictions against what each runtime did -------------------------------------------------------------
  await t.test("each runtime does what the doctor predicts", { skip: WITHOUT_DOCTOR && "NATIVE_WITHOUT_DOCTOR=1" }, () => {
    assert.ok(doc.json?.native?.runtimes, "no runtime rows");
    const problems = [];
    for (const name of RUNTIMES) {
      const row = runtimeRow(doc.json, name);
      const a = actual[name];
      if (predicted(row.prediction) !== a.actual) {
        problems.push(`${name}: predicted ${row.prediction}${row.why ? ` (${row.why})` : ""} via ${row.route} ${row.via}, actually ${a.actual}${a.error ? `: ${a.error}` : ` (HTTP ${a.status})`}`);
      }
      if (a.route && row.route !== a.route) problems.push(`${name}: predicted route ${row.route} (${row.via}), the proxy's log shows ${a.route}`);
      const why = [s.why?.[name] ?? []].flat();
      if (why.length && a.actual === F && !why.includes(row.why)) problems.push(`${name}: fails, and the doctor says why=${row.why}, expected ${why.join(" or ")}`);
    }
    assert.deepEqual(problems, [], `disagreements in ${s.name}:\n  ${problems.join("\n  ")}\nthe doctor's JSON: ${excerpt(doc.json)}`);
  });

  await t.test("the runtimes behave as API-FACTS.md says", { skip: !s.facts && "API-FACTS.md says nothing of this case" }, () => {
    const problems = [];
    for (const [name, expected] of Object.entries(s.facts)) {
      const a = actual[name];
      if (a.actual !== expected) {
        problems.push(`${name}: expected ${expected}, got ${a.actual}${a.error ? `: ${a.error}` : ` (HTTP ${a.status})`}`);
        factsMismatches.push({ scenario: s.name, runtime: name, expected, got: a.actual, detail: a.error ?? `HTTP ${a.status}` });
      }
      const route = s.routes?.[name];
      if (route && a.route && a.route !== route) {
        problems.push(`${name}: expected route ${route}, the proxy's log shows ${a.route}`);
        factsMismatches.push({ scenario: s.name, runtime: name, expected: `route ${route}`, got: `route ${a.route}`, detail: "" });
      }
    }
    assert.deepEqual(problems, [], `${s.name}:\n  ${problems.join("\n  ")}`);
  });
}

// --- The tests ------------------------------------------------------------------------------------------------------------

describe("native doctor scenarios", { concurrency: 4 }, () => {
  for (const s of SCENARIOS) test(s.name, (t) => runScenario(t, s));
});

describe("usage", { skip: WITHOUT_DOCTOR && "NATIVE_WITHOUT_DOCTOR=1" }, () => {
  const env = () => L.cleanEnv(fx.dir, { ANTHROPIC_API_KEY: L.KEY });
  for (const [name, args] of [
    ["an unknown flag", ["check", "--no-such-flag", "--json"]],
    ["an unknown language", ["check", "https://localhost:1", "--json", "--lang", "xx"]],
    ["a malformed --resolve", ["check", "https://localhost:1", "--json", "--resolve", "nonsense"]],
    ["a --timeout-ms that is not a number", ["check", "https://localhost:1", "--json", "--timeout-ms", "soon"]],
  ]) {
    test(`${name} is bad usage: exit 2`, async () => {
      const r = await L.runDoctor(args, env(), { resolv: fx.resolv }, { timeoutMs: 15_000 });
      doctorRuns.push({ scenario: `usage ${name}`, stdout: r.stdout, stderr: r.stderr });
      assert.equal(r.code, 2, `exit ${r.code}:\n${r.stdout.slice(0, 500)}\n${r.stderr.slice(0, 500)}`);
    });
  }
});

describe("key hygiene", { skip: WITHOUT_DOCTOR && "NATIVE_WITHOUT_DOCTOR=1" }, () => {
  test("side probes never carry the key", async () => {
    // One run more, whose status page and resolvers are a recording server here instead of a closed port.
    const seen = [];
    const side = await startServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        seen.push({ url: req.url, headers: req.headers, body });
        res.writeHead(404, { "content-type": "text/plain" }).end("not here\n");
      });
    });
    L.onTearDown(side.close);
    const home = mkdtempSync(path.join(fx.dir, "home-side-"));
    const env = L.cleanEnv(home, { ANTHROPIC_API_KEY: L.KEY, ...allCa() });
    const r = await L.runDoctor(["check", fx.good.localhost, "--json", "--timeout-ms", "4000", "--cacert", fx.pki.ca,
      "--status-url", `${side.origin}/status/`, "--doh-url", `${side.origin}/doh-a`, "--doh-url", `${side.origin}/doh-b`], env, { resolv: fx.resolv });
    doctorRuns.push({ scenario: "side-probes", stdout: r.stdout, stderr: r.stderr });
    if (r.json?.findings) L.writeCoverage("side-probes", r.json.findings);
    assert.ok(r.json, `stdout is not JSON:\n${r.stdout.slice(0, 1000)}\n${r.stderr.slice(-1000)}`);
    assert.ok(seen.length > 0, "the doctor asked the side server nothing: were --status-url and --doh-url read?");
    for (const req of seen) assert.ok(!JSON.stringify(req).includes(L.KEY), `the key went to a side probe: ${req.url}`);
  });

  test("the key never appears in the doctor's output, and reaches the fronts only in its header", () => {
    assert.ok(doctorRuns.length > 10, `only ${doctorRuns.length} doctor runs were recorded`);
    for (const secret of [L.KEY, TOKEN]) {
      for (const r of doctorRuns) {
        assert.ok(!r.stdout.includes(secret), `the ${secret === L.KEY ? "key" : "token"} is in the stdout of ${r.scenario}`);
        assert.ok(!r.stderr.includes(secret), `the ${secret === L.KEY ? "key" : "token"} is in the stderr of ${r.scenario}`);
        // A part of it is a leak too: the key's body without its prefix.
        assert.ok(!r.stdout.includes(secret.slice(14, 60)), `a part of a secret is in the stdout of ${r.scenario}`);
      }
    }
    let keyed = 0;
    for (const req of fronts.flatMap((f) => f.requests)) {
      for (const [name, value] of Object.entries(req.headers)) {
        const v = String(value);
        if (v.includes(L.KEY) || v.includes(TOKEN)) {
          assert.ok(["x-api-key", "authorization"].includes(name), `a secret in header ${name} of ${req.method} ${req.url} at the ${req.front} front`);
          keyed++;
        }
      }
      assert.ok(!req.url.includes(L.KEY) && !req.url.includes(TOKEN), `a secret in the URL at the ${req.front} front`);
      assert.ok(!req.body.includes(L.KEY) && !req.body.includes(TOKEN), `a secret in a body at the ${req.front} front: ${req.method} ${req.url}`);
    }
    assert.ok(keyed > 0, "no keyed request reached a front at all");
    // The proxies carried tunnels: what they saw in the clear (CONNECT lines, tinyproxy's log) holds no secret.
    for (const p of proxies) {
      const clear = p.seen ? JSON.stringify(p.seen) : p.log();
      assert.ok(!clear.includes(L.KEY) && !clear.includes(TOKEN), `a secret in the clear at the proxy ${p.url}`);
    }
    assert.ok(proxies.length >= 5, `only ${proxies.length} proxies were checked`);
  });
});

// --- The table --------------------------------------------------------------------------------------------------------

function printTable() {
  if (!table.length) return;
  const order = new Map(SCENARIOS.map((s, i) => [s.name, i]));
  const ranks = [...RUNTIMES, "claude_code"];
  const rows = [...table].sort((a, b) => order.get(a.scenario) - order.get(b.scenario) || ranks.indexOf(a.runtime) - ranks.indexOf(b.runtime));
  const cell = (s) => String(s ?? "").replaceAll("|", "\\|").replaceAll("\n", " ").slice(0, 160);
  const md = [
    `Native doctor vs. real runtimes (Node ${process.version}, ${new Date().toISOString()})`,
    "",
    "| scenario | runtime | doctor predicts (route) | actual (route seen) | agree | what happened |",
    "|---|---|---|---|---|---|",
    ...rows.map((r) => `| ${r.scenario} | ${r.runtime} | ${cell(r.predicted)} | ${cell(r.actual)} | ${r.agree} | ${cell(r.detail)} |`),
  ];
  if (factsMismatches.length) {
    md.push("", "Runtimes that did not do what API-FACTS.md says:", "");
    for (const m of factsMismatches) md.push(`- ${m.scenario}, ${m.runtime}: expected ${m.expected}, got ${m.got}${m.detail ? ` — ${cell(m.detail)}` : ""}`);
  }
  const text = md.join("\n") + "\n";
  console.log(`\n${text}`);
  try {
    mkdirSync(L.COVERAGE_DIR, { recursive: true });
    writeFileSync(path.join(L.COVERAGE_DIR, "native-agreement.md"), text);
  } catch (e) {
    console.error(`could not write the table: ${e.message}`);
  }
}
