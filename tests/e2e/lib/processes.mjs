// The processes the tests start: the mock API (and its closed port), and Chromium with the tests' flags.

import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { watchNewContext } from "./leaks.mjs";

/** The repository's root. */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** How long the mock may take to start: `cargo build` may have to build it first. */
export const MOCK_START_TIMEOUT_MS = 300_000;

// --- Processes we started ------------------------------------------------------------------------

const children = new Set();

/** Stops every process this file started, by its pid, and nothing else. */
export function killChildren() {
  for (const child of children) {
    try {
      process.kill(child.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  children.clear();
}
process.on("exit", killChildren);

// MOCK_BIN names a mock-api binary to run as it is (another checkout's, say), so that a test run never
// builds one. Without it, the mock is <repo>/target/release/mock-api, built first when it is missing.
// Either way the binary itself is run: a pid we start is then the server's own, and killing it leaves no
// grandchild behind (as `cargo run` would).
function mockCommand(args) {
  if (process.env.MOCK_BIN) {
    const bin = path.resolve(process.env.MOCK_BIN);
    assert.ok(existsSync(bin), `MOCK_BIN names no file: ${bin}`);
    return [bin, args];
  }
  const bin = path.join(REPO, "target/release/mock-api");
  if (!existsSync(bin)) {
    execFileSync("cargo", ["build", "-q", "-p", "mock-api", "--release"], {
      cwd: REPO,
      stdio: "inherit",
      timeout: MOCK_START_TIMEOUT_MS,
    });
  }
  return [bin, args];
}

/** Starts the mock API on a free port and resolves with its origin. */
export function startMock() {
  const [cmd, args] = mockCommand(["--port", "0"]);
  // Its per-request log on stderr would drown the test report; keep only the tail for errors.
  const child = spawn(cmd, args, { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let log = "";
  child.stderr.on("data", (chunk) => {
    log = (log + chunk).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`mock-api printed no address within ${MOCK_START_TIMEOUT_MS} ms`)),
      MOCK_START_TIMEOUT_MS,
    );
    const lines = createInterface({ input: child.stdout });
    lines.once("line", (line) => {
      clearTimeout(timer);
      const m = /^mock-api listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line.trim());
      if (m) resolve(m[1]);
      else reject(new Error(`unexpected first line from mock-api: ${line}`));
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      children.delete(child);
      reject(new Error(`mock-api exited (${code}) before listening:\n${log}`));
    });
  });
}

/** A loopback port nothing listens on, as the mock finds one (`mock-api --closed-port`). */
export function closedPort() {
  const [cmd, args] = mockCommand(["--closed-port"]);
  const out = execFileSync(cmd, args, { cwd: REPO, encoding: "utf8", timeout: MOCK_START_TIMEOUT_MS });
  const port = Number(out.trim());
  assert.ok(Number.isInteger(port) && port > 0, `mock-api --closed-port printed ${out}`);
  return port;
}

// --- Chromium ---------------------------------------------------------------------------------------

/**
 * The flags every Chromium of the tests starts with. Tests reach loopback only: names under mock.test
 * resolve to the mock (so that DNS checks have a host name to look up), and every other name fails to
 * resolve, so nothing can leave the machine.
 */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
  "--host-resolver-rules=MAP *.mock.test 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
];

/**
 * Starts a Chromium (CHROMIUM, default /usr/bin/chromium) with the tests' flags and `extra` ones. Every
 * context of it, whoever makes it, is watched for key leaks (lib/leaks.mjs) by the test that made it; a
 * test that starts a browser of its own closes it.
 */
export async function launchChromium(extra = []) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [...CHROMIUM_ARGS, ...extra],
  });
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    await watchNewContext(context);
    return context;
  };
  return browser;
}
