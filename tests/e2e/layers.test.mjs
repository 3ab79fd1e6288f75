// The lower layers and the side checks, end to end: page.online, dns.public, network.reach,
// service.status, service.clock, perf.latency and perf.watch, each outcome reached by a run that asserts
// its verdict and the findings it is about. Expectations follow src/core/checks/<code>.rs (the evaluate
// functions) and the mock's scenarios, resolver modes and status-page states (tests/mock/src/).
//
// Server behaviours that depend on a request's place in a run (the reach probe dropped after seconds,
// every other round trip of the latency series slower, its first one slow, one of them lost, every third
// watch probe dropped) and a gateway that drops `date` are played by a small fault-injecting proxy in
// front of the mock's `healthy` scenario (faultProxy in lib/proxies.mjs), started per test: its counters start at zero with the test, so
// the rows depend neither on what ran before nor on the mock's process-wide state.
//
// Targets with a host name (`*.mock.test`, which Chromium maps to the mock) are plain http to a
// non-loopback name, so page.target warns `plain_http` there: where dns.public only warns or informs,
// that warning is the lowest and names the verdict, and the DNS finding is asserted beside it.

import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import {
  assertFindings,
  assertVerdict,
  broken,
  cancelled,
  degraded,
  harness,
  healthy,
  noteCoverage,
  startServer,
} from "./harness.mjs";
import { faultProxy, holdAll } from "./lib/proxies.mjs";
import { until } from "./lib/util.mjs";

const h = harness();

/** What a plain-http host-named target makes the verdict when nothing fails. */
const plainHttp = degraded("page", "page.target", "plain_http");

/** A watch of one minute, the shortest the form offers, plus room for the first wave and a last probe. */
const WATCH_SECS = 60;
const WATCH_DONE_MS = (WATCH_SECS + 45) * 1000;

/** `http://<name>.mock.test:<mock port>/s/<scenario>`: a target with a host name for dns.public to ask about. */
const named = (scenario, name = "api") => `http://${name}.mock.test:${h.mockPort}/s/${scenario}`;
/** A host name on a closed port: resolves (to loopback) but nothing listens, so the reach probe fails fast. */
const namedClosed = (name = "nothere") => `http://${name}.mock.test:${h.closedPort}`;
const closed = () => `http://127.0.0.1:${h.closedPort}`;

/** A status page of another product: its summary lists no component that looks like the API. */
async function statusWithoutApi(t) {
  const summary = {
    page: { id: "otherpage001", name: "Other", url: "http://127.0.0.1/" },
    status: { indicator: "none", description: "All Systems Operational" },
    components: [
      { id: "c1", name: "claude.ai", status: "operational" },
      { id: "c2", name: "Console (platform.claude.com)", status: "operational" },
    ],
    incidents: [],
    scheduled_maintenances: [],
  };
  const server = await startServer((req, res) => {
    res
      .writeHead(200, { "content-type": "application/json", "access-control-allow-origin": "*" })
      .end(JSON.stringify(summary));
  });
  t.after(() => server.close());
  return `${server.origin}/api/v2/summary.json`;
}

// --- Helpers ------------------------------------------------------------------------------------------

/**
 * `h.runAgainst` with twenty warm round trips unless a row says otherwise: loopback round trips take a few
 * milliseconds, and with few samples one stall of a loaded machine reads as jitter (perf.latency
 * `unstable`) and changes the verdict of a row that is about something else.
 */
const run = (page, opts) => h.runAgainst(page, { samples: 20, ...opts });

/** `assertVerdict`, telling on failure what the latency series measured (the usual suspect under load). */
async function expectVerdict(page, v, want) {
  try {
    assertVerdict(v, want);
  } catch (e) {
    const f = (await h.findings(page)).find((x) => x.code === "perf.latency");
    e.message += `\nperf.latency ${f?.outcome}: ${JSON.stringify(f?.facts)}`;
    throw e;
  }
}

/**
 * Asserts that the latency series ran and found the path quick: `fast`, or one of the two grades a loaded
 * machine alone can give a quick loopback path (`unstable`: a stall of the page's event loop reads as jitter;
 * `slow_setup`: a cold round trip delayed). For rows whose subject is not speed; the perf.latency rows
 * assert their own outcome exactly.
 */
function assertQuickPath(findings) {
  const f = findings.find((x) => x.code === "perf.latency");
  assert.ok(
    f && ["fast", "unstable", "slow_setup"].includes(f.outcome),
    `perf.latency ${f?.status} ${f?.outcome}: ${JSON.stringify(f?.facts)}`,
  );
}

/** Milliseconds of a "123 ms" fact. */
function ms(value) {
  const m = /^(\d+) ms$/.exec(value ?? "");
  assert.ok(m, `not a duration in ms: ${value}`);
  return Number(m[1]);
}

/** Waits until perf.watch has left `watching`, notes the outcome for coverage, and returns the verdict. */
async function waitForWatch(page, label) {
  await page.waitForFunction(
    () => {
      const li = document.querySelector('#findings li.finding[data-code="perf.watch"]');
      return li && li.dataset.outcome && li.dataset.outcome !== "watching";
    },
    null,
    { timeout: WATCH_DONE_MS, polling: 500 },
  );
  noteCoverage(label, await h.findings(page));
  return h.verdictOf(page);
}

/** The marks of the watch timeline: answered bars and failure crosses (with their kinds). */
function timelineMarks(page) {
  return page.$eval('#findings li.finding[data-code="perf.watch"]', (li) => {
    const svg = li.querySelector("figure.timeline svg.timeline-plot");
    if (!svg) return null;
    return {
      ok: svg.querySelectorAll("rect.mark-ok").length,
      fail: [...svg.querySelectorAll("path.mark-fail")].map((p) => p.getAttribute("class").replace("mark-fail", "").trim()),
    };
  });
}

/** `ok / total (p %)` of the watch's "Answered as expected" fact. */
function ratio(facts) {
  const m = /^(\d+) \/ (\d+) \(\d+ %\)$/.exec(facts["success_ratio"] ?? "");
  assert.ok(m, `no success ratio among ${JSON.stringify(facts)}`);
  return { ok: Number(m[1]), total: Number(m[2]) };
}

// --- page.online ------------------------------------------------------------------------------------

test("page.online online: the control endpoint answered", async () => {
  const page = await h.openPage();
  const v = await run(page, { base: h.scenario("healthy") });
  await expectVerdict(page, v, healthy);
  assertFindings(await h.findings(page), {
    "page.online": ["pass", "online"],
    "dns.public": ["info", "not_applicable"],
    "network.reach": ["pass", "answered"],
  });
  assert.equal((await h.factsOf(page, "page.online"))["control_host"], h.mockOrigin);
});

test("page.online offline: the browser says so, and nothing above it is blamed", async () => {
  const page = await h.openPage();
  await h.context.setOffline(true);
  assert.equal(await page.evaluate(() => navigator.onLine), false);
  const v = await run(page, { base: h.scenario("healthy") });
  await expectVerdict(page, v, broken("network", "page.online", "offline"));
  assertFindings(await h.findings(page), {
    "page.target": ["pass", "ok"],
    "page.online": ["fail", "offline"],
    "dns.public": ["skipped", "skipped"],
    "network.reach": ["skipped", "skipped"],
    "cors.read": ["skipped", "skipped"],
    "service.status": ["skipped", "skipped"],
    "perf.latency": ["skipped", "skipped"],
  });
});

test("page.online connection_down: control and target both fail, the connection is blamed", async () => {
  const page = await h.openPage();
  const v = await run(page, { base: closed(), sides: { control: false } });
  await expectVerdict(page, v, broken("network", "page.online", "connection_down"));
  assertFindings(await h.findings(page), {
    "page.online": ["fail", "connection_down"],
    "network.reach": ["skipped", "skipped"],
    "cors.read": ["skipped", "skipped"],
    "service.status": ["skipped", "skipped"],
  });
  const facts = await h.factsOf(page, "page.online");
  assert.equal(facts["control_host"], `http://127.0.0.1:${h.closedPort}`);
  assert.ok(ms(facts["elapsed_ms"]) < 3000, `the closed control port took ${facts["elapsed_ms"]}`);
});

test("page.online control_blocked: only the control fails, the API path is fine", async () => {
  const page = await h.openPage();
  const v = await run(page, { base: h.scenario("healthy"), sides: { control: false } });
  await expectVerdict(page, v, healthy);
  const fs = await h.findings(page);
  assertFindings(fs, {
    "page.online": ["info", "control_blocked"],
    "network.reach": ["pass", "answered"],
    "cors.read": ["pass", "readable"],
  });
  assertQuickPath(fs);
  // Without the control there is no yardstick for the latency series.
  assert.equal((await h.factsOf(page, "perf.latency"))["duration_control_median_ms"], undefined);
});

test("page.online control_failed: the control fails and the target was never probed", async () => {
  const page = await h.openPage();
  // No scheme: page.target fails and no probe goes to the target, so the two cannot be compared.
  const v = await run(page, { base: `api.mock.test:${h.closedPort}`, sides: { control: false } });
  await expectVerdict(page, v, broken("page", "page.target", "no_scheme"));
  assertFindings(await h.findings(page), {
    "page.target": ["fail", "no_scheme"],
    "page.online": ["warn", "control_failed"],
    "network.reach": ["skipped", "skipped"],
  });
});

test("page.online no_control: an unusable control URL is named, not probed", async () => {
  const page = await h.openPage();
  const requests = h.recordRequests(page);
  const v = await run(page, { base: h.scenario("healthy"), fields: { "control-url": "not a url" } });
  await expectVerdict(page, v, healthy);
  assertFindings(await h.findings(page), {
    "page.online": ["info", "no_control"],
    "network.reach": ["pass", "answered"],
  });
  assert.equal((await h.factsOf(page, "page.online"))["offending"], "not a url");
  assert.deepEqual(
    requests.seen.filter((r) => r.url.includes("/s/control")).map((r) => r.url),
    [],
    "a control probe went out",
  );
});

// --- dns.public -------------------------------------------------------------------------------------

// Rows: resolver modes, target, verdict, findings. `reach` is the network.reach finding the target gives.
const answered = ["pass", "answered"];
const dnsRows = [
  {
    name: "resolves: both resolvers give the API's addresses",
    doh: ["ok", "ok"],
    base: () => named("healthy"),
    verdict: plainHttp,
    dns: ["pass", "resolves"],
    reach: answered,
    also: (facts) => {
      assert.equal(facts["resolver_1"], `127.0.0.1:${h.mockPort}: 160.79.104.10`);
      assert.equal(facts["command"], "nslookup api.mock.test");
    },
  },
  {
    name: "nxdomain: no such name, and the host does not answer",
    doh: ["nxdomain", "nxdomain"],
    base: () => namedClosed(),
    verdict: broken("dns", "dns.public", "nxdomain"),
    dns: ["fail", "nxdomain"],
    reach: ["skipped", "skipped"],
    also: (facts) => {
      assert.equal(facts["resolver_2"], `127.0.0.1:${h.mockPort}: NXDOMAIN`);
      assert.equal(facts["command"], "nslookup nothere.mock.test");
    },
  },
  {
    name: "private_name: unknown to public DNS, yet the host answers here",
    doh: ["nxdomain", "nxdomain"],
    base: () => named("healthy"),
    verdict: plainHttp,
    dns: ["info", "private_name"],
    reach: answered,
  },
  {
    name: "sinkhole: 0.0.0.0, and the host does not answer",
    doh: ["sinkhole", "sinkhole"],
    base: () => namedClosed(),
    verdict: broken("dns", "dns.public", "sinkhole"),
    dns: ["fail", "sinkhole"],
    reach: ["skipped", "skipped"],
    also: (facts) => assert.equal(facts["resolver_1"], `127.0.0.1:${h.mockPort}: 0.0.0.0`),
  },
  {
    name: "split_view: public DNS sinkholes the name, yet this browser reaches it",
    doh: ["sinkhole", "loopback"],
    base: () => named("healthy"),
    verdict: plainHttp,
    dns: ["info", "split_view"],
    reach: answered,
  },
  {
    name: "private_address: a private address, and the host does not answer",
    doh: ["private", "private"],
    base: () => namedClosed(),
    // A warning does not skip the reach probe, whose failure is the root.
    verdict: broken("network", "network.reach", "failed_fast"),
    dns: ["warn", "private_address"],
    reach: ["fail", "failed_fast"],
    also: (facts) => assert.equal(facts["resolver_1"], `127.0.0.1:${h.mockPort}: 10.1.2.3`),
  },
  {
    name: "servfail: the resolvers fail, and so does the host",
    doh: ["servfail", "servfail"],
    base: () => namedClosed(),
    verdict: broken("dns", "dns.public", "servfail"),
    dns: ["fail", "servfail"],
    reach: ["skipped", "skipped"],
    also: (facts) => assert.equal(facts["resolver_1"], `127.0.0.1:${h.mockPort}: SERVFAIL (status 2)`),
  },
  {
    name: "servfail_reached: the resolvers fail, but the host answers",
    doh: ["servfail", "servfail"],
    base: () => named("healthy"),
    verdict: plainHttp,
    dns: ["warn", "servfail_reached"],
    reach: answered,
  },
  {
    name: "no_address: the name exists without an A record",
    doh: ["empty", "empty"],
    base: () => named("healthy"),
    verdict: plainHttp,
    dns: ["warn", "no_address"],
    reach: answered,
    also: (facts) => assert.equal(facts["resolver_2"], `127.0.0.1:${h.mockPort}: no address`),
  },
  {
    name: "disagree: one resolver gives a public address, the other a sinkhole",
    doh: ["ok", "sinkhole"],
    base: () => named("healthy"),
    verdict: plainHttp,
    dns: ["warn", "disagree"],
    reach: answered,
    also: (facts) => {
      assert.equal(facts["resolver_1"], `127.0.0.1:${h.mockPort}: 160.79.104.10`);
      assert.equal(facts["resolver_2"], `127.0.0.1:${h.mockPort}: 0.0.0.0`);
    },
  },
  {
    name: "disagree: a public address against NXDOMAIN",
    doh: ["other", "nxdomain"],
    base: () => named("healthy"),
    verdict: plainHttp,
    dns: ["warn", "disagree"],
    reach: answered,
  },
  {
    name: "unavailable: one resolver is down, the other answers garbage",
    doh: ["down", "garbage"],
    base: () => named("healthy"),
    verdict: plainHttp,
    dns: ["info", "unavailable"],
    reach: answered,
    also: (facts) => {
      assert.equal(facts["resolver_1"], `127.0.0.1:${h.mockPort}: unavailable`);
      assert.equal(facts["resolver_2"], `127.0.0.1:${h.mockPort}: unavailable`);
    },
  },
];

for (const row of dnsRows) {
  test(`dns.public ${row.name} (${row.doh.join(" + ")})`, async () => {
    const page = await h.openPage();
    const base = row.base();
    const v = await run(page, {
      base,
      sides: { doh1: row.doh[0], doh2: row.doh[1] },
      label: `${base.replace(h.mockOrigin, "").replace(/:\d+/, "")} doh ${row.doh.join("+")}`,
    });
    await expectVerdict(page, v, row.verdict);
    assertFindings(await h.findings(page), {
      "page.online": ["pass", "online"],
      "dns.public": row.dns,
      "network.reach": row.reach,
    });
    row.also?.(await h.factsOf(page, "dns.public"));
  });
}

// --- network.reach -----------------------------------------------------------------------------------

test("network.reach failed_fast: a closed port refuses at once", async () => {
  const page = await h.openPage();
  const v = await run(page, { base: closed() });
  await expectVerdict(page, v, broken("network", "network.reach", "failed_fast"));
  assertFindings(await h.findings(page), {
    "page.online": ["pass", "online"],
    "network.reach": ["fail", "failed_fast"],
    "cors.read": ["skipped", "skipped"],
    "perf.latency": ["skipped", "skipped"],
  });
  assert.ok(ms((await h.factsOf(page, "network.reach"))["elapsed_ms"]) < 3000);
});

test("network.reach failed_slow: the connection is dropped after seconds, before the timeout", async (t) => {
  // Every no-cors GET waits 3.5 s and then loses its connection without an answer.
  const proxy = await faultProxy(t, h, ({ kind }) => (kind === "plain" ? { delayMs: 3500, drop: true } : {}));
  const page = await h.openPage();
  const v = await run(page, { base: proxy.origin, label: "proxy: no-cors GETs dropped after 3.5 s" });
  await expectVerdict(page, v, broken("network", "network.reach", "failed_slow"));
  assertFindings(await h.findings(page), {
    "page.online": ["pass", "online"],
    "network.reach": ["fail", "failed_slow"],
    "cors.read": ["skipped", "skipped"],
  });
  const took = ms((await h.factsOf(page, "network.reach"))["elapsed_ms"]);
  assert.ok(took >= 3000 && took < 10_000, `the reach probe failed after ${took} ms`);
  assert.ok(proxy.log.some((r) => r.kind === "plain" && r.drop), "the proxy dropped no request");
});

test("network.reach timed_out: a host that never answers", { timeout: 120_000 }, async () => {
  const page = await h.openPage();
  const v = await run(page, { base: h.scenario("hang") });
  await expectVerdict(page, v, broken("network", "network.reach", "timed_out"));
  assertFindings(await h.findings(page), {
    "page.online": ["pass", "online"],
    "network.reach": ["fail", "timed_out"],
    "cors.read": ["skipped", "skipped"],
    "perf.latency": ["skipped", "skipped"],
  });
  assert.equal((await h.factsOf(page, "network.reach"))["timeout_ms"], "10.0 s");
});

// --- Cancel: every check of these layers not_run -----------------------------------------------------

test("Cancel while every probe is held: each check says not_run", async (t) => {
  // One relay holds every request until the test ends: the target's, under a host name so that dns.public
  // asks the resolvers, and every side endpoint's. Its records show what it holds.
  const holder = await holdAll(t, h);
  const page = await h.openPage();
  const pending = run(page, {
    base: `http://api.mock.test:${new URL(holder.base).port}/target`,
    fields: {
      "control-url": `${holder.base}/control/`,
      doh1: `${holder.base}/doh1/dns-query`,
      doh2: `${holder.base}/doh2/resolve`,
      "status-url": `${holder.base}/status/api/v2/summary.json`,
    },
    watch: WATCH_SECS,
    label: "cancelled: target, control, resolvers and status page held; watch on",
  });
  // Awaited below; when a wait fails first, its rejection must not outlive the test unhandled.
  pending.catch(() => {});
  await page.waitForSelector("#cancel", { state: "visible", timeout: 20_000 });
  // Cancel comes once every probe of the first wave is held: the no-cors GET and the CORS read's preflight
  // to the target, the control, both resolvers and the status page. The rest waits behind them.
  const held = (path, kind) => holder.recs.some((r) => r.held && r.url.startsWith(path) && (!kind || r.kind === kind));
  await until(
    () =>
      held("/target/", "plain") &&
      held("/target/", "preflight") &&
      ["/control/", "/doh1/", "/doh2/", "/status/"].every((path) => held(path)),
    () => `every probe of the first wave to be held: ${JSON.stringify(holder.recs)}`,
  );
  assert.equal(await page.getAttribute("#verdict", "data-state"), "running");
  await page.click("#cancel");
  const v = await pending;
  await expectVerdict(page, v, cancelled);
  assertFindings(await h.findings(page), {
    "page.online": ["info", "not_run"],
    "dns.public": ["info", "not_run"],
    "network.reach": ["info", "not_run"],
    "cors.read": ["info", "not_run"],
    "service.status": ["info", "not_run"],
    "service.clock": ["info", "not_run"],
    "perf.latency": ["info", "not_run"],
    "perf.watch": ["info", "not_run"],
  });
});

// --- service.status ---------------------------------------------------------------------------------

const statusRows = [
  ["operational", healthy, ["pass", "operational"], { "component_state": "operational" }],
  ["degraded", degraded("service", "service.status", "degraded"), ["warn", "degraded"], { "component_state": "degraded_performance" }],
  ["partial", degraded("service", "service.status", "partial_outage"), ["warn", "partial_outage"], { "component_state": "partial_outage" }],
  ["major", broken("service", "service.status", "major_outage"), ["fail", "major_outage"], { "component_state": "major_outage" }],
  ["maintenance", degraded("service", "service.status", "maintenance"), ["warn", "maintenance"], { "component_state": "under_maintenance" }],
  ["elsewhere", healthy, ["info", "elsewhere"], { "component_state": "operational" }],
  ["down", healthy, ["info", "unavailable"], { "http_status": "503" }],
  ["garbage", healthy, ["info", "unavailable"], {}],
  ["no-cors", healthy, ["info", "unavailable"], {}],
];

for (const [state, verdict, finding, facts] of statusRows) {
  test(`service.status ${finding[1]}: status page ${state}`, async () => {
    const page = await h.openPage();
    const v = await run(page, {
      base: h.scenario("healthy"),
      sides: { status: state },
      label: `/s/healthy status ${state}`,
    });
    await expectVerdict(page, v, verdict);
    assertFindings(await h.findings(page), {
      "network.reach": ["pass", "answered"],
      "cors.read": ["pass", "readable"],
      "service.status": finding,
    });
    const got = await h.factsOf(page, "service.status");
    for (const [label, value] of Object.entries(facts)) assert.equal(got[label], value, label);
    if (finding[1] === "unavailable") {
      // The page to look at by hand instead.
      assert.ok(Object.values(got).includes(`${h.mockOrigin}/status/${state}`), JSON.stringify(got));
    }
  });
}

test("service.status unknown_component: the status page lists no API component", async (t) => {
  const statusUrl = await statusWithoutApi(t);
  const page = await h.openPage();
  const v = await run(page, {
    base: h.scenario("healthy"),
    fields: { "status-url": statusUrl },
    label: "/s/healthy status page without an API component",
  });
  await expectVerdict(page, v, healthy);
  assertFindings(await h.findings(page), { "service.status": ["info", "unknown_component"] });
  assert.equal((await h.factsOf(page, "service.status"))["status_description"], "All Systems Operational");
});

test("service.status xss: an incident written in HTML shows as text", async () => {
  const page = await h.openPage();
  const title = await page.title();
  const v = await run(page, { base: h.scenario("healthy"), sides: { status: "xss" }, label: "/s/healthy status xss" });
  await expectVerdict(page, v, degraded("service", "service.status", "degraded"));
  assertFindings(await h.findings(page), { "service.status": ["warn", "degraded"] });
  const f = await h.finding(page, "service.status");
  assert.match(f.text, /<img src=x onerror="document\.title='pwned'">/);
  assert.equal(await page.$$eval("#findings img, #verdict img, #findings script", (els) => els.length), 0);
  assert.equal(await page.title(), title);
});

// --- service.clock ----------------------------------------------------------------------------------

test("service.clock in_sync: the API's date matches this clock", async () => {
  const page = await h.openPage();
  const v = await run(page, { base: h.scenario("healthy") });
  await expectVerdict(page, v, healthy);
  assertFindings(await h.findings(page), { "cors.read": ["pass", "readable"], "service.clock": ["pass", "in_sync"] });
  const skew = (await h.factsOf(page, "service.clock"))["clock_skew_s"];
  assert.match(skew, /^[+-]\d+ s$/);
  assert.ok(Math.abs(Number(skew.replace(/ s$/, ""))) <= 2, skew);
});

test("service.clock skewed: the API's date two minutes ahead", async () => {
  const page = await h.openPage();
  const v = await run(page, { base: h.scenario("skew-120") });
  await expectVerdict(page, v, degraded("service", "service.clock", "skewed"));
  assertFindings(await h.findings(page), { "cors.read": ["pass", "readable"], "service.clock": ["warn", "skewed"] });
  // The local clock is behind: local minus server is negative.
  assert.match((await h.factsOf(page, "service.clock"))["clock_skew_s"], /^-(1 min 59|2 min [01]) s$/);
});

test("service.clock far_off: the API's date more than a day behind", async () => {
  const page = await h.openPage();
  const v = await run(page, { base: h.scenario("lag-100000") });
  await expectVerdict(page, v, broken("service", "service.clock", "far_off"));
  assertFindings(await h.findings(page), { "cors.read": ["pass", "readable"], "service.clock": ["fail", "far_off"] });
  assert.equal((await h.factsOf(page, "service.clock"))["clock_skew_s"], "+1 d 3 h");
});

test("service.clock no_date: a readable answer without a date header", async (t) => {
  const proxy = await faultProxy(t, h, () => ({}), { stripDate: true });
  const page = await h.openPage();
  const v = await run(page, { base: proxy.origin, label: "proxy: healthy without date" });
  await expectVerdict(page, v, healthy);
  assertFindings(await h.findings(page), { "cors.read": ["pass", "readable"], "service.clock": ["info", "no_date"] });
  const facts = await h.factsOf(page, "service.clock");
  assert.equal(facts["server_date"], undefined);
  assert.equal(facts["clock_skew_s"], undefined);
});

// --- perf.latency -----------------------------------------------------------------------------------

test("perf.latency fast: quick round trips, timed with fetch", async () => {
  const page = await h.openPage();
  const v = await run(page, { base: h.scenario("healthy") });
  await expectVerdict(page, v, healthy);
  assertFindings(await h.findings(page), { "perf.latency": ["pass", "fast"] });
  const facts = await h.factsOf(page, "perf.latency");
  assert.equal(facts["samples"], "20");
  assert.ok(ms(facts["duration_median_ms"]) <= 300);
  assert.ok(ms(facts["duration_control_median_ms"]) <= 300);
  assert.equal(facts["method"], "performance.now() + fetch");
  assert.equal(facts["duration_ttfb_ms"], undefined, "phases without Timing-Allow-Origin");
});

test("perf.latency fast with Timing-Allow-Origin: Resource Timing phases", async () => {
  const page = await h.openPage();
  const v = await run(page, { base: h.scenario("tao") });
  await expectVerdict(page, v, healthy);
  assertFindings(await h.findings(page), { "perf.latency": ["pass", "fast"] });
  const facts = await h.factsOf(page, "perf.latency");
  assert.equal(facts["method"], "Resource Timing (Timing-Allow-Origin)");
  ms(facts["duration_ttfb_ms"]);
});

test("perf.latency slow: the target takes 400 ms, the control is quick", async () => {
  const page = await h.openPage();
  const v = await run(page, { base: h.scenario("slow-400"), samples: 5 });
  await expectVerdict(page, v, degraded("performance", "perf.latency", "slow"));
  assertFindings(await h.findings(page), { "network.reach": ["pass", "answered"], "perf.latency": ["warn", "slow"] });
  const facts = await h.factsOf(page, "perf.latency");
  const median = ms(facts["duration_median_ms"]);
  assert.ok(median >= 400 && median <= 1000, `median ${median} ms`);
  assert.ok(ms(facts["duration_control_median_ms"]) * 2 < median, JSON.stringify(facts));
});

test("perf.latency very_slow: the target takes over a second", async () => {
  const page = await h.openPage();
  const v = await run(page, { base: h.scenario("slow-1100"), samples: 3 });
  await expectVerdict(page, v, degraded("performance", "perf.latency", "very_slow"));
  assertFindings(await h.findings(page), { "perf.latency": ["warn", "very_slow"] });
  assert.ok(ms((await h.factsOf(page, "perf.latency"))["duration_median_ms"]) >= 1100);
});

test("perf.latency slow_network: the control endpoint is as slow as the target", async () => {
  const page = await h.openPage();
  const v = await run(page, {
    base: h.scenario("slow-400"),
    samples: 5,
    fields: { "control-url": `${h.scenario("slow-400")}/` },
    label: "/s/slow-400 control /s/slow-400",
  });
  await expectVerdict(page, v, degraded("performance", "perf.latency", "slow_network"));
  assertFindings(await h.findings(page), { "page.online": ["pass", "online"], "perf.latency": ["warn", "slow_network"] });
  assert.ok(ms((await h.factsOf(page, "perf.latency"))["duration_control_median_ms"]) >= 400);
});

test("perf.latency unstable: every other round trip takes 250 ms more", async (t) => {
  // plain n = 0 is the reach probe; the series follows, and its odd requests wait.
  const proxy = await faultProxy(t, h, ({ kind, n }) => (kind === "plain" && n % 2 === 1 ? { delayMs: 250 } : {}));
  const page = await h.openPage();
  const v = await run(page, { base: proxy.origin, label: "proxy: every other round trip +250 ms" });
  await expectVerdict(page, v, degraded("performance", "perf.latency", "unstable"));
  assertFindings(await h.findings(page), { "network.reach": ["pass", "answered"], "perf.latency": ["warn", "unstable"] });
  const facts = await h.factsOf(page, "perf.latency");
  assert.ok(ms(facts["duration_jitter_ms"]) >= 200, JSON.stringify(facts));
  assert.ok(ms(facts["duration_median_ms"]) <= 300, JSON.stringify(facts));
});

test("perf.latency slow_setup: the first round trip of the series pays 600 ms", async (t) => {
  const proxy = await faultProxy(t, h, ({ kind, n }) => (kind === "plain" && n === 1 ? { delayMs: 600 } : {}));
  const page = await h.openPage();
  const v = await run(page, { base: proxy.origin, label: "proxy: cold round trip +600 ms" });
  await expectVerdict(page, v, degraded("performance", "perf.latency", "slow_setup"));
  assertFindings(await h.findings(page), { "perf.latency": ["warn", "slow_setup"] });
  const facts = await h.factsOf(page, "perf.latency");
  assert.ok(ms(facts["duration_cold_ms"]) >= 600, JSON.stringify(facts));
  assert.ok(ms(facts["duration_setup_ms"]) > 300, JSON.stringify(facts));
  assert.ok(ms(facts["duration_median_ms"]) <= 300, JSON.stringify(facts));
});

test("perf.latency lossy: one round trip of the series is lost", async (t) => {
  // plain n = 2 is the first warm round trip.
  const proxy = await faultProxy(t, h, ({ kind, n }) => (kind === "plain" && n === 2 ? { drop: true } : {}));
  const page = await h.openPage();
  const v = await run(page, { base: proxy.origin, samples: 4, label: "proxy: one round trip dropped" });
  await expectVerdict(page, v, degraded("performance", "perf.latency", "lossy"));
  assertFindings(await h.findings(page), { "network.reach": ["pass", "answered"], "perf.latency": ["warn", "lossy"] });
  // The lost one is not a sample; the series went on after it.
  assert.equal((await h.factsOf(page, "perf.latency"))["samples"], "3");
  assert.deepEqual(
    proxy.log.filter((r) => r.kind === "plain").map((r) => Boolean(r.drop)),
    [false, false, true, false, false, false],
  );
});

// --- perf.watch -------------------------------------------------------------------------------------

test(
  "perf.watch over a minute: steady, flaky service, flaky network, down network, down service",
  { timeout: 4 * 60_000 },
  async (t) => {
    // The flaky scenario fails every third /v1 request with anthropic-version of the mock process (the
    // readable ones; the no-cors probes and the probe with no custom header do not count): spend requests
    // until one fails, so that the run's CORS read and first watch probe answer; from then on one request
    // in three gets 529.
    const flaky = h.scenario("flaky");
    let primed = false;
    for (let i = 0; i < 3 && !primed; i++) {
      const r = await fetch(`${flaky}/v1/models`, { headers: { "anthropic-version": "2023-06-01" } });
      await r.arrayBuffer();
      primed = r.status === 529;
    }
    assert.ok(primed, "the flaky scenario gave no 529 in three requests");
    // Every third watch probe (readable n = 3, 6, …; n = 0 is the CORS read) loses its connection.
    const dropping = await faultProxy(t, h, ({ kind, n }) => (kind === "readable" && n > 0 && n % 3 === 0 ? { drop: true } : {}));

    const rows = [
      { name: "steady", base: h.scenario("healthy"), label: "/s/healthy watch 60" },
      { name: "flaky_service", base: flaky, label: "/s/flaky watch 60" },
      { name: "flaky_network", base: dropping.origin, label: "proxy: every third watch probe dropped, watch 60" },
      { name: "down_network", base: closed(), label: "closed port watch 60" },
      { name: "down_service", base: h.scenario("server-error-all"), label: "/s/server-error-all watch 60" },
    ];
    // The five watches run side by side, so that the minute is spent once.
    const pages = await Promise.all(rows.map(() => h.openPage()));
    const first = await Promise.all(
      rows.map((row, i) => run(pages[i], { base: row.base, watch: WATCH_SECS, label: row.label })),
    );
    const watching = await Promise.all(pages.map((p) => h.finding(p, "perf.watch")));
    for (const [i, f] of watching.entries()) {
      assert.deepEqual([f.status, f.outcome], ["info", "watching"], `${rows[i].name} while the watch runs`);
    }
    // The rest of the report stands while watching.
    await expectVerdict(pages[0], first[0], healthy);
    await expectVerdict(pages[3], first[3], broken("network", "network.reach", "failed_fast"));
    const done = await Promise.all(pages.map((p, i) => waitForWatch(p, rows[i].label)));
    const results = await Promise.all(
      pages.map(async (p) => ({ findings: await h.findings(p), marks: await timelineMarks(p) })),
    );
    const facts = (i) => results[i].findings.find((f) => f.code === "perf.watch").facts;

    // steady: every probe answered as expected.
    await expectVerdict(pages[0], done[0], healthy);
    assertFindings(results[0].findings, { "perf.watch": ["pass", "steady"] });
    assertQuickPath(results[0].findings);
    {
      const { ok, total } = ratio(facts(0));
      assert.ok(total >= 20 && ok === total, `${ok} / ${total}`);
      assert.equal(facts(0)["failures"], "none");
      assert.deepEqual([results[0].marks.ok, results[0].marks.fail], [total, []]);
    }

    // flaky_service: one probe in three got 529.
    await expectVerdict(pages[1], done[1], degraded("service", "perf.watch", "flaky_service"));
    assertFindings(results[1].findings, { "cors.read": ["pass", "readable"], "perf.watch": ["warn", "flaky_service"] });
    {
      const { ok, total } = ratio(facts(1));
      const failed = total - ok;
      // One request in three fails, so a series of n has floor(n/3) or ceil(n/3) failures, by where it starts.
      assert.ok(failed >= 3 && Math.abs(failed - total / 3) <= 1, `${ok} / ${total}`);
      assert.equal(facts(1)["failures"], `529 overloaded ×${failed}`);
      assert.equal(results[1].marks.ok, ok);
      assert.deepEqual(results[1].marks.fail, Array(failed).fill("overloaded"));
    }

    // flaky_network: one probe in three lost its connection.
    await expectVerdict(pages[2], done[2], degraded("network", "perf.watch", "flaky_network"));
    assertFindings(results[2].findings, { "cors.read": ["pass", "readable"], "perf.watch": ["warn", "flaky_network"] });
    {
      const { ok, total } = ratio(facts(2));
      const failed = total - ok;
      // One request in three fails, so a series of n has floor(n/3) or ceil(n/3) failures, by where it starts.
      assert.ok(failed >= 3 && Math.abs(failed - total / 3) <= 1, `${ok} / ${total}`);
      assert.equal(facts(2)["failures"], `connection failed ×${failed}`);
      assert.equal(dropping.log.filter((r) => r.drop).length, failed, "each dropped probe is one failure");
      assert.deepEqual(results[2].marks.fail, Array(failed).fill("failed"));
    }

    // down_network: nothing listens; the watch backs off between failures.
    await expectVerdict(pages[3], done[3], broken("network", "network.reach", "failed_fast"));
    assertFindings(results[3].findings, { "network.reach": ["fail", "failed_fast"], "perf.watch": ["fail", "down_network"] });
    {
      const { ok, total } = ratio(facts(3));
      // Backing off from 0.5–1 s and doubling to a 15–30 s cap, a minute holds far fewer probes than the
      // 30 a steady two-second interval would.
      assert.ok(ok === 0 && total >= 4 && total <= 12, `${ok} / ${total}`);
      assert.equal(facts(3)["failures"], `connection failed ×${total}`);
      assert.deepEqual([results[3].marks.ok, results[3].marks.fail.length], [0, total]);
    }

    // down_service: every probe got a server error.
    await expectVerdict(pages[4], done[4], broken("service", "perf.watch", "down_service"));
    assertFindings(results[4].findings, { "cors.read": ["warn", "service_error"], "perf.watch": ["fail", "down_service"] });
    {
      const { ok, total } = ratio(facts(4));
      assert.ok(ok === 0 && total >= 4, `${ok} / ${total}`);
      assert.equal(facts(4)["failures"], `server error ×${total}`);
    }

    // The picture: the flaky watch's timeline beside the latency figures.
    const page = pages[1];
    await page.bringToFront();
    await h.screenshot(page, "watch-timeline.png");
    await page
      .locator('#findings section.layer[data-layer="performance"]')
      .screenshot({ path: path.join(h.screenshotDir, "watch-and-latency.png") });
    for (const code of ["perf.latency", "perf.watch"]) {
      assert.ok(await page.locator(`#findings li.finding[data-code="${code}"]`).isVisible(), code);
    }
  },
);
