// The fault suite: the page in real headless Chromium against transport and content faults. Each fault
// must give its specific finding (asserted as the verdict and the findings it rests on), raise no error
// in the page (the harness's afterEach fails a test whose page threw, left a promise rejection unhandled
// or logged a console error; a Rust panic in the wasm is a thrown `unreachable`), and Cancel must work
// while the fault is under way: the run ends as cancelled, nothing stays pending, the Run button starts
// the next run, and that run against /s/healthy in the same page is healthy.
//
// | #   | fault                           | played by                   | expected finding (verdict)              |
// |-----|---------------------------------|-----------------------------|-----------------------------------------|
// | 1   | hang: never answers             | mock `hang`                 | network.reach timed_out (network) [1]   |
// | 2   | slow-drip body                  | mock `drip`                 | cors.read body_stalled (network) [2]    |
// | 3   | 50 MB body                      | mock `huge`, counting relay | cors.read body_too_large (network) [2][4] |
// | 4a  | invalid UTF-8, keyed error body | relay on the keyed probe    | auth.key invalid (auth) [5]             |
// | 4b  | invalid UTF-8 in the model list | relay on the keyed probe    | auth.key accepted: healthy [5]          |
// | 4c  | binary (gzip) body as JSON      | relay on the keyed probe    | auth.key malformed (service)            |
// | 4d  | truncated JSON, keyed probe     | mock `malformed`            | auth.key malformed (service) [1]        |
// | 4e  | truncated JSON, named model     | relay on /v1/models/{model} | auth.model unexpected (auth, warn)      |
// | 5a  | proxy's 502 HTML page, no CORS  | mock `edge-502-html`        | cors.read refused (cors)                |
// | 5b  | proxy's 502 HTML page, CORS     | mock `edge-502-html-cors`   | cors.read not_api (cors), title         |
// | 5c  | CDN's 403 HTML page, no CORS    | mock `edge-html`            | cors.read refused (cors) [1]            |
// | 5d  | proxy's 403 HTML page, CORS     | mock `edge-403-html-cors`   | cors.read not_api (cors), title         |
// | 5e  | 502 HTML page, keyed probe only | relay on the keyed probe    | auth.key not_api (auth), title          |
// | 6a  | redirect loop                   | mock `redirect-loop`        | network.reach failed_fast (network) [3] |
// | 6b  | redirect to another origin      | relay: 307 to `localhost`   | auth.key redirected (auth) [6]          |
// | 7   | connection reset mid-body       | mock `reset`                | cors.read body_cut (network) [2]        |
// | 7b  | keyed body stalls               | relay on the keyed probe    | auth.key body_stalled (network)         |
// | 7c  | keyed body cut mid-way          | relay on the keyed probe    | auth.key body_cut (network)             |
// | 7d  | keyed body of 1 MB, not JSON    | relay on the keyed probe    | auth.key body_too_large (network)       |
// | 8   | self-signed https listener      | node https, `openssl` cert  | network.reach failed_fast (network)     |
// | 9   | closed port                     | mock `--closed-port`        | network.reach failed_fast (network) [1] |
// | 10  | `.invalid` host                 | DoH answers NXDOMAIN        | dns.public nxdomain (dns) [7]           |
// | 11a | a real HTTP proxy on the path   | tinyproxy, --proxy-server   | healthy, in the proxy's log             |
// | 11b | that proxy denies the target    | tinyproxy Filter            | cors.read refused (cors) [8]            |
//
// Every outcome above is a failure (fail) unless marked; "(layer)" is the verdict's layer, and the verdict
// is broken unless it says healthy or warn (degraded).
// [1] The finding is asserted by another file (verdicts.test.mjs: "hang", "malformed", "edge-html",
//     "closed port"; layers.test.mjs: network.reach timed_out and failed_fast); here only Cancel runs.
// [2] Every request of the scenario suffers, the keyless one first: cors.read names how its body ended
//     (stalled past the timeout, broken, beyond the 64 KiB cap) and auth.key is skipped under it. Rows 7b–7d
//     spoil the keyed answer alone, for auth.key's own outcomes of the same names.
// [3] A page cannot tell a redirect loop from a refusal: the no-cors probe must follow redirects (the
//     fetch standard refuses a no-cors request that holds them), and the 21st hop fails like a refused
//     connection. The finding's text names a redirect loop among the causes, with the curl that shows it.
// [4] The relay sees the browser close both readable requests after a small part of the 50 MB: the page
//     stopped at its 64 KiB body cap.
// [5] The page decodes bodies as UTF-8 with replacement characters: the message or model id is shown
//     with U+FFFD where the bytes were invalid.
// [6] The keyless probe follows the redirect and reads the other origin: cors.read passes and names it.
// [7] The browser's own lookup fails (the harness maps every name but *.mock.test to NOTFOUND); the public
//     resolvers are the mock, told to answer as real ones do for .invalid (RFC 6761), so network.reach
//     is skipped under the DNS failure.
// [8] The proxy's 403 "Filtered" page carries no CORS headers; a no-cors request still gets it (answered).
//
// "Relay" is a node server in front of the mock (relay in lib/proxies.mjs): it forwards (or answers) each
// request, counts the body bytes it sent, notes whether the browser closed a request before its end, and
// can stall a response part-way so that Cancel lands while the fault is under way.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import {
  assertFindings,
  assertVerdict,
  assertWorked,
  broken,
  cancelled,
  degraded,
  harness,
  healthy,
  launchChromium,
  pathWorks,
  startServer,
  validKey,
  watchPageErrors,
} from "./harness.mjs";
import { OPEN, TINYPROXY, relay, tinyproxy } from "./lib/proxies.mjs";
import { haveOpenssl, selfSignedCert, until } from "./lib/util.mjs";

const h = harness();
const KEY = validKey();

// Here `pathWorks` means that the mock answered the keyless read with a readable 401, "x-api-key header
// is required".

/** How long Cancel may take to end a run: under every probe's own timeout (5 s for side probes). */
const CANCEL_MS = 4000;

/** The mock's body for `huge`, and the most of it the browser may take before closing (see the test). */
const HUGE_BYTES = 50_000_000;
/**
 * The most a readable request may have carried before the browser closed it: well short of the whole body.
 * What the browser's network process takes into its buffers before the page's cancel reaches it depends on
 * the machine's speed (10.2 MB was seen once on a fast run), so the bound says only "not read to the end".
 */
const HUGE_SEEN_MAX = HUGE_BYTES / 2;

// --- Other listeners ---------------------------------------------------------------------------------------

/** An https server with a self-signed certificate for 127.0.0.1; `seen` counts failed handshakes and requests. */
async function selfSigned(t) {
  const tls = selfSignedCert(t, [
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-subj",
    "/CN=127.0.0.1",
    "-addext",
    "subjectAltName=IP:127.0.0.1",
  ]);
  const seen = { handshakeErrors: 0, requests: 0 };
  const server = await startServer(
    (req, res) => {
      seen.requests++;
      res.writeHead(200, OPEN).end("{}");
    },
    { tls },
  );
  server.server.on("tlsClientError", () => seen.handshakeErrors++);
  t.after(() => server.close());
  return { base: server.origin, seen };
}

// --- The faults ----------------------------------------------------------------------------------------------

/** A 502 page as nginx sends it. */
const NGINX_502 =
  "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n" +
  "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/** The API's error body with `message` as raw bytes (Latin-1 where a UTF-8 sequence belongs). */
const latin1Error = Buffer.concat([
  Buffer.from('{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key: cl'),
  Buffer.from([0xe9]),
  Buffer.from(' invalide"},"request_id":"req_latin1"}'),
]);

/** A model list whose first id carries a lone continuation byte and a truncated sequence. */
const badUtf8Models = Buffer.concat([
  Buffer.from('{"data":[{"type":"model","id":"claude-'),
  Buffer.from([0x80, 0xe2, 0x82]),
  Buffer.from(
    '-haiku","display_name":"x","created_at":"2025-10-01T00:00:00Z"}],"has_more":false,"first_id":null,"last_id":null}',
  ),
]);

/** The start of a gzip stream, as a proxy that compressed the body but dropped content-encoding sends. */
const gzipBytes = Buffer.from([
  0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xab, 0x56, 0x4a, 0x49, 0x2c, 0x49, 0x54, 0xb2, 0x8a,
  0x8e, 0xad, 0x05, 0x00,
]);

/** A relay that answers the keyed probe (and only it) with `status`, `type` and `body`. */
const keyedAnswer = (status, type, body) => (rec) =>
  rec.kind === "keyed" && rec.url.startsWith("/v1/models?")
    ? { status, headers: { ...OPEN, "content-type": type, "request-id": "req_relay" }, body }
    : null;

/**
 * A Cancel test's wait until the relay holds a request of each of `kinds` (its `rec.held`): the checks
 * that read them cannot end before Cancel, whatever the page does meanwhile.
 */
const holding = (relay, kinds, what) =>
  until(
    () => kinds.every((kind) => relay.recs.some((r) => r.kind === kind && r.held)),
    () => `${what}: ${JSON.stringify(relay.recs)}`,
  );

/**
 * The rows. `target(t, { cancel })` starts what the fault needs and returns { base, relay?, tls? }; with
 * `cancel` set, a relay stalls the fault part-way. `run` adds runAgainst options (key, model, sides).
 * `verdict`/`findings`/`also` are the expected finding, or `elsewhere` names the file that asserts it.
 * `underWay(ctx)` resolves once the fault is under way for the Cancel test, and `cancelled` names the checks
 * it holds, which Cancel must leave not_run; without it, the fault is over in milliseconds and the Cancel
 * test holds the run open with side endpoints whose answers a relay holds instead (page.online and
 * service.status; see holdingSides).
 */
const rows = [
  {
    id: "1 hang",
    elsewhere: "verdicts.test.mjs, layers.test.mjs",
    target: async (t) => {
      const r = await relay(t, h, { upstream: h.scenario("hang") });
      return { base: r.base, relay: r };
    },
    // The readable and keyed GETs wait behind their preflights, which hang too: the mock holds the no-cors
    // GET and both preflights until the browser closes them.
    cancelled: ["network.reach", "cors.read", "auth.key"],
    underWay: ({ relay }) =>
      until(
        () =>
          relay.recs.some((r) => r.kind === "plain") && relay.recs.filter((r) => r.kind === "preflight").length >= 2,
        () => `the no-cors GET and both preflights to hang: ${JSON.stringify(relay.recs)}`,
      ),
  },
  {
    id: "2 slow-drip body",
    target: async (t) => {
      const r = await relay(t, h, { upstream: h.scenario("drip") });
      return { base: r.base, relay: r };
    },
    verdict: broken("network", "cors.read", "body_stalled"),
    findings: {
      "network.reach": ["pass", "answered"],
      "cors.read": ["fail", "body_stalled"],
      "auth.key": ["skipped", "skipped"],
    },
    also: async (page, { relay }) => {
      assert.equal((await h.factsOf(page, "cors.read"))["http_status"], "401");
      // The page gave up on the dripping bodies: the browser closed them before their end.
      const keyed = relay.recs.filter((r) => r.kind === "keyed");
      assert.ok(keyed.length && keyed.every((r) => r.closedEarly && r.bytes > 0), JSON.stringify(keyed));
    },
    // A byte every 200 ms: both bodies drip far beyond the page's timeout once their first byte is out.
    cancelled: ["cors.read", "auth.key"],
    underWay: ({ relay }) =>
      until(
        () => ["readable", "keyed"].every((kind) => relay.recs.some((r) => r.kind === kind && r.bytes > 0)),
        "the readable and the keyed bodies to start dripping",
      ),
  },
  {
    id: "3 50 MB body",
    target: async (t, { cancel } = {}) => {
      const r = await relay(t, h, {
        upstream: h.scenario("huge"),
        stall: (rec) => cancel && ["readable", "keyed"].includes(rec.kind),
        stallAfter: 16_384,
      });
      return { base: r.base, relay: r };
    },
    verdict: broken("network", "cors.read", "body_too_large"),
    findings: {
      "network.reach": ["pass", "answered"],
      "cors.read": ["fail", "body_too_large"],
      "auth.key": ["skipped", "skipped"],
    },
    also: async (page, { relay }) => {
      // The page reads up to its 64 KiB cap and cancels the rest: the browser closes each readable request
      // long before its 50 MB; what it took beyond the cap sat in socket buffers. Reading the whole body
      // would have taken all of it.
      const readable = relay.recs.filter((r) => r.kind === "readable" || r.kind === "keyed");
      await until(() => readable.every((r) => r.closedEarly), "the browser to close both readable requests");
      assert.equal(readable.length, 2, JSON.stringify(relay.recs));
      for (const r of readable) {
        assert.ok(r.bytes >= 64 * 1024 && r.bytes < HUGE_SEEN_MAX, `${r.kind}: ${r.bytes} bytes of ${HUGE_BYTES} sent`);
      }
    },
    cancelled: ["cors.read", "auth.key"],
    underWay: ({ relay }) => holding(relay, ["readable", "keyed"], "both huge bodies to be stalled"),
  },
  {
    id: "4a invalid UTF-8 in the keyed error body",
    target: async (t, { cancel } = {}) => {
      const r = await relay(t, h, {
        answer: keyedAnswer(401, "application/json", latin1Error),
        stall: (rec) => cancel && rec.kind === "keyed",
      });
      return { base: r.base, relay: r };
    },
    verdict: broken("auth", "auth.key", "invalid"),
    findings: { ...pathWorks, "auth.key": ["fail", "invalid"] },
    also: async (page) =>
      assert.equal((await h.factsOf(page, "auth.key"))["error_message"], "invalid x-api-key: cl\u{fffd} invalide"),
    cancelled: ["auth.key"],
    underWay: ({ relay }) => holding(relay, ["keyed"], "the keyed answer to be stalled"),
  },
  {
    id: "4b invalid UTF-8 inside the model list",
    target: async (t, { cancel } = {}) => {
      const r = await relay(t, h, {
        answer: keyedAnswer(200, "application/json", badUtf8Models),
        stall: (rec) => cancel && rec.kind === "keyed",
      });
      return { base: r.base, relay: r };
    },
    verdict: healthy,
    findings: { ...pathWorks, "auth.key": ["pass", "accepted"] },
    also: async (page) => assert.equal((await h.factsOf(page, "auth.key"))["model"], "claude-\u{fffd}\u{fffd}-haiku"),
    cancelled: ["auth.key"],
    underWay: ({ relay }) => holding(relay, ["keyed"], "the keyed answer to be stalled"),
  },
  {
    id: "4c binary body as application/json",
    target: async (t, { cancel } = {}) => {
      const r = await relay(t, h, {
        answer: keyedAnswer(200, "application/json", gzipBytes),
        stall: (rec) => cancel && rec.kind === "keyed",
      });
      return { base: r.base, relay: r };
    },
    verdict: broken("service", "auth.key", "malformed"),
    findings: { ...pathWorks, "auth.key": ["fail", "malformed"] },
    cancelled: ["auth.key"],
    underWay: ({ relay }) => holding(relay, ["keyed"], "the keyed answer to be stalled"),
  },
  {
    id: "4d truncated JSON on the keyed probe",
    elsewhere: "verdicts.test.mjs",
    target: async (t) => {
      const r = await relay(t, h, { upstream: h.scenario("malformed"), stall: (rec) => rec.kind === "keyed" });
      return { base: r.base, relay: r };
    },
    cancelled: ["auth.key"],
    underWay: ({ relay }) => holding(relay, ["keyed"], "the keyed answer to be stalled"),
  },
  {
    id: "4e truncated JSON for the named model",
    run: { model: "claude-haiku-4-5" },
    target: async (t, { cancel } = {}) => {
      const r = await relay(t, h, {
        answer: (rec) =>
          rec.kind === "keyed" && rec.url.startsWith("/v1/models/")
            ? {
                status: 200,
                headers: { ...OPEN, "content-type": "application/json" },
                body: '{"type":"model","id":"claude-hai',
              }
            : null,
        stall: (rec) => cancel && rec.kind === "keyed" && rec.url.startsWith("/v1/models/"),
      });
      return { base: r.base, relay: r };
    },
    verdict: degraded("auth", "auth.model", "unexpected"),
    findings: { ...pathWorks, "auth.key": ["pass", "accepted"], "auth.model": ["warn", "unexpected"] },
    cancelled: ["auth.model"],
    underWay: ({ relay }) => holding(relay, ["keyed"], "the model answer to be stalled"),
  },
  ...[
    ["5a proxy 502 HTML page, no CORS", "edge-502-html", broken("cors", "cors.read", "refused"), null],
    [
      "5b proxy 502 HTML page with CORS",
      "edge-502-html-cors",
      broken("cors", "cors.read", "not_api"),
      "502 Bad Gateway",
    ],
    ["5c CDN 403 HTML page, no CORS", "edge-html", null, null],
    ["5d proxy 403 HTML page with CORS", "edge-403-html-cors", broken("cors", "cors.read", "not_api"), "Access Denied"],
  ].map(([id, scenario, verdict, title]) => ({
    id,
    elsewhere: verdict ? undefined : "verdicts.test.mjs",
    target: async (t, { cancel } = {}) => {
      // Without CORS the page's status line refuses the preflight, so the Cancel test holds every request
      // but the no-cors one before its head; with CORS the GETs' pages are held part-way.
      const r = await relay(t, h, {
        upstream: h.scenario(scenario),
        stall: (rec) =>
          cancel && (title ? ["readable", "keyed"] : ["preflight", "readable", "keyed"]).includes(rec.kind),
        stallAfter: title ? 8 : -1,
      });
      return { base: r.base, relay: r };
    },
    verdict,
    findings: verdict && {
      "network.reach": ["pass", "answered"],
      "cors.read": ["fail", verdict.outcome],
      "auth.key": ["skipped", "skipped"],
    },
    also: async (page) => {
      const facts = await h.factsOf(page, "cors.read");
      if (title) assert.equal(facts["page_title"], title);
    },
    cancelled: ["cors.read", "auth.key"],
    // Held are both GETs' pages or, without CORS, both preflights (the readable GET's and the keyed one's).
    underWay: ({ relay }) =>
      title
        ? holding(relay, ["readable", "keyed"], "both pages to be stalled")
        : until(
            () => relay.recs.filter((r) => r.kind === "preflight" && r.held).length >= 2,
            () => `both preflights to be held: ${JSON.stringify(relay.recs)}`,
          ),
  })),
  {
    id: "5e 502 HTML page on the keyed probe only",
    target: async (t, { cancel } = {}) => {
      const r = await relay(t, h, {
        answer: keyedAnswer(502, "text/html", NGINX_502),
        stall: (rec) => cancel && rec.kind === "keyed",
      });
      return { base: r.base, relay: r };
    },
    verdict: broken("auth", "auth.key", "not_api"),
    findings: { ...pathWorks, "auth.key": ["fail", "not_api"] },
    also: async (page) => {
      const facts = await h.factsOf(page, "auth.key");
      assert.deepEqual([facts["http_status"], facts["page_title"]], ["502", "502 Bad Gateway"]);
    },
    cancelled: ["auth.key"],
    underWay: ({ relay }) => holding(relay, ["keyed"], "the keyed answer to be stalled"),
  },
  {
    id: "6a redirect loop",
    target: async (t, { cancel } = {}) => {
      // The mock's Location is a path, so every hop comes back through the relay; the Cancel test holds the
      // fourth hop of the no-cors probe.
      const r = await relay(t, h, {
        upstream: h.mockOrigin,
        stall: (rec) => cancel && rec.kind === "plain" && rec.n === 3,
      });
      return { base: `${r.base}/s/redirect-loop`, relay: r };
    },
    verdict: broken("network", "network.reach", "failed_fast"),
    findings: {
      "network.reach": ["fail", "failed_fast"],
      "cors.read": ["skipped", "skipped"],
      "auth.key": ["skipped", "skipped"],
    },
    also: async (page, { relay }) => {
      // The host answered every hop: the browser followed the loop until its limit (20 redirects).
      assert.ok(relay.recs.filter((r) => r.kind === "plain").length > 20, `${relay.recs.length} requests`);
      // The verdict names a redirect loop among the causes (see [3]).
      assert.match(await page.textContent("#verdict"), /redirects in a loop/);
    },
    cancelled: ["network.reach"],
    underWay: ({ relay }) => holding(relay, ["plain"], "the fourth hop to be stalled"),
  },
  {
    id: "6b redirect to another origin",
    target: async (t, { cancel } = {}) => {
      // The same mock under another host name is another origin.
      const elsewhere = `http://localhost:${h.mockPort}/s/healthy`;
      const r = await relay(t, h, {
        answer: (rec) =>
          rec.kind === "preflight" ? null : { status: 307, headers: { ...OPEN, location: `${elsewhere}${rec.url}` } },
        stall: (rec) => cancel && rec.kind === "keyed",
      });
      return { base: r.base, relay: r, elsewhere };
    },
    verdict: broken("auth", "auth.key", "redirected"),
    // The keyless probe followed the redirect and read the API there: the redirect is named, with where.
    findings: { "network.reach": ["pass", "answered"], "cors.read": ["warn", "redirected"], "auth.key": ["fail", "redirected"] },
    also: async (page, { elsewhere }) =>
      assert.equal((await h.factsOf(page, "cors.read"))["redirected_to"], `${elsewhere}/v1/models`),
    cancelled: ["auth.key"],
    underWay: ({ relay }) => holding(relay, ["keyed"], "the keyed redirect to be stalled"),
  },
  {
    id: "7 connection reset mid-body",
    target: async (t, { cancel } = {}) => {
      const r = await relay(t, h, {
        upstream: h.scenario("reset"),
        // Under Cancel the relay answers the readable and the keyed probes itself and holds both part-way:
        // forwarded, the upstream's reset would break them even while held, a broken readable answer
        // would fail cors.read and skip auth.key before Cancel, and the test would race the page.
        answer: (rec) =>
          cancel && (rec.kind === "keyed" || rec.kind === "readable")
            ? {
                status: rec.kind === "keyed" ? 200 : 401,
                headers: { ...OPEN, "content-type": "application/json" },
                body: rec.kind === "keyed" ? '{"data":[{"type":"model","id":"claude-x"}]}' : '{"type":"error"}',
              }
            : null,
        stall: (rec) => cancel && (rec.kind === "keyed" || rec.kind === "readable"),
        stallAfter: 4,
      });
      return { base: r.base, relay: r };
    },
    verdict: broken("network", "cors.read", "body_cut"),
    findings: {
      "network.reach": ["pass", "answered"],
      "cors.read": ["fail", "body_cut"],
      "auth.key": ["skipped", "skipped"],
    },
    also: async (_, { relay }) => {
      // The relay passed the reset on: 10 of the 1000 bytes announced, then the connection broke.
      const keyed = relay.recs.find((r) => r.kind === "keyed");
      assert.deepEqual([keyed.bytes, keyed.finished], [10, false]);
    },
    cancelled: ["cors.read", "auth.key"],
    underWay: ({ relay }) => holding(relay, ["readable", "keyed"], "the readable and the keyed bodies to be stalled"),
  },
  {
    id: "7b the keyed answer alone stalls after its first bytes",
    target: async (t) => {
      const r = await relay(t, h, { stall: (rec) => rec.kind === "keyed", stallAfter: 8 });
      return { base: r.base, relay: r };
    },
    verdict: broken("network", "auth.key", "body_stalled"),
    findings: { ...pathWorks, "auth.key": ["fail", "body_stalled"] },
    also: async (_, { relay }) => {
      const keyed = relay.recs.filter((r) => r.kind === "keyed");
      assert.ok(keyed.length && keyed.every((r) => r.bytes === 8 && r.closedEarly), JSON.stringify(keyed));
    },
    cancelled: ["auth.key"],
    underWay: ({ relay }) => holding(relay, ["keyed"], "the keyed body to stall"),
  },
  {
    id: "7c the keyed answer alone breaks mid-body",
    target: async (t, { cancel } = {}) => {
      const r = await relay(t, h, {
        // The start of a model list, announced as 1000 bytes, then the connection breaks.
        answer: (rec) => {
          const start = keyedAnswer(200, "application/json", '{"data":[{"type":"model","id":"claude-')(rec);
          return start && { ...start, cut: 1000 };
        },
        stall: (rec) => cancel && rec.kind === "keyed",
        stallAfter: 4,
      });
      return { base: r.base, relay: r };
    },
    verdict: broken("network", "auth.key", "body_cut"),
    findings: { ...pathWorks, "auth.key": ["fail", "body_cut"] },
    cancelled: ["auth.key"],
    underWay: ({ relay }) => holding(relay, ["keyed"], "the keyed body to be stalled"),
  },
  {
    // Row 3 proves the cap with 50 MB; a megabyte fits in loopback's socket buffers, so only the finding counts.
    id: "7d the keyed answer alone is 1 MB of something else",
    target: async (t, { cancel } = {}) => {
      const r = await relay(t, h, {
        answer: keyedAnswer(200, "application/json", Buffer.alloc(1 << 20, "x")),
        stall: (rec) => cancel && rec.kind === "keyed",
        stallAfter: 16_384,
      });
      return { base: r.base, relay: r };
    },
    verdict: broken("network", "auth.key", "body_too_large"),
    findings: { ...pathWorks, "auth.key": ["fail", "body_too_large"] },
    cancelled: ["auth.key"],
    underWay: ({ relay }) => holding(relay, ["keyed"], "the keyed body to be stalled"),
  },
  {
    id: "8 self-signed https listener",
    skip: !haveOpenssl() && "openssl is not installed (node:crypto cannot make an X.509 certificate)",
    target: async (t) => {
      const tls = await selfSigned(t);
      return { base: tls.base, tls };
    },
    verdict: broken("network", "network.reach", "failed_fast"),
    findings: {
      "network.reach": ["fail", "failed_fast"],
      "cors.read": ["skipped", "skipped"],
      "auth.key": ["skipped", "skipped"],
    },
    also: async (page, { tls }) => {
      // The browser reached the listener and gave up in the handshake: no request ever came through.
      assert.ok(tls.seen.handshakeErrors > 0 && tls.seen.requests === 0, JSON.stringify(tls.seen));
      const f = await h.finding(page, "network.reach");
      assert.match(f.text, /TLS certificate is not trusted/);
    },
  },
  {
    id: "9 closed port",
    elsewhere: "verdicts.test.mjs, layers.test.mjs",
    target: async () => ({ base: `http://127.0.0.1:${h.closedPort}` }),
  },
  {
    id: "10 .invalid host",
    // The browser's own lookup fails (the harness maps every name but *.mock.test to NOTFOUND); the public
    // resolvers are the mock, told to answer as real ones do for .invalid (RFC 6761): NXDOMAIN.
    run: { sides: { doh1: "nxdomain", doh2: "nxdomain" } },
    target: async () => ({ base: "https://api-doctor-test.invalid" }),
    verdict: broken("dns", "dns.public", "nxdomain"),
    findings: {
      "dns.public": ["fail", "nxdomain"],
      "network.reach": ["skipped", "skipped"],
      "cors.read": ["skipped", "skipped"],
    },
    also: async (page) =>
      assert.equal(
        (await h.factsOf(page, "dns.public"))["command"],
        "nslookup api-doctor-test.invalid",
      ),
  },
];

describe("each fault gives its finding", () => {
  for (const row of rows.filter((r) => !r.elsewhere)) {
    test(row.id, { skip: row.skip, timeout: 90_000 }, async (t) => {
      const ctx = await row.target(t);
      const page = await h.openPage();
      const v = await h.runAgainst(page, { base: ctx.base, key: KEY, ...row.run, label: `fault ${row.id}` });
      const fs = await h.findings(page);
      assertVerdict(v, row.verdict);
      assertFindings(fs, row.findings);
      assert.deepEqual(
        fs.filter((f) => f.status === "pending").map((f) => f.code),
        [],
      );
      await row.also?.(page, ctx);
    });
  }
});

// --- Cancel ----------------------------------------------------------------------------------------------

/**
 * Side endpoints behind a relay of their own that holds every answer before its head until released, to
 * keep a run open after a fault that is over in milliseconds. Returns the relay, the `fields` that point
 * the form's side endpoints at it, and `underWay()`, which resolves once it holds the control's and the
 * status page's answers: page.online and service.status cannot end before Cancel then, whatever the page
 * does meanwhile (short of its own 5 s side timeout).
 */
async function holdingSides(t) {
  const sides = await relay(t, h, { upstream: h.mockOrigin, stall: () => true, stallAfter: -1 });
  const fields = Object.fromEntries(
    Object.entries(h.sides()).map(([id, url]) => [id, url.replace(h.mockOrigin, sides.base)]),
  );
  // Through tinyproxy (11b) a request's target may be the absolute URL: the path is looked for inside it.
  const held = (part) => sides.recs.some((r) => r.held && r.url.includes(part));
  const underWay = () =>
    until(
      () => held("/s/control/") && held("/status/"),
      () => `the control's and the status page's answers to be held: ${JSON.stringify(sides.recs)}`,
    );
  return { relay: sides, fields, underWay };
}

/**
 * Starts a run against the fault, waits until the fault is under way (or, for a fault over at once, until
 * the page's request to the target has failed or been answered and the side endpoints' answers are held),
 * presses Cancel and checks that the run ends at once as cancelled with nothing pending, that Run starts
 * the next run, and that a run against /s/healthy in the same page is healthy. Then releases what the
 * relays held, so that a late answer of the cancelled run arrives, and checks that the healthy result
 * stands. Cancel never races the page: what the checks named in `cancelled` wait for is held open until
 * the test releases it, and the test sees it held before it presses Cancel.
 */
async function cancelDuring(t, row, page = null) {
  const ctx = await row.target(t, { cancel: true });
  page ??= await h.openPage();
  const targetOrigin = new URL(ctx.base).origin;
  let targetDone = false;
  const done = (r) => {
    if (r.url().startsWith(targetOrigin)) targetDone = true;
  };
  page.on("requestfailed", done).on("requestfinished", done);
  const sides = row.underWay ? null : await holdingSides(t);
  const running = h.runAgainst(page, {
    base: ctx.base,
    key: KEY,
    ...row.run,
    ...(sides && { fields: sides.fields }),
    label: `fault ${row.id}, cancelled`,
  });
  // Awaited below; when an assertion fails first, its rejection must not outlive the test unhandled.
  running.catch(() => {});
  await page.waitForSelector("#cancel", { state: "visible" });
  if (row.underWay) await row.underWay(ctx);
  else {
    await until(() => targetDone, "the page's request to the target to end");
    await sides.underWay();
  }
  assert.equal(await page.getAttribute("#verdict", "data-state"), "running", "the run ended before Cancel");
  const before = (await h.findings(page)).filter((f) => f.status === "pending").map((f) => f.code);
  assert.ok(before.length > 0, "nothing was pending when Cancel was pressed");

  await page.click("#cancel");
  // Whatever the fault holds would last 5 s (side probes) to forever; the verdict must come before.
  await h.waitForVerdict(page, CANCEL_MS);
  const v = await running;
  assertVerdict(v, cancelled);
  const fs = await h.findings(page);
  assert.deepEqual(
    fs.filter((f) => f.status === "pending").map((f) => f.code),
    [],
    "checks still pending",
  );
  // The checks whose probes were held are not_run; a check whose answer had come keeps its finding, and
  // none of what was pending timed out.
  const heldChecks = row.cancelled ?? ["page.online", "service.status"];
  assertFindings(fs, Object.fromEntries(heldChecks.map((code) => [code, ["info", "not_run"]])));
  const after = fs.filter((f) => before.includes(f.code));
  assert.deepEqual(
    after.filter((f) => f.outcome === "timed_out").map((f) => f.code),
    [],
  );
  assert.equal(await page.isVisible("#cancel"), false);
  assert.equal(await page.isEnabled("#run"), true);
  if (ctx.relay) {
    // The abort reached the network: the browser closed every request the relay was still holding. A CORS
    // preflight already sent is Chromium's own and runs to its end after the fetch is aborted (the held
    // ones are answered below, after the next run has started), so only the page's requests count.
    const stuck = ctx.relay.recs.filter((r) => r.held && r.kind !== "preflight");
    await until(
      () => stuck.every((r) => r.closedEarly),
      () => `the browser to close the held requests: ${JSON.stringify(stuck)}`,
      CANCEL_MS,
    );
  }

  const next = h.runAgainst(page, {
    base: h.scenario("healthy"),
    key: KEY,
    label: `healthy after cancelling ${row.id}`,
  });
  // A late answer of the cancelled run arrives while the next run is under way.
  ctx.relay?.release();
  sides?.relay.release();
  assertWorked(await next);
  assertFindings(await h.findings(page), { ...pathWorks, "auth.key": ["pass", "accepted"] });
}

describe("Cancel works while each fault is under way", () => {
  for (const row of rows) {
    test(`Cancel during ${row.id}`, { skip: row.skip, timeout: 90_000 }, (t) => cancelDuring(t, row));
  }
});

// --- 11: a real HTTP proxy (tinyproxy from Debian, installed by scripts/setup) ---------------------------------

/**
 * A Chromium of its own whose every request, loopback included, goes through `proxy`, and a
 * page of it with the built page loaded from `localhost` (the proxy's filter is about the mock's paths).
 */
async function proxiedPage(t, proxy) {
  const browser = await launchChromium([
    `--proxy-server=http://127.0.0.1:${proxy.port}`,
    // Chromium sends loopback directly by default; this removes that exception.
    "--proxy-bypass-list=<-loopback>",
  ]);
  const problems = [];
  t.after(async () => {
    await browser.close().catch(() => {});
    await proxy.stop();
    assert.deepEqual(problems, [], "the page raised errors");
  });
  const context = await browser.newContext({ locale: "en-US", viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const pageOrigin = h.pageOrigin.replace("127.0.0.1", "localhost");
  watchPageErrors(page, pageOrigin, problems);
  await page.goto(`${pageOrigin}/`);
  await page.waitForSelector("html[data-ready]", { state: "attached", timeout: 20_000 });
  return page;
}

/** The requests tinyproxy's log shows it carried to `path` on the mock. */
function carried(log, urlPath) {
  const prefix = `${h.mockOrigin}${urlPath}`;
  return log
    .split("\n")
    .filter((l) => /Request \(file descriptor \d+\): (GET|OPTIONS|POST) /.test(l) && l.includes(prefix));
}

describe(
  "11 a real HTTP proxy on the path",
  { skip: !existsSync(TINYPROXY) && "tinyproxy is not installed: run scripts/setup" },
  () => {
    test("11a a run through tinyproxy is healthy, and the proxy carried it", { timeout: 90_000 }, async (t) => {
      const proxy = await tinyproxy(t);
      const page = await proxiedPage(t, proxy);
      const v = await h.runAgainst(page, {
        base: h.scenario("healthy"),
        key: KEY,
        label: "fault 11a through tinyproxy",
      });
      assertVerdict(v, healthy);
      assertFindings(await h.findings(page), { ...pathWorks, "auth.key": ["pass", "accepted"] });
      const log = proxy.log();
      // The page itself, the target's probes (keyless, preflight, keyed) and a side endpoint all went through it.
      assert.ok(
        log.includes(`GET ${h.pageOrigin.replace("127.0.0.1", "localhost")}/ `),
        "the page did not load through the proxy",
      );
      const target = carried(log, "/s/healthy/v1/models");
      assert.ok(
        target.some((l) => l.includes("OPTIONS ")) && target.filter((l) => l.includes("GET ")).length >= 3,
        target.join("\n"),
      );
      assert.ok(carried(log, "/s/control/").length > 0, "the control endpoint did not go through the proxy");
    });

    // The filter denies the mock's `tao` scenario (the healthy API, with timing-allow-origin), so that the
    // page, the side endpoints and the run after Cancel (against /s/healthy) still pass the proxy.
    const denied = {
      id: "11b tinyproxy denies the target",
      target: async () => ({ base: h.scenario("tao") }),
      verdict: broken("cors", "cors.read", "refused"),
      findings: {
        "network.reach": ["pass", "answered"],
        "cors.read": ["fail", "refused"],
        "auth.key": ["skipped", "skipped"],
      },
    };
    const DENY = "/s/tao/";

    test(`${denied.id}: its 403 page has no CORS headers`, { timeout: 90_000 }, async (t) => {
      const proxy = await tinyproxy(t, { deny: DENY });
      const page = await proxiedPage(t, proxy);
      const v = await h.runAgainst(page, { base: h.scenario("tao"), key: KEY, label: `fault ${denied.id}` });
      assertVerdict(v, denied.verdict);
      assertFindings(await h.findings(page), denied.findings);
      // The proxy refused the target's requests itself; the control endpoint passed.
      assert.match(proxy.log(), /filtered url "[^"]*\/s\/tao\/v1\/models/i);
      assert.ok(carried(proxy.log(), "/s/control/").length > 0);
    });

    test(`${denied.id}: Cancel`, { timeout: 90_000 }, async (t) => {
      const proxy = await tinyproxy(t, { deny: DENY });
      const page = await proxiedPage(t, proxy);
      await cancelDuring(t, denied, page);
    });
  },
);
