// Browser tests of the coordinator's guidance in the side panel: a pending
// waiver is its own state (never "passes"), a rural HEC that fails the
// floors is told it may ask for a waiver, the rules in plain words ("How it
// works") and a "why?" on every finding, shortfalls in words, the towns of
// each HEC (removable by mouse and keyboard, undoable), suggestions for a
// misspelt town or GEOID, and the statewide switch beside the verdict.
//
//   HECMAP_URL=http://127.0.0.1:PORT HECMAP_BIN=/path/to/hecmap \
//     node --test --test-concurrency=1 web/tests/guidance.test.mjs
//
// Screenshots (1440x900 and 390x844) go to $HECMAP_ARTIFACTS (test-artifacts/).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { axeViolations } from './a11y.mjs';
import * as browser from './browser.mjs';
import { api, BASE, BIN, CHROMIUM, DESKTOP, LAUNCH_ARGS } from './browser.mjs';

const TIMEOUT = { timeout: 120_000 };
const NORTHEAST = 'Northeastern Connecticut Planning Region';
const NORTHWEST = 'Northwest Hills Planning Region';
/** Rule ids as the server names them: never shown to a person. */
const RAW_RULE = /\b(threshold\.|coverage\.|cherry_pick|count\.regions|town\.split)/;

let ctx;
let page;
let profile;
let rules;
const pageErrors = [];


/** Waits until the findings in the DOM come from the plan as it is now. */
const waitValidated = () => browser.waitValidated(page);


const shots = (name, show = []) => browser.panelShots(page, name, show);

const a11y = () => axeViolations(page);

/** Types a unit into "Add a town or tract" and submits it. */
async function addUnit(text) {
  await page.fill('#add-unit-input', text);
  await page.press('#add-unit-input', 'Enter');
}

/** Tract ids of a town, and whether each is in the HEC named. */
async function townIn(town, hec) {
  return page.evaluate(
    ([t, name]) => {
      const { store, units } = window.hecmap;
      return units.townTracts.get(t).every((id) => store.hecOfTract(id)?.name === name);
    },
    [town, hec],
  );
}

/** The card of an HEC. */
const card = (name) =>
  page.locator('#hec-list .hec').filter({
    has: page.locator(`.hec-name[title="${name.replace(/"/g, '\\"')}"]`),
  });

/** Imports a CSV through the import control, then waits for its report. */
async function importCsv(name, csv) {
  await browser.importCsv(page, name, csv);
  await waitValidated();
}

/**
 * The planning regions as a plan whose rural HECs named ask for a waiver of
 * the floors (CSV columns waiver_reason and waive).
 * @param {string[]} asking
 */
function regionsAsking(asking) {
  const csv = execFileSync(BIN, ['example-plan', 'planning-regions'], {
    encoding: 'utf8',
    env: { ...process.env, HECMAP_DATA: process.env.HECMAP_DATA || '/work/shared/data/ct' },
  });
  const lines = csv.trim().split(/\r?\n/);
  assert.equal(lines[0], 'town,hec');
  const rows = lines.slice(1).map((line) => {
    const hec = line.slice(line.indexOf(',') + 1).replace(/^"|"$/g, '');
    const ask = asking.includes(hec);
    return `${line},${ask ? '"Few people over a wide rural area"' : ''},${ask ? 'thresholds' : ''}`;
  });
  return ['town,hec,waiver_reason,waive', ...rows].join('\n') + '\n';
}

/**
 * The import keeps the waiver requests the file makes: on the map's HECs
 * (those asking, and only those), and sent with the plan to be checked.
 * @param {string[]} asking
 */
async function assertWaiversKept(asking) {
  const kept = await page.evaluate(
    () => Object.fromEntries(window.hecmap.store.hecs.map((x) => [x.name, x.waiver ?? null])),
  );
  const requested = {
    reason: 'Few people over a wide rural area',
    waive: ['thresholds'],
    status: 'requested',
  };
  for (const [name, waiver] of Object.entries(kept)) {
    assert.deepEqual(waiver, asking.includes(name) ? requested : null, `the waiver of ${name}`);
  }
  const reported = await page.evaluate(
    (names) => names.map((n) => window.hecmap.report()?.hecs.find((x) => x.name === n)?.waiver),
    asking,
  );
  assert.deepEqual(reported, asking.map(() => requested), 'the report has the waivers sent');
}

before(async () => {
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'hecmap-guidance-'));
  ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: DESKTOP,
    args: LAUNCH_ARGS,
  });
  page = ctx.pages()[0] ?? (await ctx.newPage());
  page.on('pageerror', (e) => pageErrors.push(e.message));
  rules = (await api('/api/rules')).body.effective;
});

after(async () => {
  await ctx?.close();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
});

test('a one-HEC sketch is a partial plan; the statewide switch sits by the verdict', TIMEOUT, async () => {
  await page.goto(`${BASE}/`);
  await page.waitForFunction(() => window.hecmap?.ready === true, null, { timeout: 60_000 });
  assert.equal(await page.locator('#toolbar #scope').count(), 0, 'not in the toolbar any more');
  assert.equal(await page.locator('#findings-section #scope').count(), 1, 'beside the verdict');

  await page.click('#add-hec');
  await addUnit('Hartford');
  await waitValidated();
  const findings = await page.$$eval('#findings .finding', (b) => b.map((x) => x.dataset.rule));
  assert.ok(!findings.includes('coverage.gap'), `no gap for a sketch: ${findings}`);
  assert.ok(!findings.includes('count.regions'), `no HEC count for a sketch: ${findings}`);
  assert.equal(await page.evaluate(() => window.hecmap.report().plan.scope), 'partial');
  assert.equal(await page.isDisabled('#scope'), true);
  assert.equal(await page.isChecked('#scope'), false, 'the switch shows what is checked');
  assert.match(
    await page.innerText('#scope-note'),
    new RegExp(
      'A sketch of one HEC is judged as a partial plan: gaps \\(land in no HEC\\) and the ' +
        'number of HECs \\(8–12\\) are checked only for a statewide plan',
    ),
  );

  // A second HEC with units, far from half the state's people: the server
  // (left to decide) checks a partial plan, and the switch says so.
  await page.click('#add-hec');
  await addUnit('New Haven');
  await waitValidated();
  assert.equal(await page.evaluate(() => window.hecmap.store.state.scope), 'auto');
  assert.equal(await page.evaluate(() => window.hecmap.report().plan.scope), 'partial');
  assert.equal(await page.isDisabled('#scope'), false);
  assert.equal(await page.isChecked('#scope'), false, 'the switch shows what is checked');
  assert.match(await page.innerText('#scope-note'), /Partial plan: gaps .* are not checked/);
  let rulesShown = await page.$$eval('#findings .finding', (b) => b.map((x) => x.dataset.rule));
  assert.ok(!rulesShown.includes('coverage.gap'), `partial: no gap: ${rulesShown}`);
  // Ticked: checked as the whole state, and it stays ticked after redraws.
  await page.click('#scope');
  await waitValidated();
  assert.equal(await page.evaluate(() => window.hecmap.report().plan.scope), 'statewide');
  assert.equal(await page.isChecked('#scope'), true);
  assert.match(await page.innerText('#scope-note'), /Checked as the whole state: gaps/);
  rulesShown = await page.$$eval('#findings .finding', (b) => b.map((x) => x.dataset.rule));
  assert.ok(rulesShown.includes('coverage.gap') && rulesShown.includes('count.regions'));
  await page.click('#undo'); // the server decides again: partial
  await waitValidated();
  assert.equal(await page.isChecked('#scope'), false);
  rulesShown = await page.$$eval('#findings .finding', (b) => b.map((x) => x.dataset.rule));
  assert.ok(!rulesShown.includes('coverage.gap'), 'undone: a partial plan again');
  await page.click('#hec-list .hec:nth-child(2) .del');
  await waitValidated();
});

test('shortfall in words, plurals, the towns of an HEC and its verdict', TIMEOUT, async () => {
  const hartford = (await api('/api/units/town/Hartford')).body.properties;
  const c = page.locator('#hec-list .hec').first();
  const short = await c.locator('.hec-short').innerText();
  const people = rules.thresholds.population_min - hartford.population;
  assert.match(
    short,
    new RegExp(`${people.toLocaleString('en-US')} people short of ${rules.thresholds.population_min.toLocaleString('en-US')}`),
  );
  assert.match(short, /≈ [\d,]+ Medicare beneficiaries short of 20,000 \(estimate\)/);
  assert.equal(await c.getAttribute('data-verdict'), 'fails');
  assert.match(await c.locator('.hec-state').innerText(), /✗ fails/);
  const meta = await c.locator('.hec-meta').innerText();
  assert.match(meta, /^41 tracts/);
  assert.doesNotMatch(meta, /split/, 'no split without a finding');
  assert.equal(await c.locator('.hec-towns summary').innerText(), '1 town');
  const panel = await page.innerText('#panel');
  assert.doesNotMatch(panel, /\b1 (HEC|tract|town|error|warning|note)s\b/, 'singulars');
  assert.doesNotMatch(panel, /HEC HEC/);
  assert.doesNotMatch(panel, RAW_RULE, 'no rule id shown');
});

test('a misspelt town or GEOID gets a suggestion, accepted in one click', TIMEOUT, async () => {
  const rev = await page.evaluate(() => window.hecmap.store.rev);
  await addUnit('West Hartfrod');
  const box = page.locator('#add-unit-suggest');
  await box.waitFor({ state: 'visible' });
  assert.equal(
    await box.locator('.suggest-msg').innerText(),
    '"West Hartfrod" is not a town; did you mean West Hartford?',
  );
  assert.equal(await page.evaluate(() => window.hecmap.store.rev), rev, 'nothing added yet');
  assert.deepEqual(await a11y(), []);
  assert.equal(await page.locator('#toast.error').count(), 0, 'no "not found" error');
  await box.getByRole('button', { name: 'Add West Hartford' }).click();
  await waitValidated();
  assert.ok(await townIn('West Hartford', 'HEC 1'), 'accepted: West Hartford in HEC 1');
  assert.equal(await box.isHidden(), true);
  assert.equal(await page.inputValue('#add-unit-input'), '');

  // A GEOID with a wrong digit.
  const geoid = await page.evaluate(() => window.hecmap.units.tracts[0].geoid);
  const wrong = geoid.slice(0, -1) + (geoid.at(-1) === '9' ? '8' : '9');
  await addUnit(wrong);
  await box.waitFor({ state: 'visible' });
  assert.match(
    await box.innerText(),
    new RegExp(`"${wrong}" is not a tract GEOID; did you mean .*${geoid}`),
  );
  await page.fill('#add-unit-input', '');
  assert.equal(await box.isHidden(), true, 'typing again clears the suggestion');
});

test('each town of an HEC is removable by keyboard and mouse, and undoable', TIMEOUT, async () => {
  const c = page.locator('#hec-list .hec').first();
  await c.locator('.hec-towns summary').click();
  const list = c.locator('.town-list');
  await list.waitFor();
  assert.deepEqual(await list.locator('.town-name').allInnerTexts(), ['Hartford', 'West Hartford']);
  const removeHartford = page.getByRole('button', { name: 'Remove Hartford from HEC 1' });
  assert.equal(await removeHartford.count(), 1, 'a button named for the town and the HEC');
  assert.deepEqual(await a11y(), []);

  // Keyboard: focus the button, Enter.
  await removeHartford.focus();
  await page.keyboard.press('Enter');
  await waitValidated();
  assert.equal(await townIn('Hartford', 'HEC 1'), false, 'Hartford removed');
  assert.ok(await townIn('West Hartford', 'HEC 1'), 'West Hartford stays');
  const focused = await page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
  assert.equal(focused, 'Remove West Hartford from HEC 1', 'focus moves to the next town');
  await page.keyboard.press('Control+z');
  await waitValidated();
  assert.ok(await townIn('Hartford', 'HEC 1'), 'undo brings Hartford back');

  // Mouse, then the toast's Undo.
  await page.getByRole('button', { name: 'Remove West Hartford from HEC 1' }).click();
  await waitValidated();
  assert.equal(await townIn('West Hartford', 'HEC 1'), false);
  assert.match(await page.innerText('#toast'), /Removed West Hartford from HEC 1\./);
  await page.locator('#toast').getByRole('button', { name: 'Undo' }).click();
  await waitValidated();
  assert.ok(await townIn('West Hartford', 'HEC 1'), 'Undo in the toast');
  assert.equal(await c.locator('.hec-towns summary').innerText(), '2 towns');
});

test('How it works: the rules in plain words, from the server’s settings; a why? on every finding', TIMEOUT, async () => {
  // Hartford alone: below the floors.
  await page.getByRole('button', { name: 'Remove West Hartford from HEC 1' }).click();
  await waitValidated();
  const findings = page.locator('#findings .finding-item');
  const n = await findings.count();
  assert.ok(n > 0);
  for (let i = 0; i < n; i++) {
    assert.equal(await findings.nth(i).locator('.why').count(), 1, `finding ${i} has a why?`);
  }
  const first = findings.first();
  const rule = await first.locator('.finding').getAttribute('data-rule');
  await first.locator('.why').click();
  const why = first.locator('.why-text');
  assert.equal(await why.isVisible(), true);
  assert.equal(await first.locator('.why').getAttribute('aria-expanded'), 'true');
  const text = await why.innerText();
  assert.ok(text.length > 40, text);
  assert.doesNotMatch(text, RAW_RULE);
  if (rule.startsWith('threshold.')) assert.match(text, /150,000 people|20,000 Medicare/);

  await why.getByRole('button', { name: 'More in How it works' }).click();
  assert.equal(await page.locator('#rules-guide').getAttribute('open'), '');
  const guide = await page.innerText('#guide-body');
  const pop = rules.thresholds.population_min.toLocaleString('en-US');
  const med = rules.thresholds.medicare_min.toLocaleString('en-US');
  assert.match(guide, /Health Enhancement Community/);
  assert.match(guide, new RegExp(`at least ${pop} people .* at least ${med} Medicare`));
  assert.match(guide, /whole towns/i);
  assert.match(guide, /overlap/);
  assert.match(guide, /gap/);
  assert.match(guide, /Cherry-picking/);
  assert.match(
    guide,
    new RegExp(`Only a rural HEC, with under ${rules.rural.max_density_per_km2} people per km²`),
  );
  assert.match(guide, /proposal/);
  assert.doesNotMatch(guide, RAW_RULE);
  const focusedSection = await page.evaluate(() => document.activeElement?.id);
  assert.match(focusedSection, /^guide-/, 'focus on the section of the rule');
  assert.deepEqual(await a11y(), []);
  await shots('guidance-rules-guide', ['#rules-guide']);
  await page.click('#rules-guide > summary'); // closed again
});

test('a rural HEC failing a floor may ask for a waiver; a pending waiver never passes', TIMEOUT, async () => {
  await importCsv('regions-waiver.csv', regionsAsking([NORTHEAST]));
  await assertWaiversKept([NORTHEAST]);

  // The whole plan: Northwest Hills fails; Northeastern is pending.
  const verdict = page.locator('#verdict');
  assert.equal(await verdict.getAttribute('data-verdict'), 'fails');
  assert.doesNotMatch(await verdict.innerText(), /✓|Passes/);
  assert.match(await verdict.innerText(), /✗ Fails \(1 error, 1 waiver pending/);

  const ne = card(NORTHEAST);
  assert.equal(await ne.getAttribute('data-verdict'), 'pending');
  const neState = await ne.locator('.hec-state').innerText();
  assert.match(neState, /pending staff decision/);
  assert.doesNotMatch(neState, /✓|passes/, 'a pending waiver does not pass');
  assert.match(
    await ne.locator('.hec-waiver').innerText(),
    /Waiver of the population floor requested: passes if approved, fails if refused/,
  );
  const pending = page.locator(
    `#findings .finding[data-rule="threshold.population"][data-severity="pending"]`,
  );
  assert.equal(await pending.count(), 1);
  assert.match(await pending.innerText(), /Pending staff decision/i);
  assert.doesNotMatch(await pending.innerText(), /waived/i);
  assert.equal(await page.locator('#findings .finding[data-severity="waived"]').count(), 0);
  assert.doesNotMatch(await page.innerText('#panel'), /waived/i);

  const nw = card(NORTHWEST);
  assert.equal(await nw.getAttribute('data-verdict'), 'fails');
  const ask = await nw.locator('.hec-waiver').innerText();
  assert.match(ask, /Rural \(\d+ people per km², under 150\): this HEC may ask staff for a waiver/);
  assert.match(ask, /in its proposal/);
  assert.doesNotMatch(await page.innerText('#panel'), RAW_RULE);
  await nw.scrollIntoViewIfNeeded();
  assert.deepEqual(await a11y(), []);
  await shots('guidance-failing-plan', ['#hec-list .hec[data-verdict="fails"]', '#scope-row', '#findings-section']);
  await nw.getByRole('button', { name: 'How to ask' }).click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'guide-waiver');
  await page.click('#rules-guide > summary');
});

test('the plan pending only on waivers: the verdict says both outcomes', TIMEOUT, async () => {
  await importCsv('regions-two-waivers.csv', regionsAsking([NORTHEAST, NORTHWEST]));
  await assertWaiversKept([NORTHEAST, NORTHWEST]);
  const verdict = page.locator('#verdict');
  assert.equal(await verdict.getAttribute('data-verdict'), 'pending');
  const text = await verdict.innerText();
  assert.equal(text, '◐ Pending staff decision: passes if approved, fails if refused');
  assert.doesNotMatch(text, /✓|Passes/);
  assert.equal(await page.evaluate(() => window.hecmap.report().passes), false);
  for (const name of [NORTHEAST, NORTHWEST]) {
    assert.equal(await card(name).getAttribute('data-verdict'), 'pending', name);
  }
  const states = await page.$$eval('#hec-list .hec .hec-state', (els) => els.map((e) => e.innerText));
  assert.equal(states.filter((s) => /pending staff decision/.test(s)).length, 2);
  await shots('guidance-pending-waiver', ['#hec-list .hec[data-verdict="pending"]', '#scope-row', '#findings-section']);

  // Undone and redone, then reloaded (the plan kept in this browser): still pending.
  await page.click('#undo');
  await waitValidated();
  await page.click('#redo');
  await waitValidated();
  await assertWaiversKept([NORTHEAST, NORTHWEST]);
  await page.waitForFunction(
    (n) => JSON.parse(localStorage.getItem('hecmap.plan.v1')).hecs.filter((x) => x.waiver).length === n,
    2,
  );
  await page.reload();
  await page.waitForFunction(() => window.hecmap?.ready === true, null, { timeout: 60_000 });
  await waitValidated();
  await assertWaiversKept([NORTHEAST, NORTHWEST]);
  assert.equal(await page.locator('#verdict').getAttribute('data-verdict'), 'pending');
});

test('the town tooltip shows need and poverty next to population and Medicare', TIMEOUT, async () => {
  const town = (await api('/api/units/town/Hartford')).body.properties;
  const tip = await page.evaluate(() => {
    const { map } = window.hecmap;
    map.jumpTo({ center: [-72.6851, 41.7637], zoom: 10 });
    return new Promise((resolve) => map.once('idle', resolve));
  });
  void tip;
  const p = await page.evaluate(() => {
    const map = window.hecmap.map;
    const q = map.project([-72.6851, 41.7637]);
    const r = map.getCanvas().getBoundingClientRect();
    return { x: r.left + q.x, y: r.top + q.y };
  });
  await page.keyboard.press('h'); // pan: hovering only
  await page.mouse.move(p.x, p.y);
  await page.mouse.move(p.x + 2, p.y + 1);
  const tooltip = page.locator('#tooltip');
  await tooltip.waitFor({ state: 'visible' });
  const text = await tooltip.innerText();
  assert.match(text, /Hartford/);
  assert.match(text, new RegExp(`Population\\s+${town.population.toLocaleString('en-US')}`));
  assert.match(text, /Medicare\s+≈ [\d,]+ \(estimate\)/);
  assert.match(text, /Need\s+\d+(st|nd|rd|th) percentile/);
  const share = Math.round(town.share_below_200pct_fpl * 100);
  assert.match(text, new RegExp(`Poverty\\s+${share}% below 200% FPL`));
  await page.keyboard.press('b');
});

test('no page errors', () => {
  assert.deepEqual(pageErrors, []);
});
