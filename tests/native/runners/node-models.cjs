// The TypeScript SDK as an app uses it on Node: one client, models.list({ limit: 1 }), no retries, 10 s.
// Prints one JSON line: {"actual":"works","status":N} when an HTTP answer came (an APIError with a status
// counts), {"actual":"fails",...} on a connection, TLS or proxy error. The SDK is the one in SDK_DIR's
// node_modules. Usage: node node-models.cjs SDK_DIR BASE_URL
"use strict";
const [sdkDir, base] = process.argv.slice(2);

function chain(e) {
  const out = [];
  const seen = new Set();
  while (e && !seen.has(e) && out.length < 6) {
    seen.add(e);
    out.push(`${e.name || e.constructor?.name}: ${e.message}${e.code ? ` [${e.code}]` : ""}`.slice(0, 400));
    e = e.cause;
  }
  return out;
}

const emit = (o) => console.log(JSON.stringify(o));

(async () => {
  let mod;
  try {
    mod = require(require.resolve("@anthropic-ai/sdk", { paths: [sdkDir] }));
  } catch (e) {
    emit({ actual: "broken", error: `require @anthropic-ai/sdk: ${e.message}` });
    return;
  }
  const Anthropic = mod.default ?? mod.Anthropic ?? mod;
  let stage = "construct";
  try {
    const client = new Anthropic({ baseURL: base, maxRetries: 0, timeout: 10_000 });
    stage = "request";
    await client.models.list({ limit: 1 });
    emit({ actual: "works", status: 200, node: process.version });
  } catch (e) {
    if (e instanceof Anthropic.APIError && typeof e.status === "number") {
      emit({ actual: "works", status: e.status, node: process.version });
    } else {
      emit({ actual: "fails", stage, error: `${e.name}: ${e.message}`.slice(0, 400), chain: chain(e), node: process.version });
    }
  }
})();
