// Screenshots at a phone's and a desktop's width, light and dark, before a run and after a broken one;
// each also asserts that the page never scrolls sideways and that every element Tab reaches shows a
// focus indicator of its own, large enough to tap.

import { test } from "node:test";
import assert from "node:assert/strict";
import { assertVerdict, harness, openPageAs, validKey } from "./harness.mjs";

const h = harness();

const SIZES = [
  { width: 360, height: 800 },
  { width: 1280, height: 900 },
];
const SCHEMES = ["light", "dark"];

/** Fails when the page is wider than the viewport, naming the elements that stick out. */
async function assertNoSidewaysScroll(page) {
  const got = await page.evaluate(() => {
    const width = window.innerWidth;
    const wide = [];
    for (const el of document.body.querySelectorAll("*")) {
      const r = el.getBoundingClientRect();
      if (r.right > width + 0.5 && el.checkVisibility()) {
        const name = `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${el.className ? "." + el.className : ""}`;
        wide.push(`${name} reaches ${Math.round(r.right)} px`);
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5) };
  });
  assert.ok(
    got.scrollWidth <= got.width,
    `the page scrolls sideways: ${got.scrollWidth} px wide in a ${got.width} px viewport; ${got.wide.join("; ")}`,
  );
}

/**
 * Tabs through the whole page. Every element that takes focus must show an outline of at least 2 px drawn
 * by the page's own style (not the browser's default "auto" ring), with at least 3:1 contrast against the
 * background behind it, and be at least 24 × 24 px; and Tab must reach every visible control.
 */
async function assertFocusVisible(page) {
  const expected = await page.evaluate(() => {
    const sel = "a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex='-1'])";
    const all = [...document.querySelectorAll(sel)].filter((el) => !el.disabled && el.checkVisibility());
    all.forEach((el, i) => (el.dataset.e2eFocus = String(i)));
    return all.length;
  });
  assert.ok(expected >= 5, `only ${expected} focusable elements: the page did not render`);

  // A click on the heading drops focus and makes the top of the page where Tab starts from (blur() alone
  // would leave the starting point at the button that ran the checks).
  await page.click("h1");
  const reached = new Set();
  const problems = [];
  for (let i = 0; i < expected * 2 + 10; i++) {
    await page.keyboard.press("Tab");
    const seen = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      // After the last stop, Tab wraps round to the first one.
      const wrapped = el === window.__e2eFirstStop;
      window.__e2eFirstStop ??= el;
      // Relative luminance and contrast ratio, as WCAG defines them.
      const rgb = (c) => (c.match(/[\d.]+/g) ?? []).map(Number);
      const lum = ([r, g, b]) => {
        const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
      };
      const ratio = (a, b) => {
        const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
        return (hi + 0.05) / (lo + 0.05);
      };
      // The outline lies outside the element, over its parent's (first opaque) background.
      let behind = [255, 255, 255];
      for (let p = el.parentElement; p; p = p.parentElement) {
        const c = rgb(getComputedStyle(p).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0)) {
          behind = c.slice(0, 3);
          break;
        }
      }
      const cs = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      return {
        name: `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${el.dataset.e2eFocus ? "" : " (scroller)"}`,
        index: el.dataset.e2eFocus ?? null,
        wrapped,
        style: cs.outlineStyle,
        width: parseFloat(cs.outlineWidth),
        contrast: ratio(rgb(cs.outlineColor).slice(0, 3), behind),
        size: [r.width, r.height],
      };
    });
    if (!seen || seen.wrapped) break; // back at the document, or round again to the first stop
    if (seen.index !== null) reached.add(seen.index);
    if (seen.style === "none" || seen.style === "auto" || !(seen.width >= 2)) {
      problems.push(`${seen.name}: outline ${seen.style} ${seen.width}px`);
    } else if (seen.contrast < 3) {
      problems.push(`${seen.name}: outline contrast ${seen.contrast.toFixed(2)}:1`);
    }
    if (seen.size[0] < 24 || seen.size[1] < 24) {
      problems.push(`${seen.name}: target ${seen.size.map(Math.round).join(" × ")} px`);
    }
  }
  assert.deepEqual(problems, [], "focus indicators or target sizes fall short");
  const missed = await page.evaluate(
    (got) =>
      [...document.querySelectorAll("[data-e2e-focus]")]
        .filter((el) => !got.includes(el.dataset.e2eFocus))
        .map((el) => `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}`),
    [...reached],
  );
  assert.deepEqual(missed, [], "Tab never reached these controls");
}

for (const size of SIZES) {
  for (const scheme of SCHEMES) {
    test(`${size.width} px, ${scheme}: idle`, async () => {
      const page = await openPageAs(h, { viewport: size, colorScheme: scheme });
      await h.screenshot(page, `page-${size.width}-${scheme}-idle.png`);
      await assertNoSidewaysScroll(page);
      await assertFocusVisible(page);
    });

    test(`${size.width} px, ${scheme}: a broken run with its fixes`, async () => {
      const page = await openPageAs(h, { viewport: size, colorScheme: scheme });
      const v = await h.runAgainst(page, { base: h.scenario("no-cors"), key: validKey() });
      assertVerdict(v, { state: "broken", layer: "cors", code: "cors.read", outcome: "refused" });
      // Open every snippet and the advanced settings, so that their code is laid out and measured too.
      await page.$$eval("details", (all) => all.forEach((d) => (d.open = true)));
      await h.screenshot(page, `page-${size.width}-${scheme}-broken.png`);
      await assertNoSidewaysScroll(page);
      await assertFocusVisible(page);
    });
  }
}
