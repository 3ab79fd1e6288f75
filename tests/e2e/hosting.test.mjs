// The built page as a static host serves it: under a subpath (GitHub Pages puts a project site at
// /<repo>/), with the Content-Security-Policy that scripts/postbuild adds to release builds. It must start,
// finish a run, ask for nothing outside its folder, and trip the policy nowhere.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { REPO, assertWorked, harness, prefixedStaticHandler, startServer, validKey } from "./harness.mjs";

const h = harness();

const PREFIX = "/api-doctor/";
const DIST = path.resolve(process.env.DIST_DIR || path.join(REPO, "dist"));
const READY_TIMEOUT_MS = 20_000;

/** The directives the page's policy must hold, whatever else it says. */
const REQUIRED = {
  "default-src": ["'none'"],
  "script-src": ["'self'", "'wasm-unsafe-eval'"],
  "style-src": ["'self'"],
  "base-uri": ["'none'"],
  "form-action": ["'none'"],
};

let site = null;
let seenPaths = [];

before(async () => {
  site = await startServer(prefixedStaticHandler(DIST, PREFIX, seenPaths));
});
after(() => site?.close());

/** A policy's directives as { name: [sources] }. */
function parsePolicy(policy) {
  const out = {};
  for (const part of policy.split(";")) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) out[name.toLowerCase()] = sources;
  }
  return out;
}

/**
 * A page that records, from before any of its own scripts run, every `securitypolicyviolation` event,
 * and every console message that names the policy or a resource of this site that failed to load.
 */
async function watchedPage({ watchErrors = true } = {}) {
  const page = await h.newPage({ watchErrors });
  await page.addInitScript(() => {
    window.__cspViolations = [];
    window.addEventListener(
      "securitypolicyviolation",
      (e) => {
        const what = e.blockedURI || "(inline)";
        window.__cspViolations.push(`${e.effectiveDirective} blocked ${what} at ${e.sourceFile}:${e.lineNumber}`);
      },
      true,
    );
  });
  const consoleProblems = [];
  page.on("console", (msg) => {
    const text = msg.text();
    const where = msg.location()?.url ?? "";
    if (/Content Security Policy/i.test(text)) consoleProblems.push(`${msg.type()}: ${text}`);
    // The harness lets failed loads on other origins pass (probes meet refusals on purpose); this site's
    // own files must all load.
    else if (/^Failed to load resource/.test(text) && where.startsWith(site.origin)) {
      consoleProblems.push(`${msg.type()}: ${text} (at ${where})`);
    }
  });
  return { page, consoleProblems };
}

const violationsOf = (page) => page.evaluate(() => window.__cspViolations);

test("the served index.html declares the policy first in <head> and holds no inline script", async () => {
  const res = await fetch(`${site.origin}${PREFIX}`);
  assert.equal(res.status, 200);
  const html = await res.text();

  // Read as a browser reads it: the minified page leaves out the <head> tag and quotes, as HTML allows.
  const page = await h.context.newPage();
  const doc = await page.evaluate((text) => {
    const d = new DOMParser().parseFromString(text, "text/html");
    const first = d.head.firstElementChild;
    return {
      first: first?.outerHTML ?? "",
      policy: first?.getAttribute("http-equiv")?.toLowerCase() === "content-security-policy" ? first.content : null,
      policies: d.querySelectorAll("meta[http-equiv]").length,
      scripts: [...d.scripts].map((e) => ({
        src: e.getAttribute("src"),
        type: e.getAttribute("type"),
        text: e.textContent,
        tag: e.outerHTML.slice(0, 120),
      })),
      urls: [...d.querySelectorAll("[src], [href]")].map((e) => e.getAttribute("src") ?? e.getAttribute("href")),
    };
  }, html);
  await page.close();
  assert.ok(doc.policy, `the first element of <head> is not the policy: ${doc.first}`);
  const policy = parsePolicy(doc.policy);
  for (const [name, sources] of Object.entries(REQUIRED)) {
    assert.deepEqual(policy[name], sources, `${name} in ${doc.policy}`);
  }
  for (const sources of Object.values(policy)) {
    for (const loose of ["'unsafe-inline'", "'unsafe-eval'", "*"]) {
      assert.ok(!sources.includes(loose), `${loose} in ${doc.policy}`);
    }
  }
  // Any http(s) target the person types must stay reachable.
  for (const scheme of ["https:", "http:"]) {
    assert.ok(policy["connect-src"]?.includes(scheme), `connect-src lacks ${scheme}`);
  }
  assert.equal(doc.policies, 1, "more than one policy");

  assert.ok(doc.scripts.length >= 2, "expected boot.js and the start-up module");
  for (const { src, text, tag } of doc.scripts) {
    assert.ok(src, `a script without src: ${tag}`);
    assert.equal(text.trim(), "", `a script with inline content: ${tag}`);
  }
  assert.ok(
    doc.scripts.some(({ src, type }) => type === "module" && /^\.\/init-[0-9a-f]{16}\.js$/.test(src)),
    "no start-up module script ./init-<hash>.js",
  );
  // Every URL of the page's own files is relative, so that the folder can be served anywhere; the empty
  // icon is inline data, not a file.
  const urls = doc.urls.filter((u) => u !== "data:,");
  assert.ok(urls.length >= 3, `too few asset URLs: ${urls}`);
  const absolute = urls.filter((u) => u.startsWith("/") || /^[a-z][a-z0-9+.-]*:/i.test(u));
  assert.deepEqual(absolute, [], "absolute URLs in index.html");
});

test(`under ${PREFIX}: the page starts, finishes a healthy run, stays inside its folder and its policy`, async () => {
  seenPaths.length = 0;
  const { page, consoleProblems } = await watchedPage();
  const requests = h.recordRequests(page);
  await page.goto(`${site.origin}${PREFIX}`);
  await page.waitForSelector("html[data-ready]", { state: "attached", timeout: READY_TIMEOUT_MS });

  const v = await h.runAgainst(page, { base: h.scenario("healthy"), key: validKey(), label: "hosting: healthy" });
  assertWorked(v);

  // What the page itself asked this site for: its files, all inside the folder, the wasm among them.
  const own = (await requests.settle()).map((r) => new URL(r.url)).filter((u) => u.origin === site.origin);
  const outside = own.map((u) => u.pathname).filter((p) => !p.startsWith(PREFIX));
  assert.deepEqual(outside, [], "the page asked for paths outside its folder");
  const fetched = (re) => own.some((u) => re.test(u.pathname));
  assert.ok(fetched(/^\/api-doctor\/api-doctor-[0-9a-f]+_bg\.wasm$/), "the wasm was not fetched from the folder");
  assert.ok(fetched(/^\/api-doctor\/init-[0-9a-f]{16}\.js$/), "no start-up module from the folder");
  // What the server saw, which includes requests the browser makes by itself: the page names an empty
  // icon, so not even a favicon lookup leaves the folder.
  const serverOutside = seenPaths.filter((p) => !p.startsWith(PREFIX));
  assert.deepEqual(serverOutside, [], "the site was asked for paths outside the folder");

  assert.deepEqual(await violationsOf(page), [], "Content-Security-Policy violations");
  assert.deepEqual(consoleProblems, [], "console messages about the policy or this site's files");
});

// The checks above would pass as well if the browser ignored the policy: this one shows that it is in
// force on the served page, and that the listener used above does see a violation.
test("the policy is in force: an injected inline script does not run and is reported", async () => {
  const { page, consoleProblems } = await watchedPage({ watchErrors: false });
  await page.goto(`${site.origin}${PREFIX}`);
  await page.waitForSelector("html[data-ready]", { state: "attached", timeout: READY_TIMEOUT_MS });
  const ran = await page.evaluate(async () => {
    const s = document.createElement("script");
    s.textContent = "window.__inlineRan = true;";
    document.body.append(s);
    const probe = document.createElement("p");
    probe.setAttribute("style", "color: rgb(1, 2, 3)");
    document.body.append(probe);
    await new Promise((r) => setTimeout(r, 100));
    return { script: window.__inlineRan === true, style: getComputedStyle(probe).color === "rgb(1, 2, 3)" };
  });
  assert.deepEqual(ran, { script: false, style: false }, "an inline script or style was applied");
  const violations = await violationsOf(page);
  const seen = `violations: ${violations.join("; ")}`;
  assert.ok(violations.some((v) => v.startsWith("script-src-elem blocked inline")), seen);
  assert.ok(violations.some((v) => v.startsWith("style-src-attr blocked inline")), seen);
  assert.ok(consoleProblems.length >= 2, `the console did not report them: ${consoleProblems.join("; ")}`);
});
