// Hostile servers and hostile report links: markup, script, Markdown specials, direction overrides and long
// strings in every field a server controls and the page shows, end to end in the built page (CSP on).
//
// A small API server in this file plays the real API's CORS rules (preflights allowed, `*`
// origin, every header exposed) and puts a payload into each field: error types and messages, the
// request-id, cf-ray, server, date and retry-after headers, the model list and one model, the streamed
// message's model and error event, the status page's texts and links, and DNS-over-HTTPS answers. Four modes
// of it reach the outcomes that show those fields (a key accepted, errors after acceptance, the key refused,
// an HTML page instead of the API), each in two rounds of payloads. After each run the report link the page
// made is opened as a shared report; the Markdown and JSON exports of each run are read back.
//
// What proves the renderer is the element census, not the policy: the policy would stop a script either
// way, but a payload rendered as markup leaves an element (img, svg, iframe, script, a javascript: link)
// or an on* attribute behind. The census is shown to fail on one such element in its own test below.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { harness, startServer, validKey } from "./harness.mjs";
import { OPEN } from "./lib/proxies.mjs";
import { credentialOf } from "./lib/util.mjs";

const h = harness();
const KEY = validKey();
/** A model id of the accepted shape, typed into the form so that auth.model runs. */
const MODEL = "claude-hostile-1";

// --- Payloads ---------------------------------------------------------------------------------------------

const IMG = "<img src=x onerror=window.__xss=1>";
const SCRIPT = "<script>window.__xss=1</script>";
const SVG = '"><svg onload=window.__xss=1>';
const JS_URL = "javascript:window.__xss=1";
const CLOSE = "</code></dd><iframe src=javascript:window.__xss=1></iframe>";
const MARKDOWN = "``x`` **b** _i_ [l](javascript:window.__xss=1) ![i](x) <b>b</b> &lt;b&gt; &amp; # h | t |";
const RTL = "\u202eevil\u202c\u200b\u200d\ufeff";
const LONG = `${"A".repeat(2_000)}${IMG}`;

/**
 * Two rounds. `text` goes into JSON bodies (any Unicode), `header` into headers (visible ASCII and spaces
 * only: Node refuses anything else in a header, as HTTP does), `link` into the status page's links.
 */
const ROUNDS = [
  {
    name: "markup",
    text: `${IMG}${SCRIPT}${SVG}${CLOSE}`,
    header: `${IMG}${SCRIPT}${SVG}${CLOSE}`,
    link: "https://status.example/<img/src=x/onerror=window.__xss=1>",
  },
  {
    name: "markdown, unicode and length",
    text: `${MARKDOWN}${JS_URL}${RTL}${LONG}`,
    header: `${JS_URL} ${MARKDOWN}${LONG}`,
    link: JS_URL,
  },
];

// --- The hostile API ----------------------------------------------------------------------------------------

// OPEN (lib/proxies.mjs) is the real API's CORS answer to every request with an origin.

/** A JSON answer with the API's CORS headers and `headers`. */
function json(res, status, body, headers = {}) {
  res.writeHead(status, { ...OPEN, "content-type": "application/json", ...headers }).end(JSON.stringify(body));
}

/** An API error body whose type and message are `text`. */
const apiError = (text) => ({ type: "error", error: { type: text, message: text }, request_id: "req_body" });

/** One server-sent event. */
const sse = (kind, data) => `event: ${kind}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * Starts the hostile API for round `p`. Paths: /<mode>/v1/… for the API (modes ok, event, refused, html),
 * /doh/… for both resolvers, /status/api/v2/summary.json for the status page. Every request is logged.
 */
async function hostileApi(t, p) {
  const seen = [];
  const server = await startServer((req, res) => {
    const url = new URL(req.url, "http://x");
    seen.push(`${req.method} ${url.pathname}`);
    if (req.method === "OPTIONS") {
      // The real API's preflight is not on record; browsers' apps work, so it allows what they send.
      res
        .writeHead(204, {
          ...OPEN,
          "access-control-allow-methods": "GET, POST, OPTIONS",
          "access-control-allow-headers": req.headers["access-control-request-headers"] ?? "",
          "access-control-max-age": "600",
        })
        .end();
      return;
    }
    // Headers the API sends on every answer, each a payload.
    const common = {
      "request-id": p.header,
      "cf-ray": `8f00abc-${p.header}`,
      server: p.header,
      date: p.header,
    };
    if (url.pathname.startsWith("/doh/")) {
      return json(res, 200, {
        Status: 0,
        Answer: [{ name: p.text, type: 1, TTL: 60, data: p.text }],
        Comment: p.text,
      });
    }
    if (url.pathname.startsWith("/status/")) {
      return json(res, 200, {
        page: { id: "hostile", name: p.text, url: p.link },
        status: { indicator: "major", description: p.text },
        components: [{ id: "c1", name: `API ${p.text}`, status: "partial_outage" }],
        incidents: [
          {
            id: "i1",
            name: p.text,
            status: "investigating",
            impact: "major",
            shortlink: p.link,
            incident_updates: [{ id: "u1", body: p.text, status: "investigating" }],
          },
        ],
        scheduled_maintenances: [],
      });
    }
    const [, mode, rest = ""] = /^\/([a-z]+)(\/.*)?$/.exec(url.pathname) ?? [];
    const keyed = credentialOf(req.headers) !== undefined;
    if (req.method === "GET" && rest === "/v1/models" && !keyed) {
      // The keyless read: the API's own 401, with hostile headers around it.
      return json(res, 401, { type: "error", error: { type: "authentication_error", message: "x-api-key header is required" } }, common);
    }
    if (req.method === "GET" && rest === "/v1/models" && keyed) {
      if (mode === "refused") return json(res, 429, apiError(p.text), { ...common, "retry-after": p.header });
      if (mode === "html") {
        res
          .writeHead(200, { ...OPEN, ...common, "content-type": "text/html; charset=utf-8" })
          .end(`<!DOCTYPE html><html><head><title>${p.text}</title></head><body>${p.text}</body></html>`);
        return;
      }
      const model = { id: p.text, type: "model", display_name: p.text, created_at: "2025-01-01T00:00:00Z" };
      return json(
        res,
        200,
        { data: [model], has_more: false, first_id: p.text, last_id: p.text },
        {
          ...common,
          "retry-after": p.header,
          "anthropic-ratelimit-requests-limit": p.header,
          "anthropic-ratelimit-requests-remaining": p.header,
          "anthropic-ratelimit-requests-reset": p.header,
          "anthropic-ratelimit-tokens-limit": "100000",
          "anthropic-ratelimit-tokens-remaining": "99000",
          "anthropic-ratelimit-tokens-reset": p.header,
        },
      );
    }
    if (req.method === "GET" && rest.startsWith("/v1/models/")) {
      if (mode === "event") return json(res, 404, apiError(p.text), common);
      return json(res, 200, { id: p.text, type: "model", display_name: p.text, created_at: "2025-01-01T00:00:00Z" }, common);
    }
    if (req.method === "POST" && rest === "/v1/messages") {
      req.resume();
      res.writeHead(200, { ...OPEN, ...common, "content-type": "text/event-stream", "cache-control": "no-cache" });
      const start = { type: "message_start", message: { id: "msg_1", type: "message", role: "assistant", model: p.text, content: [], usage: { input_tokens: 1, output_tokens: 1 } } };
      res.write(sse("message_start", start) + sse("ping", { type: "ping" }));
      setTimeout(() => {
        if (mode === "event") {
          res.end(sse("error", apiError(p.text)));
          return;
        }
        res.end(
          sse("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }) +
            sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: p.text } }) +
            sse("content_block_stop", { type: "content_block_stop", index: 0 }) +
            sse("message_delta", { type: "message_delta", delta: { stop_reason: "max_tokens" }, usage: { output_tokens: 1 } }) +
            sse("message_stop", { type: "message_stop" }),
        );
      }, 150);
      return;
    }
    // The reach and latency probes (no-cors) and anything else: answered, as a host does.
    res.writeHead(404, { ...OPEN, ...common, "content-type": "text/plain" }).end(p.text);
  });
  t.after(() => server.close());
  return { origin: server.origin, seen };
}

// --- What the page shows, and what it must not have ----------------------------------------------------------

/**
 * Records script that ran from a payload and policy violations, from before the page's own code runs; and,
 * when `ua` is given, makes it the browser's user agent as the page reads it (the report's browser field).
 */
async function guard(page, ua) {
  await page.addInitScript((agent) => {
    window.__violations = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`),
    );
    if (agent) Object.defineProperty(Navigator.prototype, "userAgent", { get: () => agent });
  }, ua ?? null);
}

/** Elements and attributes a payload rendered as markup would leave: the page itself has none of them. */
function census(page) {
  return page.evaluate(() => {
    const all = [...document.querySelectorAll("*")];
    return {
      xss: typeof window.__xss,
      violations: window.__violations ?? ["no guard"],
      img: document.querySelectorAll("img").length,
      // The page's own scripts are the ones it loads by URL.
      inlineScript: [...document.scripts].filter((s) => !s.src).length,
      svg: document.querySelectorAll("svg").length,
      iframe: document.querySelectorAll("iframe, object, embed, frame").length,
      jsLinks: document.querySelectorAll('[href^="javascript:" i], [src^="javascript:" i]').length,
      onAttributes: all.flatMap((e) => [...e.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${e.tagName}.${a.name}`)),
    };
  });
}

/** What a clean page shows: nothing ran, nothing injected. */
const CLEAN = { xss: "undefined", violations: [], img: 0, inlineScript: 0, svg: 0, iframe: 0, jsLinks: 0, onAttributes: [] };

/** Every fact of every finding as [code, slot, value], duplicates kept. */
function facts(page) {
  return page.$$eval("#findings li.finding", (items) =>
    items.flatMap((li) =>
      [...li.querySelectorAll("dl.facts > dt")].map((dt) => [li.dataset.code, dt.dataset.fact, dt.nextElementSibling?.textContent ?? ""]),
    ),
  );
}

/**
 * Asserts that the page shows `sent` as text in the fact `label` (its slot) of `code`: the value shown is the sent text
 * or its beginning (fields are capped), and at least its first 40 characters.
 */
function assertShown(all, code, label, sent, where) {
  const shown = all.filter(([c, l]) => c === code && l === label).map(([, , v]) => v);
  const literal = shown.filter((v) => sent.startsWith(v) && v.length >= Math.min(sent.length, 40));
  assert.ok(literal.length > 0, `${where}: ${code} "${label}" shows ${JSON.stringify(shown).slice(0, 300)}, not the text sent`);
}

/** `line` without its code spans, as CommonMark reads them (backslash escapes open none). */
function outsideCodeSpans(line) {
  let out = "";
  let i = 0;
  const run = (at) => {
    let n = 0;
    while (line[at + n] === "`") n++;
    return n;
  };
  while (i < line.length) {
    if (line[i] === "\\" && i + 1 < line.length) {
      out += line.slice(i, i + 2);
      i += 2;
    } else if (line[i] !== "`") {
      out += line[i++];
    } else {
      const n = run(i);
      let j = i + n;
      let close = -1;
      while (j < line.length) {
        if (line[j] === "`") {
          const m = run(j);
          if (m === n) {
            close = j;
            break;
          }
          j += m;
        } else j++;
      }
      if (close < 0) {
        out += line.slice(i, i + n);
        i += n;
      } else {
        out += "·";
        i = close + n;
      }
    }
  }
  return out;
}

/** Asserts that Markdown holds no markup, link or line that a payload started outside a code span. */
function assertMarkdownInert(md, where) {
  for (const line of md.split("\n")) {
    const rest = outsideCodeSpans(line);
    for (const bad of ["<img", "<script", "<svg", "<iframe", "<b>", "javascript:", "](", "&lt;", "\u202e"]) {
      assert.ok(!rest.includes(bad), `${where}: ${bad} outside a code span in ${JSON.stringify(line).slice(0, 300)}`);
    }
  }
}

// --- The runs ---------------------------------------------------------------------------------------------------

/** The facts every readable answer adds, from its headers. */
const HEADERS = [
  ["request_id", "header"],
  ["edge", "header"],
  ["server_date", "header"],
  ["server", "header"],
];
/** The status page's texts; its link (slot `link`) is checked on its own. */
const STATUS = { "service.status": [["status_description", "text"], ["incident", "text"]], "service.clock": [["server_date", "header"]] };

/** Each mode: whether the test message is on, and every field it shows from server text, by check. */
const MODES = {
  ok: {
    message: true,
    fields: {
      "cors.read": HEADERS,
      "auth.key": [...HEADERS, ["model", "text"], ["retry_after", "header"]],
      "auth.model": [...HEADERS, ["model", "text"]],
      ...STATUS,
      "service.rate_limits": [["retry_after", "header"]],
      "service.message": [...HEADERS, ["model", "text"]],
    },
  },
  event: {
    message: true,
    fields: {
      "cors.read": HEADERS,
      "auth.key": [...HEADERS, ["model", "text"], ["retry_after", "header"]],
      "auth.model": [...HEADERS, ["error_type", "text"], ["error_message", "text"]],
      ...STATUS,
      "service.rate_limits": [["retry_after", "header"]],
      "service.message": [...HEADERS, ["error_type", "text"], ["error_message", "text"]],
    },
  },
  refused: {
    message: false,
    fields: {
      "cors.read": HEADERS,
      "auth.key": [...HEADERS, ["error_type", "text"], ["error_message", "text"], ["retry_after", "header"]],
      "auth.model": [...HEADERS, ["model", "text"]],
      ...STATUS,
      "service.rate_limits": [["retry_after", "header"]],
    },
  },
  html: {
    message: false,
    fields: {
      "cors.read": HEADERS,
      "auth.key": [...HEADERS, ["page_title", "text"]],
      ...STATUS,
    },
  },
};

/** A mode's fields as [code, label, which payload]. */
const fieldsOf = (mode) => Object.entries(MODES[mode].fields).flatMap(([code, list]) => list.map(([label, which]) => [code, label, which]));
/** Distinct fields over all modes, the status link included. */
const FIELDS = new Set([...Object.keys(MODES).flatMap((m) => fieldsOf(m).map(([c, l]) => `${c} · ${l}`)), "service.status · See"]);

/** Whether a shown value came from a payload. */
const fromPayload = (v) => v.includes("__xss") || v.includes("\u202e") || v.includes("AAAAAAAAAA") || v.includes("**b**");

/**
 * Asserts that each field of `mode` shows its payload as text, that no other fact does (so the list above
 * is every field), and that the status page's link is a web address shown as text.
 */
function assertFields(all, mode, round, origin, where) {
  const fields = fieldsOf(mode);
  for (const [code, label, which] of fields) assertShown(all, code, label, round[which], where);
  const listed = new Set(fields.map(([c, l]) => `${c} · ${l}`));
  const other = all.filter(([c, l, v]) => fromPayload(v) && !listed.has(`${c} · ${l}`) && !(c === "service.status" && l === "link"));
  assert.deepEqual(other.map(([c, l]) => `${c} · ${l}`), [], `${where}: fields not in the list`);
  const see = all.filter(([c, l]) => c === "service.status" && l === "link").map(([, , v]) => v);
  assert.equal(see.length, 1, `${where}: ${JSON.stringify(see)}`);
  assert.equal(see[0], round.link.startsWith("https:") ? round.link : `${origin}/status`, `${where}: the status link`);
}

describe("a hostile server", () => {
  for (const round of ROUNDS) {
    for (const [mode, spec] of Object.entries(MODES)) {
      test(`${mode} mode, ${round.name}: every field shows the payload as text and nothing runs`, async (t) => {
        await h.context.grantPermissions(["clipboard-read", "clipboard-write"]);
        const api = await hostileApi(t, round);
        const page = await h.newPage();
        await guard(page, round.text);
        const requests = h.recordRequests(page);
        await h.load(page);
        assert.deepEqual(await census(page), CLEAN, "the page before the run");
        await h.runAgainst(page, {
          base: `${api.origin}/${mode}`,
          key: KEY,
          model: MODEL,
          message: spec.message,
          fields: {
            doh1: `${api.origin}/doh/dns-query`,
            doh2: `${api.origin}/doh/resolve`,
            "status-url": `${api.origin}/status/api/v2/summary.json`,
          },
          label: `hostile ${mode}`,
        });
        const where = `${mode}/${round.name}`;
        assert.deepEqual(await census(page), CLEAN, where);
        const all = await facts(page);
        assertFields(all, mode, round, api.origin, where);
        // An injected image would have asked the page's origin for it.
        const seen = await requests.settle();
        assert.deepEqual(seen.filter((r) => /\/x$/.test(new URL(r.url).pathname)).map((r) => r.url), []);

        // The report link the page made, opened as a shared report.
        await page.waitForFunction(() => document.getElementById("report-link").value.includes("#report="), null, { timeout: 10_000 });
        const link = await page.$eval("#report-link", (i) => i.value);
        const viewer = await h.newPage();
        await guard(viewer);
        await viewer.goto(link);
        await viewer.waitForSelector("#shared", { state: "visible" });
        assert.deepEqual(await census(viewer), CLEAN, `${where}, shared`);
        const shared = await facts(viewer);
        assertFields(shared, mode, round, api.origin, `${where}, shared`);
        // The banner shows the browser field, which carried the text payload.
        const meta = await viewer.$$eval("#shared-meta dd", (dds) => dds.map((d) => d.textContent));
        assert.ok(meta.includes(round.text), `${where}: the shared banner does not show the browser as text`);

        // Markdown for a ticket: server text only inside code spans, no line of its own.
        await page.click("#copy-md");
        await page.waitForFunction(() => document.getElementById("share-status").textContent.length > 0);
        const md = await page.evaluate(() => navigator.clipboard.readText());
        assertMarkdownInert(md, where);
        // JSON: valid, and every text comes back exactly.
        const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-json")]);
        const report = JSON.parse(await readFile(await download.path(), "utf8"));
        assert.equal(report.browser, round.text);
        const values = report.findings.flatMap((f) => f.facts.map((x) => x.value));
        for (const [, , which] of fieldsOf(mode)) {
          assert.ok(values.some((v) => typeof v === "string" && round[which].startsWith(v) && v.length >= 40), `${where}: JSON lacks a ${which} payload`);
        }
        assert.deepEqual(await census(page), CLEAN, `${where}, after the exports`);
        t.diagnostic(`${where}: ${fieldsOf(mode).length + 1} fields, ${api.seen.length} requests to the hostile API`);
      });
    }
  }

});

test("the runs above cover every field a server controls", (t) => {
  // Eight payloads in two rounds (four concatenated in each), into these fields and the report's browser.
  t.diagnostic(`8 payloads × ${FIELDS.size} fields (+ the report's browser field), 4 modes × 2 rounds`);
  assert.ok(FIELDS.size >= 30, `${FIELDS.size} fields`);
});

describe("the census", () => {
  test("sees one element rendered from markup, so a renderer using innerHTML would fail the tests above", async () => {
    const page = await h.openPage();
    await guard(page);
    await page.reload();
    await page.waitForSelector("html[data-ready]", { state: "attached" });
    assert.deepEqual(await census(page), CLEAN);
    // What the page would do if it rendered one fact with innerHTML: the policy stops the handler, but the
    // element stays. The image's request and the blocked handler are expected noise here, so the page's
    // errors are not watched in this test's page.
    const scratch = await h.newPage({ watchErrors: false });
    await guard(scratch);
    await h.load(scratch);
    await scratch.evaluate((html) => {
      document.getElementById("findings").innerHTML = `<li><dl class="facts"><dt>Message</dt><dd>${html}</dd></dl></li>`;
    }, ROUNDS[0].text);
    const seen = await census(scratch);
    assert.equal(seen.xss, "undefined", "the policy stopped the handler");
    assert.ok(seen.img + seen.svg + seen.iframe + seen.inlineScript > 0, JSON.stringify(seen));
    assert.ok(seen.onAttributes.length > 0, JSON.stringify(seen));
    assert.notDeepEqual(seen, CLEAN);
    // And the Markdown check sees a payload outside a code span, but not inside one.
    assert.throws(() => assertMarkdownInert(`- Message: ${IMG}`, "scratch"), /outside a code span/);
    assertMarkdownInert(`- Message: \`\`${IMG}\`x\`\``, "scratch");
  });
});
