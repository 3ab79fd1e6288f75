// The monitor end to end, read back through the real Prometheus. Two monitors stand for two regions: "eu"
// watches an https front to the mock API whose scenario and certificate this test switches (healthy →
// hang → bad key → overloaded with an outage on the status page → nearly exhausted rate limit → healthy →
// a certificate from another issuer → one that expires in 3 days); "us" watches the mock directly, slowly.
// Prometheus scrapes both every second (the api-doctor job, regions as labels) and the eu monitor's
// /health as the troubleshooting guide's job does, with the deploy rules (their `for:` shortened). Each
// step waits for Prometheus to show the new state, then asserts the series, the alerts and /health.
// The regional table the recording rules make is written to target/monitor/regional-table.md.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { until } from "../e2e/lib/util.mjs";
import { KEY, REPO, cleanEnv, makePki, startMock, tearDown } from "../native/lib.mjs";
import { deadResolvConf, get, promtool, startMonitor, startPrometheus, switchable } from "./lib.mjs";

const OUT = path.join(REPO, "target/monitor");
/** How long one step may take to show in Prometheus: runs every 2 s, scrapes and rules every second. */
const STEP_MS = 45_000;

const fx = {};

before(async () => {
  fx.dir = mkdtempSync(path.join(os.tmpdir(), "monitor-e2e-"));
  fx.home = path.join(fx.dir, "home");
  mkdirSync(fx.home);
  fx.pki = makePki(path.join(fx.dir, "pki"));
  fx.intercept = makePki(path.join(fx.dir, "intercept"), { caName: "Corp Inspection CA" });
  fx.mock = await startMock();
  fx.scenario = "healthy";
  fx.statusState = "operational";
  fx.front = await switchable(() => `${fx.mock.origin}/s/${fx.scenario}`, fx.pki.good);
  fx.status = await switchable(() => `${fx.mock.origin}/status/${fx.statusState}/api/v2`);
  const resolv = deadResolvConf(fx.dir);
  const env = cleanEnv(fx.home, { ANTHROPIC_API_KEY: KEY });
  const common = ["--interval", "2", "--timeout-ms", "1500", "--samples", "3",
    "--doh-url", `${fx.mock.origin}/doh/ok/dns-query`];
  // Every runtime trusts the test's CA, as the app's environment says (and the monitor reads it so).
  const trusted = { ...env, SSL_CERT_FILE: fx.pki.ca, NODE_EXTRA_CA_CERTS: fx.pki.ca, CURL_CA_BUNDLE: fx.pki.ca };
  fx.eu = await startMonitor([`https://localhost:${fx.front.port}`, "--cacert", fx.pki.ca,
    "--status-url", `${fx.status.origin}/summary.json`, ...common], trusted, resolv);
  fx.us = await startMonitor([`${fx.mock.origin}/s/slow-120`,
    "--status-url", `${fx.mock.origin}/status/operational/api/v2/summary.json`, ...common], env, resolv);
  const host = (m) => new URL(m.url).host;
  fx.prom = await startPrometheus(path.join(fx.dir, "prom"), [
    "  - job_name: api-doctor",
    "    static_configs:",
    `      - targets: ["${host(fx.eu)}"]`,
    "        labels: {region: eu-test}",
    `      - targets: ["${host(fx.us)}"]`,
    "        labels: {region: us-test}",
    "  - job_name: api-doctor-health",
    "    metrics_path: /health",
    "    static_configs:",
    `      - targets: ["${host(fx.eu)}"]`,
    "        labels: {region: eu-test}",
  ].join("\n"));
});

after(async () => {
  await tearDown();
});

/** The one value of `expr` (the eu-test region's, by default), or undefined. */
async function one(expr) {
  const v = await fx.prom.query(expr);
  return v.length === 1 ? v[0].value : undefined;
}

/** Waits until `expr`'s only value is `want` (or satisfies it, when a function). */
async function waitFor(expr, want) {
  const ok = (v) => (typeof want === "function" ? v !== undefined && want(v) : v === want);
  let last;
  await until(async () => ok((last = await one(expr))), () => `${expr} to be ${want} (last: ${last})\n${fx.eu.log()}`, STEP_MS);
}

/** The alerts named `name` in `state` (pending or firing). */
async function alerts(name, state) {
  return (await fx.prom.alerts()).filter((a) => a.name === name && a.state === state);
}

async function waitForAlert(name, state = "firing") {
  await until(async () => (await alerts(name, state)).length > 0,
    async () => `${name} to be ${state}`, STEP_MS);
  return (await alerts(name, state))[0];
}

/** Waits until no alert named `name` is pending or firing. */
async function waitForQuiet(name) {
  await until(async () => (await fx.prom.alerts()).every((a) => a.name !== name), `${name} to end`, STEP_MS);
}

const EU = '{job="api-doctor",region="eu-test"}';
const verdict = (state) => `api_doctor_verdict{job="api-doctor",region="eu-test",state="${state}"}`;

test("healthy: both monitors are scraped, probe_success is 1, and the guide's /health job is up", async () => {
  await waitFor(`probe_success${EU}`, 1);
  await waitFor('probe_success{job="api-doctor",region="us-test"}', 1);
  await waitFor('up{job="api-doctor-health"}', 1);
  assert.equal(await one(`api_doctor_path_success{job="api-doctor",region="eu-test",route="direct",family="ipv4"}`), 1);
  assert.equal(await one(`probe_http_status_code${EU}`), 200);
  assert.equal(await one(`probe_http_ssl${EU}`), 1);
  assert.equal(await one(`api_doctor_runtime_works{job="api-doctor",region="eu-test",runtime="curl"}`), 1);
  assert.equal(await one(`api_doctor_status_page{job="api-doctor",region="eu-test",state="operational"}`), 1);
  const chain = await fx.prom.query(`probe_ssl_last_chain_info${EU}`);
  assert.equal(chain.length, 1);
  assert.equal(chain[0].metric.issuer, "CN=API Doctor native test CA");
  // Every phase blackbox_exporter names and this path went through.
  const phases = (await fx.prom.query(`probe_http_duration_seconds${EU}`)).map((s) => s.metric.phase).sort();
  assert.deepEqual(phases, ["connect", "processing", "resolve", "tls"]);
  assert.equal((await fx.prom.alerts()).length, 0, JSON.stringify(await fx.prom.alerts()));
});

test("/metrics passes promtool check metrics, and /health answers 200 as JSON and as Prometheus text", async () => {
  // OpenMetrics for Prometheus, which asks for it; the classic text for everyone else (promtool reads that).
  const om = await get(`${fx.eu.url}/metrics`, { accept: "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5" });
  assert.equal(om.status, 200);
  assert.match(om.type, /^application\/openmetrics-text; version=1\.0\.0/);
  assert.match(om.body, /^api_doctor_runs_total\{/m);
  assert.match(om.body, /\n# EOF\n$/);
  const m = await get(`${fx.eu.url}/metrics`);
  assert.equal(m.status, 200);
  assert.match(m.type, /^text\/plain; version=0\.0\.4/);
  assert.ok(!m.body.includes("# EOF"));
  const lint = await promtool(["check", "metrics"], m.body);
  assert.equal(lint.code, 0, `promtool check metrics:\n${lint.stdout}${lint.stderr}`);
  for (const line of m.body.split("\n").filter((l) => l.startsWith("# TYPE"))) {
    const name = line.split(" ")[2];
    assert.ok(m.body.includes(`# HELP ${name} `), `no HELP for ${name}`);
  }
  assert.ok(!m.body.includes(KEY.slice(10, 30)), "the key is in /metrics");
  const json = await get(`${fx.eu.url}/health`, { accept: "application/json" });
  assert.equal(json.status, 200);
  assert.equal(json.type, "application/json");
  const h = JSON.parse(json.body);
  assert.equal(h.healthy, true);
  assert.equal(h.targets[0].state, "healthy");
  assert.equal(h.targets[0].report.verdict.state, "healthy");
  assert.ok(!json.body.includes(KEY.slice(10, 30)), "the key is in /health");
  const text = await get(`${fx.eu.url}/health`, { accept: "text/plain;version=0.0.4;q=0.5,*/*;q=0.1" });
  assert.equal(text.status, 200);
  assert.match(text.type, /^text\/plain; version=0\.0\.4/);
  assert.match(text.body, /^probe_success\{target="localhost:\d+"\} 1/m);
  const lintHealth = await promtool(["check", "metrics"], text.body);
  assert.equal(lintHealth.code, 0, lintHealth.stdout + lintHealth.stderr);
});

test("hang: the path dies, the verdict breaks, /health says 503, and the alerts go pending then fire", async () => {
  fx.scenario = "hang";
  await waitFor(`probe_success${EU}`, 0);
  await waitFor(`${verdict("broken")}`, 1);
  await waitFor('up{job="api-doctor-health"}', 0);
  const h = await get(`${fx.eu.url}/health`);
  assert.equal(h.status, 503);
  assert.equal(JSON.parse(h.body).healthy, false);
  const pending = await waitForAlert("ApiDoctorVerdictFailing", "pending");
  assert.equal(pending.labels.region, "eu-test");
  const firing = await waitForAlert("ApiDoctorVerdictFailing");
  assert.match(firing.annotations.description, /^Cause: [a-z_.]+\/[a-z_]+\./);
  const dead = await waitForAlert("ApiDoctorPathDead");
  assert.equal(dead.labels.route, "direct");
  // The us monitor is unaffected.
  assert.equal(await one('probe_success{job="api-doctor",region="us-test"}'), 1);
  // Failures are retried sooner than the interval: consecutive failures climb.
  await waitFor(`api_doctor_consecutive_failures${EU}`, (v) => v >= 2);
});

test("bad key: the cause moves to the key, and authentication errors are counted", async () => {
  fx.scenario = "bad-key";
  await waitFor(`api_doctor_verdict{job="api-doctor",region="eu-test",state="broken",layer="auth"}`, 1);
  await waitFor(`api_doctor_api_errors_total{job="api-doctor",region="eu-test",type="authentication_error"}`, (v) => v >= 1);
  assert.equal(await one(`probe_http_status_code${EU}`), 401);
  // The path itself works again: its alert ends.
  await waitFor(`api_doctor_path_success{job="api-doctor",region="eu-test",route="direct",family="ipv4"}`, 1);
  await waitForQuiet("ApiDoctorPathDead");
  const firing = await waitForAlert("ApiDoctorVerdictFailing");
  assert.equal(firing.labels.target, `localhost:${fx.front.port}`);
});

test("overloaded, with an outage on the status page: 529s are counted and the outage alert fires", async () => {
  fx.scenario = "overloaded";
  fx.statusState = "major";
  await waitFor(`api_doctor_api_errors_total{job="api-doctor",region="eu-test",type="overloaded_error"}`, (v) => v >= 1);
  await waitFor(`probe_http_status_code${EU}`, 529);
  await waitFor(`api_doctor_status_page{job="api-doctor",region="eu-test",state="major_outage"}`, 1);
  const outage = await waitForAlert("ApiDoctorStatusPageOutage");
  assert.equal(outage.labels.state, "major_outage");
});

test("a nearly exhausted rate limit fires the headroom alert", async () => {
  fx.scenario = "ratelimit-low";
  fx.statusState = "operational";
  await waitFor(`api_doctor_rate_limit_remaining_ratio{job="api-doctor",region="eu-test",limit="requests"}`, (v) => v < 0.1);
  const low = await waitForAlert("ApiDoctorRateLimitLow");
  assert.equal(low.labels.region, "eu-test");
  await waitForQuiet("ApiDoctorStatusPageOutage");
});

test("healthy again: success returns, the alerts resolve, /health is 200 and the guide's job is up", async () => {
  fx.scenario = "healthy";
  await waitFor(`probe_success${EU}`, 1);
  await waitFor(`api_doctor_consecutive_failures${EU}`, 0);
  await waitFor('up{job="api-doctor-health"}', 1);
  await waitForQuiet("ApiDoctorVerdictFailing");
  await waitForQuiet("ApiDoctorRateLimitLow");
  assert.equal((await get(`${fx.eu.url}/health`)).status, 200);
});

test("a certificate from another issuer: trust fails, the issuer changes, and the interception alert fires", async () => {
  fx.front.useCert(fx.intercept.good);
  await waitFor(`api_doctor_verdict{job="api-doctor",region="eu-test",state="broken",layer="tls"}`, 1);
  const chain = await fx.prom.query(`probe_ssl_last_chain_info${EU}`);
  assert.deepEqual(chain.map((c) => c.metric.issuer), ["CN=Corp Inspection CA"]);
  const changed = await waitForAlert("ApiDoctorCertificateIssuerChanged");
  assert.match(changed.annotations.description, /^Now issued by CN=Corp Inspection CA\./);
  assert.equal(await one(`api_doctor_runtime_works{job="api-doctor",region="eu-test",runtime="curl"}`), 0);
});

test("a certificate that expires in 3 days fires both expiry alerts", async () => {
  fx.front.useCert(fx.pki.expiring);
  await waitFor(`probe_ssl_earliest_cert_expiry${EU} - time()`, (v) => v > 0 && v < 3 * 86400);
  await waitForAlert("ApiDoctorCertificateExpiresIn3Days");
  await waitForAlert("ApiDoctorCertificateExpiresIn30Days");
  fx.front.useCert(fx.pki.good);
  await waitFor(`probe_ssl_earliest_cert_expiry${EU} - time()`, (v) => v > 30 * 86400);
});

test("the recording rules make the regional table: availability and median latency per region", async () => {
  const avail = await fx.prom.query("region:api_doctor_availability:ratio_1h");
  const median = await fx.prom.query("region:api_doctor_latency_seconds:median_1h");
  const p90 = await fx.prom.query("region:api_doctor_latency_seconds:p90_1h");
  const by = (v) => Object.fromEntries(v.map((s) => [s.metric.region, s.value]));
  const [a, m, p] = [by(avail), by(median), by(p90)];
  assert.deepEqual(Object.keys(a).sort(), ["eu-test", "us-test"]);
  // The eu monitor met the faults; the us one never did.
  assert.ok(a["eu-test"] > 0 && a["eu-test"] < 1, `eu availability ${a["eu-test"]}`);
  assert.equal(a["us-test"], 1);
  // The us target answers after 120 ms; its median latency says so.
  assert.ok(m["us-test"] >= 0.12, `us median ${m["us-test"]}`);
  assert.ok(m["eu-test"] > 0 && m["eu-test"] < m["us-test"], `eu median ${m["eu-test"]}`);
  const rows = ["| region | availability (1 h) | median latency (1 h) | p90 latency (1 h) |", "|---|---|---|---|"];
  for (const region of Object.keys(a).sort()) {
    rows.push(`| ${region} | ${(a[region] * 100).toFixed(1)} % | ${(m[region] * 1000).toFixed(1)} ms | ${(p[region] * 1000).toFixed(1)} ms |`);
  }
  const table = rows.join("\n") + "\n";
  mkdirSync(OUT, { recursive: true });
  writeFileSync(path.join(OUT, "regional-table.md"), table);
  console.log(`\n${table}`);
});

test("SIGTERM stops a monitor at once and cleanly", async () => {
  const ended = await fx.us.stop();
  assert.equal(ended.code, 0, fx.us.log());
  assert.match(fx.us.log(), /stopped$/m);
});
