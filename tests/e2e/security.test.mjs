// Where the key goes: only to the target's own origin, only on the keyed probe, and nowhere else
// (not in URLs, storage, cookies, the console or the page's text). A key that fails its shape check
// is not sent at all.

import { test } from "node:test";
import assert from "node:assert/strict";
import { assertFindings, assertVerdict, harness, oauthToken, startServer, validKey } from "./harness.mjs";
import { credentialOf } from "./lib/util.mjs";

const h = harness();

/** Every place outside the network where the key could have landed. */
async function assertKeyNowhereInPage(page, key, consoleTexts) {
  assert.ok(!page.url().includes(key), "the key is in the page's URL");
  const where = await page.evaluate((k) => {
    const inStorage = (s) => {
      for (let i = 0; i < s.length; i++) {
        const name = s.key(i);
        if (name.includes(k) || (s.getItem(name) ?? "").includes(k)) return true;
      }
      return false;
    };
    return {
      localStorage: inStorage(localStorage),
      sessionStorage: inStorage(sessionStorage),
      cookie: document.cookie.includes(k),
      text: document.body.innerText.includes(k),
      // Attributes and text nodes; the field's value is a property, not markup.
      markup: document.documentElement.outerHTML.includes(k),
      history: location.href.includes(k) || JSON.stringify(history.state ?? null).includes(k),
    };
  }, key);
  assert.deepEqual(where, {
    localStorage: false,
    sessionStorage: false,
    cookie: false,
    text: false,
    markup: false,
    history: false,
  });
  const cookies = await h.context.cookies();
  assert.ok(!JSON.stringify(cookies).includes(key), "the key is in a cookie");
  assert.deepEqual(consoleTexts.filter((t) => t.includes(key)), [], "the key was written to the console");
}

for (const auth of ["key", "bearer"]) {
  test(`the key goes only to the target, only on the keyed probe (${auth})`, async () => {
    const key = validKey();
    // A cookie for the host the mock shares with the page: probes must never send credentials.
    await h.context.addCookies([{ name: "e2e_session", value: "1", domain: "127.0.0.1", path: "/" }]);
    const page = await h.openPage();
    const consoleTexts = [];
    page.on("console", (m) => consoleTexts.push(m.text()));
    const requests = h.recordRequests(page);
    const base = h.scenario("healthy");
    const v = await h.runAgainst(page, { base, key, auth });
    const fs = await h.findings(page);
    // The API takes an API key in either header, and so does the mock.
    assertVerdict(v, { state: "healthy" });
    assertFindings(fs, { "auth.key": ["pass", "accepted"] });

    const seen = await requests.settle();
    const keyed = seen.filter((r) => credentialOf(r.headers) !== undefined);
    assert.deepEqual(
      keyed.map((r) => [r.method, r.url, credentialOf(r.headers)]),
      [["GET", `${base}/v1/models?limit=1`, auth === "key" ? key : `Bearer ${key}`]],
      "exactly one request carries the key: the keyed probe, to the target",
    );
    if (auth === "key") assert.equal(keyed[0].headers.authorization, undefined);
    else assert.equal(keyed[0].headers["x-api-key"], undefined);
    // The keyless probes went out too, without it.
    const probes = seen.filter((r) => r.url.startsWith(h.mockOrigin + "/")).map((r) => r.url);
    assert.ok(probes.filter((u) => u === `${base}/v1/models`).length >= 2, `probes: ${probes.join(", ")}`);
    for (const r of seen) {
      assert.ok(!r.url.includes(key), `the key is in a URL: ${r.url}`);
      const origin = new URL(r.url).origin;
      assert.ok([h.pageOrigin, h.mockOrigin].includes(origin), `a request left for ${r.url}`);
      if (origin !== h.mockOrigin) assert.ok(!JSON.stringify(r.headers).includes(key), `the key went to ${r.url}`);
      else assert.equal(r.headers.cookie, undefined, `a probe sent cookies: ${r.url}`);
    }
    await assertKeyNowhereInPage(page, key, consoleTexts);
  });
}

// A target that redirects the keyed probe to another origin must not hand that origin the key.
// `elsewhere` records every request it gets; `gateway` is the target and sends everything there.
for (const auth of ["key", "bearer"]) {
  test(`a redirect to another origin does not carry the key there (${auth})`, async (t) => {
    const received = [];
    const open = {
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "GET, POST, OPTIONS",
      "access-control-expose-headers": "*",
    };
    const preflight = (req, res) =>
      res
        .writeHead(204, {
          ...open,
          "access-control-allow-headers": req.headers["access-control-request-headers"] ?? "",
        })
        .end();
    const elsewhere = await startServer((req, res) => {
      received.push({ method: req.method, url: req.url, headers: req.headers });
      if (req.method === "OPTIONS") return preflight(req, res);
      res
        .writeHead(200, { ...open, "content-type": "application/json" })
        .end('{"data":[{"id":"claude-elsewhere","type":"model"}],"has_more":false}');
    });
    const atGateway = [];
    const gateway = await startServer((req, res) => {
      atGateway.push({ method: req.method, url: req.url, headers: req.headers });
      if (req.method === "OPTIONS") return preflight(req, res);
      res.writeHead(307, { ...open, location: `${elsewhere.origin}${req.url}` }).end();
    });
    t.after(() => Promise.all([elsewhere.close(), gateway.close()]));

    const key = validKey();
    const page = await h.openPage();
    await h.runAgainst(page, { base: gateway.origin, key, auth });
    // The target itself got the keyed probe, and sent it on.
    assert.ok(
      atGateway.some((r) => r.method === "GET" && r.url === "/v1/models?limit=1" && JSON.stringify(r.headers).includes(key)),
      "the keyed probe did not reach the target",
    );
    // The page names what happened instead of following the redirect.
    const { state, layer, code, outcome } = await h.verdictOf(page);
    assert.deepEqual({ state, layer, code, outcome }, { state: "broken", layer: "auth", code: "auth.key", outcome: "redirected" });
    const leaked = received.filter((r) => JSON.stringify(r).includes(key));
    assert.deepEqual(
      leaked.map((r) => `${r.method} ${elsewhere.origin}${r.url} (${Object.keys(r.headers).join(", ")})`),
      [],
      `the key reached ${elsewhere.origin}, which is not the target ${gateway.origin}`,
    );
  });
}

test("an OAuth token is named and never sent", async () => {
  const token = oauthToken();
  const page = await h.openPage();
  const requests = h.recordRequests(page);
  const base = h.scenario("healthy");
  const v = await h.runAgainst(page, { base, key: token });
  assertVerdict(v, { state: "broken", layer: "auth", code: "auth.key_shape", outcome: "oauth_token" });
  assertFindings(await h.findings(page), {
    "network.reach": ["pass", "answered"],
    "cors.read": ["pass", "readable"],
    "auth.key_shape": ["fail", "oauth_token"],
    "auth.key": ["skipped", "skipped"],
  });
  const seen = await requests.settle();
  assert.deepEqual(seen.filter((r) => credentialOf(r.headers) !== undefined).map((r) => r.url), []);
  assert.deepEqual(seen.filter((r) => r.url.includes("limit=1")).map((r) => r.url), [], "the keyed probe went out");
  assert.ok(seen.every((r) => !JSON.stringify(r).includes(token)));
});

for (const [what, key, outcome] of [
  ["a truncated key", `sk-ant-api03-${"a".repeat(40)}`, "truncated"],
  // A password field drops line breaks, so a pasted space stands for whitespace here.
  ["a key with a space in it", `sk-ant-api03-${"a".repeat(50)} ${"b".repeat(43)}AA`, "whitespace"],
  ["a quoted key", `"${validKey()}"`, "quotes"],
  ["a key with Bearer in front", `Bearer ${validKey()}`, "bearer_prefix"],
]) {
  test(`${what} is named and never sent`, async () => {
    const page = await h.openPage();
    const requests = h.recordRequests(page);
    const v = await h.runAgainst(page, { base: h.scenario("healthy"), key });
    assertVerdict(v, { state: "broken", layer: "auth", code: "auth.key_shape", outcome });
    const seen = await requests.settle();
    assert.deepEqual(seen.filter((r) => credentialOf(r.headers) !== undefined).map((r) => r.url), []);
  });
}
