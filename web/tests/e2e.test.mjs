// End-to-end tests of the web map against a running hecmap server, driven
// with playwright-core and Debian's Chromium. scripts/test-web.sh builds
// everything, starts the server and runs them:
//
//   HECMAP_URL=http://127.0.0.1:PORT HECMAP_BIN=target/release/hecmap node --test web/tests/
//
// Screenshots go to test-artifacts/ at the repository root. Timings (first
// render, paint to findings) are printed with console.log.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const BASE = (process.env.HECMAP_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const BIN = process.env.HECMAP_BIN || path.join(repo, 'target', 'release', 'hecmap');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = process.env.HECMAP_ARTIFACTS || path.join(repo, 'test-artifacts');
const TIMEOUT = { timeout: 90_000 };

const TOWNS = {
  Hartford: [-72.6851, 41.7637],
  'West Hartford': [-72.742, 41.762],
  'New Haven': [-72.925, 41.308],
  Hamden: [-72.896, 41.396],
};

let ctx;
let page;
let profile;
const pageErrors = [];
const tileRequests = [];

async function api(pathname, init) {
  const res = await fetch(`${BASE}${pathname}`, init);
  return { status: res.status, body: await res.json() };
}

async function townPopulation(name) {
  const { status, body } = await api(`/api/units/town/${encodeURIComponent(name)}`);
  assert.equal(status, 200, `GET /api/units/town/${name}`);
  return body.properties.population;
}

/** Page coordinates of a longitude/latitude on the map. */
async function pixel([lng, lat]) {
  return page.evaluate(
    ([a, b]) => {
      const map = window.hecmap.map;
      const p = map.project([a, b]);
      const r = map.getCanvas().getBoundingClientRect();
      return { x: r.left + p.x, y: r.top + p.y };
    },
    [lng, lat],
  );
}

async function clickTown(name) {
  const p = await pixel(TOWNS[name]);
  await page.mouse.click(p.x, p.y);
}

/** Waits until the findings in the DOM come from the plan as it is now. */
async function waitValidated() {
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
    { timeout: 20_000 },
  );
}

/** Displayed HEC rows: name, population and Medicare as numbers. */
async function hecRows() {
  return page.$$eval('#hec-list .hec', (lis) =>
    lis.map((li) => ({
      name: li.querySelector('.hec-name').value,
      population: Number(li.querySelector('.pop .value').dataset.value),
      populationText: li.querySelector('.pop .value').textContent,
      medicare: Number(li.querySelector('.med .value').dataset.value),
      medicareLabel: li.querySelector('.med .bar-label').textContent,
      active: li.classList.contains('active'),
    })),
  );
}

async function waitMapIdle() {
  await page.evaluate(
    () =>
      new Promise((resolve) => {
        const map = window.hecmap.map;
        if (!map.isMoving() && map.areTilesLoaded() && map.loaded()) resolve();
        else map.once('idle', resolve);
      }),
  );
}

async function shot(name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, name);
  await page.screenshot({ path: file });
  console.log(`screenshot: ${path.relative(repo, file)}`);
}

before(async () => {
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'hecmap-chromium-'));
  ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1366, height: 800 },
    acceptDownloads: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = ctx.pages()[0] ?? (await ctx.newPage());
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('request', (r) => r.url().includes('/tiles/') && tileRequests.push(r.url()));
});

after(async () => {
  await ctx?.close();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
});

test('the page loads and the map renders the server tiles', TIMEOUT, async () => {
  await page.goto(`${BASE}/`);
  await page.waitForFunction(
    () => window.hecmap?.ready === true || window.hecmap?.bootError,
    null,
    { timeout: 30_000 },
  );
  assert.equal(await page.evaluate(() => window.hecmap.bootError ?? null), null);
  const firstIdle = await page.evaluate(() => window.hecmap.firstRender);
  console.log(
    `time to first render (navigation start -> first map idle with tiles): ${firstIdle.toFixed(0)} ms`,
  );
  assert.ok(
    tileRequests.some((u) => /\/tiles\/tracts\/\d+\/\d+\/\d+/.test(u)),
    'tract tiles requested',
  );
  assert.ok(
    tileRequests.some((u) => /\/tiles\/towns\/\d+\/\d+\/\d+/.test(u)),
    'town tiles requested',
  );
  const rendered = await page.evaluate(() => ({
    towns: window.hecmap.map.queryRenderedFeatures({ layers: ['town-hit'] }).length,
    tracts: window.hecmap.map.queryRenderedFeatures({ layers: ['tract-hec'] }).length,
    labels: window.hecmap.map.queryRenderedFeatures({ layers: ['town-labels'] }).length,
  }));
  assert.ok(rendered.towns > 100, `towns rendered: ${rendered.towns}`);
  assert.ok(rendered.tracts > 500, `tracts rendered: ${rendered.tracts}`);
  assert.ok(rendered.labels > 20, `town names placed: ${rendered.labels}`);
  await waitMapIdle();
  await shot('01-empty-map.png');
  assert.deepEqual(pageErrors, []);
});

test('painting towns into two HECs shows the engine populations', TIMEOUT, async () => {
  const expected = {};
  for (const name of Object.keys(TOWNS)) expected[name] = await townPopulation(name);
  assert.equal(expected.Hartford, 121054);
  assert.equal(expected['West Hartford'], 64083);

  await page.click('#add-hec');
  await clickTown('Hartford');
  await clickTown('West Hartford');
  await page.click('#add-hec');
  await clickTown('New Haven');
  await waitValidated();

  // A timed paint: mouse click on Hamden -> findings of the new plan in the DOM.
  const revBefore = await page.evaluate(() => window.hecmap.store.rev);
  const p = await pixel(TOWNS.Hamden);
  const t0 = Date.now();
  await page.mouse.click(p.x, p.y);
  await page.waitForFunction(
    (rev) => {
      const h = window.hecmap;
      return (
        h.store.rev > rev && document.querySelector('#findings').dataset.rev === String(h.store.rev)
      );
    },
    revBefore,
    { timeout: 20_000 },
  );
  const external = Date.now() - t0;
  await waitValidated();
  const inPage = await page.evaluate(() => window.hecmap.metrics.paintToFindingsMs);
  console.log(
    `paint click -> updated findings in the DOM: ${external} ms measured by the test (incl. Playwright round trips); in-page ${inPage.map((x) => x.toFixed(0)).join(', ')} ms per paint`,
  );

  const rows = await hecRows();
  assert.equal(rows.length, 2);
  assert.equal(rows[0].population, expected.Hartford + expected['West Hartford']);
  assert.equal(rows[1].population, expected['New Haven'] + expected.Hamden);
  assert.equal(
    rows[0].populationText,
    (expected.Hartford + expected['West Hartford']).toLocaleString('en-US'),
  );
  assert.match(rows[0].medicareLabel, /estimate/i, 'Medicare is labelled as an estimate');
  assert.ok(rows[1].active);

  // The same figures as the server's report for the same plan.
  const plan = {
    name: 't',
    scope: 'statewide',
    hecs: [
      { name: 'A', units: ['Hartford', 'West Hartford'] },
      { name: 'B', units: ['New Haven', 'Hamden'] },
    ],
  };
  const { body: report } = await api('/api/validate', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(plan),
  });
  assert.equal(rows[0].population, report.hecs[0].population);
  assert.equal(rows[1].medicare, Math.round(report.hecs[1].medicare.value));

  // Findings from the rules: a statewide plan of two HECs leaves gaps.
  const rules = await page.$$eval('#findings .finding', (b) => b.map((x) => x.dataset.rule));
  assert.ok(rules.includes('coverage.gap'), `findings: ${rules}`);
  assert.ok(rules.includes('count.regions'), `findings: ${rules}`);
  const colors = await page.evaluate(() =>
    window.hecmap.hecMap.map.getFeatureState({
      source: 'tracts',
      sourceLayer: 'tracts',
      id: window.hecmap.units.townTracts.get('Hartford')[0],
    }),
  );
  assert.ok(colors.color, 'Hartford tracts coloured by feature-state');
  await waitMapIdle();
  await shot('02-two-hecs-with-findings.png');
});

test('undo and redo move the totals back and forth; erase takes units out', TIMEOUT, async () => {
  const nh = await townPopulation('New Haven');
  const hamden = await townPopulation('Hamden');
  await page.keyboard.press('Control+z');
  await waitValidated();
  assert.equal((await hecRows())[1].population, nh);
  await page.keyboard.press('Control+y');
  await waitValidated();
  assert.equal((await hecRows())[1].population, nh + hamden);
  await page.click('#undo');
  await waitValidated();
  assert.equal((await hecRows())[1].population, nh);
  await page.click('#redo');
  await waitValidated();
  assert.equal((await hecRows())[1].population, nh + hamden);

  await page.keyboard.press('e'); // eraser
  await clickTown('Hamden');
  await waitValidated();
  assert.equal((await hecRows())[1].population, nh);
  await page.keyboard.press('Control+z');
  await waitValidated();
  assert.equal((await hecRows())[1].population, nh + hamden);

  // A drag over single tracts with the eraser is one undo step.
  await page.keyboard.press('t'); // tracts
  const full = (await hecRows())[0];
  const countTracts = () =>
    page.evaluate(() => window.hecmap.store.tractsOf(window.hecmap.store.hecs[0].key).length);
  const fullTracts = await countTracts();
  const a = await pixel(TOWNS.Hartford);
  const b = await pixel(TOWNS['West Hartford']);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps: 12 });
  await page.mouse.up();
  await waitValidated();
  const erased = (await hecRows())[0];
  const tracts = await countTracts();
  assert.ok(
    erased.population < full.population && tracts < fullTracts - 1,
    `drag erased several tracts (${fullTracts} -> ${tracts})`,
  );
  await page.keyboard.press('Control+z');
  await waitValidated();
  assert.equal(
    (await hecRows())[0].population,
    full.population,
    'one undo step restores the whole stroke',
  );
  await page.keyboard.press('t'); // towns
  await page.keyboard.press('b'); // back to the brush
});

test('a reload keeps the plan (localStorage)', TIMEOUT, async () => {
  const beforeRows = await hecRows();
  await page.waitForTimeout(400); // the store is written 150 ms after a change
  await page.reload();
  await page.waitForFunction(() => window.hecmap?.ready === true, null, { timeout: 30_000 });
  await waitValidated();
  const afterRows = await hecRows();
  assert.deepEqual(
    afterRows.map(({ name, population, medicare }) => ({ name, population, medicare })),
    beforeRows.map(({ name, population, medicare }) => ({ name, population, medicare })),
  );
});

test('HECs can be renamed, recoloured and deleted, and undo restores them', TIMEOUT, async () => {
  const name = page.locator('#hec-list .hec').nth(0).locator('.hec-name');
  await name.fill('Capitol North');
  await name.press('Enter');
  await waitValidated();
  assert.equal((await hecRows())[0].name, 'Capitol North');
  assert.equal(
    await page.evaluate(() => window.hecmap.report().hecs[0].name),
    'Capitol North',
    'the server validates the renamed HEC',
  );

  await page
    .locator('#hec-list .hec')
    .nth(0)
    .locator('.color-input')
    .evaluate((el) => {
      el.value = '#000075';
      el.dispatchEvent(new Event('change', { bubbles: true }));
    });
  const state = await page.evaluate(() =>
    window.hecmap.map.getFeatureState({
      source: 'tracts',
      sourceLayer: 'tracts',
      id: window.hecmap.units.townTracts.get('Hartford')[0],
    }),
  );
  assert.equal(state.color, '#000075', 'recoloured on the map through feature-state');

  const before = await hecRows();
  await page.locator('#hec-list .hec').nth(1).locator('.del').click();
  await waitValidated();
  assert.equal((await hecRows()).length, 1);
  await page.locator('#hec-list .hec').nth(0).click(); // focus leaves the deleted row
  await page.keyboard.press('Control+z');
  await waitValidated();
  const restored = await hecRows();
  assert.deepEqual(
    restored.map((r) => [r.name, r.population]),
    before.map((r) => [r.name, r.population]),
  );
});

test(
  'the lasso puts the units inside a freehand polygon into the active HEC',
  TIMEOUT,
  async () => {
    await page.click('#add-hec');
    await page.keyboard.press('l');
    const [lng, lat] = [-72.6082, 41.7123]; // Glastonbury
    const c = await pixel([lng, lat]);
    const r = 45;
    await page.mouse.move(c.x + r, c.y);
    await page.mouse.down();
    for (let a = 0; a <= 2 * Math.PI + 0.01; a += Math.PI / 24)
      await page.mouse.move(c.x + r * Math.cos(a), c.y + r * Math.sin(a), { steps: 2 });
    await page.mouse.up();
    await page.waitForFunction(
      () => window.hecmap.store.tractsOf(window.hecmap.store.active).length > 0,
      null,
      { timeout: 20_000 },
    );
    await waitValidated();
    const rows = await hecRows();
    assert.equal(rows.length, 3);
    assert.ok(rows[2].population > 0);
    const glastonbury = await page.evaluate(() =>
      window.hecmap.units.townTracts
        .get('Glastonbury')
        .every((id) => window.hecmap.store.hecOfTract(id)?.key === window.hecmap.store.active),
    );
    assert.ok(glastonbury, 'Glastonbury is in the lassoed HEC');
    await page.keyboard.press('b');
  },
);

test(
  'importing a CSV with a gap shows coverage.gap naming Union; clicking it zooms and highlights',
  TIMEOUT,
  async () => {
    const csv = execFileSync(BIN, ['example-plan', 'planning-regions'], { encoding: 'utf8' });
    const withoutUnion = csv
      .split(/\r?\n/)
      .filter((line) => !/^"?Union"?,/.test(line))
      .join('\n');
    assert.ok(withoutUnion.length < csv.length, 'Union row removed');
    await page.setInputFiles('#import-file', {
      name: 'regions-without-union.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(withoutUnion),
    });
    await page.waitForFunction(() => window.hecmap.store.hecs.length === 9, null, {
      timeout: 20_000,
    });
    await waitValidated();
    const gap = page.locator('#findings .finding[data-rule="coverage.gap"]');
    await gap.waitFor({ timeout: 10_000 });
    assert.match(await gap.innerText(), /Union/);

    const report = await page.evaluate(() => window.hecmap.report());
    const finding = report.findings.find((f) => f.rule === 'coverage.gap');
    assert.deepEqual(finding.towns, ['Union']);
    const centreBefore = await page.evaluate(() => window.hecmap.map.getCenter().toArray());
    const zoomBefore = await page.evaluate(() => window.hecmap.map.getZoom());
    await gap.click();
    await page.waitForFunction(() => !window.hecmap.map.isMoving(), null, { timeout: 10_000 });
    await page.waitForTimeout(100);
    await page.waitForFunction(() => !window.hecmap.map.isMoving(), null, { timeout: 10_000 });
    const centreAfter = await page.evaluate(() => window.hecmap.map.getCenter().toArray());
    const zoomAfter = await page.evaluate(() => window.hecmap.map.getZoom());
    const moved = Math.hypot(centreAfter[0] - centreBefore[0], centreAfter[1] - centreBefore[1]);
    assert.ok(moved > 0.05, `map centre moved by ${moved.toFixed(3)}°`);
    assert.ok(zoomAfter > zoomBefore, 'map zoomed in');
    // The centre is now near Union (north-eastern Connecticut).
    assert.ok(centreAfter[0] > -72.4 && centreAfter[1] > 41.85, `centre ${centreAfter}`);
    const states = await page.evaluate(
      (ids) =>
        ids.map((id) =>
          window.hecmap.map.getFeatureState({ source: 'tracts', sourceLayer: 'tracts', id }),
        ),
      finding.tract_ids,
    );
    assert.ok(states.length > 0 && states.every((s) => s.hl === true), 'gap tracts highlighted');
    assert.deepEqual(await page.evaluate(() => window.hecmap.highlighted), finding.tract_ids);
    assert.equal(await page.locator('#findings .finding.selected').count(), 1);
    await waitMapIdle();
    await shot('03-imported-plan-gap-highlighted.png');
  },
);

test(
  'exports the plan as CSV and GeoJSON; the GeoJSON imports back to the same assignment',
  TIMEOUT,
  async () => {
    const assignment = () =>
      page.evaluate(() => {
        const { store, units } = window.hecmap;
        return Object.fromEntries(
          store.state.assign.map((k, i) => [units.tracts[i].geoid, store.hec(k)?.name ?? null]),
        );
      });
    const before = await assignment();

    await page.selectOption('#export-format', 'csv');
    const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
    const csv = fs
      .readFileSync(await csvDownload.path(), 'utf8')
      .trim()
      .split(/\r?\n/);
    assert.equal(csv[0], 'tract,tract_2022,town,hec');
    assert.ok(csv.length > 800, `${csv.length} CSV lines`);
    assert.equal(await page.locator('#save-status').innerText(), 'exported');

    await page.selectOption('#export-format', 'geojson');
    const [geoDownload] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
    const file = path.join(os.tmpdir(), `hecmap-export-${process.pid}.geojson`);
    await geoDownload.saveAs(file);
    const fc = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.equal(fc.type, 'FeatureCollection');
    assert.equal(fc.features.length, 9);

    await page.setInputFiles('#import-file', file);
    await page.waitForFunction(
      (name) => (document.querySelector('#toast')?.innerText ?? '').includes(`Imported ${name}`),
      path.basename(file),
      { timeout: 20_000 },
    );
    await waitValidated();
    fs.rmSync(file, { force: true });
    assert.deepEqual(await assignment(), before, 'drawn polygons resolve to the same tracts');
    await page.selectOption('#export-format', 'csv');
  },
);

test('a plan the server rejects shows the server message', TIMEOUT, async () => {
  const bad = 'unit,hec\nAtlantis,A\n';
  const { status, body } = await api('/api/validate', {
    method: 'POST',
    headers: { 'content-type': 'text/csv' },
    body: bad,
  });
  assert.ok(status >= 400 && status < 500, `status ${status}`);
  const message = body.error.message;
  await page.setInputFiles('#import-file', {
    name: 'bad.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(bad),
  });
  const toast = page.locator('#toast.error');
  await toast.waitFor({ timeout: 10_000 });
  assert.ok((await toast.innerText()).includes(message), `toast shows: ${message}`);
  assert.equal(
    await page.evaluate(() => window.hecmap.store.hecs.length),
    9,
    'the plan is unchanged',
  );
  await shot('04-server-error.png');
});

test('no page errors', () => {
  assert.deepEqual(pageErrors, []);
});
