// Small helpers several test files share: waiting for a condition, a free port, a request's credential, a self-signed certificate.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/**
 * Resolves once `predicate()` (which may return a promise) holds, polling every 50 ms; fails after `ms`
 * with `what` (a string, or a function that says it when the wait fails, so that it can show the state
 * at that moment). A wait for a precondition, not an assertion: what the test asserts comes after it.
 */
export async function until(predicate, what, ms = 20_000) {
  const end = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${typeof what === "function" ? what() : what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A free loopback port, by asking the kernel for one and closing it again. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** The credential a request's headers carry, the API key's header first; undefined when there is none. */
export const credentialOf = (headers) => headers["x-api-key"] ?? headers.authorization;

/** Whether `openssl` is on PATH; node:crypto makes keys but cannot sign an X.509 certificate. */
export function haveOpenssl() {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * A self-signed certificate valid for a day, as { key, cert } (PEM buffers for `startServer`'s `tls`),
 * made by `openssl req -x509` in a temp dir that is removed when the test ends. `args` name the key
 * type and the subject (e.g. ["-newkey", "rsa:2048", "-subj", "/CN=localhost"]).
 */
export function selfSignedCert(t, args) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "e2e-tls-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [key, cert] = [path.join(dir, "key.pem"), path.join(dir, "cert.pem")];
  execFileSync("openssl", ["req", "-x509", "-nodes", "-days", "1", "-keyout", key, "-out", cert, ...args], {
    stdio: "ignore",
    timeout: 60_000,
  });
  return { key: readFileSync(key), cert: readFileSync(cert) };
}
