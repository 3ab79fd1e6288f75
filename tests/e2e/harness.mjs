// The end-to-end harness's public API, re-exported from the modules under lib/ that implement it.
//
// A test file calls `harness()` once at its top level (lib/page.mjs): it serves dist/ on a loopback port
// of its own, finds (or starts) the mock API, drives headless Chromium with playwright-core, reads the
// page's DOM contract, and after every test fails it when the page raised an error or a key went anywhere
// but the target's credential header. Where each part lives:
//
// - lib/processes.mjs  the mock API (MOCK_ORIGIN, or MOCK_BIN, or target/release/mock-api) and Chromium;
// - lib/servers.mjs    loopback HTTP(S) servers and the static handlers for dist/;
// - lib/leaks.mjs      the key-leak watcher (findLeaks, unpackReport and isTarget are pure, for leak.test.mjs);
// - lib/errors.mjs     the page-error watch and the console noise it allows;
// - lib/page.mjs       `harness()`, its page helpers, the coverage notes, and openPageAs;
// - lib/expect.mjs     expected verdicts and the assertions that compare with them;
// - lib/keys.mjs       test keys and tokens;
// - lib/proxies.mjs    the relay, the fault proxy and the gateway in front of the mock;
// - lib/util.mjs       small shared helpers (until, freePort, credentialOf, selfSignedCert).

export { harness, noteCoverage, openPageAs, RUN_TIMEOUT_MS } from "./lib/page.mjs";
export { REPO, launchChromium } from "./lib/processes.mjs";
export { prefixedStaticHandler, startServer, staticHandler } from "./lib/servers.mjs";
export { findLeaks, isTarget, unpackReport } from "./lib/leaks.mjs";
export { watchPageErrors } from "./lib/errors.mjs";
export {
  assertFindings,
  assertRow,
  assertVerdict,
  assertWorked,
  broken,
  cancelled,
  degraded,
  healthy,
  pathWorks,
} from "./lib/expect.mjs";
export { oauthToken, validKey } from "./lib/keys.mjs";
