// Unit tests of the page's modules that need no browser and no server: the
// units' indexes and what is computed over them, the CSV reader, the plan
// file sniffing of imports, the plan store's undo/redo and keeping, and the
// guidance: the rules in words, verdicts with pending waivers, shortfalls,
// suggestions for misspelt units, the scope a plan is checked at.
//
//   node --test tests/modules.test.mjs

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planType } from '../src/actions/import.js';
import { parseCsv } from '../src/api.js';
import { ordinal, povertyText, townNeed } from '../src/describe.js';
import { guideSections, RULE_SECTION, ruleLabel, ruleWhy, settings } from '../src/guide.js';
import { shortfallText, verdictText } from '../src/panel.js';
import { PlanStore } from '../src/store.js';
import {
  bboxOfFeatures,
  compactUnits,
  describeTracts,
  editDistance,
  findUnit,
  indexUnits,
  notAUnitMessage,
  people,
  suggestUnits,
  townsOfTracts,
  tractIds,
  unionBox,
  wholeTowns,
} from '../src/units.js';
import { listText, plural, withHec } from '../src/util.js';
import {
  hecStanding,
  judged,
  paintedHecs,
  planToCheck,
  scopeToCheck,
  severityOf,
  verdictOf,
} from '../src/validation.js';

// Two towns: Ayton (tracts 0, 1, 2), Beeville (tract 3).
const RAW = {
  tracts: [
    { id: 0, geoid: '09001000100', town: 'Ayton', population: 100 },
    { id: 1, geoid: '09001000200', geoid_2022: '09120000200', town: 'Ayton', population: 300 },
    { id: 2, geoid: '09001000300', town: 'Ayton', population: 600 },
    { id: 3, geoid: '09001000400', town: 'Beeville', population: 50 },
  ],
  towns: [{ name: 'Ayton' }, { name: 'Beeville' }],
};

test('indexUnits: tracts by id, GEOIDs (2020 and 2022), towns and their tracts', () => {
  const u = indexUnits(RAW);
  assert.equal(u.tracts[2].geoid, '09001000300');
  assert.equal(u.byGeoid.get('09001000200'), 1);
  assert.equal(u.byGeoid.get('09120000200'), 1);
  assert.deepEqual(u.townTracts.get('Ayton'), [0, 1, 2]);
  assert.equal(u.townByName.get('beeville').name, 'Beeville');
});

test('tractIds, compactUnits, describeTracts and people over the units', () => {
  const u = indexUnits(RAW);
  assert.deepEqual(tractIds(u, ['ayton', '09001000400', 'Atlantis']), [0, 1, 2, 3]);
  assert.deepEqual(tractIds(u, ['09001000100', 'Ayton']), [0, 1, 2], 'no tract twice');
  assert.deepEqual(tractIds(u, null), []);
  assert.deepEqual(compactUnits(u, [0, 1, 2, 3]), ['Ayton', 'Beeville']);
  assert.deepEqual(compactUnits(u, [2, 0]), ['09001000100', '09001000300']);
  assert.equal(
    describeTracts(u, ['09001000400', '09001000100']),
    'Ayton (1 of 3 tracts), Beeville',
  );
  assert.equal(people(u, [1, 3, 99]), 350);
});

test('wholeTowns: towns most of whose people are among the tracts', () => {
  const u = indexUnits(RAW);
  assert.deepEqual(wholeTowns(u, [2]), [0, 1, 2], '600 of 1000 people');
  assert.deepEqual(wholeTowns(u, [0, 1]), [], '400 of 1000 people');
  assert.deepEqual(wholeTowns(u, [3]), [3]);
});

test('bboxOfFeatures and unionBox: tract extents and the bounds of several', () => {
  const square = (x, y) => ({
    type: 'Polygon',
    coordinates: [
      [
        [x, y],
        [x + 1, y],
        [x + 1, y + 1],
        [x, y],
      ],
    ],
  });
  const boxes = bboxOfFeatures({
    features: [
      { id: 0, geometry: square(0, 0) },
      { properties: { id: 2 }, geometry: square(5, -3) },
    ],
  });
  assert.deepEqual(boxes[0], [0, 0, 1, 1]);
  assert.deepEqual(boxes[2], [5, -3, 6, -2]);
  assert.deepEqual(unionBox(boxes, [0, 1, 2]), [
    [0, -3],
    [6, 1],
  ]);
  assert.equal(unionBox(boxes, [1]), null);
});

test('parseCsv: quoted fields, doubled quotes, CRLF, a BOM, blank lines', () => {
  const text = '\uFEFFTract,HEC\r\n"09001000100","North, ""East"""\r\n\r\n09001000200,South';
  assert.deepEqual(parseCsv(text), [
    { tract: '09001000100', hec: 'North, "East"' },
    { tract: '09001000200', hec: 'South' },
  ]);
});

test('planType: a plan file’s content type from its name or first bytes', () => {
  const bytes = (text) => new TextEncoder().encode(text).buffer;
  assert.equal(planType('plan.ZIP', bytes('PK')), 'application/zip');
  assert.equal(planType('plan.gpkg', bytes('SQLite')), 'application/geopackage+sqlite3');
  assert.equal(planType('plan.csv', bytes('unit,hec\n')), 'text/csv');
  assert.equal(planType('plan.json', bytes('{"hecs": []}')), 'application/json');
  const fc = '{"type": "FeatureCollection", "features": []}';
  assert.equal(planType('drawn.txt', bytes(`  ${fc}`)), 'application/geo+json');
});

test('PlanStore: painting, a stroke as one undo step, undo and redo', () => {
  const store = new PlanStore(indexUnits(RAW));
  const kinds = [];
  store.subscribe((_, kind) => kinds.push(kind));
  const a = store.addHec();
  assert.equal(store.hec(a).name, 'HEC 1');
  assert.equal(store.active, a);
  const stroke = Symbol('stroke');
  assert.equal(store.paint([0], a, { merge: stroke }), true);
  assert.equal(store.paint([1], a, { merge: stroke }), true);
  assert.equal(store.paint([1], a, { merge: stroke }), false, 'nothing changed');
  store.endStroke();
  assert.deepEqual(store.tractsOf(a), [0, 1]);
  assert.deepEqual(store.tallies().get(a), { population: 400, medicare: 0, tracts: 2 });
  assert.equal(store.undo(), true, 'the stroke is one step');
  assert.deepEqual(store.tractsOf(a), []);
  assert.equal(store.redo(), true);
  assert.deepEqual(store.tractsOf(a), [0, 1]);
  assert.deepEqual(kinds, ['hecs', 'paint', 'paint', 'undo', 'redo']);
  assert.deepEqual(store.toPlanJSON(), {
    name: 'Untitled plan',
    scope: 'auto',
    hecs: [{ name: 'HEC 1', units: ['09001000100', '09001000200'] }],
  });
});

test('PlanStore: names stay unique; deleting an HEC frees its tracts', () => {
  const store = new PlanStore(indexUnits(RAW));
  const a = store.addHec('North');
  const b = store.addHec('north');
  assert.equal(store.hec(b).name, 'north (2)');
  store.paint([3], b);
  store.deleteHec(b);
  assert.equal(store.hecOfTract(3), null);
  assert.equal(store.active, a);
  store.undo();
  assert.equal(store.hecOfTract(3).key, b);
});

test('PlanStore: save and load through a storage keep the plan and its dirtiness', () => {
  const kept = new Map();
  const storage = { setItem: (k, v) => kept.set(k, v), getItem: (k) => kept.get(k) ?? null };
  const units = indexUnits(RAW);
  const store = new PlanStore(units);
  store.replace({ name: 'Mine', scope: 'partial', hecs: [{ name: 'East', tracts: [2, 3] }] });
  store.save(storage);
  const again = new PlanStore(units);
  assert.equal(again.load(storage), true);
  assert.equal(again.state.name, 'Mine');
  assert.equal(again.state.scope, 'partial');
  assert.deepEqual(
    again.hecs.map((x) => x.name),
    ['East'],
  );
  assert.deepEqual(again.tractsOf(again.active), [2, 3]);
  assert.equal(again.dirty, true, 'not exported yet');
  assert.equal(new PlanStore(units).load({ getItem: () => null }), false);
});

test('PlanStore: a waiver request is kept through replace, save and load, undo and redo', () => {
  const kept = new Map();
  const storage = { setItem: (k, v) => kept.set(k, v), getItem: (k) => kept.get(k) ?? null };
  const units = indexUnits(RAW);
  const store = new PlanStore(units);
  assert.equal(store.state.scope, 'auto', 'by default the server decides the scope');
  const asked = { reason: 'Few people, a wide area', waive: ['thresholds'], status: 'requested' };
  store.replace({
    name: 'Imported',
    hecs: [
      { name: 'East', tracts: [0, 1], waiver: asked },
      { name: 'West', tracts: [3], waiver: null },
    ],
  });
  assert.deepEqual(store.hecs[0].waiver, asked);
  assert.notEqual(store.hecs[0].waiver, asked, 'a copy, not the caller’s object');
  assert.equal('waiver' in store.hecs[1], false, 'no waiver: none kept');
  assert.deepEqual(planToCheck(store).hecs.map((x) => x.waiver), [asked, undefined]);
  assert.deepEqual(store.toPlanJSON().hecs[0].waiver, asked);

  // Undo to the empty plan, redo: the waiver comes back with its HEC.
  store.undo();
  assert.equal(store.hecs.length, 0);
  store.redo();
  assert.deepEqual(store.hecs[0].waiver, asked);

  // A change to it is undoable; the snapshot before it is not touched.
  const east = store.hecs[0].key;
  assert.equal(store.setWaiver(east, { ...asked, waive: ['thresholds', 'contiguity'] }), true);
  assert.equal(store.setWaiver(east, { ...asked, waive: ['thresholds', 'contiguity'] }), false);
  store.undo();
  assert.deepEqual(store.hecs[0].waiver, asked);
  assert.equal(store.setWaiver(east, null), true);
  assert.equal(store.hecs[0].waiver, undefined);
  store.undo();
  assert.deepEqual(store.hecs[0].waiver, asked);

  // Painting and renaming keep it; so does a reload (localStorage).
  store.paint([2], east);
  store.renameHec(east, 'East Hills');
  assert.deepEqual(store.hecs[0].waiver, asked);
  store.save(storage);
  const again = new PlanStore(units);
  assert.equal(again.load(storage), true);
  assert.equal(again.state.scope, 'auto');
  assert.deepEqual(again.hecs.map((x) => [x.name, x.waiver ?? null]), [
    ['East Hills', asked],
    ['West', null],
  ]);
  assert.deepEqual(planToCheck(again).hecs[0].waiver, asked);
  again.undo();
  assert.deepEqual(again.hecs[0].waiver, asked, 'a fresh load has no undo history');

  // A waiver kept by an older page, with no status, is a request.
  kept.set('hecmap.plan.v1', JSON.stringify({
    v: 1, hecs: [{ key: 'h1', name: 'Old', color: '#000', waiver: { reason: 'r' } }], assign: {},
  }));
  assert.equal(again.load(storage), true);
  assert.deepEqual(again.hecs[0].waiver, { reason: 'r', status: 'requested' });
  assert.equal(again.state.scope, 'auto', 'no scope kept: the server decides');
});

// ---- guidance -------------------------------------------------------------

const RULE_IDS = [
  'coverage.gap',
  'coverage.overlap',
  'coverage.sliver',
  'threshold.population',
  'threshold.medicare',
  'count.regions',
  'contiguity',
  'waiver',
  'town.split',
  'enclave',
  'cherry_pick.high_need',
  'compactness',
];

// The server's effective rules, with settings changed from the defaults:
// the text must quote them, not constants.
const RULES = {
  thresholds: { population_min: 175000, medicare_min: 22500 },
  regions: { min: 7, max: 11 },
  rural: { max_density_per_km2: 140 },
  town_split: { severity: 'error' },
  enclave: { severity: 'warning' },
  need: {
    high_need_percentile: 75,
    components: [
      { key: 'share_below_200pct_fpl', weight: 0.6 },
      { key: 'diabetes', weight: 0.2 },
      { key: 'any_disability', weight: 0.2 },
    ],
  },
  cherry_pick: { edge_share: 0.4, town_share: 0.5, severity: 'error' },
};

test('ruleLabel: every rule has a label for a person, never its id', () => {
  for (const rule of RULE_IDS) {
    const label = ruleLabel(rule);
    assert.notEqual(label, rule);
    assert.doesNotMatch(label, /[._]/, `${rule} -> ${label}`);
    assert.ok(RULE_SECTION[rule], `${rule} has a section of the guide`);
  }
  assert.equal(ruleLabel('threshold.population'), 'Population floor');
  assert.equal(ruleLabel('cherry_pick.high_need'), 'Cherry-picking');
  assert.equal(ruleLabel('some.new_rule'), 'Some new rule', 'an unknown rule in words');
});

test('ruleWhy: each rule explained with the settings of the rules', () => {
  for (const rule of RULE_IDS) {
    const why = ruleWhy(rule, RULES);
    assert.ok(why.length > 40, `${rule}: ${why}`);
    assert.doesNotMatch(why, /threshold\.|coverage\.|cherry_pick|count\.regions/, why);
  }
  assert.match(ruleWhy('threshold.population', RULES), /175,000 people/);
  assert.match(ruleWhy('threshold.population', RULES), /rural HEC \(under 140 people per km²/);
  assert.match(ruleWhy('threshold.medicare', RULES), /22,500 Medicare beneficiaries.*estimate/);
  assert.match(ruleWhy('count.regions', RULES), /between 7 and 11 HECs/);
  assert.match(ruleWhy('coverage.gap', RULES), /only when the plan is statewide/);
  assert.match(ruleWhy('cherry_pick.high_need', RULES), /top 25% of need.*40% of their edge/);
  assert.match(ruleWhy('town.split', RULES), /whole towns.*reason/);
  assert.match(ruleWhy('waiver', RULES), /Only a rural HEC.*proposal.*does not pass/);
  assert.match(ruleWhy('threshold.population', null), /150,000 people/, 'defaults without rules');
});

test('guideSections: what an HEC is, floors, whole towns, gaps, cherry-picking, waivers', () => {
  const sections = guideSections(RULES);
  const keys = sections.map((x) => x.key);
  assert.deepEqual(keys, ['hec', 'floors', 'towns', 'coverage', 'cherry', 'waiver']);
  for (const key of Object.values(RULE_SECTION)) assert.ok(keys.includes(key), key);
  const text = Object.fromEntries(sections.map((x) => [x.key, x.paragraphs.join(' ')]));
  assert.match(text.hec, /Health Enhancement Community.*neighbouring towns.*7 to 11 HECs/);
  assert.match(text.floors, /175,000 people.*22,500 Medicare beneficiaries/);
  assert.match(text.floors, /estimate/);
  assert.match(text.towns, /whole towns.*reason/);
  assert.match(text.coverage, /overlap.*gap.*checked only when “Statewide plan” is on/);
  assert.match(text.cherry, /top 25%.*people below 200% of the poverty line \(60%\)/);
  assert.match(text.cherry, /surrounds.*40% of its edge.*50% of its town/);
  assert.match(text.waiver, /Only a rural HEC, with under 140 people per km²/);
  assert.match(text.waiver, /proposal.*Request a waiver.*reason/);
  assert.match(text.waiver, /Pending staff decision.*does not pass/);
  assert.equal(settings(null).population, 150000, 'the defaults without rules');
});

test('words: plurals, HEC names, lists, shortfalls, ordinals, poverty', () => {
  assert.equal(plural(1, 'HEC'), '1 HEC');
  assert.equal(plural(2, 'HEC'), '2 HECs');
  assert.equal(plural(1, 'tract'), '1 tract');
  assert.equal(plural(1204, 'person', 'people'), '1,204 people');
  assert.equal(withHec('Eastern CT HEC'), 'Eastern CT HEC', 'no "HEC HEC"');
  assert.equal(withHec('Eastern CT'), 'Eastern CT HEC');
  assert.equal(withHec('HEC 2'), 'HEC 2');
  assert.equal(listText(['A', 'B', 'C']), 'A, B and C');
  assert.equal(shortfallText(144491, 150000, ['person', 'people']), '5,509 people short of 150,000');
  assert.equal(shortfallText(149999, 150000, ['person', 'people']), '1 person short of 150,000');
  assert.equal(shortfallText(150000, 150000, ['person', 'people']), null, 'the floor is met');
  assert.equal(
    shortfallText(18765.4, 20000, ['Medicare beneficiary', 'Medicare beneficiaries'], true),
    '≈ 1,235 Medicare beneficiaries short of 20,000 (estimate)',
  );
  assert.equal(ordinal(1), '1st');
  assert.equal(ordinal(62.4), '62nd');
  assert.equal(ordinal(13), '13th');
  assert.equal(ordinal(83), '83rd');
  assert.equal(povertyText(0.3078), '31% below 200% FPL');
});

// A report as a server before the pending state gave it for a rural HEC
// whose waiver staff have not ruled on: "waived", and "passes".
const OLD_PENDING = {
  plan: { name: 'p', scope: 'partial' },
  passes: true,
  counts: { waived: 1, info: 1 },
  hecs: [
    {
      name: 'Northeastern',
      population: 95348,
      medicare: { value: 21077, estimate: true },
      tracts: 26,
      towns: [],
      partial_towns: [],
      need_percentile: 58,
      rural: true,
      density_per_km2: 65.4,
      waiver: { reason: 'Rural', waive: ['thresholds'], status: 'requested' },
      passes: true,
    },
  ],
  findings: [
    { rule: 'threshold.population', severity: 'waived', hec: 'Northeastern', message: 'm' },
    { rule: 'waiver', severity: 'info', hec: 'Northeastern', message: 'w' },
  ],
};

test('judged: a requested waiver is pending, never passing; approved is waived', () => {
  const r = judged(OLD_PENDING);
  assert.equal(severityOf(OLD_PENDING, OLD_PENDING.findings[0]), 'pending');
  assert.equal(r.findings[0].severity, 'pending');
  assert.equal(r.findings[0].message, 'm A waiver is requested, pending staff decision.');
  assert.equal(r.verdict, 'pending');
  assert.equal(r.passes, false, 'a pending waiver does not pass');
  assert.equal(r.if_approved, 'passes');
  assert.equal(r.if_refused, 'fails');
  assert.deepEqual(r.counts, { pending: 1, info: 1 });
  assert.equal(r.hecs[0].verdict, 'pending');
  assert.equal(r.hecs[0].passes, false);
  assert.equal(
    verdictText(r),
    '◐ Pending staff decision: passes if approved, fails if refused',
  );
  assert.doesNotMatch(verdictText(r), /✓|Passes/);

  const approved = structuredClone(OLD_PENDING);
  approved.hecs[0].waiver.status = 'approved';
  const a = judged(approved);
  assert.equal(a.findings[0].severity, 'waived');
  assert.equal(a.verdict, 'passes');
  assert.equal(verdictText(a), '✓ Passes (1 waived by staff)');

  // A server with the pending state: its verdicts are kept.
  const modern = {
    ...structuredClone(OLD_PENDING),
    passes: false,
    verdict: 'pending',
    if_approved: 'passes',
    if_refused: 'fails',
  };
  modern.findings[0].severity = 'pending';
  Object.assign(modern.hecs[0], { passes: false, verdict: 'pending', if_approved: 'passes',
    if_refused: 'fails' });
  const m = judged(modern);
  assert.equal(m.verdict, 'pending');
  assert.equal(m.hecs[0].if_refused, 'fails');
});

test('verdictOf and verdictText: errors fail whatever is pending; counts in words', () => {
  const f = (severity) => ({ rule: 'x', severity, message: '' });
  assert.deepEqual(verdictOf([f('warning')]), {
    verdict: 'passes',
    if_approved: null,
    if_refused: null,
  });
  assert.deepEqual(verdictOf([f('pending'), f('error')]), {
    verdict: 'fails',
    if_approved: 'fails',
    if_refused: 'fails',
  });
  assert.equal(verdictOf([f('unknown')]).verdict, 'fails');
  assert.equal(
    verdictText({ verdict: 'fails', counts: { error: 1, pending: 1, warning: 2 } }),
    '✗ Fails (1 error, 1 waiver pending, 2 warnings)',
  );
  assert.equal(verdictText({ passes: true, counts: { warning: 1 } }), '✓ Passes (1 warning)');
  assert.equal(verdictText({ passes: false, counts: { unknown: 1 } }), '✗ Fails (1 rule not checked)');
});

test('hecStanding: split towns as the findings name them; a rural HEC may ask for a waiver', () => {
  const hec = { ...OLD_PENDING.hecs[0], name: 'A', waiver: null, passes: false };
  const report = {
    ...OLD_PENDING,
    hecs: [hec, { ...hec, name: 'B', rural: false }],
    findings: [
      { rule: 'threshold.population', severity: 'error', hec: 'A', message: '' },
      { rule: 'town.split', severity: 'error', hec: 'B', other_hecs: ['A'], towns: ['Hartford'],
        message: '' },
    ],
  };
  const a = hecStanding(report, report.hecs[0]);
  assert.deepEqual(a.splitTowns, ['Hartford'], 'the split named by a finding about both');
  assert.equal(a.waiverPossible, true, 'rural, failing a floor, no waiver yet');
  const b = hecStanding(report, report.hecs[1]);
  assert.equal(b.waiverPossible, false, 'not rural');
  // A town partly in A and partly in no HEC: no finding, so no split.
  const alone = { ...report, findings: [] };
  assert.deepEqual(hecStanding(alone, { ...hec, partial_towns: ['Hartford'] }).splitTowns, []);
  const pending = judged(OLD_PENDING);
  const p = hecStanding(pending, pending.hecs[0]);
  assert.equal(p.verdict, 'pending');
  assert.deepEqual(p.pendingRules, ['threshold.population']);
  assert.equal(p.waiverPossible, false, 'already asked');
});

test('scope: a one-HEC sketch is checked as a partial plan; waivers travel', () => {
  assert.equal(scopeToCheck({ scope: 'statewide' }, 1), 'partial');
  assert.equal(scopeToCheck({ scope: 'statewide' }, 0), 'partial');
  assert.equal(scopeToCheck({ scope: 'statewide' }, 2), 'statewide');
  assert.equal(scopeToCheck({ scope: 'partial' }, 9), 'partial');
  assert.equal(scopeToCheck({ scope: 'auto' }, 3), 'auto', 'the server decides');

  const store = new PlanStore(indexUnits(RAW));
  const a = store.addHec('East');
  store.paint([0, 1], a);
  store.addHec('Empty');
  store.setScope('statewide');
  assert.equal(store.state.scope, 'statewide');
  assert.equal(paintedHecs(store), 1, 'an HEC with no unit does not count');
  assert.equal(planToCheck(store).scope, 'partial');
  const b = store.addHec('West');
  store.paint([3], b);
  assert.equal(planToCheck(store).scope, 'statewide');
  store.setScope('partial');
  assert.equal(planToCheck(store).scope, 'partial');
  store.hecs[0].waiver = { reason: 'Rural', waive: ['thresholds'], status: 'requested' };
  assert.deepEqual(planToCheck(store).hecs[0].waiver, store.hecs[0].waiver);
  assert.equal(planToCheck(store).hecs[1].waiver, undefined);
});

test('suggestUnits: a misspelt town or GEOID gets the nearest names', () => {
  const units = indexUnits({
    tracts: [
      { id: 0, geoid: '09003524700', town: 'Hartford', population: 10 },
      { id: 1, geoid: '09003524800', town: 'Hartford', population: 10 },
      { id: 2, geoid: '09003496100', town: 'West Hartford', population: 10 },
      { id: 3, geoid: '09009141300', town: 'New Haven', population: 10 },
    ],
    towns: [{ name: 'Hartford' }, { name: 'West Hartford' }, { name: 'New Haven' },
      { name: 'Hampton' }],
  });
  assert.equal(editDistance('hartfrod', 'hartford'), 1, 'a swap of two letters is one edit');
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('abc', 'xyzxyz', 2), 3, 'stops past the limit');
  assert.equal(findUnit(units, ' hartford ').name, 'Hartford');
  assert.deepEqual(findUnit(units, '09003524700').ids, [0]);
  assert.equal(findUnit(units, 'Hartfrod'), null);

  const s = suggestUnits(units, 'Hartfrod');
  assert.equal(s[0].name, 'Hartford');
  assert.equal(
    notAUnitMessage('Hartfrod', s.slice(0, 1)),
    '"Hartfrod" is not a town; did you mean Hartford?',
  );
  assert.equal(suggestUnits(units, 'new havn')[0].name, 'New Haven');
  assert.deepEqual(
    suggestUnits(units, 'West Hartfrod').map((x) => x.name),
    ['West Hartford'],
    'only the nearest',
  );
  assert.equal(suggestUnits(units, 'West Hart')[0].name, 'West Hartford', 'the only town it begins');
  assert.deepEqual(suggestUnits(units, 'Hartford'), [], 'a town needs no suggestion');
  assert.deepEqual(suggestUnits(units, 'Springfield'), [], 'nothing near');
  assert.equal(notAUnitMessage('Springfield', []), 'No town or tract GEOID "Springfield" in Connecticut.');

  const g = suggestUnits(units, '09003524708');
  assert.deepEqual(g.map((x) => x.name), ['09003524700'], 'one digit away, not two');
  assert.match(g[0].label, /tract 09003524700 \(Hartford\)/);
  assert.match(notAUnitMessage('09003524708', g.slice(0, 1)), /is not a tract GEOID; did you mean 09003524700\?/);
});

test('townsOfTracts and townNeed: an HEC’s towns, a town’s need from its tracts', () => {
  const units = indexUnits(RAW);
  assert.deepEqual(townsOfTracts(units, [3, 0, 2]), [
    { town: 'Ayton', tracts: [0, 2], of: 3 },
    { town: 'Beeville', tracts: [3], of: 1 },
  ]);
  units.tracts[0].need = 90;
  units.tracts[1].need = 50;
  units.tracts[2].need = 10;
  const app = { units, rules: { need: { high_need_percentile: 80 } } };
  // (100*90 + 300*50 + 600*10) / 1000 = 30; one tract at 80 or more.
  assert.deepEqual(townNeed(app, [0, 1, 2]), { need: 30, high: 1 });
  assert.equal(townNeed(app, [3]), null, 'no need known');
});

test('repair options in words: which findings offer them, towns moved, verdicts after', async () => {
  const { afterVerdict, canRepair, optionTracts, townMoveText } = await import('../src/repair.js');
  const finding = (rule, severity, hec = 'NE') => ({ rule, severity, hec });
  assert.equal(canRepair(finding('threshold.population', 'error')), true);
  assert.equal(canRepair(finding('contiguity', 'pending')), true, 'a pending waiver does not pass');
  assert.equal(canRepair(finding('threshold.population', 'waived')), false);
  assert.equal(canRepair(finding('coverage.gap', 'error')), false, 'not a rule towns repair');
  assert.equal(canRepair(finding('threshold.population', 'error', null)), false, 'no HEC');

  const move = { town: 'Farmington', from: ['Capitol'], tracts: ['a', 'b'], people: 26712 };
  assert.equal(townMoveText(move, 6), '26,712 people (2 of 6 tracts), from Capitol');
  assert.equal(townMoveText({ ...move, from: [], people: 1 }, 2), '1 person, in no HEC yet');

  assert.equal(afterVerdict({ verdict: 'passes', failing: [] }), '✓ passes');
  const fails = afterVerdict({ verdict: 'fails', failing: ['threshold.population', 'contiguity'] });
  assert.match(fails, /^✗ fails: Population/);
  assert.doesNotMatch(fails, /threshold\.population/, 'rules in words, not ids');
  assert.match(afterVerdict({ verdict: 'pending', failing: [] }), /pending staff decision/);

  const units = { byGeoid: new Map([['a', 4], ['b', 7]]) };
  assert.deepEqual(optionTracts(units, { adds: [move, { ...move, tracts: ['zz'] }] }), [4, 7]);
});
