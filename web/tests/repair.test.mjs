// Browser test of "How to pass": a failing finding whose rule a change of
// towns can repair offers, on demand, the server's options (POST
// /api/suggest) in plain words with the waiver alternative; hovering or
// focusing an option previews its towns on the map without touching the
// plan; "Apply" moves exactly the option's towns as one undoable step.
//
//   HECMAP_URL=http://127.0.0.1:PORT HECMAP_BIN=/path/to/hecmap \
//     node --test --test-concurrency=1 web/tests/repair.test.mjs
//
// Screenshots (1440x900 and 390x844) go to $HECMAP_ARTIFACTS (test-artifacts/):
// repair-options-<w>x<h>.png.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { axeViolations } from './a11y.mjs';
import * as browser from './browser.mjs';
import { BASE, BIN, CHROMIUM, DESKTOP, LAUNCH_ARGS } from './browser.mjs';

const TIMEOUT = { timeout: 180_000 };
const NORTHEAST = 'Northeastern Connecticut Planning Region';
/** Rule ids as the server names them: never shown to a person. */
const RAW_RULE = /\b(threshold\.|coverage\.|cherry_pick|count\.regions|town\.split)/;
const REPAIRABLE = [
  'threshold.population',
  'threshold.medicare',
  'contiguity',
  'town.split',
  'enclave',
  'cherry_pick.high_need',
];

let ctx;
let page;
let profile;
const pageErrors = [];
/** The /api/suggest requests the page made. */
const suggestRequests = [];

const waitValidated = () => browser.waitValidated(page);
const waitMapIdle = () => browser.waitMapIdle(page);

/** The plan: tract id -> HEC name (null: none). */
const assignment = () =>
  page.evaluate(() => {
    const { store } = window.hecmap;
    return store.state.assign.map((k) => store.hec(k)?.name ?? null);
  });

/** The HEC's card. */
const card = (name) =>
  page.locator('#hec-list .hec').filter({
    has: page.locator(`.hec-name[title="${name.replace(/"/g, '\\"')}"]`),
  });

/** The item of the population finding of an HEC. */
const popItem = (name) =>
  page.locator('#findings .finding-item').filter({
    has: page.locator('.finding[data-rule="threshold.population"] .chip:not(.other)', {
      hasText: name,
    }),
  });

/** Sorted numbers. */
const sorted = (xs) => [...xs].sort((a, b) => a - b);

const shots = (name, show) => browser.panelShots(page, name, [show]);

before(async () => {
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'hecmap-repair-'));
  ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: DESKTOP,
    args: LAUNCH_ARGS,
  });
  page = ctx.pages()[0] ?? (await ctx.newPage());
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/api/suggest') suggestRequests.push(r.url());
  });
});

after(async () => {
  await ctx?.close();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
});

test('How to pass: options in words, a preview that changes nothing, Apply as one undo step', TIMEOUT, async () => {
  await page.goto(`${BASE}/`);
  await page.waitForFunction(() => window.hecmap?.ready === true, null, { timeout: 60_000 });
  const csv = execFileSync(BIN, ['example-plan', 'planning-regions'], {
    encoding: 'utf8',
    env: { ...process.env, HECMAP_DATA: process.env.HECMAP_DATA || '/work/shared/data/ct' },
  });
  await browser.importCsv(page, 'planning-regions.csv', csv);
  await waitValidated();
  await waitMapIdle();

  // "How to pass" on the failing findings a change of towns can repair, and
  // on no other; nothing asked of the server until a person asks.
  const offered = await page.$$eval('#findings .finding-item', (items) =>
    items.map((li) => ({
      rule: li.querySelector('.finding').dataset.rule,
      severity: li.querySelector('.finding').dataset.severity,
      how: !!li.querySelector('.how-to-pass'),
    })),
  );
  for (const x of offered) {
    const repairable =
      REPAIRABLE.includes(x.rule) && (x.severity === 'error' || x.severity === 'pending');
    assert.equal(x.how, repairable, `How to pass on ${x.rule} (${x.severity})`);
  }
  assert.equal(suggestRequests.length, 0, 'no suggestion asked before a click');

  const item = popItem(NORTHEAST);
  assert.equal(await item.count(), 1, 'Northeastern fails the population floor');
  const how = item.getByRole('button', { name: 'How to pass' });
  assert.equal(await how.getAttribute('aria-expanded'), 'false');
  const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/suggest');
  await how.click();
  const res = await answered;
  assert.equal(res.status(), 200);
  assert.equal(new URL(res.url()).searchParams.get('hec'), NORTHEAST, 'asked for that HEC');
  const repairs = (await res.json()).repairs;
  const repair = repairs.find((r) => r.hec === NORTHEAST && r.rule === 'threshold.population');
  assert.ok(repair?.options.length >= 1, 'the server has options');
  assert.ok(repair.waiver_alternative, 'and a waiver alternative (a rural HEC)');
  const box = item.locator('.repair');
  await box.locator('.repair-option').first().waitFor({ timeout: 30_000 });
  console.log(`suggestions for ${NORTHEAST}: ${(await page.evaluate(() => window.hecmap.suggestMs)).toFixed(0)} ms`);
  assert.equal(suggestRequests.length, 1, 'one request');
  assert.equal(await item.locator('.how-to-pass').getAttribute('aria-expanded'), 'true');

  // The options in words: each summary, its towns and where they come
  // from, the verdicts after; the waiver alternative.
  const options = box.locator('.repair-option');
  assert.equal(await options.count(), repair.options.length);
  for (const [i, o] of repair.options.entries()) {
    const text = await options.nth(i).innerText();
    assert.ok(text.includes(o.summary), `option ${i + 1} says ${o.summary}`);
    for (const m of o.adds) {
      const from = m.from.length ? `from ${m.from.join(' and ')}` : 'in no HEC yet';
      assert.ok(text.includes(m.town) && text.includes(from), `${m.town} ${from}`);
    }
    for (const a of o.after) {
      const shown = options.nth(i).locator(`.repair-after li[data-hec="${a.hec}"]`);
      assert.match(await shown.innerText(), new RegExp(a.population.toLocaleString('en-US')));
      assert.match(await shown.innerText(), a.verdict === 'passes' ? /✓ passes/ : /fails|waiver/);
    }
    assert.equal(
      await options.nth(i).locator('.repair-new').count(),
      o.new_errors.length ? 1 : 0,
      'a failure it creates is marked, and only then',
    );
  }
  const lead = await box.locator('.repair-lead').innerText();
  assert.match(lead, repair.options.length === 1 ? /^One way to pass/ : /^\d+ ways to pass/);
  assert.match(await box.locator('.repair-waiver').innerText(), /Or a waiver: .*may ask staff to waive the floors/);
  assert.doesNotMatch(await box.innerText(), RAW_RULE, 'no rule id shown');
  assert.doesNotMatch(await box.innerText(), /\b1 (towns|people|ways|tracts)\b/, 'singulars');

  // Hovering an option previews its towns; the plan does not change.
  const before = await assignment();
  const revBefore = await page.evaluate(() => window.hecmap.store.rev);
  const undoBefore = await page.evaluate(() => window.hecmap.store.undoStack.length);
  const tractsOf = (o) =>
    page.evaluate(
      (geoids) => geoids.map((g) => window.hecmap.units.byGeoid.get(g)),
      o.adds.flatMap((m) => m.tracts),
    );
  const k = Math.min(1, repair.options.length - 1);
  await options.nth(k).hover();
  const lit = await page.evaluate(() => window.hecmap.highlighted);
  assert.deepEqual(sorted(lit), sorted(await tractsOf(repair.options[k])), 'its towns lit');
  assert.deepEqual(await assignment(), before, 'hovering changes no tract');
  assert.equal(await page.evaluate(() => window.hecmap.store.rev), revBefore);
  await page.hover('#findings-title');
  assert.deepEqual(await page.evaluate(() => window.hecmap.highlighted), [], 'the preview ends');
  // Focusing an option (the keyboard) previews it too.
  const apply = options.first().getByRole('button', { name: /^Apply: add / });
  await apply.focus();
  const focusLit = await page.evaluate(() => window.hecmap.highlighted);
  assert.deepEqual(sorted(focusLit), sorted(await tractsOf(repair.options[0])));
  assert.deepEqual(await assignment(), before, 'focusing changes no tract');
  assert.equal(suggestRequests.length, 1, 'a preview asks nothing more');

  assert.deepEqual(await axeViolations(page), [], 'axe, the options open');
  await shots('repair-options', '#findings .repair:not([hidden])');
  await apply.focus();

  // Apply the first option (Enter on its button): exactly its towns move
  // into Northeastern, as one undo step, and the figures are as it said.
  const first = repair.options[0];
  const want = new Set(await tractsOf(first));
  await page.keyboard.press('Enter');
  await waitValidated();
  const afterApply = await assignment();
  const moved = afterApply.map((x, i) => (x !== before[i] ? i : -1)).filter((i) => i >= 0);
  assert.deepEqual(sorted(moved), sorted(want), 'exactly the option’s tracts moved');
  for (const i of moved) assert.equal(afterApply[i], NORTHEAST);
  assert.equal(
    await page.evaluate(() => window.hecmap.store.undoStack.length),
    undoBefore + 1,
    'one undo step',
  );
  assert.equal(await card(NORTHEAST).getAttribute('data-verdict'), 'passes');
  assert.match(await card(NORTHEAST).locator('.hec-state').innerText(), /✓ passes/);
  assert.equal(await popItem(NORTHEAST).count(), 0, 'its population finding is gone');
  for (const a of first.after) {
    const shown = await card(a.hec).locator('.bar-row.pop .value').getAttribute('data-value');
    assert.equal(Number(shown), Math.round(a.population), `${a.hec}: the population it said`);
    const reported = await page.evaluate(
      (n) => window.hecmap.report().hecs.find((x) => x.name === n),
      a.hec,
    );
    assert.equal(Math.round(reported.medicare.value), Math.round(a.medicare), `${a.hec} Medicare`);
    assert.equal(await card(a.hec).getAttribute('data-verdict'), a.verdict, `${a.hec} verdict`);
  }
  const donors = new Set(first.adds.flatMap((m) => m.from));
  assert.ok(donors.size >= 1 || first.adds.every((m) => !m.from.length));
  const toast = await page.locator('#toast').innerText();
  assert.match(toast, new RegExp(`Added .*${first.adds[0].town}.* to ${NORTHEAST}`));
  const focused = await page.evaluate(() => document.activeElement?.tagName);
  assert.notEqual(focused, 'BODY', 'the keyboard keeps a place');

  // Ctrl+Z: the whole plan as it was, in one step.
  await page.keyboard.press('Control+z');
  await waitValidated();
  assert.deepEqual(await assignment(), before, 'one undo restores the plan');
  assert.equal(await card(NORTHEAST).getAttribute('data-verdict'), 'fails');
  assert.equal(await popItem(NORTHEAST).count(), 1, 'the finding is back');
});

test('no page errors', () => {
  assert.deepEqual(pageErrors, []);
});
