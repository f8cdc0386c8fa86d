// The negotiation in the browser, the API round of tests/negotiation.rs in
// miniature, asserting what each user sees and what must not happen:
//
// - editor A imports the nine planning regions: a save asks which HEC,
//   shows the towns and people it claims, and sends only that one (never
//   879 tracts); a cancelled confirmation sends nothing;
// - A saves and submits Hartford and West Hartford; a colleague saves a
//   newer version (Bloomfield) meanwhile: the page's save is refused (409)
//   and stays refused until the colleague's version is brought in, which
//   keeps both changes (Bloomfield and A's Windsor);
// - editor B's proposal overlaps A's (West Hartford): the confirmation warns
//   before sending; B comments on the dispute;
// - editor C (a rural HEC) asks for a waiver: "pending staff decision",
//   never "passes", in the editor view and on the board;
// - state staff: no plan editor; the board framed on the proposals, the
//   facts to decide the waiver, comments, the activity log, exports; a
//   stale ruling (409) reloads the board; approving the waiver changes C's
//   verdict; the highlight does not survive a reload; state plan version 1
//   has a diff;
// - editors see their HEC as the state's plan has it after the rulings;
//   a forced ruling shows the server's 403; an analyst sees the board
//   read-only. axe-core finds no critical or serious violation on the
//   editor view and the board; screenshots at 1440x900 and 390x844.
//
// Needs the accounts scripts/test-web.sh creates (HECMAP_TEST_PASSWORD,
// HECMAP_TEST_ORG_A, HECMAP_TEST_ORG_B) on a fresh store; skipped without them.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { axeViolations } from './a11y.mjs';
import * as shared from './browser.mjs';
import { ARTIFACTS, BASE, BIN, CHROMIUM, LAUNCH_ARGS, repo } from './browser.mjs';

const PASSWORD = process.env.HECMAP_TEST_PASSWORD;
const ORG_A = process.env.HECMAP_TEST_ORG_A || 'Greater Hartford HEC';
const ORG_B = process.env.HECMAP_TEST_ORG_B || 'Central Connecticut HEC';
const ORG_C = 'Northeast Connecticut HEC';
const skip = PASSWORD
  ? false
  : 'needs the accounts scripts/test-web.sh creates (HECMAP_TEST_PASSWORD)';
const T = { timeout: 180_000, skip };

const TOWNS = {
  Hartford: [-72.6851, 41.7637],
  'West Hartford': [-72.742, 41.762],
};
const POINTS = {
  Hartford: [-72.6851, 41.7637],
  Putnam: [-71.909, 41.915],
  Greenwich: [-73.63, 41.03],
};
/** Northeastern Connecticut: rural (well under 150 people per km²), under 150,000 people. */
const NORTHEAST = [
  'Ashford',
  'Brooklyn',
  'Canterbury',
  'Chaplin',
  'Eastford',
  'Hampton',
  'Killingly',
  'Plainfield',
  'Pomfret',
  'Putnam',
  'Scotland',
  'Sterling',
  'Thompson',
  'Union',
  'Voluntown',
  'Woodstock',
];
/** Raw rule ids must not show in the negotiation's column. */
const RAW_RULE = new RegExp(
  '\\b(coverage\\.(gap|overlap|sliver)|threshold\\.(population|medicare)|count\\.regions|' +
    'cherry_pick\\.high_need|town\\.split)\\b',
);

/** What no view may say: unfilled values, wrong plurals, doubled words. */
const BAD_WORDS = new RegExp(
  '\\bnull\\b|\\bundefined\\b|\\bNaN\\b|\\b1 (HECs|tracts|towns|people|comments|versions)\\b|' +
    '\\d+ HECs? claimed by|HEC HEC',
);

/** The negotiation's column: no raw rule id, no unfilled value, no bad plural. */
async function checkWords(where) {
  const text = await page.locator('#nego').innerText();
  assert.doesNotMatch(text, RAW_RULE, `${where}: a raw rule id`);
  assert.doesNotMatch(text, BAD_WORDS, `${where}: wording`);
}

let browser;
let page;
const pageErrors = [];
const orgs = {};
/** the bodies of every POST .../proposal/versions the page sent */
const saves = [];

async function api(pathname, { token, method = 'GET', body } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${BASE}${pathname}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: res.status === 204 ? null : await res.json() };
}

async function token(username) {
  const { status, body } = await api('/api/auth/login', {
    method: 'POST',
    body: { username, password: PASSWORD, kind: 'token', label: 'web test' },
  });
  assert.equal(status, 200, `token for ${username}: ${JSON.stringify(body)}`);
  return body.token;
}

async function townPopulation(name) {
  const { body } = await api(`/api/units/town/${encodeURIComponent(name)}`);
  return body.properties.population;
}

async function shot(name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, name);
  await page.screenshot({ path: file });
  console.log(`screenshot: ${path.relative(repo, file)}`);
}

/** Screenshots of a view at a desktop and a phone size: name-1440x900.png, name-390x844.png. */
async function shots(name) {
  const before = page.viewportSize();
  for (const [width, height] of [
    [1440, 900],
    [390, 844],
  ]) {
    await page.setViewportSize({ width, height });
    await page.evaluate(() => window.hecmap.map.resize());
    await waitMapIdle();
    await shot(`${name}-${width}x${height}.png`);
    // On a phone the negotiation is a sheet under the map: open it too.
    const sheet = page.locator('#sheet-nego');
    if (width < 900 && (await sheet.isVisible())) {
      await sheet.click();
      await page.waitForTimeout(400); // the sheet's transition, for the picture only
      await shot(`${name}-${width}x${height}-sheet.png`);
      await sheet.click();
    }
  }
  await page.setViewportSize(before);
  await page.evaluate(() => window.hecmap.map.resize());
}

const a11y = () => axeViolations(page);

const waitMapIdle = () => shared.waitMapIdle(page);

async function clickTown(name) {
  const p = await page.evaluate(([a, b]) => {
    const map = window.hecmap.map;
    const q = map.project([a, b]);
    const r = map.getCanvas().getBoundingClientRect();
    return { x: r.left + q.x, y: r.top + q.y };
  }, TOWNS[name]);
  await page.mouse.click(p.x, p.y);
}

async function signIn(username, password = PASSWORD) {
  // A test that failed half-way left someone signed in.
  if (await page.locator('#signout').isVisible()) await signOut();
  await page.fill('#signin-user', username);
  await page.fill('#signin-pass', password);
  await page.click('#signin-btn');
}

async function signOut() {
  await page.click('#signout');
  await page.locator('#signin').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#nego').isHidden(), true, 'the negotiation panel closes');
}

/** Imports a CSV through the page's import control and waits for its toast. */
const importCsv = (name, csv) => shared.importCsv(page, name, csv);

/** The towns a saved body claims, whole. */
function savedUnits(body) {
  assert.equal(body.plan.hecs.length, 1, 'a save sends one HEC');
  return new Set(body.plan.hecs[0].units);
}

/** Opens the save confirmation and waits for its overlap check. */
async function openConfirm(button) {
  await page.click(button);
  const confirm = page.locator('#ed-confirm');
  await confirm.waitFor();
  await confirm.locator('.no-overlap, .overlap-warning').waitFor({ timeout: 30_000 });
  return confirm;
}

before(async () => {
  if (skip) return;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: LAUNCH_ARGS,
  });
  const ctx = await browser.newContext({
    viewport: { width: 1500, height: 860 },
    acceptDownloads: true,
  });
  page = await ctx.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('request', (r) => {
    if (r.method() === 'POST' && /\/proposal\/versions$/.test(new URL(r.url()).pathname)) {
      saves.push(JSON.parse(r.postData()));
    }
  });
  const admin = await token('admin');
  // A third, rural HEC with its editor.
  const org = await api('/api/organizations', {
    token: admin,
    method: 'POST',
    body: { name: ORG_C },
  });
  assert.ok([201, 409].includes(org.status), JSON.stringify(org.body));
  for (const o of (await api('/api/organizations', { token: admin })).body) orgs[o.name] = o.id;
  assert.ok(orgs[ORG_A] && orgs[ORG_B] && orgs[ORG_C], `organizations ${JSON.stringify(orgs)}`);
  const user = await api('/api/users', {
    token: admin,
    method: 'POST',
    body: {
      username: 'editor-c',
      display_name: 'Cy (Northeast)',
      role: 'editor',
      organization_id: orgs[ORG_C],
      password: PASSWORD,
    },
  });
  assert.ok([201, 409].includes(user.status), JSON.stringify(user.body));
  await page.goto(`${BASE}/`);
  await page.waitForFunction(
    () => window.hecmap?.ready === true || window.hecmap?.bootError,
    null,
    { timeout: 30_000 },
  );
  await page.evaluate(() => window.hecmap.negoReady);
});

after(async () => {
  await browser?.close();
});

test(
  'editor A with the nine planning regions on the map saves only the HEC chosen, after seeing what it claims',
  T,
  async () => {
    await page.locator('#signin').waitFor({ state: 'visible' });
    // A wrong password: the server's message.
    await signIn('editor-a', 'not-the-password');
    const err = page.locator('#signin-error');
    await err.waitFor({ state: 'visible' });
    assert.match(await err.innerText(), /Sign-in failed: .+/);

    await signIn('editor-a');
    await page.locator('#whoami-text', { hasText: ORG_A }).waitFor();
    const who = await page.locator('#whoami-text').innerText();
    assert.match(who, /HEC editor/i);
    await page.locator('#nego[data-role="editor"] #ed-versions').waitFor();
    assert.equal(await page.locator('.ruling-form').count(), 0, 'no ruling controls for an editor');
    assert.equal(await page.locator('#hec-section').isVisible(), true, 'editors keep the HEC list');
    assert.match(await page.locator('#ed-versions').innerText(), /No version yet/);

    const csv = execFileSync(BIN, ['example-plan', 'planning-regions'], { encoding: 'utf8' });
    await importCsv('planning-regions.csv', csv);
    await page.waitForFunction(() => window.hecmap.store.hecs.length === 9);
    const capitol = await page.evaluate(() => {
      const { store } = window.hecmap;
      const hec = store.hecs.find((x) => x.name === 'Capitol Planning Region');
      const ids = store.tractsOf(hec.key);
      const towns = [...new Set(ids.map((id) => window.hecmap.units.tracts[id].town))].sort();
      const people = ids.reduce((s, id) => s + window.hecmap.units.tracts[id].population, 0);
      return { key: hec.key, tracts: ids.length, towns, people };
    });
    assert.ok(capitol.tracts > 100 && capitol.tracts < 879, `Capitol: ${capitol.tracts} tracts`);

    // Nine HECs on the map: the page asks which one is the proposal.
    const choose = page.locator('#ed-save-hec');
    await choose.waitFor();
    assert.equal(await choose.locator('option').count(), 9);
    await choose.selectOption(capitol.key);
    const info = await page.locator('#ed-save-info').innerText();
    assert.match(info, /Saves “Capitol Planning Region” as Greater Hartford HEC's proposal/);
    assert.match(info, /The 8 other HECs on the map are not saved/);
    await page.fill('#ed-rationale', 'The Capitol region: one health district, one transit system.');

    // Save: nothing is sent before the confirmation, which shows the towns and people.
    const confirm = await openConfirm('#ed-save');
    const text = await confirm.innerText();
    assert.match(text, /Version 1 of Greater Hartford HEC's proposal, a draft/);
    assert.match(text, /“Capitol Planning Region”/);
    assert.match(text, new RegExp(`${capitol.towns.length} towns, ${capitol.tracts} tracts`));
    assert.match(text, new RegExp(capitol.people.toLocaleString('en-US')));
    assert.match(text, /Hartford/);
    assert.match(text, /overlaps no other submitted proposal/);
    assert.match(text, /Not saved: the 8 other HECs on the map/);
    assert.equal(saves.length, 0, 'nothing sent before the confirmation');
    await page.click('#ed-confirm-cancel');
    assert.equal(await page.locator('#ed-confirm').isHidden(), true);
    assert.equal(saves.length, 0, 'a cancelled save sends nothing');

    await openConfirm('#ed-save');
    await page.click('#ed-confirm-save');
    const v1 = page.locator('#ed-versions .version[data-version="1"]');
    await v1.waitFor();
    assert.equal(saves.length, 1);
    assert.deepEqual([...savedUnits(saves[0])].sort(), capitol.towns, 'only the Capitol towns sent');
    assert.equal(saves[0].plan.hecs[0].name, ORG_A);
    assert.match(
      await page.locator('#ed-message').innerText(),
      /Saved “Capitol Planning Region” as version 1/,
    );
    const tokenA = await token('editor-a');
    const report = await api(`/api/organizations/${orgs[ORG_A]}/proposal/versions/1/report`, {
      token: tokenA,
    });
    assert.equal(report.body.hecs.length, 1);
    assert.equal(report.body.hecs[0].tracts, capitol.tracts, 'version 1 is not 879 tracts');
    await page.locator('#ed-findings[data-version="1"] .verdict').waitFor();
    await checkWords('editor A, version 1');

    // Version 1 is the first: its diff says so.
    await v1.locator('button.show-diff').click();
    const first = page.locator('#ed-diff .diff[data-from="0"][data-to="1"]');
    await first.waitFor();
    assert.match(await first.innerText(), /the first/);
  },
);

test(
  'a colleague’s newer version is brought in after a 409, both changes kept, never overwritten',
  T,
  async () => {
    // A new map with one HEC: Hartford and West Hartford. No choice to make.
    await page.click('#new-plan');
    await page.evaluate(() => window.hecmap.map.resize());
    await waitMapIdle();
    await page.click('#add-hec');
    await clickTown('Hartford');
    await clickTown('West Hartford');
    await page.waitForFunction(() =>
      window.hecmap.units.townTracts
        .get('West Hartford')
        .every((id) => window.hecmap.store.hecOfTract(id)),
    );
    assert.equal(await page.locator('#ed-save-hec').isVisible(), false, 'one HEC: no choice');
    await page.fill(
      '#ed-rationale',
      'Hartford and West Hartford share hospitals, transit and a health district.',
    );
    await openConfirm('#ed-save-submit');
    await page.click('#ed-confirm-save');
    await page
      .locator('#ed-versions .version[data-version="2"][data-status="submitted"]')
      .waitFor();
    assert.deepEqual([...savedUnits(saves.at(-1))].sort(), ['Hartford', 'West Hartford']);

    // A colleague saves version 3 (Bloomfield joins) through the API.
    const tokenA = await token('editor-a');
    const saved = await api(`/api/organizations/${orgs[ORG_A]}/proposal/versions`, {
      token: tokenA,
      method: 'POST',
      body: {
        base_version: 2,
        rationale: 'Bloomfield joins: its clinic serves north Hartford.',
        plan: { hecs: [{ units: ['Hartford', 'West Hartford', 'Bloomfield'] }] },
      },
    });
    assert.equal(saved.status, 201);

    // Meanwhile, on the page: Windsor joins, a new rationale.
    await page.fill('#add-unit-input', 'Windsor');
    await page.press('#add-unit-input', 'Enter');
    await page.waitForFunction(() => {
      const { units, store } = window.hecmap;
      return units.townTracts.get('Windsor').every((id) => store.hecOfTract(id));
    });
    await page.fill('#ed-rationale', 'Windsor joins: the same visiting nurses.');
    const sentBefore = saves.length;
    await openConfirm('#ed-save');
    await page.click('#ed-confirm-save');
    const conflict = page.locator('#ed-message.conflict');
    await conflict.waitFor();
    assert.match(
      await conflict.innerText(),
      /Not saved: someone saved version 3 of this proposal while you worked from version 2/,
    );
    assert.equal(saves.length, sentBefore + 1);
    assert.equal(saves.at(-1).base_version, 2);

    // Saving again without bringing it in is refused again: never overwritten.
    await openConfirm('#ed-save');
    const [refused] = await Promise.all([
      page.waitForResponse(
        (r) => r.request().method() === 'POST' && r.url().endsWith('/proposal/versions'),
      ),
      page.click('#ed-confirm-save'),
    ]);
    assert.equal(refused.status(), 409);
    await conflict.waitFor();
    const versions = await api(`/api/organizations/${orgs[ORG_A]}/proposal`, { token: tokenA });
    assert.equal(versions.body.head, 3, 'no version 4: the colleague’s version stands');

    // Bring their changes in: Bloomfield (theirs) and Windsor (ours) both on the map.
    await page.locator('#ed-message button', { hasText: 'Bring their changes in' }).click();
    const merged = page.locator('#ed-message[data-merged="3"]');
    await merged.waitFor();
    const mergeText = await merged.innerText();
    assert.match(mergeText, /Brought in version 3 \(editor-a\): added Bloomfield/);
    assert.match(mergeText, /Your changes, kept: added Windsor/);
    assert.match(mergeText, /Both of you changed the rationale/);
    const onMap = await page.evaluate(() => {
      const { store, units } = window.hecmap;
      const key = store.hecs[0].key;
      const all = (t) => units.townTracts.get(t).every((id) => store.state.assign[id] === key);
      return {
        hecs: store.hecs.length,
        towns: Object.fromEntries(
          ['Hartford', 'West Hartford', 'Bloomfield', 'Windsor'].map((t) => [t, all(t)]),
        ),
      };
    });
    assert.equal(onMap.hecs, 1);
    assert.deepEqual(onMap.towns, {
      Hartford: true,
      'West Hartford': true,
      Bloomfield: true,
      Windsor: true,
    });
    assert.equal(
      await page.inputValue('#ed-rationale'),
      'Windsor joins: the same visiting nurses.',
      'the editor’s rationale kept',
    );
    await page.locator('#ed-diff .diff[data-from="2"][data-to="3"]').waitFor();
    await checkWords('editor A, a colleague’s version brought in');
    await shot('10-editor-colleague-version-brought-in.png');
    assert.match(await page.locator('#ed-diff').innerText(), /added: Bloomfield/);
    await merged.locator('button.use-theirs').click();
    assert.match(await page.inputValue('#ed-rationale'), /Bloomfield joins/);
    await page.fill(
      '#ed-rationale',
      'Bloomfield and Windsor join: the clinic and the visiting nurses serve north Hartford.',
    );

    await openConfirm('#ed-save-submit');
    await page.click('#ed-confirm-save');
    await page
      .locator('#ed-versions .version[data-version="4"][data-status="submitted"]')
      .waitFor();
    assert.equal(saves.at(-1).base_version, 3);
    assert.deepEqual(
      [...savedUnits(saves.at(-1))].sort(),
      ['Bloomfield', 'Hartford', 'West Hartford', 'Windsor'],
      'the colleague’s Bloomfield and the editor’s Windsor',
    );
    await signOut();
  },
);

test(
  'editor B’s save warns that it overlaps A’s submitted proposal; B comments on the dispute',
  T,
  async () => {
    await signIn('editor-b');
    await page.locator('#nego[data-role="editor"] #ed-versions').waitFor();
    const csv = 'unit,hec\nWest Hartford,B\nNewington,B\nWethersfield,B\n';
    await importCsv('central.csv', csv);
    await page.fill(
      '#ed-rationale',
      'West Hartford, Newington and Wethersfield share a health district.',
    );
    const wh = await townPopulation('West Hartford');
    const confirm = await openConfirm('#ed-save-submit');
    const warning = confirm.locator('.overlap-warning');
    assert.match(
      await warning.innerText(),
      new RegExp(
        `also claimed by ${ORG_A}: West Hartford \\(${wh.toLocaleString('en-US')} people\\)`,
      ),
    );
    assert.doesNotMatch(await warning.innerText(), /Newington|Wethersfield/);
    await checkWords('editor B, the save confirmation');
    await shot('09-editor-save-overlap-warning.png');
    await page.click('#ed-confirm-save');
    await page
      .locator('#ed-versions .version[data-version="1"][data-status="submitted"]')
      .waitFor();
    const dispute = page.locator('#ed-disputes .dispute');
    await dispute.waitFor({ timeout: 20_000 });
    assert.match(await dispute.innerText(), /West Hartford/);
    assert.match(await dispute.innerText(), new RegExp(`also claimed by ${ORG_A}`));

    const thread = dispute.locator('details.comments');
    await thread.locator('summary').click();
    await thread.locator('textarea').fill('Our clinic runs the West Hartford school programme.');
    await thread.locator('button.comment-send').click();
    await dispute.locator('details.comments[data-count="1"]').waitFor();
    assert.match(await thread.innerText(), /Our clinic runs[\s\S]*editor-b \(HEC editor\)/);
    await signOut();
  },
);

test(
  'editor C asks for a rural waiver: pending staff decision, never passes',
  T,
  async () => {
    await signIn('editor-c');
    await page.locator('#nego[data-role="editor"] #ed-versions').waitFor();
    await importCsv('northeast.csv', `unit,hec\n${NORTHEAST.map((t) => `${t},NE`).join('\n')}\n`);
    await page.fill('#ed-rationale', 'The quiet corner: sixteen towns, one hospital in Putnam.');
    await page.check('#ed-waiver');
    await page.fill(
      '#ed-waiver-reason',
      'Rural: 65 people per km²; no willing neighbour reaches the population floor.',
    );
    await openConfirm('#ed-save-submit');
    await page.click('#ed-confirm-save');
    await page
      .locator('#ed-versions .version[data-version="1"][data-status="submitted"]')
      .waitFor();
    const findings = page.locator('#ed-findings[data-version="1"]');
    await findings.locator('.verdict').waitFor();
    const v = findings.locator('.verdict');
    assert.equal(await v.getAttribute('data-verdict'), 'pending');
    const vText = await v.innerText();
    assert.match(vText, /Pending staff decision/);
    assert.doesNotMatch(vText, /✓|\bPasses\b/, 'a pending waiver does not pass');
    assert.match(
      await findings.locator('.finding[data-rule="threshold.population"]').innerText(),
      /Pending staff decision[\s\S]*Population/i,
    );
    const state = page.locator('#ed-state .verdict');
    await state.waitFor({ timeout: 20_000 });
    assert.equal(await state.getAttribute('data-verdict'), 'pending');
    await checkWords('editor C, pending waiver');
    await signOut();
  },
);

test(
  'staff: no plan editor; the board frames the proposals, gives the facts of the waiver, comments, the log; rulings change the verdicts',
  T,
  async () => {
    const westHartford = await townPopulation('West Hartford');
    const hecsBefore = await page.evaluate(() => window.hecmap.store.hecs.length);
    await signIn('staff');
    await page.locator('#nego[data-role="staff"]').waitFor();
    const open = page.locator('#bd-disputes .dispute[data-open="true"]');
    await open.waitFor({ timeout: 30_000 });

    // The plan editor is for HEC editors: hidden, and N makes no HEC.
    assert.equal(await page.locator('#hec-section').isHidden(), true);
    for (const tool of ['paint', 'erase', 'lasso']) {
      assert.equal(await page.locator(`#toolbar [data-tool="${tool}"]`).isHidden(), true, tool);
    }
    assert.equal(await page.locator('#findings-section').isVisible(), true, 'findings kept');
    await page.locator('#map canvas').first().focus();
    await page.keyboard.press('n');
    assert.equal(await page.evaluate(() => window.hecmap.store.hecs.length), hecsBefore);

    // The map is framed on the submitted proposals (Hartford to Putnam, not Greenwich).
    await page.waitForFunction(() => !window.hecmap.map.isMoving());
    await waitMapIdle();
    const framed = await page.evaluate((pts) => {
      const b = window.hecmap.map.getBounds();
      return Object.fromEntries(Object.entries(pts).map(([k, p]) => [k, b.contains(p)]));
    }, POINTS);
    assert.deepEqual(framed, { Hartford: true, Putnam: true, Greenwich: false });

    // The dispute: towns, people at stake, both claimants, B's comment.
    assert.equal(await open.count(), 1);
    assert.match(await open.locator('.towns').innerText(), /^West Hartford$/);
    assert.equal(
      Number(await open.locator('.people').getAttribute('data-people')),
      westHartford,
    );
    assert.match(await open.locator('.claimants').innerText(), /Claimed by both/);
    assert.doesNotMatch(await open.innerText(), /\d+ HECs claimed by/);
    const thread = open.locator('details.comments[data-count="1"]');
    await thread.waitFor();
    await thread.locator('summary').click();
    assert.match(await thread.innerText(), /Our clinic runs the West Hartford school programme/);
    await thread.locator('textarea').fill('We will rule on the health district’s boundary.');
    await thread.locator('button.comment-send').click();
    await open.locator('details.comments[data-count="2"]').waitFor();

    // The proposals, each with its verdict in the state plan: C's waiver is pending.
    const propC = page.locator(`#bd-proposals .proposal[data-org="${orgs[ORG_C]}"]`);
    await propC.waitFor();
    assert.equal(await page.locator('#bd-proposals .proposal').count(), 3);
    assert.equal(await propC.locator('.verdict').getAttribute('data-verdict'), 'pending');
    assert.match(await propC.locator('.verdict').innerText(), /Pending staff decision/);
    assert.doesNotMatch(await propC.locator('.verdict').innerText(), /✓|\bPasses\b/);

    // The facts to decide C's waiver.
    const staffToken = await token('staff');
    const state = (await api('/api/state', { token: staffToken })).body;
    const neReport = state.report.hecs.find((x) => x.name === ORG_C);
    const waiver = page.locator(`#bd-waivers .waiver[data-org="${orgs[ORG_C]}"]`);
    await waiver.waitFor();
    const facts = await waiver.locator('.facts').innerText();
    const fmt = (n) => Math.round(n).toLocaleString('en-US');
    assert.match(await waiver.innerText(), /pending staff decision/);
    assert.match(
      facts,
      new RegExp(`${fmt(neReport.density_per_km2)} people per km²: rural \\(the rural line is 150\\)`),
    );
    assert.match(
      facts,
      new RegExp(
        `${fmt(neReport.population)}: ${fmt(150000 - neReport.population)} people short of 150,000`,
      ),
    );
    assert.match(
      facts,
      /Medicare \(estimate\)\s+≈ [\d,]+: (meets the floor|[\d,]+ beneficiaries short) of 20,000/,
    );
    assert.match(facts, /Now\s+pending staff decision/);
    assert.match(facts, /If approved\s+passes/);
    assert.match(facts, /If refused\s+fails/);
    const factsShot = path.join(ARTIFACTS, 'board-waiver-facts.png');
    await waiver.screenshot({ path: factsShot });
    console.log(`screenshot: ${path.relative(repo, factsShot)}`);
    await checkWords('the board, pending waiver');

    // Screenshots; axe-core on the board.
    await shots('board');
    assert.deepEqual(await a11y(), []);

    // A highlight does not survive a reload of the board.
    await open.locator('.item-head').click();
    await page.waitForFunction(() => (window.hecmap.highlighted ?? []).length > 0);
    await page.click('#bd-reload');
    await page.waitForFunction(() => !document.querySelector('#nego.loading'));
    assert.deepEqual(await page.evaluate(() => window.hecmap.highlighted ?? []), []);
    assert.equal(
      await page.evaluate(() => window.hecmap.hecMap.highlighted.length),
      0,
      'nothing highlighted on the map',
    );

    // Another staff member rules first (through the API): the page's ruling,
    // based on the version it loaded, is refused and the board reloads.
    const first = await api('/api/rulings', {
      token: staffToken,
      method: 'POST',
      body: {
        base_state_version: 0,
        kind: 'assign',
        organization_id: orgs[ORG_B],
        units: ['Rocky Hill'],
        reason: 'Rocky Hill is in no proposal; its services run with Wethersfield.',
      },
    });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const reason =
      'West Hartford shares the Hartford health district; Central Connecticut keeps Newington and Wethersfield.';
    const form = open.locator('.ruling-form');
    await form.locator('select.rule-org').selectOption(String(orgs[ORG_A]));
    await form.locator('.rule-reason').fill(reason);
    await form.locator('.rule-submit').click();
    await page.locator('#nego[data-state-version="1"]').waitFor();
    const stale = page.locator('#bd-message.conflict');
    await stale.waitFor();
    assert.match(await stale.innerText(), /state plan changed since version 0[\s\S]*reloaded/);

    const again = page.locator('#bd-disputes .dispute[data-open="true"] .ruling-form');
    await again.locator('select.rule-org').selectOption(String(orgs[ORG_A]));
    await again.locator('.rule-reason').fill(reason);
    await again.locator('.rule-submit').click();
    await page.locator('#nego[data-state-version="2"]').waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('#bd-disputes .dispute[data-open="true"]').count(), 0);
    await page.locator('#bd-disputes .none-open').waitFor();
    assert.match(
      await page.locator('#bd-disputes .dispute.resolved').innerText(),
      /Resolved by ruling #2/,
    );

    // Approving C's waiver changes its verdict in the state plan.
    await waiver
      .locator('.rule-reason')
      .fill('Rural, and no neighbour is willing: approved for this round.');
    await waiver.locator('button.approve').click();
    await page
      .locator(
        `#nego[data-state-version="3"] #bd-waivers .waiver[data-org="${orgs[ORG_C]}"][data-status="approved"]`,
      )
      .waitFor({ timeout: 30_000 });
    assert.equal(await propC.locator('.verdict').getAttribute('data-verdict'), 'passes');
    assert.match(await propC.locator('.verdict').innerText(), /✓ Passes/);
    assert.match(await waiver.locator('.facts').innerText(), /Now\s+passes/);

    // History: state plan version 1 has a diff (the first), version 2 the ruling's.
    const v1 = page.locator('#bd-state-versions .version[data-version="1"] button.show-diff');
    await v1.click();
    const firstDiff = page.locator('#bd-diff .diff[data-from="0"][data-to="1"]');
    await firstDiff.waitFor();
    assert.match(await firstDiff.innerText(), /the first/);
    await page.locator('#bd-state-versions .version[data-version="2"] button.show-diff').click();
    const sdiff = page.locator('#bd-diff .diff[data-from="1"][data-to="2"]');
    await sdiff.waitFor();
    assert.match(await sdiff.innerText(), /removed: West Hartford/);
    assert.match(await sdiff.innerText(), new RegExp(ORG_B));
    await page.locator('#bd-history-org').selectOption(String(orgs[ORG_A]));
    await page.locator('#bd-proposal-versions .version[data-version="4"]').waitFor();
    assert.match(
      await page.locator('#bd-rulings').innerText(),
      /Ruling #2: West Hartford given to Greater Hartford HEC/,
    );

    // Comments on a proposal; the activity log in words.
    const propA = page.locator(`#bd-proposals .proposal[data-org="${orgs[ORG_A]}"]`);
    const threadA = propA.locator('details.comments');
    await threadA.locator('summary').click();
    await threadA.locator('textarea').fill('Please add Bloomfield’s clinic partners to the rationale.');
    await threadA.locator('button.comment-send').click();
    await propA.locator('details.comments[data-count="1"]').waitFor();
    const log = page.locator('#bd-audit');
    await page.locator('#bd-audit li[data-action="ruling.waiver"]').waitFor();
    const logText = await log.innerText();
    assert.match(logText, /staff ruled \(#2\): 17 tracts given to Greater Hartford HEC/);
    assert.match(logText, /ruled \(#3\): Northeast Connecticut HEC's waiver approved/);
    assert.match(logText, /submitted version 1 of Central Connecticut HEC's proposal/);
    assert.doesNotMatch(logText, /ruling\.assign|proposal\.save/);

    // The state plan exports: CSV and GeoPackage.
    await page.locator('#bd-export-format').selectOption('csv');
    const [csvDownload] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#bd-export'),
    ]);
    assert.match(csvDownload.suggestedFilename(), /\.csv$/);
    const csv = fs.readFileSync(await csvDownload.path(), 'utf8');
    assert.match(csv.split('\n')[0], /hec/);
    assert.match(csv, new RegExp(ORG_C));
    assert.match(csv, new RegExp(ORG_A));
    await page.locator('#bd-export-format').selectOption('gpkg');
    const [gpkg] = await Promise.all([page.waitForEvent('download'), page.click('#bd-export')]);
    assert.match(gpkg.suggestedFilename(), /\.gpkg$/);
    const head = fs.readFileSync(await gpkg.path()).subarray(0, 15).toString('latin1');
    assert.equal(head, 'SQLite format 3');

    await checkWords('the board after the rulings');
    await page.locator('#bd-disputes .dispute.resolved .item-head').click();
    await waitMapIdle();
    await shot('07-staff-board-after-ruling.png');
    await signOut();
    assert.equal(await page.locator('#hec-section').isVisible(), true, 'the plan editor is back');
  },
);

test(
  'editor B sees its HEC as the state plan has it after the rulings; a forced ruling shows the 403',
  T,
  async () => {
    await signIn('editor-b');
    await page.locator('#nego[data-role="editor"] #ed-rulings .ruling').first().waitFor();
    const text = await page.locator('#ed-rulings').innerText();
    assert.match(text, /West Hartford given to Greater Hartford HEC/);
    assert.match(text, /Rocky Hill given to Central Connecticut HEC/);
    assert.equal(await page.locator('.ruling-form').count(), 0, 'no ruling controls');

    const state = page.locator('#ed-state[data-state-version="3"]');
    await state.waitFor({ timeout: 20_000 });
    const stateText = await state.innerText();
    assert.match(stateText, /State plan version 3, from your submitted version 1/);
    assert.match(stateText, /\+ given to you by staff: Rocky Hill \(ruling #1\)/);
    assert.match(stateText, /− not yours in the state plan: West Hartford \(ruling #2\)/);
    assert.match(stateText, /Newington and Wethersfield|Newington, Rocky Hill and Wethersfield/);

    await checkWords('editor B, after the rulings');
    // Screenshots; axe-core on the editor view.
    await shots('editor');
    assert.deepEqual(await a11y(), []);

    // Forced through the page's own ruling path: the server refuses, the page says why.
    const status = await page.evaluate(
      (org) =>
        window.hecmap.nego
          .rule({
            base_state_version: 3,
            kind: 'assign',
            organization_id: org,
            units: ['West Hartford'],
            reason: 'ours',
          })
          .then(
            () => 201,
            (e) => e.status,
          ),
      orgs[ORG_B],
    );
    assert.equal(status, 403);
    const msg = page.locator('#ed-message');
    await msg.waitFor();
    assert.match(
      await msg.innerText(),
      /Refused by the server: editor-b \(editor\) may not make rulings/,
    );
    assert.deepEqual(
      await page.evaluate(() => window.hecmap.highlighted ?? []),
      [],
      'the staff highlight went with the sign-out',
    );
    await shot('08-editor-ruling-and-403.png');
    await signOut();
  },
);

test(
  'editors see staff’s comment and their HEC’s new verdict in the state plan',
  T,
  async () => {
    await signIn('editor-a');
    const v4 = page.locator('#ed-versions .version[data-version="4"]');
    await v4.locator('details.comments[data-count="1"]').waitFor({ timeout: 20_000 });
    await v4.locator('details.comments summary').click();
    assert.match(
      await v4.locator('details.comments').innerText(),
      /Please add Bloomfield’s clinic partners[\s\S]*staff \(state staff\)/,
    );
    await signOut();

    await signIn('editor-c');
    const state = page.locator('#ed-state[data-state-version="3"] .verdict');
    await state.waitFor({ timeout: 20_000 });
    assert.equal(await state.getAttribute('data-verdict'), 'passes');
    assert.match(await state.innerText(), /✓ Passes/);
    await signOut();
  },
);

test('an analyst sees the board read-only, without the plan editor', T, async () => {
  await signIn('analyst');
  await page
    .locator('#nego[data-role="analyst"] #bd-disputes .dispute')
    .waitFor({ timeout: 30_000 });
  assert.match(await page.locator('#nego .nego-head').innerText(), /read-only/i);
  assert.equal(await page.locator('.ruling-form').count(), 0);
  assert.equal(await page.locator('#bd-waivers button.approve').count(), 0);
  assert.equal(await page.locator('#nego .comment-form').count(), 0, 'analysts do not comment');
  assert.equal(await page.locator('#hec-section').isHidden(), true);
  await page.locator('#bd-audit li').first().waitFor();
  await checkWords('the analyst’s board');
  await signOut();
});

test('no page errors in the negotiation', { skip }, () => {
  assert.deepEqual(pageErrors, []);
});
