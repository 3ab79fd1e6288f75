// Paths that disagree: a working keyed path is never called broken, a key nothing checked never called
// valid, a failing preflight told from no CORS at all, redirects named, a pasted endpoint named before any
// probe, and a fast failure that does not claim to know its cause. Each class is played by several of the
// mock's gateways (tests/mock/src/gateways.rs), each as a real one gets it wrong; the expectations follow
// src/core/checks/cors_read.rs and auth_key.rs (their `pairs_table`s) and ARCHITECTURE.md (*Pairs of probes*).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { assertRow, broken, degraded, harness, validKey } from "./harness.mjs";

const h = harness();
const KEY = validKey();

/**
 * Rows: class, scenario, whether a key is sent, an optional base URL, the verdict, some findings, and an
 * optional extra check (`assertRow`, lib/expect.mjs).
 */
const rows = [
  // 1. Paths that disagree: the keyed request was read, the keyless one was not.
  {
    class: 1,
    name: "cors-on-success",
    key: true,
    verdict: degraded("cors", "cors.read", "errors_unreadable"),
    findings: { "network.reach": ["pass", "answered"], "cors.read": ["warn", "errors_unreadable"], "auth.key": ["pass", "accepted"] },
    also: (_, fs) => assert.match(fs.find((f) => f.code === "cors.read").text, /always/),
  },
  {
    class: 1,
    name: "cors-on-keyed",
    key: true,
    verdict: degraded("cors", "cors.read", "errors_unreadable"),
    findings: { "cors.read": ["warn", "errors_unreadable"], "auth.key": ["pass", "accepted"] },
  },
  {
    class: 1,
    name: "cors-on-keyed-bad-key",
    key: true,
    // The keyed refusal is readable, so CORS is not only on successes; the key's real result stands.
    verdict: broken("auth", "auth.key", "invalid"),
    findings: { "cors.read": ["warn", "keyless_unreadable"], "auth.key": ["fail", "invalid"] },
  },
  {
    class: 1,
    name: "cors-on-success",
    key: false,
    // Without a key nothing was read: no pair to reason over, and the page says what it saw.
    verdict: broken("cors", "cors.read", "refused"),
    findings: { "cors.read": ["fail", "refused"], "auth.key": ["skipped", "skipped"] },
  },
  // 2. A key that nothing checked, and answers that are not the Anthropic API's.
  {
    class: 2,
    name: "injects-key",
    key: true,
    verdict: degraded("auth", "auth.key", "not_validated"),
    findings: { "cors.read": ["pass", "open_without_key"], "auth.key": ["warn", "not_validated"] },
  },
  {
    class: 2,
    name: "spec-mock",
    key: true,
    verdict: degraded("auth", "auth.key", "not_validated"),
    findings: { "cors.read": ["pass", "open_without_key"], "auth.key": ["warn", "not_validated"] },
  },
  {
    class: 2,
    name: "openai",
    key: true,
    verdict: degraded("cors", "cors.read", "not_anthropic"),
    findings: { "cors.read": ["warn", "not_anthropic"], "auth.key": ["warn", "not_anthropic"] },
    // Its models are not listed as Claude models.
    also: (_, fs) => {
      const key = fs.find((f) => f.code === "auth.key");
      assert.equal(key.facts["model"], undefined);
      assert.equal(key.facts["model_count"], undefined);
    },
  },
  {
    class: 2,
    name: "openai-open",
    key: true,
    verdict: degraded("cors", "cors.read", "not_anthropic"),
    findings: { "cors.read": ["warn", "not_anthropic"], "auth.key": ["warn", "not_anthropic"] },
  },
  {
    class: 2,
    name: "openai-open",
    key: false,
    verdict: degraded("cors", "cors.read", "not_anthropic"),
    findings: { "cors.read": ["warn", "not_anthropic"], "auth.key": ["info", "no_key"] },
  },
  // 3. A preflight that fails, or lacks a header, against no CORS at all.
  {
    class: 3,
    name: "preflight-500",
    key: true,
    verdict: broken("cors", "cors.read", "preflight_failed"),
    findings: { "cors.read": ["fail", "preflight_failed"], "auth.key": ["skipped", "skipped"] },
  },
  {
    class: 3,
    name: "preflight-404",
    key: false,
    verdict: broken("cors", "cors.read", "preflight_failed"),
    findings: { "cors.read": ["fail", "preflight_failed"] },
  },
  {
    class: 3,
    name: "preflight-401",
    key: true,
    verdict: broken("cors", "cors.read", "preflight_failed"),
    findings: { "cors.read": ["fail", "preflight_failed"] },
  },
  {
    class: 3,
    name: "preflight-no-browser-header",
    key: true,
    verdict: broken("cors", "cors.read", "header_not_allowed"),
    findings: { "cors.read": ["fail", "header_not_allowed"] },
    also: (_, fs) => {
      const f = fs.find((x) => x.code === "cors.read");
      // Only the header the preflight refuses is named as a fact, each on a line of its own.
      assert.equal(f.facts["offending"], "anthropic-dangerous-direct-browser-access");
      assert.doesNotMatch(f.text, /^anthropic-version$/m);
    },
  },
  {
    class: 3,
    name: "preflight-no-anthropic-headers",
    key: false,
    verdict: broken("cors", "cors.read", "header_not_allowed"),
    findings: { "cors.read": ["fail", "header_not_allowed"] },
    also: (_, fs) => {
      const f = fs.find((x) => x.code === "cors.read");
      assert.equal(f.facts["offending"], "anthropic-version");
      assert.match(f.text, /^anthropic-dangerous-direct-browser-access$/m);
    },
  },
  {
    class: 3,
    name: "no-cors",
    key: false,
    // No CORS anywhere: not a preflight problem.
    verdict: broken("cors", "cors.read", "refused"),
    findings: { "cors.read": ["fail", "refused"] },
  },
  // 4. Redirects.
  {
    class: 4,
    name: "redirect",
    key: false,
    verdict: degraded("cors", "cors.read", "redirected"),
    findings: { "cors.read": ["warn", "redirected"] },
    also: (_, fs) => assert.match(fs.find((f) => f.code === "cors.read").facts["redirected_to"] ?? "", /\/s\/healthy\/v1\/models$/),
  },
  {
    class: 4,
    name: "portal",
    key: true,
    verdict: broken("cors", "cors.read", "redirected_elsewhere"),
    findings: { "cors.read": ["fail", "redirected_elsewhere"], "auth.key": ["skipped", "skipped"] },
    also: (_, fs) => {
      const f = fs.find((x) => x.code === "cors.read");
      assert.match(f.facts["redirected_to"] ?? "", /\/s\/portal\/login\?continue=1$/);
      assert.equal(f.facts["page_title"], "Guest Wi-Fi: sign in");
    },
  },
  {
    class: 4,
    name: "redirect-to-no-cors",
    key: false,
    // The redirect itself is readable, its destination is not: the page sees a redirect, never where to.
    verdict: broken("cors", "cors.read", "redirect_hidden"),
    findings: { "network.reach": ["pass", "answered"], "cors.read": ["fail", "redirect_hidden"] },
    also: (_, fs) => assert.equal(fs.find((f) => f.code === "cors.read").facts["redirected_to"], undefined),
  },
  {
    class: 4,
    name: "redirect-no-cors",
    key: false,
    // A redirect without CORS headers is invisible to a page (a browser refuses it before the page sees a
    // thing): the refusal must name a redirect among its causes, and curl -i to see it.
    verdict: broken("cors", "cors.read", "refused"),
    findings: { "network.reach": ["pass", "answered"], "cors.read": ["fail", "refused"] },
    also: (_, fs) => {
      const text = fs.find((f) => f.code === "cors.read").text;
      assert.match(text, /a redirect \(a captive portal/);
      assert.match(text, /Location header/);
    },
  },
  // 5. A base URL that is an endpoint: named, and the base without it used.
  ...[
    ["/v1/messages", "/v1/messages"],
    ["/v1/chat/completions", "/v1/chat/completions"],
    ["/v1/models?limit=20", "/v1/models"],
  ].map(([suffix, endpoint]) => ({
    class: 5,
    name: "healthy",
    label: `healthy${suffix}`,
    base: () => `${h.scenario("healthy")}${suffix}`,
    key: true,
    verdict: degraded("page", "page.target", "endpoint"),
    findings: { "page.target": ["warn", "endpoint"], "cors.read": ["pass", "readable"], "auth.key": ["pass", "accepted"] },
    also: (_, fs) => {
      const f = fs.find((x) => x.code === "page.target");
      assert.equal(f.facts["offending"], endpoint);
      assert.equal(f.facts["base_used"], h.scenario("healthy"));
    },
  })),
  {
    class: 5,
    name: "healthy",
    label: "healthy?beta=true",
    base: () => `${h.scenario("healthy")}?beta=true`,
    key: false,
    verdict: degraded("page", "page.target", "query_or_fragment"),
    findings: { "page.target": ["warn", "query_or_fragment"], "cors.read": ["pass", "readable"] },
  },
  // 6. A fast failure does not claim to know its cause, and points to the native doctor.
  {
    class: 6,
    name: "closed port",
    base: () => `http://127.0.0.1:${h.closedPort}`,
    key: false,
    verdict: broken("network", "network.reach", "failed_fast"),
    findings: { "network.reach": ["fail", "failed_fast"] },
    also: (_, fs) => {
      const text = fs.find((x) => x.code === "network.reach").text;
      assert.match(text, /api-doctor check/);
      assert.match(text, /Cross-Origin-Resource-Policy/);
      assert.doesNotMatch(text, /refused at once/i);
    },
  },
];

describe("paths that disagree, against the mock's gateways", () => {
  for (const row of rows) {
    test(`class ${row.class}: ${row.label ?? row.name}, ${row.key ? "with" : "without"} a key`, () => assertRow(h, row, KEY));
  }
});
