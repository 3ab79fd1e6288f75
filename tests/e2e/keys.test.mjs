// The base URL's every malformation, mixed content from an https page, the CORS read's rarer answers, every
// shape of key, the key against the API, the model, the rate limits and the streamed message: one run per
// outcome that the other files do not reach. Expectations follow src/core/checks/* (page_target,
// page_mixed_content, cors_read, auth_key_shape, auth_key, auth_model, service_rate_limits, service_message).
//
// Three stand-ins besides the mock's own scenarios, each real HTTP seen by a real fetch:
// - a *gateway*: a loopback server in front of the mock (startGateway in lib/proxies.mjs), which forwards
//   each request to a mock scenario chosen by what the request is (keyed or not, its path, a preflight),
//   can drop or swap headers, refuse or hold a request. Paths a real gateway takes: it answers keyless requests with the API's 401 and
//   forwards keyed ones to an upstream that region-blocks, or drops x-api-key, or lists models it cannot serve.
// - the *official host*: https://api.anthropic.com, answered by a mock scenario through page.route (nothing
//   leaves the machine); some outcomes exist only for that host (a path after it, a key sent the wrong way).
// - an *https page*: dist/ served over TLS with a certificate made at test time, for mixed content.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  assertFindings,
  assertVerdict,
  broken,
  cancelled,
  degraded,
  harness,
  healthy,
  pathWorks,
  startServer,
  staticHandler,
  validKey,
} from "./harness.mjs";
import { startGateway, without } from "./lib/proxies.mjs";
import { credentialOf, selfSignedCert, until } from "./lib/util.mjs";

const h = harness();
const KEY = validKey();

/** A model the mock serves, and one it does not know. */
const MODEL = "claude-haiku-4-5";
const UNKNOWN_MODEL = "claude-nonexistent-9";

/** The number in a fact such as "312 ms", failing when the fact is missing or not so written. */
function millis(finding, label) {
  const text = finding.facts[label];
  const m = /^(\d+) ms$/.exec(text ?? "");
  assert.ok(m, `${finding.code}: fact ${label} is ${JSON.stringify(text)}; facts ${JSON.stringify(finding.facts)}`);
  return Number(m[1]);
}

/**
 * Resolves once every request the page issued before this call has been reported to the test: a last
 * request is sent and awaited, and the browser reports requests in the order they are made.
 */
async function drained(page) {
  const url = `${h.mockOrigin}/s/control/drained-${Date.now()}`;
  await Promise.all([
    page.waitForRequest(url),
    page.evaluate((u) => fetch(u, { mode: "no-cors", cache: "no-store" }).then(() => {}, () => {}), url),
  ]);
  return url;
}

/** Requests that left for the target: anything not to the page itself and not one of the side endpoints. */
async function toTarget(page, requests) {
  const barrier = await drained(page);
  const sides = Object.values(h.sides());
  return (await requests.settle())
    .filter((r) => new URL(r.url).origin !== h.pageOrigin)
    .filter((r) => r.url !== barrier && !sides.some((s) => r.url === s || r.url.startsWith(`${s}?`)));
}

/**
 * runAgainst with one warm round trip: no row here is about latency, and a single sample has no jitter
 * for a loaded machine to inflate into a performance warning.
 */
const run = (page, opts) => h.runAgainst(page, { samples: 1, ...opts });

// --- Runs that runAgainst cannot express: a Cancel in the middle, a bound longer than RUN_TIMEOUT_MS -----

/** `h.startRun` with one warm round trip, as `run`: fills the form and presses Run, without waiting. */
const startRun = (page, opts) => h.startRun(page, { samples: 1, ...opts });

/** `h.finishRun`: waits for the verdict and settled findings, notes the coverage; returns both. */
async function finishRun(page, label, timeout) {
  const v = await h.finishRun(page, { label, timeout });
  return { v, fs: await h.findings(page) };
}

// --- The official host, answered by the mock ----------------------------------------------------------------

/**
 * Answers every request to https://api.anthropic.com from the mock's `scenario`. Playwright answers the
 * CORS preflights of routed requests itself (allowing what is asked), so this plays an API whose
 * preflights pass; what the page reads comes from the mock.
 */
async function official(page, scenario) {
  await page.route(/^https:\/\/api\.anthropic\.com\//, async (route) => {
    const url = route.request().url().replace(/^https:\/\/api\.anthropic\.com/, h.scenario(scenario));
    try {
      await route.fulfill({ response: await route.fetch({ url, maxRedirects: 0 }) });
    } catch {
      await route.abort().catch(() => {});
    }
  });
}

// --- The base URL ---------------------------------------------------------------------------------------------

describe("page.target: the base URL", () => {
  // Malformed bases: named at once, and nothing goes to the target (only the side probes leave).
  const malformed = [
    { outcome: "empty", base: () => "", offending: undefined },
    { outcome: "bad_scheme", base: () => `ftp://127.0.0.1:${h.mockPort}/s/healthy`, offending: "ftp" },
    // A URL field keeps inner spaces (it strips only line breaks and the ends).
    { outcome: "inner_space", base: () => `${h.scenario("healthy")} (staging)`, offending: undefined },
    { outcome: "credentials", base: () => `http://admin:hunter2@127.0.0.1:${h.mockPort}/s/healthy`, offending: undefined },
    // A Cyrillic "а" that looks like the Latin one.
    { outcome: "bad_host", base: () => `http://\u0430pi.mock.test:${h.mockPort}/s/healthy`, offending: "\u0430pi.mock.test" },
    { outcome: "bad_port", base: () => `http://127.0.0.1:99999/s/healthy`, offending: "99999" },
  ];
  for (const row of malformed) {
    test(`${row.outcome}: named, the run stops at the page, nothing is sent to the target`, async () => {
      const page = await h.newPage();
      const requests = h.recordRequests(page);
      await h.load(page);
      const v = await run(page, { base: row.base(), key: KEY, label: `base: ${row.outcome}` });
      assertVerdict(v, broken("page", "page.target", row.outcome));
      const fs = await h.findings(page);
      assertFindings(fs, {
        "page.target": ["fail", row.outcome],
        "page.mixed_content": ["skipped", "skipped"],
        "network.reach": ["skipped", "skipped"],
        "cors.read": ["skipped", "skipped"],
        "auth.key": ["skipped", "skipped"],
      });
      assert.equal(fs.find((f) => f.code === "page.target").facts["offending"], row.offending);
      assert.deepEqual((await toTarget(page, requests)).map((r) => r.url), []);
    });
  }

  test("query_or_fragment: named, the run goes on with the base before it, and the query is never sent", async () => {
    const base = h.scenario("healthy");
    const page = await h.newPage();
    const requests = h.recordRequests(page);
    await h.load(page);
    const v = await run(page, { base: `${base}?beta=1#top`, key: KEY, label: "base: /s/healthy?beta=1#top" });
    assertVerdict(v, degraded("page", "page.target", "query_or_fragment"));
    const fs = await h.findings(page);
    assertFindings(fs, { "page.target": ["warn", "query_or_fragment"], ...pathWorks, "auth.key": ["pass", "accepted"] });
    const facts = fs.find((f) => f.code === "page.target").facts;
    assert.equal(facts["offending"], "?beta=1#top");
    assert.equal(facts["base_used"], base);
    const sent = (await toTarget(page, requests)).map((r) => r.url);
    assert.ok(sent.length > 0, "nothing was sent to the target");
    assert.deepEqual(sent.filter((u) => u.includes("beta=1")), []);
  });

  test("trimmed: a no-break space pasted before the URL is removed and named; the run goes on", async () => {
    // A URL field strips ASCII spaces itself; a no-break space (copied from a web page) survives it.
    const base = h.scenario("healthy");
    const page = await h.openPage();
    const v = await run(page, { base: `\u00a0${base}`, key: KEY, label: "base: no-break space + /s/healthy" });
    assertVerdict(v, degraded("page", "page.target", "trimmed"));
    const fs = await h.findings(page);
    assertFindings(fs, { "page.target": ["warn", "trimmed"], ...pathWorks, "auth.key": ["pass", "accepted"] });
    assert.equal(fs.find((f) => f.code === "page.target").facts["base_used"], base);
  });

  test("plain_http: a host name over http is named; the run goes on", async () => {
    const base = `http://api.mock.test:${h.mockPort}/s/healthy`;
    const page = await h.openPage();
    const v = await run(page, { base, key: KEY, label: "base: http://api.mock.test/s/healthy" });
    assertVerdict(v, degraded("page", "page.target", "plain_http"));
    const fs = await h.findings(page);
    assertFindings(fs, {
      "page.target": ["warn", "plain_http"],
      "page.mixed_content": ["pass", "ok"],
      ...pathWorks,
      "auth.key": ["pass", "accepted"],
    });
    assert.equal(fs.find((f) => f.code === "page.target").facts.host, "api.mock.test");
  });

  test("unexpected_path: api.anthropic.com with a path is named, and the API's 404 shows why", async () => {
    const page = await h.openPage();
    await official(page, "healthy");
    const v = await run(page, {
      base: "https://api.anthropic.com/anthropic",
      label: "base: https://api.anthropic.com/anthropic (mock healthy)",
    });
    // The SDKs would call /anthropic/v1/…, which the API does not have.
    assertVerdict(v, broken("cors", "cors.read", "not_found"));
    const fs = await h.findings(page);
    assertFindings(fs, {
      "page.target": ["warn", "unexpected_path"],
      "network.reach": ["pass", "answered"],
      "cors.read": ["fail", "not_found"],
    });
    assert.equal(fs.find((f) => f.code === "page.target").facts["base_used"], "https://api.anthropic.com/anthropic");
  });
});

// --- Mixed content ----------------------------------------------------------------------------------------------

describe("page.mixed_content: an https page", () => {
  /** Serves dist/ over https with a certificate made now; resolves with the page's origin. */
  async function httpsSite(t) {
    const tls = selfSignedCert(t, ["-newkey", "rsa:2048", "-subj", "/CN=localhost"]);
    const site = await startServer(staticHandler(h.distDir), { tls });
    t.after(() => site.close());
    return site.origin;
  }

  /** The page, loaded over https in a context that accepts the self-signed certificate. */
  async function openSecurePage(t) {
    const origin = await httpsSite(t);
    const context = await h.context.browser().newContext({
      ignoreHTTPSErrors: true,
      locale: "en-US",
      viewport: { width: 1100, height: 900 },
    });
    t.after(() => context.close());
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const requests = h.recordRequests(page);
    await page.goto(`${origin}/`);
    await page.waitForSelector("html[data-ready]", { state: "attached", timeout: 20_000 });
    assert.equal(await page.evaluate(() => location.protocol), "https:");
    return { page, errors, requests };
  }

  test("blocked: an http target with a host name is named, and nothing is sent to it", async (t) => {
    const { page, errors, requests } = await openSecurePage(t);
    const base = `http://gw.mock.test:${h.mockPort}/s/healthy`;
    const v = await run(page, { base, key: KEY, label: "https page → http://gw.mock.test/s/healthy" });
    assertVerdict(v, broken("page", "page.mixed_content", "blocked"));
    assertFindings(await h.findings(page), {
      "page.target": ["warn", "plain_http"],
      "page.mixed_content": ["fail", "blocked"],
      "network.reach": ["skipped", "skipped"],
      "cors.read": ["skipped", "skipped"],
      "auth.key": ["skipped", "skipped"],
    });
    await drained(page);
    const sent = (await requests.settle()).filter((r) => new URL(r.url).hostname === "gw.mock.test");
    assert.deepEqual(sent.map((r) => r.url), []);
    assert.deepEqual(errors, []);
  });

  test("ok: from the same https page, a loopback http target is allowed and works", async (t) => {
    const { page, errors } = await openSecurePage(t);
    const v = await run(page, { base: h.scenario("healthy"), key: KEY, label: "https page → /s/healthy" });
    assertVerdict(v, healthy);
    assertFindings(await h.findings(page), {
      "page.mixed_content": ["pass", "ok"],
      ...pathWorks,
      "auth.key": ["pass", "accepted"],
    });
    assert.deepEqual(errors, []);
  });
});

// --- Reading the API without a key ------------------------------------------------------------------------------

describe("cors.read: the keyless read", () => {
  test("unexpected: a readable 200 that is not the API (an echo server)", async () => {
    const page = await h.openPage();
    const v = await run(page, { base: h.scenario("echo") });
    assertVerdict(v, degraded("cors", "cors.read", "unexpected"));
    const fs = await h.findings(page);
    assertFindings(fs, { "network.reach": ["pass", "answered"], "cors.read": ["warn", "unexpected"] });
    assert.equal(fs.find((f) => f.code === "cors.read").facts["http_status"], "200");
  });

  test("timed_out: the host answers, but a gateway never answers the CORS preflight", async (t) => {
    const gw = await startGateway(t, h, (r) => (r.preflight ? { hang: true } : undefined));
    const page = await h.openPage();
    const v = await run(page, { base: gw.base, label: "gateway: preflights never answered" });
    assertVerdict(v, broken("cors", "cors.read", "timed_out"));
    const fs = await h.findings(page);
    assertFindings(fs, { "network.reach": ["pass", "answered"], "cors.read": ["fail", "timed_out"] });
    assert.equal(fs.find((f) => f.code === "cors.read").facts["timeout_ms"], "10.0 s");
    assert.ok(gw.received.some((r) => r.preflight && r.held), "no preflight reached the gateway");
  });

  test("not_run: Cancel while the reads are out leaves them not run, not failed", async (t) => {
    // The no-cors probe is answered; every preflighted one (keyless read, key, model) is held.
    const gw = await startGateway(t, h, (r) => (r.preflight ? { hang: true } : undefined));
    const page = await h.openPage();
    await startRun(page, { base: gw.base, key: KEY, model: MODEL });
    await page.waitForSelector('#findings li[data-code="network.reach"][data-status="pass"]', { timeout: 20_000 });
    await until(() => gw.received.filter((r) => r.preflight && r.held).length >= 3, "three held preflights");
    await page.click("#cancel");
    const { v, fs } = await finishRun(page, "gateway: preflights held, then Cancel");
    assertVerdict(v, cancelled);
    assertFindings(fs, {
      "network.reach": ["pass", "answered"],
      "cors.read": ["info", "not_run"],
      "auth.key_shape": ["pass", "api_key"],
      "auth.key": ["info", "not_run"],
      "auth.model": ["info", "not_run"],
      "service.rate_limits": ["info", "not_run"],
    });
  });
});

// --- The key's shape ----------------------------------------------------------------------------------------------

describe("auth.key_shape: the key as pasted", () => {
  // Keys whose shape is broken are named and never sent.
  const unsent = [
    ["non_ascii", "a key with a Unicode hyphen in it", () => KEY.replace("sk-ant-", "sk\u2010ant-")],
    ["admin_key", "an Admin key", () => `sk-ant-admin01-${KEY.slice(13)}xx`],
  ];
  for (const [outcome, what, key] of unsent) {
    test(`${outcome}: ${what} is named and not sent`, async () => {
      const page = await h.newPage();
      const requests = h.recordRequests(page);
      await h.load(page);
      const v = await run(page, { base: h.scenario("healthy"), key: key(), label: `/s/healthy, ${what}` });
      assertVerdict(v, broken("auth", "auth.key_shape", outcome));
      assertFindings(await h.findings(page), {
        ...pathWorks,
        "auth.key_shape": ["fail", outcome],
        "auth.key": ["skipped", "skipped"],
      });
      const keyed = (await toTarget(page, requests)).filter((r) => credentialOf(r.headers) !== undefined);
      assert.deepEqual(keyed.map((r) => r.url), []);
    });
  }

  test("compliance_key: a Compliance key is named; sent, the API refuses it", async () => {
    const page = await h.openPage();
    const key = `sk-ant-api01-${KEY.slice(13)}`;
    const v = await run(page, { base: h.scenario("healthy"), key, label: "/s/healthy, a Compliance key" });
    assertVerdict(v, broken("auth", "auth.key", "invalid"));
    const fs = await h.findings(page);
    assertFindings(fs, { ...pathWorks, "auth.key_shape": ["warn", "compliance_key"], "auth.key": ["fail", "invalid"] });
    assert.equal(fs.find((f) => f.code === "auth.key_shape").facts["key_kind"], "compliance-key");
  });

  test("gateway_token: a gateway's own token, sent as Bearer, is not taken for a broken key", async (t) => {
    const token = `gw_live_${"t0k3n".repeat(8)}`;
    // The gateway trades its token for the API key, as gateways do.
    const gw = await startGateway(t, h, (r) =>
      r.headers.authorization === `Bearer ${token}`
        ? { to: "healthy", headers: (hd) => ({ ...without("authorization")(hd), "x-api-key": KEY }) }
        : undefined,
    );
    const page = await h.openPage();
    const v = await run(page, { base: gw.base, key: token, auth: "bearer", label: "gateway: own token → API key" });
    assertVerdict(v, healthy);
    const fs = await h.findings(page);
    assertFindings(fs, { ...pathWorks, "auth.key_shape": ["info", "gateway_token"], "auth.key": ["pass", "accepted"] });
    assert.equal(fs.find((f) => f.code === "auth.key_shape").facts["key_kind"], "other");
    assert.ok(gw.received.some((r) => r.headers.authorization === `Bearer ${token}`), "the token did not arrive as Bearer");
  });

  test("other_shape: a key of no known shape, for api.anthropic.com, is named; the API refuses it", async () => {
    const page = await h.openPage();
    await official(page, "healthy");
    const v = await run(page, {
      base: "https://api.anthropic.com",
      key: `sk-proj-${"x1y2z3".repeat(8)}`,
      label: "https://api.anthropic.com (mock healthy), a key of another provider",
    });
    assertVerdict(v, broken("auth", "auth.key", "invalid"));
    assertFindings(await h.findings(page), {
      "page.target": ["pass", "ok"],
      ...pathWorks,
      "auth.key_shape": ["warn", "other_shape"],
      "auth.key": ["fail", "invalid"],
    });
  });

  for (const [auth, header, sent] of [
    ["bearer", "authorization", `Bearer ${KEY}`],
    ["key", "x-api-key", KEY],
  ]) {
    test(`an API key in ${header}, to api.anthropic.com, is accepted and not warned about`, async () => {
      const page = await h.openPage();
      await official(page, "healthy");
      const requests = h.recordRequests(page);
      await run(page, { base: "https://api.anthropic.com", key: KEY, auth, label: `https://api.anthropic.com (mock healthy), the key in ${header}` });
      assertFindings(await h.findings(page), {
        ...pathWorks,
        // Today's SDKs send an API key as Bearer; the retired wrong_mode warning must not come back.
        "auth.key_shape": ["pass", "api_key"],
        "auth.key": ["pass", "accepted"],
      });
      const keyed = (await requests.settle()).filter((r) => credentialOf(r.headers) !== undefined);
      assert.deepEqual(
        keyed.map((r) => [r.url, r.headers[header], r.headers["anthropic-version"]]),
        [["https://api.anthropic.com/v1/models?limit=1", sent, "2026-10-21"]],
      );
    });
  }
});

// --- The key against the API -------------------------------------------------------------------------------------

describe("auth.key: the keyed request, behind a gateway", () => {
  const keyedOnly = (act) => (r) => (r.keyed && !r.preflight ? act : undefined);
  const rows = [
    {
      outcome: "key_missing",
      what: "drops both key headers on the way",
      decide: keyedOnly({ to: "healthy", headers: without("x-api-key", "authorization") }),
      verdict: broken("auth", "auth.key", "key_missing"),
      status: "fail",
      also: (f) => {
        assert.equal(f.facts.error_message, "x-api-key header is required");
        assert.equal(f.facts.offending, "Authorization: Bearer");
      },
    },
    {
      outcome: "key_missing",
      what: "passes on x-api-key but not Authorization, so today's SDKs' key is lost",
      decide: keyedOnly({ to: "healthy", headers: without("authorization") }),
      verdict: broken("auth", "auth.key", "key_missing"),
      status: "fail",
      also: (f) => assert.equal(f.facts.offending, "Authorization: Bearer"),
    },
    {
      outcome: "accepted",
      what: "passes on x-api-key but not Authorization, with the key sent in x-api-key",
      auth: "key",
      decide: keyedOnly({ to: "healthy", headers: without("authorization") }),
      verdict: healthy,
      status: "pass",
      // The healthy API's answer carries its rate limits; this row is about the key alone.
      rateLimits: null,
    },
    {
      outcome: "key_missing",
      what: "passes on Authorization but not x-api-key, with the key sent in x-api-key",
      auth: "key",
      decide: keyedOnly({ to: "healthy", headers: without("x-api-key") }),
      verdict: broken("auth", "auth.key", "key_missing"),
      status: "fail",
      also: (f) => assert.equal(f.facts.offending, "x-api-key"),
    },
    {
      outcome: "region",
      what: "forwards keyed requests to an upstream that region-blocks",
      decide: keyedOnly({ to: "region-cors" }),
      verdict: broken("auth", "auth.key", "region"),
      status: "fail",
    },
    {
      outcome: "edge_error",
      what: "forwards keyed requests to an edge that answers 520",
      decide: keyedOnly({ to: "edge-520" }),
      verdict: broken("service", "auth.key", "edge_error"),
      status: "fail",
    },
    {
      outcome: "not_api",
      what: "answers keyed requests with an HTML page",
      decide: keyedOnly({ to: "edge-html-cors" }),
      verdict: broken("auth", "auth.key", "not_api"),
      status: "fail",
      also: (f) => assert.equal(f.facts["page_title"], "Just a moment..."),
    },
    {
      outcome: "not_found",
      what: "has no route for keyed requests (404)",
      decide: keyedOnly({ to: "not-found" }),
      verdict: broken("auth", "auth.key", "not_found"),
      status: "fail",
    },
    {
      outcome: "unexpected",
      what: "drops anthropic-version from keyed requests (400)",
      decide: keyedOnly({ to: "healthy", headers: without("anthropic-version") }),
      verdict: degraded("auth", "auth.key", "unexpected"),
      status: "warn",
      also: (f) => {
        assert.equal(f.facts["http_status"], "400");
        assert.equal(f.facts["error_type"], "invalid_request_error");
      },
    },
    ...[
      ["bearer", "authorization"],
      ["key", "x-api-key"],
    ].map(([auth, header]) => ({
      outcome: "rejected",
      what: `does not allow ${header} in its CORS preflight`,
      auth,
      decide: (r) =>
        r.preflight && new RegExp(header, "i").test(r.headers["access-control-request-headers"] ?? "")
          ? { allowHeaders: "anthropic-version, anthropic-dangerous-direct-browser-access" }
          : undefined,
      verdict: broken("cors", "auth.key", "rejected"),
      status: "fail",
      // The browser stops at the preflight: the key never goes out.
      reached: (received) =>
        received.some((r) => r.preflight && new RegExp(header, "i").test(r.headers["access-control-request-headers"])) &&
        !received.some((r) => r.keyed),
    })),
    {
      outcome: "timed_out",
      what: "never answers keyed requests",
      decide: keyedOnly({ hang: true }),
      verdict: broken("service", "auth.key", "timed_out"),
      status: "fail",
      also: (f) => assert.equal(f.facts["timeout_ms"], "10.0 s"),
    },
  ];
  for (const row of rows) {
    test(`${row.outcome}: a gateway that ${row.what}`, async (t) => {
      const gw = await startGateway(t, h, row.decide);
      const page = await h.openPage();
      const v = await run(page, { base: gw.base, key: KEY, auth: row.auth, label: `gateway: ${row.what}` });
      assertVerdict(v, row.verdict);
      const fs = await h.findings(page);
      assertFindings(fs, {
        ...pathWorks,
        "auth.key_shape": ["pass", "api_key"],
        "auth.key": [row.status, row.outcome],
        // A failed key skips the checks above it; a warning does not.
        ...(row.rateLimits !== null && {
          "service.rate_limits": row.status === "fail" ? ["skipped", "skipped"] : ["info", "absent"],
        }),
      });
      const reached = row.reached ?? ((received) => received.some((r) => r.keyed));
      assert.ok(reached(gw.received), `the gateway got: ${gw.received.map((r) => `${r.method} ${r.path}`).join(", ")}`);
      await row.also?.(fs.find((f) => f.code === "auth.key"));
    });
  }
});

// --- The model ---------------------------------------------------------------------------------------------------

describe("auth.model: the model named in the form", () => {
  test("available: a model the key can see", async () => {
    const page = await h.openPage();
    const v = await run(page, { base: h.scenario("healthy"), key: KEY, model: MODEL, label: `/s/healthy, model ${MODEL}` });
    assertVerdict(v, healthy);
    const fs = await h.findings(page);
    assertFindings(fs, { ...pathWorks, "auth.key": ["pass", "accepted"], "auth.model": ["pass", "available"] });
    assert.equal(fs.find((f) => f.code === "auth.model").facts.model, MODEL);
  });

  test("not_found: a model the API does not know; the message check waits on it", async () => {
    const page = await h.openPage();
    const v = await run(page, {
      base: h.scenario("healthy"),
      key: KEY,
      model: UNKNOWN_MODEL,
      message: true,
      label: `/s/healthy, model ${UNKNOWN_MODEL}, message`,
    });
    assertVerdict(v, broken("auth", "auth.model", "not_found"));
    const fs = await h.findings(page);
    assertFindings(fs, {
      "auth.key": ["pass", "accepted"],
      "auth.model": ["fail", "not_found"],
      "service.message": ["skipped", "skipped"],
    });
    assert.equal(fs.find((f) => f.code === "auth.model").facts["offending"], UNKNOWN_MODEL);
  });

  test("bad_name: a model name no API accepts is named, and not looked up", async () => {
    const page = await h.newPage();
    const requests = h.recordRequests(page);
    await h.load(page);
    const v = await run(page, { base: h.scenario("healthy"), key: KEY, model: "bad name!", label: "/s/healthy, model 'bad name!'" });
    assertVerdict(v, broken("page", "auth.model", "bad_name"));
    const fs = await h.findings(page);
    assertFindings(fs, { ...pathWorks, "auth.key": ["pass", "accepted"], "auth.model": ["fail", "bad_name"] });
    assert.equal(fs.find((f) => f.code === "auth.model").facts["offending"], "bad name!");
    const lookups = (await toTarget(page, requests)).filter((r) => new URL(r.url).pathname.includes("/v1/models/"));
    assert.deepEqual(lookups.map((r) => r.url), []);
  });

  test("busy: a rate-limited lookup is not blamed on the model", async () => {
    const page = await h.openPage();
    const v = await run(page, { base: h.scenario("rate-limited"), key: KEY, model: MODEL, label: `/s/rate-limited, model ${MODEL}` });
    assertVerdict(v, degraded("service", "auth.key", "rate_limited"));
    assertFindings(await h.findings(page), { ...pathWorks, "auth.key": ["warn", "rate_limited"], "auth.model": ["info", "busy"] });
  });

  test("no_key: a model named without a key is not looked up", async () => {
    const page = await h.openPage();
    const v = await run(page, { base: h.scenario("healthy"), model: MODEL, label: `/s/healthy, no key, model ${MODEL}` });
    assertVerdict(v, healthy);
    assertFindings(await h.findings(page), { ...pathWorks, "auth.key": ["info", "no_key"], "auth.model": ["info", "no_key"] });
  });

  test("unexpected: a gateway answers the model lookup with an HTML page", async (t) => {
    const gw = await startGateway(t, h, (r) =>
      r.path.startsWith("/v1/models/") && !r.preflight ? { to: "edge-html-cors" } : undefined,
    );
    const page = await h.openPage();
    const v = await run(page, { base: gw.base, key: KEY, model: MODEL, label: "gateway: model lookup → HTML" });
    assertVerdict(v, degraded("auth", "auth.model", "unexpected"));
    const fs = await h.findings(page);
    assertFindings(fs, { ...pathWorks, "auth.key": ["pass", "accepted"], "auth.model": ["warn", "unexpected"] });
    assert.equal(fs.find((f) => f.code === "auth.model").facts["page_title"], "Just a moment...");
  });

  test("unreadable: a gateway refuses CORS for the model lookup", async (t) => {
    const gw = await startGateway(t, h, (r) => (r.path.startsWith("/v1/models/") ? { refuse: true } : undefined));
    const page = await h.openPage();
    const v = await run(page, { base: gw.base, key: KEY, model: MODEL, label: "gateway: model lookup without CORS" });
    assertVerdict(v, degraded("auth", "auth.model", "unreadable"));
    assertFindings(await h.findings(page), { ...pathWorks, "auth.key": ["pass", "accepted"], "auth.model": ["warn", "unreadable"] });
    assert.ok(gw.received.some((r) => r.path === `/v1/models/${MODEL}`), "the lookup did not reach the gateway");
  });
});

// --- Rate limits ------------------------------------------------------------------------------------------------

describe("service.rate_limits: the rate-limit headers", () => {
  test("low: the model list's headers say the limits are nearly used up", async () => {
    const page = await h.openPage();
    const v = await run(page, { base: h.scenario("ratelimit-low"), key: KEY });
    assertVerdict(v, degraded("service", "service.rate_limits", "low"));
    const fs = await h.findings(page);
    assertFindings(fs, { ...pathWorks, "auth.key": ["pass", "accepted"], "service.rate_limits": ["warn", "low"] });
    assert.match(fs.find((f) => f.code === "service.rate_limits").facts["rate_limit_requests"] ?? "", /^2 \/ 50\b/);
  });

  test("ample: the model list's headers leave plenty", async () => {
    const page = await h.openPage();
    const v = await run(page, { base: h.scenario("ratelimit-ok"), key: KEY });
    assertVerdict(v, healthy);
    const fs = await h.findings(page);
    assertFindings(fs, { ...pathWorks, "auth.key": ["pass", "accepted"], "service.rate_limits": ["pass", "ample"] });
    assert.match(fs.find((f) => f.code === "service.rate_limits").facts["rate_limit_requests"] ?? "", /^49 \/ 50\b/);
  });
});

// --- The streamed message -------------------------------------------------------------------------------------------

describe("service.message: a streamed message", () => {
  test("streamed: the healthy API streams, the first token ~120 ms in; its headers show ample limits", async () => {
    const page = await h.openPage();
    const v = await run(page, { base: h.scenario("healthy"), key: KEY, message: true, label: "/s/healthy, message" });
    assertVerdict(v, healthy);
    const fs = await h.findings(page);
    assertFindings(fs, {
      ...pathWorks,
      "auth.key": ["pass", "accepted"],
      "service.message": ["pass", "streamed"],
      "service.rate_limits": ["pass", "ample"],
    });
    const message = fs.find((f) => f.code === "service.message");
    const first = millis(message, "duration_first_token_ms");
    assert.ok(first >= 100 && first < 10_000, `time to first token ${first} ms; the mock waits 120 ms`);
    assert.equal(message.facts.model, "claude-opus-4-5");
  });

  test("no_key: asked for without a key, nothing is sent", async () => {
    const page = await h.newPage();
    const requests = h.recordRequests(page);
    await h.load(page);
    const v = await run(page, { base: h.scenario("healthy"), message: true, label: "/s/healthy, no key, message" });
    assertVerdict(v, healthy);
    assertFindings(await h.findings(page), { "auth.key": ["info", "no_key"], "service.message": ["info", "no_key"] });
    const posts = (await toTarget(page, requests)).filter((r) => r.method === "POST");
    assert.deepEqual(posts.map((r) => r.url), []);
  });

  test("no_model: the key sees no models, so there is none to message", async () => {
    const page = await h.openPage();
    const v = await run(page, { base: h.scenario("no-models"), key: KEY, message: true, label: "/s/no-models, message" });
    assertVerdict(v, healthy);
    const fs = await h.findings(page);
    assertFindings(fs, { ...pathWorks, "auth.key": ["pass", "accepted"], "service.message": ["info", "no_model"] });
    assert.equal(fs.find((f) => f.code === "auth.key").facts["model_count"], "0");
  });

  // Mock scenarios that spoil the message.
  const spoilt = [
    ["stream-buffered", degraded("service", "service.message", "buffered"), "warn"],
    ["stream-error", broken("service", "service.message", "error_event"), "fail"],
    ["stream-cut", broken("service", "service.message", "cut"), "fail"],
    ["stream-json", degraded("service", "service.message", "not_streamed"), "warn"],
    ["credit-low-messages", broken("auth", "service.message", "credit_low"), "fail"],
    ["billing-messages", broken("auth", "service.message", "billing"), "fail"],
    ["spend-cap-messages", broken("auth", "service.message", "spend_cap"), "fail"],
    ["overloaded-messages", broken("service", "service.message", "overloaded"), "fail"],
  ];
  const checks = {
    "stream-buffered": (f) => assert.match(f.facts["stream_chunks"] ?? "", /^7 \//),
    "stream-error": (f) => assert.equal(f.facts["error_type"], "overloaded_error"),
    "stream-cut": (f) => assert.match(f.facts["stream_chunks"] ?? "", /^3 \//),
    "credit-low-messages": (f) => assert.match(f.facts.error_message ?? "", /credit balance is too low/),
    "billing-messages": (f) => assert.equal(f.facts["error_type"], "billing_error"),
    "spend-cap-messages": (f) => assert.equal(f.facts["http_status"], "429"),
    "overloaded-messages": (f) => assert.equal(f.facts["http_status"], "529"),
  };
  for (const [scenario, verdict, status] of spoilt) {
    test(`${verdict.outcome}: ${scenario}`, async () => {
      const page = await h.openPage();
      const v = await run(page, { base: h.scenario(scenario), key: KEY, message: true, label: `/s/${scenario}, message` });
      assertVerdict(v, verdict);
      const fs = await h.findings(page);
      assertFindings(fs, { ...pathWorks, "auth.key": ["pass", "accepted"], "service.message": [status, verdict.outcome] });
      await checks[scenario]?.(fs.find((f) => f.code === "service.message"));
    });
  }

  // A gateway whose model list works and whose messages do not.
  const messages = (act) => (r) => (r.path === "/v1/messages" && !r.preflight ? act : undefined);
  const gatewayRows = [
    {
      outcome: "rate_limited",
      what: "messages are rate limited",
      decide: messages({ to: "rate-limited" }),
      verdict: broken("service", "service.message", "rate_limited"),
      also: (f) => assert.equal(f.facts["retry_after"], "17"),
    },
    {
      outcome: "server_error",
      what: "messages meet a 500",
      decide: messages({ to: "server-error" }),
      verdict: broken("service", "service.message", "server_error"),
      also: (f) => assert.equal(f.facts["error_type"], "api_error"),
    },
    {
      outcome: "unknown_model",
      what: "lists models that its messages upstream does not serve",
      decide: messages({ to: "no-models" }),
      verdict: broken("auth", "service.message", "unknown_model"),
      also: (f) => assert.equal(f.facts["error_type"], "not_found_error"),
    },
    {
      outcome: "unexpected",
      what: "answers messages with an HTML page",
      decide: messages({ to: "edge-html-cors" }),
      verdict: degraded("service", "service.message", "unexpected"),
      also: (f) => assert.equal(f.facts["page_title"], "Just a moment..."),
    },
    {
      outcome: "failed",
      what: "refuses CORS for POST",
      decide: (r) =>
        r.preflight && r.headers["access-control-request-method"] === "POST" ? { refuse: true } : undefined,
      verdict: broken("service", "service.message", "failed"),
    },
  ];
  for (const row of gatewayRows) {
    test(`${row.outcome}: a gateway whose ${row.what}`, async (t) => {
      const gw = await startGateway(t, h, row.decide);
      const page = await h.openPage();
      const v = await run(page, { base: gw.base, key: KEY, message: true, label: `gateway: ${row.what}` });
      assertVerdict(v, row.verdict);
      const fs = await h.findings(page);
      assertFindings(fs, {
        ...pathWorks,
        "auth.key": ["pass", "accepted"],
        "service.message": [row.verdict.state === "broken" ? "fail" : "warn", row.outcome],
      });
      assert.ok(gw.received.some((r) => r.path === "/v1/messages"), "the message did not reach the gateway");
      await row.also?.(fs.find((f) => f.code === "service.message"));
    });
  }

  test("timed_out: a gateway holds both the model lookup and the message", async (t) => {
    const gw = await startGateway(t, h, (r) =>
      !r.preflight && (r.path.startsWith("/v1/models/") || r.path === "/v1/messages") ? { hang: true } : undefined,
    );
    const page = await h.openPage();
    await startRun(page, { base: gw.base, key: KEY, model: MODEL, message: true });
    // The lookup gives up after 10 s, the message (which includes the model's first token) after 30 s.
    const { v, fs } = await finishRun(page, "gateway: model lookup and message held", 60_000);
    assertVerdict(v, broken("service", "service.message", "timed_out"));
    assertFindings(fs, {
      ...pathWorks,
      "auth.key": ["pass", "accepted"],
      "auth.model": ["warn", "timed_out"],
      "service.message": ["fail", "timed_out"],
    });
    assert.equal(fs.find((f) => f.code === "auth.model").facts["timeout_ms"], "10.0 s");
    assert.equal(fs.find((f) => f.code === "service.message").facts["timeout_ms"], "30.0 s");
  });

  test("not_run: Cancel while the message is out", async (t) => {
    const gw = await startGateway(t, h, messages({ hang: true }));
    const page = await h.openPage();
    await startRun(page, { base: gw.base, key: KEY, message: true });
    await until(() => gw.received.some((r) => r.path === "/v1/messages" && r.held), "the held message");
    // The message goes out once the model list is in; the keyless probes run beside them, and are awaited
    // too, so that Cancel cannot catch one of them still out.
    await h.waitForFindings(page, ["network.reach", "cors.read", "auth.key"]);
    await page.click("#cancel");
    const { v, fs } = await finishRun(page, "gateway: message held, then Cancel");
    assertVerdict(v, cancelled);
    assertFindings(fs, { ...pathWorks, "auth.key": ["pass", "accepted"], "service.message": ["info", "not_run"] });
  });
});
