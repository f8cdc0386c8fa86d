// Unit tests of the page's modules that need no browser and no server: the
// units' indexes and what is computed over them, the CSV reader, the plan
// file sniffing of imports, and the plan store's undo/redo and keeping.
//
//   node --test tests/modules.test.mjs

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planType } from '../src/actions/import.js';
import { parseCsv } from '../src/api.js';
import { PlanStore } from '../src/store.js';
import {
  bboxOfFeatures,
  compactUnits,
  describeTracts,
  indexUnits,
  people,
  tractIds,
  unionBox,
  wholeTowns,
} from '../src/units.js';

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
    scope: 'statewide',
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
