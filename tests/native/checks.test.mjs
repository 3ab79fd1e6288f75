// The native doctor's gateway, upload and idle checks against real servers this file starts, a run stopped
// by Ctrl-C mid-flight, and captures of the terminal report (through a pseudo-terminal, colours and all)
// for a healthy run and an intercepted-TLS one, in both languages, saved under target/doctor-captures/.
//
// cors.headers reads the mock's gateways (the API's CORS, none, a failing preflight, a preflight that
// lacks the API's headers, CORS only on successes); network.upload sends 4 MiB to the mock, to a server
// that stops reading after 1 MiB and to one that resets the connection; network.idle leaves a connection
// idle beside the mock, a server that closes idle connections, one that resets them and one that keeps
// them open and never answers again. Every run's outcomes go to the coverage report.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import dgram from "node:dgram";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import {
  DOCTOR,
  KEY,
  REPO,
  cleanEnv,
  closedPort,
  dnsResponder,
  httpsFront,
  makePki,
  onTearDown,
  resolvConf,
  runCurl,
  runDoctor,
  runNode,
  runPython,
  sandboxed,
  startMock,
  tearDown,
  writeCoverage,
} from "./lib.mjs";

const CAPTURES = path.join(REPO, "target/doctor-captures");
/** The loopback address of this file's name server (a different one from doctor.test.mjs's). */
const DNS_ADDR = "127.0.0.77";

const fx = {};

before(async () => {
  fx.dir = mkdtempSync(path.join(os.tmpdir(), "native-checks-"));
  fx.home = path.join(fx.dir, "home");
  mkdirSync(fx.home);
  fx.mock = await startMock();
  fx.dead = await closedPort();
  // No name this file uses is looked up; a silent server on DNS_ADDR makes every lookup wait, which the
  // cancel test needs, and the resolv.conf that names it keeps any lookup on loopback.
  fx.silentDns = dgram.createSocket("udp4");
  fx.dnsQueries = 0;
  fx.silentDns.on("message", () => fx.dnsQueries++);
  await new Promise((resolve, reject) => {
    fx.silentDns.once("error", reject);
    fx.silentDns.bind(53, DNS_ADDR, resolve);
  });
  onTearDown(() => new Promise((resolve) => fx.silentDns.close(resolve)));
  fx.resolv = resolvConf(fx.dir, DNS_ADDR);
});

after(async () => {
  await tearDown();
  rmSync(fx.dir, { recursive: true, force: true });
});

/** The side probes pointed at a closed port, so that nothing leaves loopback. */
const side = () => ["--status-url", `http://127.0.0.1:${fx.dead}/`, "--doh-url", `http://127.0.0.1:${fx.dead}/`];

/** Runs the doctor against `base` with `flags`; returns its JSON after checking it printed some. */
async function check(scenario, base, flags = [], env = {}) {
  const r = await runDoctor(["check", base, "--json", "--samples", "1", ...side(), ...flags], cleanEnv(fx.home, env), {
    resolv: fx.resolv,
  });
  assert.ok(r.json, `${scenario}: no JSON (exit ${r.code}): ${r.stderr.slice(-800)}`);
  writeCoverage(`checks-${scenario}`, r.json.findings);
  return r.json;
}

/** The finding of `code` in a report: its outcome and facts by name. */
function finding(report, code) {
  const f = report.findings.find((x) => x.code === code);
  assert.ok(f, `${code} missing`);
  return { outcome: f.outcome, status: f.status, facts: f.facts };
}

/** Starts a TCP server on loopback whose connections `onConnection` handles; closed at tear-down. */
async function tcpServer(onConnection) {
  const sockets = new Set();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
    onConnection(s);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTearDown(
    () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${server.address().port}`;
}

/** The API's refusal of a keyless request, as a raw HTTP/1.1 answer that keeps the connection alive. */
const BODY = '{"type":"error","error":{"type":"authentication_error","message":"x-api-key header is required"}}';
const ANSWER = `HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\nconnection: keep-alive\r\ncontent-length: ${Buffer.byteLength(BODY)}\r\n\r\n${BODY}`;

/** Calls `each(socket, n)` once per complete request head on a connection (n counts from 0). */
function perRequest(socket, each) {
  let buffer = "";
  let n = 0;
  socket.on("data", (chunk) => {
    buffer += chunk.toString("latin1");
    while (buffer.includes("\r\n\r\n")) {
      buffer = buffer.slice(buffer.indexOf("\r\n\r\n") + 4);
      each(socket, n++);
    }
  });
}

describe("cors.headers: the gateway's CORS, read header by header", { concurrency: 3 }, () => {
  const rows = [
    ["healthy", "open"],
    ["no-cors", "no_cors"],
    ["preflight-500", "preflight_refused"],
    ["preflight-no-anthropic-headers", "headers_missing"],
    ["cors-on-success", "errors_without_cors"],
  ];
  for (const [scenario, want] of rows) {
    test(`${scenario}: ${want}`, async () => {
      const report = await check(`cors-${scenario}`, `${fx.mock.origin}/s/${scenario}`);
      const f = finding(report, "cors.headers");
      assert.equal(f.outcome, want, JSON.stringify(f));
      if (want === "headers_missing") {
        const named = f.facts.filter((x) => x.name === "offending").map((x) => x.value);
        assert.deepEqual(named, ["anthropic-version", "anthropic-dangerous-direct-browser-access", "x-api-key"]);
      }
      // What a gateway's CORS lacks concerns browser apps only: it never fails or degrades the run.
      assert.ok(["pass", "info"].includes(f.status), JSON.stringify(f));
      assert.notEqual(report.verdict.code, "cors.headers");
    });
  }
});

describe("network.upload: a few megabytes over the app's route", { concurrency: 3 }, () => {
  test("off unless asked; the mock takes 4 MiB: completed", async () => {
    const plain = await check("upload-off", `${fx.mock.origin}/s/healthy`);
    assert.equal(finding(plain, "network.upload").outcome, "off");
    const report = await check("upload-completed", `${fx.mock.origin}/s/healthy`, ["--upload"]);
    const f = finding(report, "network.upload");
    assert.equal(f.outcome, "completed", JSON.stringify(f));
    assert.deepEqual(f.facts.find((x) => x.name === "http_status")?.value, 401);
  });

  test("a server that stops reading after 1 MiB: stalled", async () => {
    let held = 0;
    const base = await tcpServer((s) => {
      let got = 0;
      let answered = false;
      s.on("data", (chunk) => {
        got += chunk.length;
        // Small requests are answered; a large body is read up to 1 MiB and then left unread, so the
        // sender's window fills and nothing more moves: what a broken MTU or an upload filter does.
        const text = chunk.toString("latin1");
        if (!answered && /^(GET|OPTIONS) /.test(text)) {
          s.write(ANSWER);
          return;
        }
        if (got > 1 << 20 && !answered) {
          answered = true;
          held++;
          s.pause();
        }
      });
    });
    const report = await check("upload-stalled", base, ["--upload", "--timeout-ms", "3000"]);
    const f = finding(report, "network.upload");
    assert.equal(f.outcome, "stalled", JSON.stringify(f));
    assert.ok(held >= 1, "the server never held an upload");
  });

  test("a server that resets the connection after 1 MiB: reset", async () => {
    let resets = 0;
    const base = await tcpServer((s) => {
      let got = 0;
      s.on("data", (chunk) => {
        got += chunk.length;
        if (/^(GET|OPTIONS) /.test(chunk.toString("latin1")) && got < 4096) {
          s.write(ANSWER);
          return;
        }
        if (got > 1 << 20) {
          resets++;
          s.resetAndDestroy();
        }
      });
    });
    const report = await check("upload-reset", base, ["--upload", "--timeout-ms", "5000"]);
    const f = finding(report, "network.upload");
    assert.equal(f.outcome, "reset", JSON.stringify(f));
    assert.ok(resets >= 1, "the server never reset an upload");
  });
});

describe("network.idle: a kept-alive connection left idle and used again", { concurrency: 4 }, () => {
  test("off unless asked; the mock keeps it: kept", async () => {
    const plain = await check("idle-off", `${fx.mock.origin}/s/healthy`);
    assert.equal(finding(plain, "network.idle").outcome, "off");
    const f = finding(await check("idle-kept", `${fx.mock.origin}/s/healthy`, ["--idle", "1"]), "network.idle");
    assert.equal(f.outcome, "kept", JSON.stringify(f));
    assert.ok(f.facts.find((x) => x.name === "duration_idle_ms").value >= 1000);
  });

  test("a server that closes idle connections after 200 ms: closed", async () => {
    let closed = 0;
    const base = await tcpServer((s) =>
      perRequest(s, (sock) => {
        sock.write(ANSWER);
        // A FIN after 200 ms idle, as a server's keep-alive timeout sends it.
        setTimeout(() => {
          if (!sock.destroyed) {
            closed++;
            sock.end();
          }
        }, 200);
      }),
    );
    const f = finding(await check("idle-closed", base, ["--idle", "1"]), "network.idle");
    assert.equal(f.outcome, "closed", JSON.stringify(f));
    assert.ok(closed >= 1);
  });

  test("a server that resets idle connections after 200 ms: reset", async () => {
    let resets = 0;
    const base = await tcpServer((s) =>
      perRequest(s, (sock) => {
        sock.write(ANSWER);
        setTimeout(() => {
          if (!sock.destroyed) {
            resets++;
            sock.resetAndDestroy();
          }
        }, 200);
      }),
    );
    const f = finding(await check("idle-reset", base, ["--idle", "1"]), "network.idle");
    assert.equal(f.outcome, "reset", JSON.stringify(f));
    assert.ok(resets >= 1);
  });

  test("a connection that stays open and never answers again: dead", async () => {
    let ignored = 0;
    const base = await tcpServer((s) =>
      perRequest(s, (sock, n) => {
        // The first request of each connection is answered; later ones are swallowed, as by a middlebox
        // that forgot the flow (the connection is never closed, so the client sees nothing at all).
        if (n === 0) sock.write(ANSWER);
        else ignored++;
      }),
    );
    const f = finding(await check("idle-dead", base, ["--idle", "1", "--timeout-ms", "2000"]), "network.idle");
    assert.equal(f.outcome, "dead", JSON.stringify(f));
    assert.ok(ignored >= 1, "no request was swallowed after the wait");
  });
});

/**
 * A SOCKS5 proxy without authentication: CONNECT by name or address, then the bytes both ways. `connects`
 * counts the tunnels it opened.
 */
async function socksProxy() {
  const seen = { connects: 0 };
  const base = await tcpServer((client) => {
    let buffer = Buffer.alloc(0);
    let stage = "greeting";
    const onData = (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (stage === "greeting" && buffer.length >= 2 && buffer.length >= 2 + buffer[1]) {
        buffer = buffer.subarray(2 + buffer[1]);
        client.write(Buffer.from([5, 0]));
        stage = "request";
      }
      if (stage === "request" && buffer.length >= 5) {
        const type = buffer[3];
        const len = type === 1 ? 4 : type === 4 ? 16 : 1 + buffer[4];
        if (buffer.length < 4 + len + 2) return;
        const addr = type === 1 ? [...buffer.subarray(4, 8)].join(".") : type === 3 ? buffer.subarray(5, 5 + buffer[4]).toString() : "::1";
        const port = buffer.readUInt16BE(4 + len);
        const rest = buffer.subarray(4 + len + 2);
        stage = "open";
        client.off("data", onData);
        const upstream = net.connect(port, addr, () => {
          seen.connects++;
          client.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]));
          if (rest.length) upstream.write(rest);
          client.pipe(upstream).pipe(client);
        });
        upstream.on("error", () => client.end(Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0])));
      }
    };
    client.on("data", onData);
  });
  return { url: base.replace("http://", "socks5://"), seen };
}

describe("the shared checks, run natively with a key", () => {
  test("the key, the model, the streamed message and a watch against the mock", async () => {
    const started = Date.now();
    const report = await check("keyed-message-watch", `${fx.mock.origin}/s/healthy`, ["--message", "--watch", "3", "--model", "claude-haiku-4-5"], {
      ANTHROPIC_API_KEY: KEY,
    });
    const outcomes = Object.fromEntries(report.findings.map((f) => [f.code, f.outcome]));
    assert.deepEqual(
      [outcomes["auth.key"], outcomes["auth.model"], outcomes["service.message"], outcomes["perf.watch"]],
      ["accepted", "available", "streamed", "steady"],
      JSON.stringify(outcomes),
    );
    // The watch ran for its three seconds, and the key appears only as its fingerprint.
    assert.ok(Date.now() - started >= 3_000);
    assert.equal(report.key.length, 108);
    assert.ok(!JSON.stringify(report).includes(KEY));
  });
});

describe("a SOCKS5 proxy", () => {
  test("works for curl, stops the Python SDK and Claude Code, and Node goes around it: as the doctor says", async () => {
    const socks = await socksProxy();
    // An https target every runtime trusts, so that only the proxy tells them apart.
    const pki = makePki(path.join(fx.dir, "pki-socks"));
    const front = await httpsFront(pki.good, `${fx.mock.origin}/s/healthy`, "socks");
    const base = front.localhost;
    const env = { HTTPS_PROXY: socks.url, SSL_CERT_FILE: pki.ca, NODE_EXTRA_CA_CERTS: pki.ca, CURL_CA_BUNDLE: pki.ca };
    const report = await check("socks-proxy", base, [], env);
    const f = finding(report, "network.proxy");
    assert.equal(f.outcome, "unsupported_scheme", JSON.stringify(f));
    assert.ok(socks.seen.connects >= 1, "the doctor's tunnel never went through the SOCKS proxy");
    const row = Object.fromEntries(report.native.runtimes.map((r) => [r.runtime, r]));
    assert.deepEqual(
      [row.python.prediction, row.python.why, row.node.prediction, row.claude_code.why, row.curl.prediction, row.curl.route],
      ["fails", "socks_needs_extra", "works", "socks_unsupported", "works", "proxy"],
    );
    const proxyPath = report.native.paths.find((p) => p.route === "proxy");
    assert.equal(proxyPath.works, true, JSON.stringify(proxyPath));
    // The real runtimes in the same environment.
    const sandbox = { resolv: fx.resolv };
    const before = socks.seen.connects;
    const [python, node, curl] = await Promise.all([
      runPython(base, cleanEnv(fx.home, { ...env, ANTHROPIC_API_KEY: KEY }), sandbox),
      runNode(base, cleanEnv(fx.home, { ...env, ANTHROPIC_API_KEY: KEY }), sandbox),
      runCurl(base, cleanEnv(fx.home, env), sandbox),
    ]);
    assert.equal(python.actual, "fails", JSON.stringify(python));
    assert.equal(node.actual, "works", JSON.stringify(node));
    assert.equal(curl.actual, "works", JSON.stringify(curl));
    assert.ok(socks.seen.connects > before, "curl did not go through the SOCKS proxy");
  });
});

describe("two families, one of which connects and then resets", () => {
  test("IPv6 accepts and resets the handshake, IPv4 works: no runtime falls back, as the doctor says", async () => {
    const pki = makePki(path.join(fx.dir, "pki-dual"));
    const front = await httpsFront(pki.good, `${fx.mock.origin}/s/healthy`, "dual");
    // The same port on [::1]: it accepts, and resets the connection when the ClientHello arrives.
    let resets = 0;
    const v6 = net.createServer((s) => {
      s.on("error", () => {});
      s.once("data", () => {
        resets++;
        s.resetAndDestroy();
      });
    });
    await new Promise((resolve, reject) => {
      v6.once("error", reject);
      v6.listen(front.port, "::1", resolve);
    });
    onTearDown(() => new Promise((resolve) => v6.close(() => resolve())));
    // A name with both families, from a name server of this test's own, which every process here asks.
    const dns = await dnsResponder("127.0.0.78", { "api.anthropic.com": { A: ["127.0.0.1"], AAAA: ["::1"] } });
    const sandbox = { resolv: resolvConf(fx.dir, dns.addr) };
    const base = `https://api.anthropic.com:${front.port}`;
    const env = { SSL_CERT_FILE: pki.ca, NODE_EXTRA_CA_CERTS: pki.ca, CURL_CA_BUNDLE: pki.ca };
    const r = await runDoctor(["check", base, "--json", "--samples", "1", ...side()], cleanEnv(fx.home, env), sandbox);
    assert.ok(r.json, `no JSON: ${r.stderr}`);
    writeCoverage("checks-dual-stack-reset", r.json.findings);
    const rows = r.json.native.paths.filter((p) => p.route === "direct");
    assert.deepEqual(rows.map((p) => [p.via, p.family, p.works]), [["::1", 6, false], ["127.0.0.1", 4, true]]);
    assert.deepEqual([rows[0].failure.stage, rows[0].failure.error], ["tls", "reset"]);
    assert.equal(finding(r.json, "tls.handshake").outcome, "failed");
    assert.deepEqual(r.json.verdict, { state: "broken", layer: "tls", code: "tls.handshake", outcome: "failed" });
    for (const row of r.json.native.runtimes) {
      assert.deepEqual([row.runtime, row.prediction, row.why], [row.runtime, "fails", "tls"]);
    }
    // The real runtimes, in the same environment and with the same name server.
    const [python, node, curl] = await Promise.all([
      runPython(base, cleanEnv(fx.home, { ...env, ANTHROPIC_API_KEY: KEY }), sandbox),
      runNode(base, cleanEnv(fx.home, { ...env, ANTHROPIC_API_KEY: KEY }), sandbox),
      runCurl(base, cleanEnv(fx.home, env), sandbox),
    ]);
    for (const [name, got] of [["python", python], ["node", node], ["curl", curl]]) {
      assert.equal(got.actual, "fails", `${name} fell back to IPv4: ${JSON.stringify(got)}`);
    }
    assert.ok(resets >= 4, `the IPv6 listener reset ${resets} connections`);
  });
});

describe("Ctrl-C", () => {
  test("stops the run at once, prints what was found, and every native check in flight says not run", async () => {
    // Everything the run starts stays in flight until the signal: the resolver never answers, and the
    // proxy accepts and never answers CONNECT.
    let proxied = 0;
    const proxyBase = await tcpServer(() => proxied++);
    const proxy = proxyBase;
    const [cmd, args] = sandboxed(
      DOCTOR,
      ["check", "https://api.slow.test", "--json", "--upload", "--idle", "1", ...side()],
      { resolv: fx.resolv },
    );
    const child = spawn(cmd, args, { env: cleanEnv(fx.home, { HTTPS_PROXY: proxy }), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
    // Hold the condition: the lookup and the proxy's connections are both in flight before the signal.
    const started = Date.now();
    while (fx.dnsQueries === 0 || proxied < 2) {
      assert.ok(Date.now() - started < 20_000, `nothing in flight: ${fx.dnsQueries} lookups, ${proxied} proxy connections; ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const signalled = Date.now();
    child.kill("SIGINT");
    const { code } = await exited;
    const tookMs = Date.now() - signalled;
    assert.equal(code, 1, `exit ${code}: ${stderr}`);
    assert.ok(tookMs < 5_000, `the run took ${tookMs} ms to stop`);
    const report = JSON.parse(stdout);
    writeCoverage("checks-cancelled", report.findings);
    assert.equal(report.verdict.state, "cancelled");
    for (const code of [
      "dns.system",
      "network.connect",
      "network.proxy",
      "network.upload",
      "network.idle",
      "tls.handshake",
      "tls.trust",
      "cors.headers",
    ]) {
      assert.equal(finding(report, code).outcome, "not_run", `${code}: ${JSON.stringify(finding(report, code))}`);
    }
    assert.ok(report.native.runtimes.every((r) => r.prediction === "unknown"), JSON.stringify(report.native.runtimes));
  });
});

describe("terminal captures", () => {
  test("a healthy and an intercepted run, in English and Chinese, through a pseudo-terminal", async () => {
    const pki = makePki(path.join(fx.dir, "pki"));
    const front = await httpsFront(pki.good, `${fx.mock.origin}/s/healthy`, "capture");
    mkdirSync(CAPTURES, { recursive: true });
    const runs = [
      ["healthy", `${fx.mock.origin}/s/healthy`, {}],
      // The CA is trusted by Node and Claude Code only (NODE_EXTRA_CA_CERTS), as when a corporate proxy's
      // CA was given to Node: Python and curl fail, and the report names the issuer.
      ["intercepted", front.localhost, { NODE_EXTRA_CA_CERTS: pki.ca }],
    ];
    for (const [name, base, env] of runs) {
      for (const lang of ["en", "zh"]) {
        const file = path.join(CAPTURES, `${name}-${lang}.txt`);
        const [cmd, args] = sandboxed(DOCTOR, ["check", base, "--lang", lang, "--samples", "2", ...side()], {
          resolv: fx.resolv,
        });
        const line = [cmd, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
        await new Promise((resolve, reject) =>
          execFile("script", ["-qec", line, file], { env: cleanEnv(fx.home, { TERM: "xterm-256color", ...env }), timeout: 60_000 }, (e) =>
            e && e.code !== 1 ? reject(e) : resolve(),
          ),
        );
        const text = readFileSync(file, "utf8");
        // Coloured, with the verdict first and the tables after it.
        assert.match(text, /\x1b\[/, `${file}: no colour on a terminal`);
        const plain = text.replace(/\x1b\[[0-9;]*m/g, "");
        const verdictAt = plain.search(lang === "en" ? /Works|Broken|Everything/ : /可用|故障|正常|一切/);
        const pathsAt = plain.indexOf(lang === "en" ? "Paths" : "路径");
        assert.ok(verdictAt >= 0 && pathsAt > verdictAt, `${file}: verdict, then paths:\n${plain.slice(0, 600)}`);
        if (name === "intercepted") {
          assert.match(plain, /API Doctor native test CA/, `${file}: the issuer is not named`);
          assert.match(plain, lang === "en" ? /Python SDK: fails/ : /Python SDK: 失败/);
          assert.match(plain, lang === "en" ? /Node SDK: works/ : /Node SDK: 可用/);
        }
        writeFileSync(file.replace(/\.txt$/, ".plain.txt"), plain);
      }
    }
  });
});
