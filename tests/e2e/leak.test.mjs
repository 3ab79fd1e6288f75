// The key-leak check itself (harness.mjs: findLeaks, run after every test of every file), shown to fail on
// made-up records and on a page script that leaks on purpose; and the exports, which the check after each
// test does not read: Markdown (the real clipboard) and JSON (the download) after keyed runs, holding the
// key's print and never the key.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import zlib from "node:zlib";
import { assertWorked, findLeaks, harness, isTarget, unpackReport, validKey } from "./harness.mjs";

const h = harness();
const KEY = validKey();

/** The key's print as the page shows it: the first 8 hex digits of its SHA-256. */
const printOf = (key) => createHash("sha256").update(key).digest("hex").slice(0, 8);

/** A report link as the page makes one: a version byte and the deflate-raw pack, URL-safe base64. */
const packLink = (origin, pack) =>
  `${origin}/#report=${Buffer.concat([Buffer.from([1]), zlib.deflateRawSync(Buffer.from(pack))]).toString("base64url")}`;

describe("the leak check, on made-up records", () => {
  const target = "http://127.0.0.1:9000/s/healthy";
  const keyed = {
    method: "GET",
    url: `${target}/v1/models?limit=1`,
    headers: { "x-api-key": KEY, "anthropic-version": "2023-06-01" },
    postData: null,
    targets: [target],
  };
  const request = (changes) => ({ ...keyed, ...changes });
  const check = (records) => findLeaks({ secrets: [KEY], requests: [keyed], ...records });

  test("a key in the x-api-key or authorization header of a request to the target is no leak", () => {
    assert.deepEqual(check({}), []);
    const bearer = request({ headers: { authorization: `Bearer ${KEY}` } });
    assert.deepEqual(findLeaks({ secrets: [KEY], requests: [bearer] }), []);
    // A fragment never leaves the browser; the address bar and history are places of their own.
    assert.deepEqual(findLeaks({ secrets: [KEY], requests: [request({ url: `${target}/v1/models#${KEY}` })] }), []);
  });

  // Each row: records, and the one leak expected (a pattern of its sentence).
  const rows = [
    ["a URL query", { requests: [request({ url: `${target}/v1/models?key=${KEY}`, headers: {} })] }, /in the URL of GET .*\?key=/],
    ["a body", { requests: [request({ method: "POST", url: `${target}/v1/messages`, headers: {}, postData: `{"k":"${KEY}"}` })] }, /in the body of POST/],
    ["another header", { requests: [request({ headers: { "x-debug": `key=${KEY}` } })] }, /in the x-debug header/],
    [
      "x-api-key to another origin",
      { requests: [request({ url: "http://127.0.0.1:9001/v1/models" })] },
      /in the x-api-key header of GET http:\/\/127\.0\.0\.1:9001\/v1\/models, which is not the target/,
    ],
    [
      "x-api-key to the target's origin outside its base path (a side endpoint on the same host)",
      { requests: [request({ url: "http://127.0.0.1:9000/s/control/" })] },
      /x-api-key header of GET http:\/\/127\.0\.0\.1:9000\/s\/control\/, which is not the target/,
    ],
    [
      "authorization to another origin",
      { requests: [request({ url: "http://elsewhere.test/v1/models", headers: { authorization: `Bearer ${KEY}` } })] },
      /authorization header of GET http:\/\/elsewhere\.test\/v1\/models, which is not the target/,
    ],
    ["the console", { places: [{ where: "a console log message", text: `key is ${KEY}` }] }, /in a console log message/],
    ["storage", { places: [{ where: "the localStorage", text: JSON.stringify({ k: KEY }) }] }, /in the localStorage/],
    ["a cookie", { places: [{ where: "the cookies", text: JSON.stringify([{ name: "k", value: KEY }]) }] }, /in the cookies/],
    ["the address", { places: [{ where: "the address", text: `http://127.0.0.1:8000/#key=${KEY}` }] }, /in the address/],
    [
      "a report link, packed",
      { places: [{ where: "the report link", text: packLink("http://127.0.0.1:8000", `\x01\x07target${KEY}\x00`) }] },
      /in the report unpacked from the report link/,
    ],
    [
      "a key-shaped string the test never typed",
      { places: [{ where: "the markup", text: `<p>${validKey().replace("api03", "api04")}</p>` }] },
      /a key-shaped string .* in the markup/,
    ],
    [
      "a URL-encoded typed value",
      { places: [{ where: "a console message", text: encodeURIComponent(`"${KEY}"`) }], secrets: [`"${KEY}"`] },
      /in a console message/,
    ],
  ];
  for (const [what, records, want] of rows) {
    test(`catches a key in ${what}`, () => {
      const leaks = check(records);
      assert.equal(leaks.length, 1, leaks.join("\n"));
      assert.match(leaks[0], want);
      // The message names the key by its first characters only.
      assert.ok(!leaks[0].includes(KEY), leaks[0]);
    });
  }

  test("the target is the base URL with its path, on its origin", () => {
    assert.ok(isTarget("http://a.test/s/x/v1/models", ["http://a.test/s/x"]));
    assert.ok(isTarget("http://a.test/s/x/v1/models", ["http://a.test/s/x/v1"]));
    assert.ok(isTarget("http://a.test/v1/models", ["http://a.test/"]));
    assert.ok(isTarget("http://a.test/s/x/v1/models", ["\u00a0http://a.test/s/x "]));
    assert.ok(!isTarget("http://a.test/s/xy/v1/models", ["http://a.test/s/x"]));
    assert.ok(!isTarget("http://a.test:81/s/x/v1/models", ["http://a.test/s/x"]));
    assert.ok(!isTarget("http://a.test/v1/models", ["not a url"]));
    // A pasted endpoint is not part of the target: the page checks the base before it.
    assert.ok(isTarget("http://a.test/s/x/v1/models", ["http://a.test/s/x/v1/messages?beta=true"]));
    assert.ok(!isTarget("http://a.test/other/v1/models", ["http://a.test/s/x/v1/messages"]));
  });

  test("report links unpack as the page packs them", () => {
    const bytes = unpackReport(new URL(packLink("http://x", "abc\x00def")).hash.slice("#report=".length));
    assert.equal(bytes.toString("latin1"), "abc\x00def");
    assert.equal(unpackReport("!!"), null);
    assert.equal(unpackReport("AgAB"), null);
  });
});

describe("the leak check, on a page that leaks on purpose", () => {
  test("a page script putting the key into a query, a body, a header, the console, storage and a cookie is caught", async () => {
    const page = await h.openPage();
    const base = h.scenario("healthy");
    const v = await h.runAgainst(page, { base, key: KEY, samples: 1, label: "leak self-test" });
    assertWorked(v);
    // The run alone leaks nothing: the key went to the target's x-api-key header only.
    assert.deepEqual(await h.leaks(), []);

    const control = `${h.mockOrigin}/s/control/`;
    await page.evaluate(
      async ({ key, control }) => {
        const quiet = (p) => p.then(() => {}, () => {});
        await quiet(fetch(`${control}?k=${key}`, { mode: "no-cors", cache: "no-store" }));
        await quiet(fetch(control, { method: "POST", mode: "no-cors", body: key }));
        await quiet(fetch(control, { headers: { "x-api-key": key }, cache: "no-store" }));
        console.log(`the key is ${key}`);
        localStorage.setItem("k", key);
        document.cookie = `k=${key}; path=/`;
      },
      { key: KEY, control },
    );
    const leaks = await h.leaks();
    const expected = [
      /in the URL of GET .*\/s\/control\/\?k=/,
      /in the body of POST .*\/s\/control\//,
      /in the x-api-key header of GET .*\/s\/control\/, which is not the target/,
      /in a console log message/,
      /in the localStorage of page/,
      /in the document\.cookie of page/,
      /in the context's cookies/,
    ];
    for (const want of expected) assert.ok(leaks.some((l) => want.test(l)), `not caught: ${want}\n${leaks.join("\n")}`);
    // Nothing else: the cookie rides on the later requests to the page's host, which the mock shares.
    const unexpected = leaks.filter((l) => !expected.some((want) => want.test(l)) && !/in the cookie header of /.test(l));
    assert.deepEqual(unexpected, []);

    // Cleaned up, so that the check after this test passes.
    await page.evaluate(() => {
      localStorage.clear();
      document.cookie = "k=; path=/; max-age=0";
    });
    await h.context.clearCookies();
    assert.deepEqual(await h.leaks(), []);
  });
});

describe("Markdown and JSON exports after keyed runs", () => {
  // links.test.mjs checks that the exports carry the report, its link and request ids after a bad-key run;
  // here: never the key, always its print, after runs that end healthy, with a refused key, and broken.
  const runs = [
    ["healthy", "healthy", "healthy"],
    ["bad-key", "bad-key", "broken"],
    ["broken: the API answers 500", "server-error", "broken"],
    // The echo scenario answers with the request it got, key included: the page must not keep it.
    ["an echo of the request", "echo", null],
  ];
  for (const [what, scenario, state] of runs) {
    test(`${what}: no key in the Markdown, the JSON or the report link, and the key's print in each`, async () => {
      await h.context.grantPermissions(["clipboard-read", "clipboard-write"]);
      const page = await h.openPage();
      const v = await h.runAgainst(page, { base: h.scenario(scenario), key: KEY, samples: 1, label: `exports: ${what}` });
      if (state) assert.equal(v.state, state);
      await page.waitForFunction(() => document.getElementById("report-link").value.includes("#report="));
      const link = await page.inputValue("#report-link");

      await page.click("#copy-md");
      await page.waitForFunction(() => document.getElementById("share-status").textContent.length > 0);
      const md = await page.evaluate(() => navigator.clipboard.readText());
      const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-json")]);
      const text = await readFile(await download.path(), "utf8");
      const json = JSON.parse(text);

      const print = printOf(KEY);
      assert.ok(md.includes(`\`sha256 ${print}\``), `the Markdown lacks the key's print ${print}:\n${md}`);
      assert.deepEqual(json.key, { kind: "api-key", length: 108, sha256_prefix: print });
      // The link packs the print as its four bytes: found there, the unpacking is right, so a key packed
      // in it would be found as well.
      const pack = unpackReport(new URL(link).hash.slice("#report=".length));
      assert.ok(pack, "the report link does not unpack");
      assert.ok(pack.includes(Buffer.from(print, "hex")), "the unpacked report lacks the key's print");
      assert.ok(md.includes(link), "the Markdown carries the report link");

      const leaks = findLeaks({
        secrets: [KEY],
        places: [
          { where: "the Markdown", text: md },
          { where: "the JSON", text },
          { where: "the report link", text: link },
        ],
      });
      assert.deepEqual(leaks, []);
    });
  }
});
