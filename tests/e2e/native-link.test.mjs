// The page opens a report link from the native doctor (`api-doctor check --link`): read-only, under a banner
// that says it came from a command line on which host, with the doctor's paths and runtime table, in both
// languages; and a page that opened it shares it on unchanged.
//
// The link is made by the real doctor (DOCTOR_BIN, built by scripts/test) against the mock, with a proxy
// on a closed port in HTTP_PROXY: the Python SDK reads it and fails, Node ignores it and works.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { REPO, harness } from "./harness.mjs";

const h = harness();
const DOCTOR = process.env.DOCTOR_BIN || path.join(REPO, "target/debug/api-doctor");

/** A loopback port nothing listens on: bound, read, and closed again. */
function closedPort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Runs the doctor with `args` and a clean environment plus `env`; resolves with its JSON report. */
function doctor(args, env) {
  return new Promise((resolve, reject) => {
    execFile(
      DOCTOR,
      ["check", ...args, "--json"],
      { env: { PATH: process.env.PATH, HOME: "/nonexistent", LANG: "C.UTF-8", ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error && error.code !== 1) return reject(new Error(`api-doctor failed (${error.code}): ${stderr}`));
        try {
          resolve(JSON.parse(stdout));
        } catch (e) {
          reject(new Error(`api-doctor printed no JSON: ${stdout.slice(0, 500)} ${stderr.slice(0, 500)}`));
        }
      },
    );
  });
}

describe("a report link from the command line", () => {
  test("opens read-only with the doctor's paths and runtimes, in both languages, and shares on", async () => {
    const dead = await closedPort();
    const report = await doctor(
      [
        h.scenario("healthy"),
        "--link",
        `${h.pageOrigin}/`,
        "--timeout-ms",
        "3000",
        "--samples",
        "2",
        "--status-url",
        `http://127.0.0.1:${dead}/`,
        "--doh-url",
        `http://127.0.0.1:${dead}/`,
      ],
      // The mock is plain http://, so the proxy variable the runtimes read for it is HTTP_PROXY.
      { HTTP_PROXY: `http://user:s3cret-proxy-pw@127.0.0.1:${dead}` },
    );
    const link = report.link;
    assert.ok(link?.startsWith(`${h.pageOrigin}/#report=`), `no link in the doctor's JSON: ${link}`);
    assert.ok(!link.includes("s3cret"), "the proxy password went into the link");
    const byRuntime = Object.fromEntries(report.native.runtimes.map((r) => [r.runtime, r]));
    assert.equal(byRuntime.python.prediction, "fails");
    assert.equal(byRuntime.node.prediction, "works");

    for (const [locale, words] of [
      ["en-US", { who: /From a command line \(api-doctor on linux/, fails: /Python SDK: fails/, works: /Node SDK: works/ }],
      ["zh-CN", { who: /来自命令行/, fails: /Python SDK: 失败/, works: /Node SDK: 可用/ }],
    ]) {
      const page = await h.newPage({ locale });
      await page.goto(link);
      await page.waitForSelector("#shared:not([hidden])", { timeout: 15_000 });
      await page.waitForSelector("#shared-native:not([hidden])", { timeout: 5_000 });
      const who = await page.$eval("#shared-who", (e) => e.textContent);
      assert.match(who, words.who, `${locale}: ${who}`);
      assert.ok(await page.$eval("#shared-readonly", (e) => e.hidden), "the browser's read-only line shows");
      const paths = await page.$$eval("#shared-paths li", (ls) => ls.map((l) => ({ kind: l.className, text: l.textContent })));
      assert.equal(paths.length, report.native.paths.length, JSON.stringify(paths));
      assert.ok(paths.some((p) => p.kind === "pass" && p.text.includes("127.0.0.1")), JSON.stringify(paths));
      assert.ok(paths.some((p) => p.kind === "fail" && p.text.includes("***")), `the proxy path: ${JSON.stringify(paths)}`);
      const runtimes = await page.$$eval("#shared-runtimes li", (ls) => ls.map((l) => l.textContent));
      assert.equal(runtimes.length, 4, JSON.stringify(runtimes));
      assert.ok(runtimes.some((r) => words.fails.test(r)), JSON.stringify(runtimes));
      assert.ok(runtimes.some((r) => words.works.test(r)), JSON.stringify(runtimes));
      // The findings render as any shared report's, the native checks among them.
      const codes = (await h.findings(page)).map((f) => f.code);
      for (const code of ["env.config", "network.connect", "network.proxy", "auth.key"]) {
        assert.ok(codes.includes(code), `${code} missing from ${codes}`);
      }
      // Shared on, the link is the one opened: the native section is never dropped on the way.
      assert.equal(await page.$eval("#report-link", (i) => i.value), link);
      await page.close();
    }
  });

  test("a browser's report still opens without the native section", async () => {
    const page = await h.newPage();
    await page.goto(`${h.pageOrigin}/#base=${encodeURIComponent(h.scenario("healthy"))}&run=1`);
    await page.waitForFunction(() => document.getElementById("report-link").value.includes("#report="), null, {
      timeout: 60_000,
    });
    const link = await page.$eval("#report-link", (i) => i.value);
    const reader = await h.newPage();
    await reader.goto(link);
    await reader.waitForSelector("#shared:not([hidden])", { timeout: 15_000 });
    assert.ok(await reader.$eval("#shared-native", (e) => e.hidden));
    assert.ok(!(await reader.$eval("#shared-readonly", (e) => e.hidden)));
    assert.match(await reader.$eval("#shared-who", (e) => e.textContent), /Checked from/);
  });
});
