// The negotiation in the browser, the API round of tests/negotiation.rs in
// miniature: HEC editor A paints its proposal, saves it and submits it (and
// meets a conflicting save); editor B imports a proposal that overlaps A's
// (West Hartford), asks for a waiver and submits; state staff see the
// dispute with the people at stake on the board, rule it to A (after a
// stale-version conflict) and decide the waiver; the board then shows no
// open dispute; editor B sees the ruling that concerns them, has no ruling
// controls, and a forced ruling shows the server's refusal. An analyst sees
// the board read-only.
//
// Needs the accounts scripts/test-web.sh creates (HECMAP_TEST_PASSWORD,
// HECMAP_TEST_ORG_A, HECMAP_TEST_ORG_B); skipped without them.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const BASE = (process.env.HECMAP_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = process.env.HECMAP_ARTIFACTS || path.join(repo, 'test-artifacts');
const PASSWORD = process.env.HECMAP_TEST_PASSWORD;
const ORG_A = process.env.HECMAP_TEST_ORG_A || 'Greater Hartford HEC';
const ORG_B = process.env.HECMAP_TEST_ORG_B || 'Central Connecticut HEC';
const skip = PASSWORD
  ? false
  : 'needs the accounts scripts/test-web.sh creates (HECMAP_TEST_PASSWORD)';
const T = { timeout: 120_000, skip };

const TOWNS = {
  Hartford: [-72.6851, 41.7637],
  'West Hartford': [-72.742, 41.762],
};

let browser;
let page;
const pageErrors = [];
const orgs = {};

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
  await page.fill('#signin-user', username);
  await page.fill('#signin-pass', password);
  await page.click('#signin-btn');
}

async function signOut() {
  await page.click('#signout');
  await page.locator('#signin').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#nego').isHidden(), true, 'the negotiation panel closes');
}

before(async () => {
  if (skip) return;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
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
  const ctx = await browser.newContext({ viewport: { width: 1500, height: 860 } });
  page = await ctx.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  for (const o of (await api('/api/organizations', { token: await token('admin') })).body)
    orgs[o.name] = o.id;
  assert.ok(orgs[ORG_A] && orgs[ORG_B], `organizations ${JSON.stringify(orgs)}`);
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
  'editor A signs in, paints its proposal, saves it, submits it; a conflicting save is shown',
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
    assert.match(who, new RegExp(ORG_A));
    await page.locator('#nego[data-role="editor"] #ed-versions').waitFor();
    assert.equal(await page.locator('.ruling-form').count(), 0, 'no ruling controls for an editor');
    assert.match(await page.locator('#ed-versions').innerText(), /No version yet/);

    // Paint Hartford and West Hartford with the map editor.
    await page.evaluate(() => window.hecmap.map.resize());
    await waitMapIdle();
    await page.click('#add-hec');
    await clickTown('Hartford');
    await clickTown('West Hartford');
    await page.waitForFunction(
      () =>
        window.hecmap.store.assignedCount > 0 &&
        window.hecmap.units.townTracts
          .get('West Hartford')
          .every((id) => window.hecmap.store.hecOfTract(id)),
    );
    assert.match(await page.locator('#ed-save-info').innerText(), new RegExp(`becomes ${ORG_A}`));

    // Saving needs a rationale: the server says so.
    await page.click('#ed-save');
    await page.waitForFunction(() =>
      /rationale/i.test(document.querySelector('#ed-message')?.innerText ?? ''),
    );

    await page.fill(
      '#ed-rationale',
      'Hartford and West Hartford share hospitals, transit and a health district.',
    );
    await page.click('#ed-save');
    const v1 = page.locator('#ed-versions .version[data-version="1"]');
    await v1.waitFor();
    assert.equal(await v1.getAttribute('data-status'), 'draft');
    assert.match(await page.locator('#ed-message').innerText(), /Saved version 1/);
    await page.locator('#ed-findings[data-version="1"] .verdict').waitFor();
    await v1.locator('button.submit').click();
    await page
      .locator('#ed-versions .version[data-version="1"][data-status="submitted"]')
      .waitFor();

    // A colleague saves version 2 meanwhile (through the API): saving from the
    // page, still based on version 1, is refused and said so.
    const tokenA = await token('editor-a');
    const saved = await api(`/api/organizations/${orgs[ORG_A]}/proposal/versions`, {
      token: tokenA,
      method: 'POST',
      body: {
        base_version: 1,
        rationale: 'Bloomfield joins: its clinic serves north Hartford.',
        plan: { hecs: [{ units: ['Hartford', 'West Hartford', 'Bloomfield'] }] },
      },
    });
    assert.equal(saved.status, 201);
    await page.fill('#ed-rationale', 'Same towns, clearer rationale.');
    await page.click('#ed-save');
    const conflict = page.locator('#ed-message.conflict');
    await conflict.waitFor();
    assert.match(
      await conflict.innerText(),
      /Someone saved version 2 of this proposal meanwhile — reload/,
    );
    await conflict.locator('button', { hasText: 'Reload' }).click();
    await page.locator('#ed-versions .version[data-version="2"]').waitFor();
    // The reload shows what changed: the diff from version 1 to 2.
    const diff = page.locator('#ed-diff .diff[data-from="1"][data-to="2"]');
    await diff.waitFor();
    const diffText = await diff.innerText();
    assert.match(diffText, /added: Bloomfield/);
    assert.match(diffText, /Population/);
    // Loading a version paints it onto the map.
    await page.locator('#ed-versions .version[data-version="1"] button.load').click();
    await page.waitForFunction(
      (org) => window.hecmap.store.hecs.length === 1 && window.hecmap.store.hecs[0].name === org,
      ORG_A,
    );
    assert.equal(await page.evaluate(() => window.hecmap.store.state.scope), 'partial');
    await waitMapIdle();
    await shot('05-editor-proposal.png');
    await signOut();
  },
);

test(
  'editor B imports a proposal that overlaps A’s, asks for a waiver and submits it',
  T,
  async () => {
    await signIn('editor-b');
    await page.locator('#nego[data-role="editor"] #ed-versions').waitFor();
    const csv = 'unit,hec\nWest Hartford,B\nNewington,B\nWethersfield,B\n';
    await page.setInputFiles('#import-file', {
      name: 'central.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv),
    });
    await page.waitForFunction(
      () => (document.querySelector('#toast')?.innerText ?? '').includes('Imported central.csv'),
      null,
      { timeout: 20_000 },
    );
    await page.fill(
      '#ed-rationale',
      'West Hartford, Newington and Wethersfield share a health district.',
    );
    await page.check('#ed-waiver');
    await page.fill(
      '#ed-waiver-reason',
      'Three towns short of the Medicare floor; no willing neighbour.',
    );
    await page.click('#ed-save-submit');
    await page
      .locator('#ed-versions .version[data-version="1"][data-status="submitted"]')
      .waitFor();
    // The overlap with A shows among the disputes over B's units.
    const dispute = page.locator('#ed-disputes .dispute');
    await dispute.waitFor({ timeout: 20_000 });
    assert.match(await dispute.innerText(), /West Hartford/);
    await signOut();
  },
);

test(
  'staff see the dispute with the people at stake, rule it to A in place, and the board has no open dispute',
  T,
  async () => {
    const westHartford = await townPopulation('West Hartford');
    await signIn('staff');
    await page.locator('#nego[data-role="staff"]').waitFor();
    const open = page.locator('#bd-disputes .dispute[data-open="true"]');
    await open.waitFor({ timeout: 30_000 });
    assert.equal(await open.count(), 1);
    assert.match(await open.locator('.towns').innerText(), /^West Hartford$/);
    assert.equal(
      Number(await open.locator('.people').getAttribute('data-people')),
      westHartford,
      'people at stake: West Hartford',
    );
    assert.match(
      await open.innerText(),
      new RegExp(`${ORG_A}[\\s\\S]*${ORG_B}|${ORG_B}[\\s\\S]*${ORG_A}`),
    );
    assert.ok(
      (await page.locator('#bd-gaps .gap').count()) > 0,
      'gaps listed (the rest of the state)',
    );
    assert.match(await page.locator('#bd-gaps').innerText(), /people/);

    // The map: proposals coloured by organization, West Hartford hatched, gaps marked.
    const marks = await page.evaluate(() => {
      const { hecMap, units } = window.hecmap;
      const st = (id) =>
        hecMap.map.getFeatureState({ source: 'tracts', sourceLayer: 'tracts', id });
      return {
        wh: units.townTracts.get('West Hartford').map(st),
        hartford: st(units.townTracts.get('Hartford')[0]),
        newington: st(units.townTracts.get('Newington')[0]),
        union: st(units.townTracts.get('Union')[0]),
      };
    });
    assert.ok(
      marks.wh.every((s) => s.disputed === true),
      'West Hartford tracts marked disputed',
    );
    assert.ok(
      marks.hartford.color &&
        marks.newington.color &&
        marks.hartford.color !== marks.newington.color,
      'A and B in their colours',
    );
    assert.equal(marks.union.gap, true, 'Union is in a gap');
    assert.equal(await page.locator('#board-banner').isVisible(), true);
    await waitMapIdle();
    await shot('06-staff-board-dispute.png');

    // Another staff member rules first (through the API): the page's ruling,
    // based on the state plan version it loaded, is refused and the board reloads.
    const staffToken = await token('staff');
    const first = await api('/api/rulings', {
      token: staffToken,
      method: 'POST',
      body: {
        base_state_version: 0,
        kind: 'waiver',
        organization_id: orgs[ORG_B],
        decision: 'refused',
        reason: 'A first look: refused until the towns are settled.',
      },
    });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const form = open.locator('.ruling-form');
    await form.locator('select.rule-org').selectOption(String(orgs[ORG_A]));
    await form
      .locator('.rule-reason')
      .fill(
        'West Hartford shares the Hartford health district; Central Connecticut keeps Newington and Wethersfield.',
      );
    await form.locator('.rule-submit').click();
    await page.locator('#nego[data-state-version="1"]').waitFor();
    const stale = page.locator('#bd-message.conflict');
    await stale.waitFor();
    assert.match(await stale.innerText(), /state plan changed since version 0[\s\S]*reloaded/);

    // Rule again on the reloaded board.
    const again = page.locator('#bd-disputes .dispute[data-open="true"] .ruling-form');
    await again.locator('select.rule-org').selectOption(String(orgs[ORG_A]));
    await again
      .locator('.rule-reason')
      .fill(
        'West Hartford shares the Hartford health district; Central Connecticut keeps Newington and Wethersfield.',
      );
    await again.locator('.rule-submit').click();
    await page.locator('#nego[data-state-version="2"]').waitFor({ timeout: 30_000 });
    assert.equal(
      await page.locator('#bd-disputes .dispute[data-open="true"]').count(),
      0,
      'no open dispute',
    );
    await page.locator('#bd-disputes .none-open').waitFor();
    assert.match(
      await page.locator('#bd-disputes .dispute.resolved').innerText(),
      /Resolved by ruling #2/,
    );
    const disputedLeft = await page.evaluate(() => window.hecmap.hecMap.boardMarks.disputed.length);
    assert.equal(disputedLeft, 0, 'no tract hatched any more');

    // The waiver request, decided in place.
    const waiver = page.locator(`#bd-waivers .waiver[data-org="${orgs[ORG_B]}"]`);
    assert.equal(await waiver.getAttribute('data-status'), 'refused');
    await waiver
      .locator('.rule-reason')
      .fill('Reconsidered: no willing neighbour, approved for this round.');
    await waiver.locator('button.approve').click();
    await page
      .locator(
        `#nego[data-state-version="3"] #bd-waivers .waiver[data-org="${orgs[ORG_B]}"][data-status="approved"]`,
      )
      .waitFor({ timeout: 30_000 });

    // History: the state plan's versions and the diff of the ruling.
    await page.locator('#bd-state-versions .version[data-version="2"] button.diff').click();
    const sdiff = page.locator('#bd-diff .diff[data-from="1"][data-to="2"]');
    await sdiff.waitFor();
    assert.match(await sdiff.innerText(), /removed: West Hartford/);
    assert.match(await sdiff.innerText(), new RegExp(ORG_B));
    await page.locator('#bd-history-org').selectOption(String(orgs[ORG_A]));
    await page.locator('#bd-proposal-versions .version[data-version="1"]').waitFor();
    assert.match(
      await page.locator('#bd-rulings').innerText(),
      /#2[\s\S]*West Hartford to Greater Hartford HEC/,
    );
    await page.locator('#bd-disputes .dispute.resolved .item-head').click();
    await waitMapIdle();
    await shot('07-staff-board-after-ruling.png');
    await signOut();
  },
);

test(
  'editor B sees the ruling that concerns them; ruling is not theirs and a forced one shows the 403',
  T,
  async () => {
    await signIn('editor-b');
    await page.locator('#nego[data-role="editor"] #ed-rulings .ruling').first().waitFor();
    const text = await page.locator('#ed-rulings').innerText();
    assert.match(text, /West Hartford to Greater Hartford HEC/);
    assert.match(text, /West Hartford shares the Hartford health district/);
    assert.match(text, /waiver approved/);
    assert.equal(await page.locator('.ruling-form').count(), 0, 'no ruling controls');
    await page.locator('#ed-disputes .dispute.resolved').waitFor({ timeout: 20_000 });

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
    assert.doesNotMatch(await msg.innerText(), /null/);
    assert.deepEqual(
      await page.evaluate(() => window.hecmap.highlighted ?? []),
      [],
      'the staff highlight went with the sign-out',
    );
    await shot('08-editor-ruling-and-403.png');
    await signOut();
  },
);

test('an analyst sees the board read-only', T, async () => {
  await signIn('analyst');
  await page
    .locator('#nego[data-role="analyst"] #bd-disputes .dispute')
    .waitFor({ timeout: 30_000 });
  assert.match(await page.locator('#nego .nego-head').innerText(), /read-only/i);
  assert.equal(await page.locator('.ruling-form').count(), 0);
  assert.equal(await page.locator('#bd-waivers button.approve').count(), 0);
  await signOut();
});

test('no page errors in the negotiation', { skip }, () => {
  assert.deepEqual(pageErrors, []);
});
