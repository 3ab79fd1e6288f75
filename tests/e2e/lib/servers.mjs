// Loopback HTTP(S) servers for the tests: the server itself and the static file handlers that serve dist/.

import assert from "node:assert/strict";
import { readFile, stat } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import path from "node:path";

/** The content types of the files dist/ holds; anything else is served as application/octet-stream. */
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".webmanifest": "application/manifest+json",
};

/**
 * Starts an HTTP server on 127.0.0.1:0 with `handler`, or an https one when `tls` ({ key, cert }) is
 * given; resolves with { origin, close, server }. Closing drops open connections first, so that a held
 * request cannot keep a test from ending.
 */
export function startServer(handler, { tls } = {}) {
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  server.keepAliveTimeout = 1000;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({
        origin: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
        server,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}

/** A static file server for `root`: GET and HEAD only, 404 for anything outside it or missing. */
export function staticHandler(root) {
  return async (req, res) => {
    try {
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { allow: "GET, HEAD" }).end();
        return;
      }
      let rel = decodeURIComponent(new URL(req.url, "http://x").pathname);
      if (rel.endsWith("/")) rel += "index.html";
      const file = path.resolve(root, `.${rel}`);
      if (!file.startsWith(root + path.sep)) throw Object.assign(new Error("outside"), { code: "ENOENT" });
      const info = await stat(file);
      if (!info.isFile()) throw Object.assign(new Error("not a file"), { code: "ENOENT" });
      const body = await readFile(file);
      res.writeHead(200, {
        "content-type": TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream",
        "content-length": body.length,
        "cache-control": "no-store",
      });
      res.end(req.method === "HEAD" ? undefined : body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
    }
  };
}

/**
 * A static file server for `root` mounted at `prefix` (which ends in "/", e.g. "/api-doctor/"), the way
 * GitHub Pages serves a project site: the prefix without its slash redirects to it, and every path outside
 * it is a 404. Each request's path is pushed onto `seen`, so that a test can tell what the browser asked for.
 */
export function prefixedStaticHandler(root, prefix, seen = []) {
  assert.ok(prefix.startsWith("/") && prefix.endsWith("/"), `prefix ${prefix} must start and end with "/"`);
  const files = staticHandler(root);
  return (req, res) => {
    const url = new URL(req.url, "http://x");
    seen.push(url.pathname);
    if (url.pathname === prefix.slice(0, -1)) {
      res.writeHead(301, { location: `${prefix}${url.search}` }).end();
      return;
    }
    if (!url.pathname.startsWith(prefix)) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
      return;
    }
    req.url = `/${url.pathname.slice(prefix.length)}${url.search}`;
    return files(req, res);
  };
}
