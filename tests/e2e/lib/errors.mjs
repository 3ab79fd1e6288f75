// The page-error watch: a page's uncaught errors, crashes and console errors, less the console noise that is the checks at work.

// Chromium reports every failed or non-2xx network request on the console, as errors the page cannot
// suppress. They are expected whenever a probe meets a refusal (that is what the checks look for), so
// they are allowed for requests that left for another origin than the page's. Anything else fails.

/**
 * Adds to `problems` every error `page` raises: an uncaught exception or unhandled rejection (a panic in
 * the wasm is one), a crashed renderer, and any console error but Chromium's own lines for requests to
 * other origins that failed, which are the checks at work.
 */
export function watchPageErrors(page, pageOrigin, problems) {
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  // A renderer that crashed (out of memory on a huge body, say) raised no error the page could see.
  page.on("crash", () => problems.push("crash: the page's renderer crashed"));
  page.on("console", (msg) => {
    if (msg.type() === "error" && !isExpectedNetworkNoise(msg, pageOrigin)) {
      problems.push(`console.error: ${msg.text()} (at ${msg.location()?.url ?? "?"})`);
    }
  });
}

/**
 * Whether a console error is Chromium's own line for a request to another origin than the page's that
 * failed or was refused (or the page's missing favicon): the checks provoke those on purpose.
 */
function isExpectedNetworkNoise(msg, pageOrigin) {
  const text = msg.text();
  const where = msg.location()?.url ?? "";
  // A request that was redirected names both URLs: "(redirected from '…')" sits between them.
  const cors = /^Access to fetch at '([^']+)' (?:\(redirected from '[^']+'\) )?from origin '[^']+' has been blocked by CORS policy/.exec(text);
  if (cors) return !cors[1].startsWith(pageOrigin + "/");
  if (/^Failed to load resource: /.test(text)) {
    return !where.startsWith(pageOrigin + "/") || where === `${pageOrigin}/favicon.ico`;
  }
  // Chromium's "GET <url> net::ERR_…" line for a rejected fetch names the request's URL.
  const m = /^(?:GET|HEAD|POST|OPTIONS) (\S+) net::ERR_/.exec(text);
  if (m) return !m[1].startsWith(pageOrigin + "/");
  return false;
}
