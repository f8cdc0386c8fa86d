// What the browser tests share: where the server, the binary, Chromium and
// the screenshots are; how Chromium is launched here; the server's API; and
// waits and screenshots over a playwright page.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bboxOfFeatures } from '../src/units.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '..', '..');
export const BASE = (process.env.HECMAP_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
export const BIN = process.env.HECMAP_BIN || path.join(repo, 'target', 'release', 'hecmap');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const ARTIFACTS = process.env.HECMAP_ARTIFACTS || path.join(repo, 'test-artifacts');
export const DESKTOP = { width: 1440, height: 900 };
export const PHONE = { width: 390, height: 844 };
/** Headless Debian Chromium in a container: no sandbox, no GPU, no QUIC. */
export const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A request to the server: its status and JSON body. */
export async function api(pathname, init) {
  const res = await fetch(`${BASE}${pathname}`, init);
  return { status: res.status, body: await res.json() };
}

/**
 * Waits until the findings in the DOM come from the plan as it is now.
 * @param {import('playwright-core').Page} page
 */
export async function waitValidated(page, timeout = 30_000) {
  await page.waitForFunction(
    () => {
      const h = window.hecmap;
      return (
        h?.ready === true &&
        h.reportRev() === h.store.rev &&
        document.querySelector('#findings').dataset.rev === String(h.store.rev) &&
        !document.querySelector('.hec.pending')
      );
    },
    null,
    { timeout },
  );
}

/**
 * Waits until the map is still, with its tiles loaded.
 * @param {import('playwright-core').Page} page
 */
export async function waitMapIdle(page) {
  await page.evaluate(
    () =>
      new Promise((resolve) => {
        const map = window.hecmap.map;
        if (!map.isMoving() && map.areTilesLoaded() && map.loaded()) resolve();
        else map.once('idle', resolve);
      }),
  );
}

/**
 * A screenshot of the page as `<name>-<w>x<h>.png` in the artifacts.
 * @param {import('playwright-core').Page} page
 * @param {string} name
 */
export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const { width, height } = page.viewportSize();
  const file = path.join(ARTIFACTS, `${name}-${width}x${height}.png`);
  await page.screenshot({ path: file });
  console.log(`screenshot: ${path.relative(repo, file)}`);
}

/**
 * Imports a CSV through the page's import control and waits for its toast.
 * @param {import('playwright-core').Page} page
 * @param {string} name
 * @param {string} csv
 */
export async function importCsv(page, name, csv) {
  await page.setInputFiles('#import-file', {
    name,
    mimeType: 'text/csv',
    buffer: Buffer.from(csv),
  });
  await page.waitForFunction(
    (file) => (document.querySelector('#toast')?.innerText ?? '').includes(`Imported ${file}`),
    name,
    { timeout: 30_000 },
  );
  const said = await page.locator('#toast').innerText();
  assert.doesNotMatch(said, /\b1 (HECs|tracts)\b/, `the import's message: ${said}`);
}

/**
 * Screenshots of the side panel at a desktop and a phone size (the plan
 * sheet open on the phone, the toast dismissed), each element `show`
 * selects scrolled to the top of its part of the panel, as
 * `<name>-<w>x<h>.png`; the page's size and sheet are put back after.
 * @param {import('playwright-core').Page} page
 * @param {string} name
 * @param {string[]} [show]
 */
export async function panelShots(page, name, show = []) {
  const was = page.viewportSize();
  for (const size of [DESKTOP, PHONE]) {
    await page.setViewportSize(size);
    await page.evaluate(() => {
      window.hecmap.map.resize();
      window.hecmap.openSheet?.('plan');
      document.querySelector('#toast button[aria-label="Dismiss"]')?.click();
    });
    await waitMapIdle(page);
    for (const sel of show) {
      // The panel's own scrolling part (scrollIntoView would move the
      // page's fixed layout).
      await page.evaluate((sel) => {
        const el = document.querySelector(sel);
        let box = el?.parentElement;
        const scrolls = (x) => /(auto|scroll)/.test(getComputedStyle(x).overflowY);
        while (box && !scrolls(box)) box = box.parentElement;
        const head = box?.querySelector(':scope > .section-head');
        if (box && el) {
          const top = el.getBoundingClientRect().top - box.getBoundingClientRect().top;
          box.scrollTop += top - (head?.offsetHeight ?? 0) - 4;
        }
      }, sel);
    }
    await screenshot(page, name);
  }
  await page.setViewportSize(was);
  await page.evaluate(() => {
    window.hecmap.openSheet?.('');
    window.hecmap.map.resize();
  });
}

/** Town name -> bbox [w, s, e, n] from the server's town polygons. */
export async function townBoxes() {
  const { body } = await api('/api/units/town?geometry=true&limit=1000');
  const byId = bboxOfFeatures(body);
  return Object.fromEntries(
    body.features.map((f) => [f.properties.name, byId[Number(f.id ?? f.properties.id)]]),
  );
}
