// Joins the catalogue of outcomes (every check's every outcome, from `cargo run --example catalogue`)
// with the outcomes the end-to-end runs rendered (coverage-*.json, written by the harness), writes the
// table code × outcome → native table test and end-to-end scenarios to coverage.md, and fails when an
// outcome was reached by no end-to-end scenario.
//
// Usage: node tests/e2e/coverage.mjs <catalogue.tsv> <dir with coverage-*.json>

import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const [catalogueFile, dir] = process.argv.slice(2);
if (!catalogueFile || !dir) {
  console.error("usage: node tests/e2e/coverage.mjs <catalogue.tsv> <coverage dir>");
  process.exit(2);
}

const catalogue = readFileSync(catalogueFile, "utf8")
  .split("\n")
  .filter(Boolean)
  .map((line) => {
    const [code, outcome, status, layer] = line.split("\t");
    return { code, outcome, status, layer };
  });

const seen = new Map();
for (const file of readdirSync(dir).filter((f) => /^coverage-.*\.json$/.test(f))) {
  for (const { code, outcome, scenario } of JSON.parse(readFileSync(path.join(dir, file), "utf8"))) {
    const key = `${code}/${outcome}`;
    if (!seen.has(key)) seen.set(key, new Set());
    seen.get(key).add(scenario);
  }
}

const rows = ["| code | outcome | status | native test | end-to-end scenarios |", "|---|---|---|---|---|"];
const missing = [];
for (const { code, outcome, status } of catalogue) {
  const scenarios = [...(seen.get(`${code}/${outcome}`) ?? [])].sort();
  if (!scenarios.length) missing.push(`${code}/${outcome}`);
  const module = code.replace(".", "_");
  const shown = scenarios.slice(0, 3).join(", ") + (scenarios.length > 3 ? `, +${scenarios.length - 3}` : "");
  rows.push(`| ${code} | ${outcome} | ${status} | checks::${module}::tests::outcomes_table | ${shown || "—"} |`);
}
const out = path.join(dir, "coverage.md");
writeFileSync(out, rows.join("\n") + "\n");
const covered = catalogue.length - missing.length;
console.log(`outcomes reached end to end: ${covered} of ${catalogue.length} (table in ${out})`);
if (missing.length) {
  console.error(`no end-to-end scenario reached:\n  ${missing.join("\n  ")}`);
  process.exit(1);
}
