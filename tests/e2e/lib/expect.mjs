// The verdicts and findings tests expect, and the assertions that compare a run's with them.

import assert from "node:assert/strict";

/** The verdicts tests expect, in the shape `assertVerdict` compares. */
export const healthy = { state: "healthy" };
export const cancelled = { state: "cancelled" };
export const broken = (layer, code, outcome) => ({ state: "broken", layer, code, outcome });
export const degraded = (layer, code, outcome) => ({ state: "degraded", layer, code, outcome });

/**
 * The keyless path works: the target answers (the no-cors probe) and its 401 is readable (the CORS read).
 * Most rows about a key or a body assert it beside their own finding, so that a fault there is not
 * mistaken for one lower down.
 */
export const pathWorks = { "network.reach": ["pass", "answered"], "cors.read": ["pass", "readable"] };

/**
 * Whether a verdict is degraded by `perf.latency` alone. That check times round trips, and on a loaded
 * machine a cold one can cost the 300 ms more than a warm one that makes it warn, though nothing is wrong
 * with the path: the page reports the machine honestly, and a test that is not about speed must not depend
 * on how busy the machine is. The native doctor's tests use it too.
 */
export function slowedByTheMachine(v) {
  return v.state === "degraded" && v.code === "perf.latency";
}

/**
 * Asserts the verdict's state, layer, code and outcome at once, with the verdict text on failure. An
 * expected healthy verdict also takes one degraded by `perf.latency` alone (see `slowedByTheMachine`); the
 * tests of speed assert `perf.latency`'s finding itself.
 */
export function assertVerdict(v, want) {
  if (want.state === "healthy" && slowedByTheMachine(v)) return;
  const got = { state: v.state, layer: v.layer, code: v.code, outcome: v.outcome };
  assert.deepEqual(got, { layer: null, code: null, outcome: null, ...want }, `verdict text:\n${v.text}`);
}

/** A run that worked: healthy, or degraded by `perf.latency` alone (see `slowedByTheMachine`). */
export function assertWorked(v) {
  assertVerdict(v, healthy);
}

/** Asserts the status and outcome of some findings, given as { code: [status, outcome] }. */
export function assertFindings(findings, want) {
  const got = {};
  for (const code of Object.keys(want)) {
    const f = findings.find((x) => x.code === code);
    got[code] = f ? [f.status, f.outcome] : null;
  }
  assert.deepEqual(got, want);
}

/**
 * Runs one row of a table of scenarios in a fresh page and asserts it: the verdict, some findings, every
 * check decided, and the row's own `also(verdict, findings)`. A row names its scenario (`name`) or a
 * `base()`, whether it sends `key`, its `verdict` and its `findings`.
 */
export async function assertRow(h, row, key) {
  const page = await h.openPage();
  const base = row.base ? row.base() : h.scenario(row.name);
  const v = await h.runAgainst(page, { base, key: row.key ? key : "" });
  const fs = await h.findings(page);
  assertVerdict(v, row.verdict);
  assertFindings(fs, row.findings);
  // Every check is decided once the verdict is.
  assert.deepEqual(fs.filter((f) => f.status === "pending").map((f) => f.code), []);
  await row.also?.(v, fs);
}
