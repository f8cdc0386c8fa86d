// End-to-end tests of the web map against a running hecmap server, driven
// with playwright-core and Debian's Chromium. scripts/test-web.sh builds
// everything, starts the server and runs them:
//
//   HECMAP_URL=http://127.0.0.1:PORT HECMAP_BIN=target/release/hecmap node --test web/tests/
//
// Screenshots go to test-artifacts/ at the repository root, named
// <name>-<width>x<height>.png (1440x900, and a phone's 390x844). Timings
// (first render, paint to findings) are printed with console.log, never
// asserted. axe-core checks the first visit and a plan of nine HECs.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { axeViolations } from './a11y.mjs';
import * as browser from './browser.mjs';
import { api, BASE, BIN, CHROMIUM, DESKTOP, LAUNCH_ARGS, PHONE, townBoxes } from './browser.mjs';

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
// What the browser's console reports as errors (a failed request among them).
const consoleErrors = [];
const tileRequests = [];


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

/** The number of tracts in a town. */
async function tractsOf(town) {
  return page.evaluate((t) => window.hecmap.units.townTracts.get(t).length, town);
}

async function clickTown(name) {
  const p = await pixel(TOWNS[name]);
  await page.mouse.click(p.x, p.y);
}

/** Clicks a town at a point inside it, checking first that the map has that town there. */
async function clickTownAt(name, lngLat) {
  const hit = await page.evaluate((ll) => {
    const map = window.hecmap.map;
    const f = map.queryRenderedFeatures(map.project(ll), { layers: ['town-hit'] })[0];
    return f?.properties.name;
  }, lngLat);
  assert.equal(hit, name, `the point is in ${name}`);
  const p = await pixel(lngLat);
  await page.mouse.click(p.x, p.y);
}

/** Waits until the findings in the DOM come from the plan as it is now. */
const waitValidated = () => browser.waitValidated(page, 20_000);

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

const waitMapIdle = () => browser.waitMapIdle(page);

/** A screenshot of the page as `<name>-<w>x<h>.png`. */
const shot = (name, p = page) => browser.screenshot(p, name);

/** Each tract's HEC name (null: none), by GEOID. */
async function assignment(p = page) {
  return p.evaluate(() => {
    const { store, units } = window.hecmap;
    return Object.fromEntries(
      store.state.assign.map((k, i) => [units.tracts[i].geoid, store.hec(k)?.name ?? null]),
    );
  });
}

/** The text of the toast shown (null: none). */
async function toastText(p = page) {
  return p.evaluate(() => {
    const el = document.querySelector('#toast');
    return el.hidden ? null : el.innerText;
  });
}

/** Town name -> bbox [w, s, e, n] from the server's town polygons. */

/** Draws a closed freehand loop through lng/lat points with the mouse. */
async function drawLoop(points, { alt = false } = {}) {
  const px = [];
  for (const ll of points) px.push(await pixel(ll));
  await page.mouse.move(px[0].x, px[0].y);
  await page.mouse.down();
  for (const p of [...px.slice(1), px[0]]) await page.mouse.move(p.x, p.y, { steps: 3 });
  if (alt) await page.keyboard.down('Alt');
  await page.mouse.up();
  if (alt) await page.keyboard.up('Alt');
}

/** The map's centre [lng, lat]. */
async function centre(p = page) {
  return p.evaluate(() => window.hecmap.map.getCenter().toArray());
}

before(async () => {
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'hecmap-chromium-'));
  ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: DESKTOP,
    acceptDownloads: true,
    args: LAUNCH_ARGS,
  });
  page = ctx.pages()[0] ?? (await ctx.newPage());
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
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

  // The first visit says how to start.
  const hint = page.locator('#start-hint');
  assert.ok(await hint.isVisible(), 'the start hint shows');
  assert.match(await hint.innerText(), /New HEC/);
  // aria-pressed is on the toolbar's buttons only, not on MapLibre's canvas.
  const pressed = await page.$$eval('[aria-pressed]', (els) =>
    els.map((e) => e.closest('#toolbar') !== null || e.closest('#findings') !== null),
  );
  assert.ok(pressed.every(Boolean), 'aria-pressed outside the toolbar');
  assert.equal(
    await page.locator('.maplibregl-canvas-container[aria-pressed]').count(),
    0,
    'the canvas container has no aria-pressed',
  );
  assert.equal(await page.locator('#toolbar [data-tool][aria-pressed="true"]').count(), 1);
  assert.deepEqual(await axeViolations(page), [], 'axe on the first visit');
  await waitMapIdle();
  await shot('first-visit');
  assert.deepEqual(pageErrors, []);
  // An anonymous first visit logs nothing: the session probe answers 200,
  // and no script or style is refused by the Content-Security-Policy.
  await page.waitForFunction(() => document.querySelector('#account:not([hidden])'), null, {
    timeout: 30_000,
  });
  assert.deepEqual(consoleErrors, [], 'console errors on the first visit');
});

test(
  'with no HEC a drag pans, a click creates nothing unasked; the HEC started and its unit are one undo step',
  TIMEOUT,
  async () => {
    assert.equal(await page.evaluate(() => window.hecmap.store.hecs.length), 0);
    // A drag over towns moves the map and paints nothing.
    const before = await centre();
    const a = await pixel(TOWNS.Hartford);
    await page.mouse.move(a.x, a.y);
    await page.mouse.down();
    await page.mouse.move(a.x + 160, a.y + 40, { steps: 10 });
    await page.mouse.up();
    await waitMapIdle();
    const after = await centre();
    assert.ok(Math.abs(after[0] - before[0]) > 0.05, `the map panned: ${before} -> ${after}`);
    const empty = () =>
      page.evaluate(() => ({
        hecs: window.hecmap.store.hecs.length,
        units: window.hecmap.store.assignedCount,
      }));
    assert.deepEqual(await empty(), { hecs: 0, units: 0 }, 'the drag painted nothing');
    await page.evaluate((c) => window.hecmap.map.jumpTo({ center: c }), before);
    await waitMapIdle();

    // A click creates nothing, and says how to start.
    await clickTown('Hartford');
    assert.deepEqual(await empty(), { hecs: 0, units: 0 }, 'the click created nothing');
    const offer = page.locator('#toast button', { hasText: 'Start HEC 1 with Hartford' });
    await offer.waitFor({ timeout: 5000 });
    assert.match(await toastText(), /No HEC to paint into yet/);
    await offer.click();
    await page.waitForFunction(() => window.hecmap.store.hecs.length === 1);
    const hartford = await page.evaluate(() =>
      window.hecmap.units.townTracts
        .get('Hartford')
        .every((id) => window.hecmap.store.hecOfTract(id)?.name === 'HEC 1'),
    );
    assert.ok(hartford, 'Hartford is in HEC 1');
    assert.equal(await page.locator('#start-hint').isVisible(), false, 'the hint is gone');

    // One undo takes away both the HEC and its town: no empty HEC is left.
    await page.keyboard.press('Control+z');
    assert.deepEqual(await empty(), { hecs: 0, units: 0 }, 'one undo: no HEC left');
    assert.ok(await page.locator('#start-hint').isVisible(), 'the hint is back');
    await page.keyboard.press('Control+y');
    assert.deepEqual(await empty(), { hecs: 1, units: await tractsOf('Hartford') });
    await page.keyboard.press('Control+z');

    // N makes an HEC and puts the focus in its name: typing names it.
    await page.mouse.click(5, 5); // focus leaves the map's canvas for the page
    await page.keyboard.press('n');
    const focus = await page.evaluate(() => ({
      field: document.activeElement?.classList.contains('hec-name'),
      row: document.activeElement?.closest('.hec')?.dataset.key,
      active: window.hecmap.store.active,
      value: document.activeElement?.value,
    }));
    assert.ok(focus.field, 'N focuses the new HEC name field');
    assert.equal(focus.row, focus.active, 'the field of the new (active) HEC');
    assert.equal(focus.value, 'HEC 1', 'the key N is not typed into the name');
    await page.keyboard.type('Capitol Region');
    await page.keyboard.press('Enter');
    assert.equal((await hecRows())[0].name, 'Capitol Region');
    await page.keyboard.press('Control+z'); // the name
    await page.keyboard.press('Control+z'); // the HEC
    assert.deepEqual(await empty(), { hecs: 0, units: 0 });
    await waitValidated();
  },
);

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

  // Two HECs far from half the state's people: the server (left to decide)
  // checks a partial plan, no gap. Ticked "Statewide": gaps and the number
  // of HECs are checked too. Undone: the server decides again.
  const findingRules = () =>
    page.$$eval('#findings .finding', (b) => b.map((x) => x.dataset.rule));
  let rules = await findingRules();
  assert.ok(!rules.includes('coverage.gap'), `findings: ${rules}`);
  assert.equal(await page.isChecked('#scope'), false);
  await page.check('#scope');
  await waitValidated();
  rules = await findingRules();
  assert.ok(rules.includes('coverage.gap'), `findings: ${rules}`);
  assert.ok(rules.includes('count.regions'), `findings: ${rules}`);
  await page.click('#undo');
  await waitValidated();
  assert.equal(await page.isChecked('#scope'), false);
  const colors = await page.evaluate(() =>
    window.hecmap.hecMap.map.getFeatureState({
      source: 'tracts',
      sourceLayer: 'tracts',
      id: window.hecmap.units.townTracts.get('Hartford')[0],
    }),
  );
  assert.ok(colors.color, 'Hartford tracts coloured by feature-state');
  await page.mouse.move(5, 450); // off the map: the tooltip hides
  await waitMapIdle();
  await shot('painted-plan');
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

  // A blank name is refused: the field shows the name again, with a message.
  const rev = await page.evaluate(() => window.hecmap.store.rev);
  await name.fill('   ');
  await name.press('Enter');
  assert.equal(await name.inputValue(), 'Capitol North', 'the blank name is reverted');
  assert.equal((await hecRows())[0].name, 'Capitol North');
  assert.match(await toastText(), /needs a name/);
  assert.equal(await page.evaluate(() => window.hecmap.store.rev), rev, 'the plan is unchanged');

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
  'the lasso takes the towns inside its loop, and only them; Alt+lasso erases only them',
  TIMEOUT,
  async () => {
    // Another HEC painted beside the loop first: East Hartford into Capitol North.
    await page.locator('#hec-list .hec').nth(0).click();
    await clickTownAt('East Hartford', [-72.615, 41.765]);
    await waitValidated();
    await page.click('#add-hec');
    const boxes = await townBoxes();
    // A loop around Glastonbury's extent, a little wider (a rectangle, drawn freehand).
    const [w, s, e, n] = boxes.Glastonbury;
    const m = 0.01;
    const [lw, ls, le, ln] = [w - m, s - m, e + m, n + m];
    const loop = [];
    const side = (a, b) => {
      for (let i = 0; i < 8; i++)
        loop.push([a[0] + ((b[0] - a[0]) * i) / 8, a[1] + ((b[1] - a[1]) * i) / 8]);
    };
    side([lw, ln], [le, ln]);
    side([le, ln], [le, ls]);
    side([le, ls], [lw, ls]);
    side([lw, ls], [lw, ln]);
    // The towns wholly outside the loop's extent: none of their units may move.
    const outside = Object.entries(boxes)
      .filter(([, b]) => b[2] < lw || b[0] > le || b[3] < ls || b[1] > ln)
      .map(([name]) => name);
    const tractTowns = await page.evaluate(() =>
      Object.fromEntries(window.hecmap.units.tracts.map((t) => [t.geoid, t.town])),
    );
    const outsideSet = new Set(outside);
    for (const t of ['West Hartford', 'New Haven', 'Hamden'])
      assert.ok(outsideSet.has(t), `${t} lies outside the loop`);
    assert.ok(outside.length > 150, `${outside.length} towns lie wholly outside the loop`);

    const before = await assignment();
    await page.keyboard.press('l');
    await page.waitForFunction(() => window.hecmap.hecMap.draw?.enabled === true, null, {
      timeout: 20_000,
    });
    await drawLoop(loop);
    await page.waitForFunction(
      () => window.hecmap.store.tractsOf(window.hecmap.store.active).length > 0,
      null,
      { timeout: 20_000 },
    );
    await waitValidated();
    const after = await assignment();
    const changed = Object.keys(after).filter((g) => after[g] !== before[g]);
    const hecName = (await hecRows())[2].name;
    console.log(`lasso: ${changed.length} tracts taken; toast: ${await toastText()}`);
    assert.ok(changed.length > 0 && changed.length < 60, `${changed.length} tracts taken, not 879`);
    assert.ok(changed.every((g) => after[g] === hecName), 'every unit taken is in the active HEC');
    const takenTowns = [...new Set(changed.map((g) => tractTowns[g]))];
    assert.ok(takenTowns.includes('Glastonbury'), `towns taken: ${takenTowns}`);
    for (const g of Object.keys(after)) {
      if (outsideSet.has(tractTowns[g])) assert.equal(after[g], before[g], `${g} outside kept`);
    }
    // The HECs painted before (Hartford, East Hartford beside the loop, ...) are untouched.
    for (const g of Object.keys(after)) {
      if (before[g] != null) assert.equal(after[g], before[g], `${g} (${tractTowns[g]}) kept`);
    }
    assert.ok(
      Object.keys(after)
        .filter((g) => tractTowns[g] === 'East Hartford')
        .every((g) => after[g] === 'Capitol North'),
      'East Hartford, beside the loop, stays in Capitol North',
    );
    assert.equal((await hecRows()).length, 3);
    assert.match(await toastText(), new RegExp(`\\(${changed.length} tracts\\) into ${hecName}`));
    await page.mouse.move(5, 450); // off the map: no tooltip over what was taken
    await waitMapIdle();
    await shot('lasso-taken');

    // Alt+lasso over the same loop: Glastonbury leaves its HEC, nothing else moves.
    await page.waitForTimeout(500); // the drawn loop is cleared
    await drawLoop(loop, { alt: true });
    await page.waitForFunction(
      () => window.hecmap.store.tractsOf(window.hecmap.store.active).length === 0,
      null,
      { timeout: 20_000 },
    );
    await waitValidated();
    const erased = await assignment();
    const gone = Object.keys(erased).filter((g) => erased[g] !== after[g]);
    assert.ok(gone.length > 0 && gone.length < 60, `${gone.length} tracts erased, not all`);
    assert.ok(gone.every((g) => erased[g] === null), 'erased units are in no HEC');
    for (const g of Object.keys(erased)) {
      if (outsideSet.has(tractTowns[g])) assert.equal(erased[g], before[g], `${g} outside kept`);
      if (before[g] != null) assert.equal(erased[g], before[g], `${g} (${tractTowns[g]}) kept`);
    }
    assert.ok(
      Object.keys(erased)
        .filter((g) => tractTowns[g] === 'East Hartford')
        .every((g) => erased[g] === 'Capitol North'),
      'East Hartford keeps its HEC through the erasing lasso',
    );
    assert.match(await toastText(), /erased/);
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
    await shot('nine-hecs-gap-highlighted');
    assert.deepEqual(await axeViolations(page), [], 'axe on a plan of nine HECs');
  },
);

test('the nine planning regions as HECs: a plan that reads well and passes axe', TIMEOUT, async () => {
  const csv = execFileSync(BIN, ['example-plan', 'planning-regions'], { encoding: 'utf8' });
  await page.keyboard.press('Escape'); // the highlight of the last test
  await page.setInputFiles('#import-file', {
    name: 'planning-regions.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(csv),
  });
  await page.waitForFunction(
    () => (document.querySelector('#toast')?.innerText ?? '').includes('planning-regions.csv'),
    null,
    { timeout: 20_000 },
  );
  await waitValidated();
  assert.equal((await hecRows()).length, 9);
  const free = await page.evaluate(() =>
    window.hecmap.store.state.assign.filter((k) => k == null).length,
  );
  assert.equal(free, 0, 'every tract is in a region');
  await page.evaluate(() => window.hecmap.hecMap.fitState());
  await waitMapIdle();
  await shot('nine-hecs');
  assert.deepEqual(await axeViolations(page), [], 'axe on the nine planning regions');
});

test(
  'exports the plan as CSV and GeoJSON; the GeoJSON imports back to the same assignment',
  TIMEOUT,
  async () => {
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
  await shot('server-error');
});

/** A one-finger drag on a touch screen (Chromium's touch events). */
async function touchDrag(p, cdp, a, b, steps = 12) {
  const point = (t) => [{ x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t }];
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: point(0) });
  for (let i = 1; i <= steps; i++) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: point(i / steps) });
    await p.waitForTimeout(16);
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
}

test('on a phone: the map fills the screen, panels are sheets, a finger pans and a tap paints', TIMEOUT, async () => {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: LAUNCH_ARGS,
  });
  try {
    const phone = await browser.newContext({
      viewport: PHONE,
      hasTouch: true,
      isMobile: true,
    });
    const p = await phone.newPage();
    const errors = [];
    p.on('pageerror', (e) => errors.push(e.message));
    await p.goto(`${BASE}/`);
    await p.waitForFunction(() => window.hecmap?.ready === true, null, { timeout: 30_000 });
    const first = await p.evaluate(() => window.hecmap.firstRender);
    console.log(`time to first render on a phone (390x844): ${first.toFixed(0)} ms`);
    const layout = () =>
      p.evaluate(() => ({
        scrollWidth: document.scrollingElement.scrollWidth,
        innerWidth,
        innerHeight,
        mapHeight: window.hecmap.map.getCanvas().getBoundingClientRect().height,
      }));
    const l0 = await layout();
    assert.ok(l0.scrollWidth <= l0.innerWidth, `no sideways scroll: ${JSON.stringify(l0)}`);
    assert.ok(l0.mapHeight >= 0.5 * l0.innerHeight, `the map is most of the screen: ${JSON.stringify(l0)}`);
    assert.equal(await p.locator('#panel').isVisible(), false, 'the plan sheet starts closed');
    assert.ok(await p.locator('#sheet-plan').isVisible(), 'the bar opens the plan sheet');
    assert.ok(await p.locator('#start-hint').isVisible(), 'the start hint shows');
    await shot('first-visit', p);
    assert.deepEqual(await axeViolations(p), [], 'axe on the phone first visit');

    const cdp = await phone.newCDPSession(p);
    const px = (ll) =>
      p.evaluate((x) => {
        const map = window.hecmap.map;
        const q = map.project(x);
        const r = map.getCanvas().getBoundingClientRect();
        return { x: r.left + q.x, y: r.top + q.y };
      }, ll);
    const state = () =>
      p.evaluate(() => ({
        hecs: window.hecmap.store.hecs.length,
        units: window.hecmap.store.assignedCount,
        centre: window.hecmap.map.getCenter().toArray(),
      }));
    const idle = () =>
      p.evaluate(
        () =>
          new Promise((resolve) => {
            const map = window.hecmap.map;
            if (!map.isMoving() && map.areTilesLoaded()) resolve();
            else map.once('idle', resolve);
          }),
      );

    // No HEC: a finger drag pans and creates nothing.
    let s0 = await state();
    const h = await px(TOWNS.Hartford);
    await touchDrag(p, cdp, h, { x: h.x + 90, y: h.y + 30 });
    await idle();
    let s1 = await state();
    assert.ok(Math.abs(s1.centre[0] - s0.centre[0]) > 0.02, 'the finger drag panned');
    assert.deepEqual([s1.hecs, s1.units], [0, 0]);

    // Start an HEC from the hint; then a finger drag over towns still pans, never paints.
    await p.tap('#start-hec');
    await p.waitForFunction(() => window.hecmap.store.hecs.length === 1);
    s0 = await state();
    const h2 = await px(TOWNS.Hartford);
    const w2 = await px(TOWNS['West Hartford']);
    await touchDrag(p, cdp, h2, { x: w2.x - 60, y: w2.y + 10 });
    await idle();
    s1 = await state();
    assert.ok(Math.abs(s1.centre[0] - s0.centre[0]) > 0.02, 'the finger drag panned');
    assert.equal(s1.units, 0, 'a finger drag paints nothing');

    // A tap paints.
    for (const town of ['Hartford', 'West Hartford']) {
      const q = await px(TOWNS[town]);
      await p.touchscreen.tap(q.x, q.y);
    }
    await p.waitForFunction(
      () =>
        ['Hartford', 'West Hartford'].every((t) =>
          window.hecmap.units.townTracts.get(t).every((id) => window.hecmap.store.hecOfTract(id)),
        ),
      null,
      { timeout: 10_000 },
    );

    // The plan sheet opens under the map; still no sideways scroll.
    await p.tap('#sheet-plan');
    assert.ok(await p.locator('#panel').isVisible(), 'the plan sheet is open');
    assert.equal(await p.getAttribute('#sheet-plan', 'aria-expanded'), 'true');
    const l1 = await layout();
    assert.ok(l1.scrollWidth <= l1.innerWidth, `no sideways scroll: ${JSON.stringify(l1)}`);
    assert.ok(l1.mapHeight >= 0.25 * l1.innerHeight, `the map stays in view: ${JSON.stringify(l1)}`);
    await p.waitForFunction(
      () => document.querySelector('#findings').dataset.rev === String(window.hecmap.store.rev),
      null,
      { timeout: 20_000 },
    );
    await idle();
    await shot('painted-plan', p);

    // The nine planning regions.
    const csv = execFileSync(BIN, ['example-plan', 'planning-regions'], { encoding: 'utf8' });
    await p.setInputFiles('#import-file', {
      name: 'planning-regions.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv),
    });
    await p.waitForFunction(() => window.hecmap.store.hecs.length === 9, null, { timeout: 20_000 });
    await p.waitForFunction(
      () =>
        window.hecmap.reportRev() === window.hecmap.store.rev &&
        document.querySelector('#findings').dataset.rev === String(window.hecmap.store.rev),
      null,
      { timeout: 20_000 },
    );
    const l2 = await layout();
    assert.ok(l2.scrollWidth <= l2.innerWidth, `no sideways scroll: ${JSON.stringify(l2)}`);
    await idle();
    await shot('nine-hecs', p);
    assert.deepEqual(await axeViolations(p), [], 'axe on the phone, nine HECs');
    await p.tap('#sheet-plan');
    assert.equal(await p.locator('#panel').isVisible(), false, 'the sheet closes');
    await idle();
    await shot('nine-hecs-map', p);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('no page errors', () => {
  assert.deepEqual(pageErrors, []);
});
