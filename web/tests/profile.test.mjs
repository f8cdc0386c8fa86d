// Browser tests of the needs profile on each HEC's card: closed at first;
// opened, every measure of the report's profile (not its denominators) beside
// the state's, rates as %, counts as whole numbers, estimates marked (the
// CDC PLACES measures and Medicare, not the census counts); a hot spot
// highlights exactly its tract and changes nothing in the plan; the profile
// follows the plan; axe-clean; screenshots at a desktop and a phone size.
//
//   HECMAP_URL=http://127.0.0.1:PORT node --test --test-concurrency=1 web/tests/profile.test.mjs
//
// Screenshots (1440x900 and 390x844) go to $HECMAP_ARTIFACTS (test-artifacts/).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { axeViolations } from './a11y.mjs';
import * as browser from './browser.mjs';
import { BASE, CHROMIUM, DESKTOP, LAUNCH_ARGS } from './browser.mjs';

const TIMEOUT = { timeout: 120_000 };
const HEC = 'Capitol Region';
/** The CDC PLACES measures (model-based estimates) and the Medicare estimate. */
const ESTIMATES = [
  'any_disability',
  'diabetes',
  'asthma',
  'coronary_heart_disease',
  'high_blood_pressure',
  'uninsured',
  'annual_checkup',
  'dental_visit',
  'medicare',
];
/** Census counts: not estimates in the sense of the profile. */
const COUNTED = ['pop_65plus', 'below_100pct_fpl', 'below_200pct_fpl', 'share_below_200pct_fpl'];

let ctx;
let page;
let profileDir;
const pageErrors = [];

const waitValidated = () => browser.waitValidated(page);
const card = () => page.locator('#hec-list .hec').first();
const row = (key) => card().locator(`.pf-row[data-key="${key}"]`);

/** The report's profile of the first HEC, by key. */
async function reported() {
  const rows = await page.evaluate(() => window.hecmap.report().hecs[0].profile);
  return Object.fromEntries(rows.map((m) => [m.key, m]));
}

/** What the plan holds: its rev, its active HEC, its tracts' HECs. */
const planState = () =>
  page.evaluate(() => {
    const { store } = window.hecmap;
    return {
      rev: store.rev,
      active: store.active,
      assign: [...store.state.assign],
      hecs: store.hecs.map((x) => x.name),
    };
  });

const shots = (name) => browser.panelShots(page, name, ['.pf-row[data-key="asthma"]']);

before(async () => {
  profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hecmap-profile-'));
  ctx = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: DESKTOP,
    args: LAUNCH_ARGS,
  });
  page = ctx.pages()[0] ?? (await ctx.newPage());
  page.on('pageerror', (e) => pageErrors.push(e.message));
});

after(async () => {
  await ctx?.close();
  if (profileDir) fs.rmSync(profileDir, { recursive: true, force: true });
});

test('the needs profile of an HEC: its figures beside the state’s, estimates marked', TIMEOUT, async () => {
  await page.goto(`${BASE}/`);
  await page.waitForFunction(() => window.hecmap?.ready === true, null, { timeout: 60_000 });
  await browser.importCsv(
    page,
    'capitol.csv',
    `town,hec\nHartford,${HEC}\nWest Hartford,${HEC}\n`,
  );
  await waitValidated();
  const details = card().locator('.hec-profile');
  assert.equal(await details.isVisible(), true, 'the profile is on the card');
  assert.equal(await details.evaluate((d) => d.open), false, 'closed at first');
  assert.equal(await details.locator('summary.profile-summary').innerText(), 'Needs profile');
  // Opened from the keyboard.
  await details.locator('summary.profile-summary').focus();
  await page.keyboard.press('Enter');
  assert.equal(await details.evaluate((d) => d.open), true);

  const rep = await reported();
  const diabetes = rep.diabetes;
  assert.ok(diabetes && diabetes.kind === 'rate', 'the report has diabetes as a rate');
  const pct = (x) => `${(x * 100).toFixed(1)}%`;
  assert.equal(await row('diabetes').locator('.pf-value').innerText(), `≈ ${pct(diabetes.value)}`);
  assert.equal(
    await row('diabetes').locator('.pf-state-value').innerText(),
    `≈ ${pct(diabetes.state)}`,
  );
  assert.match(await row('diabetes').innerText(), /Adults with diabetes/);
  assert.match(await row('diabetes').locator('.pf-figs').innerText(), /^≈ [\d.]+% ▲ above the state’s ≈ [\d.]+%$/);
  assert.match(
    await row('pop_65plus').locator('.pf-figs').innerText(),
    /^[\d,]+ of the state’s [\d,]+ \([\d.]+%\)$/,
  );
  // A count: a whole number with thousands separators.
  assert.equal(
    await row('pop_65plus').locator('.pf-value').innerText(),
    Math.round(rep.pop_65plus.value).toLocaleString('en-US'),
  );

  // The denominators are left out; every other measure is shown.
  const shown = await card().locator('.pf-row').evaluateAll((r) => r.map((x) => x.dataset.key));
  assert.ok(!shown.includes('population') && !shown.includes('poverty_universe'), `${shown}`);
  const expected = Object.keys(rep).filter((k) => k !== 'population' && k !== 'poverty_universe');
  assert.deepEqual(shown, expected);

  // Estimates marked (≈ and "estimate", the method one click away); counts not.
  for (const key of ESTIMATES) {
    assert.equal(rep[key]?.estimate, true, `the report says ${key} is an estimate`);
    const text = await row(key).innerText();
    assert.match(text, /≈/, `${key}: ≈`);
    assert.match(text, /\(estimate\)/, `${key}: "estimate"`);
    assert.match(text, /How it is estimated/, `${key}: its method`);
  }
  for (const key of COUNTED) {
    const text = await row(key).innerText();
    assert.doesNotMatch(text, /≈|estimate/, `${key} is not an estimate`);
    assert.match(text, /Source/, `${key}: its source`);
  }
  const places = row('diabetes').locator('.pf-source');
  await places.locator('summary').click();
  assert.match(await places.innerText(), /CDC PLACES/);
  assert.match(await row('medicare').locator('.pf-source').textContent(), /CMS Medicare/);
  assert.deepEqual(pageErrors, []);
});

test('a hot spot highlights exactly its tract and changes nothing in the plan', TIMEOUT, async () => {
  const rep = await reported();
  const spot = rep.diabetes.hot_spots[0];
  const button = row('diabetes').locator('.pf-spot').first();
  assert.match(await row('diabetes').locator('.pf-hot').innerText(), /^Highest:/);
  assert.match(await button.innerText(), new RegExp(spot.name));
  const id = await page.evaluate((g) => window.hecmap.units.byGeoid.get(g), spot.tract);
  assert.equal(typeof id, 'number');
  const before = await planState();
  await button.click();
  assert.deepEqual(await page.evaluate(() => window.hecmap.highlighted), [id]);
  assert.deepEqual(await page.evaluate(() => window.hecmap.hecMap.highlighted), [id]);
  assert.deepEqual(await planState(), before, 'the plan is as it was');
  // By keyboard: another hot spot, another single tract.
  const other = rep.asthma.hot_spots[1];
  const otherId = await page.evaluate((g) => window.hecmap.units.byGeoid.get(g), other.tract);
  await row('asthma').locator('.pf-spot').nth(1).focus();
  await page.keyboard.press('Enter');
  assert.deepEqual(await page.evaluate(() => window.hecmap.highlighted), [otherId]);
  assert.deepEqual(await planState(), before, 'the plan is as it was');
  assert.equal(await card().locator('.hec-profile').evaluate((d) => d.open), true);
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], 'axe with the profile open');
  await shots('profile');
  assert.deepEqual(pageErrors, []);
});

test('the profile follows the plan: a town added changes its figures', TIMEOUT, async () => {
  const was = await reported();
  const countBefore = await row('pop_65plus').locator('.pf-value').innerText();
  const shownBefore = await row('diabetes').locator('.pf-value').innerText();
  await page.fill('#add-unit-input', 'Bloomfield');
  await page.press('#add-unit-input', 'Enter');
  await waitValidated();
  assert.equal(
    await page.evaluate(() => window.hecmap.report().hecs[0].towns.includes('Bloomfield')),
    true,
  );
  const now = await reported();
  assert.notEqual(now.pop_65plus.value, was.pop_65plus.value, 'the report changed');
  assert.equal(
    await row('pop_65plus').locator('.pf-value').innerText(),
    Math.round(now.pop_65plus.value).toLocaleString('en-US'),
  );
  assert.notEqual(
    await row('pop_65plus').locator('.pf-value').innerText(),
    countBefore,
    'the figure shown changed',
  );
  const shownNow = await row('diabetes').locator('.pf-value').innerText();
  assert.equal(shownNow, `≈ ${(now.diabetes.value * 100).toFixed(1)}%`);
  console.log(`diabetes: ${shownBefore} -> ${shownNow}`);
  assert.equal(await card().locator('.hec-profile').evaluate((d) => d.open), true, 'still open');
  assert.match(await row('diabetes').locator('.pf-source').innerText(), /CDC PLACES/, 'its source too');
  assert.deepEqual(pageErrors, []);
});
