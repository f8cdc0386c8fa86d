// Unit tests of the negotiation's pure modules (no browser, no server): the
// three-way merge of a proposal's tracts when a colleague saved meanwhile,
// what a set of tracts claims in words, and where it meets other HECs.
//
//   node --test tests/negotiation-modules.test.mjs

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { claimFigures, claimOf, claimTowns, mergeTracts, overlapsWith } from '../src/negotiation/claims.js';
import { indexUnits } from '../src/units.js';

/** Two towns: A of tracts 0-2, B of tracts 3-4. */
function units() {
  const tract = (id, town, population) => ({
    id,
    geoid: `0900300000${id}`,
    name: `Tract ${id}`,
    town,
    population,
    medicare: population / 5,
    area_km2: 2,
  });
  return indexUnits({
    tracts: [tract(0, 'A', 100), tract(1, 'A', 200), tract(2, 'A', 300), tract(3, 'B', 400), tract(4, 'B', 500)],
    towns: [
      { id: 0, name: 'A', geoid: '0900300001', population: 600 },
      { id: 1, name: 'B', geoid: '0900300002', population: 900 },
    ],
  });
}

test('the merge keeps both editors\u2019 changes and drops neither', () => {
  const base = [0, 1, 2];
  const mine = [0, 1, 2, 3]; // I added 3
  const theirs = [1, 2, 4]; // they removed 0 and added 4
  const m = mergeTracts(base, mine, theirs);
  assert.deepEqual(m.merged, [1, 2, 3, 4]);
  assert.deepEqual(m.mineAdded, [3]);
  assert.deepEqual(m.theirsAdded, [4]);
  assert.deepEqual(m.theirsRemoved, [0]);
  assert.deepEqual(m.mineRemoved, []);
  // What neither touched stays as it was; nothing appears from nowhere.
  assert.ok(!m.merged.includes(0), 'their removal is not undone');
  assert.deepEqual(mergeTracts(base, base, base).merged, base);
});

test('a claim is told in whole towns, parts of towns and people', () => {
  const u = units();
  const c = claimOf(u, [0, 1, 2, 3]);
  assert.deepEqual(c.towns, ['A']);
  assert.deepEqual(c.partial, [{ town: 'B', n: 1, all: 2 }]);
  assert.equal(c.people, 1000);
  assert.equal(claimTowns(c), 'A and part of B (1 of 2 tracts)');
  const words = claimFigures(c);
  assert.match(words, /^1 whole town and 1 part of a town, 4 tracts, 1,000 people/);
  assert.match(words, /\(estimate\)$/, 'Medicare says it is an estimate');
  assert.doesNotMatch(words, /\b1 (tracts|towns|people)\b/);
});

test('overlaps name the other HEC and only the tracts both claim', () => {
  const u = units();
  const plan = {
    hecs: [
      { name: 'Mine', units: ['A'] },
      { name: 'Theirs', units: ['09003000003', '09003000004'] },
    ],
  };
  assert.deepEqual(overlapsWith(u, [0, 1, 2, 3], plan, 'Mine'), [{ hec: 'Theirs', ids: [3] }]);
  assert.deepEqual(overlapsWith(u, [0, 1], plan, 'Mine'), []);
});
