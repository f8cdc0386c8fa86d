// @ts-check
// What a set of tracts claims, in words a coordinator reads: whole towns,
// parts of towns, people, Medicare beneficiaries (an estimate), density;
// where it meets other HECs of the state's plan; and the three-way merge of
// a proposal's tracts when a colleague saved meanwhile.

import { people, tractIds } from '../units.js';
import { fmtInt } from '../util.js';
import { listText, plural } from './ui.js';

/** @typedef {import('../types').Units} Units */
/** @typedef {import('./types').StoredPlan} StoredPlan */

/**
 * @typedef {object} Claim
 * @property {number} tracts
 * @property {string[]} towns whole towns
 * @property {{ town: string, n: number, all: number }[]} partial towns partly taken
 * @property {number} people
 * @property {number} medicare an estimate unless counted
 * @property {number} areaKm2
 */

/**
 * @param {Units} units
 * @param {number[]} ids
 * @returns {Claim}
 */
export function claimOf(units, ids) {
  /** @type {Map<string, number>} */
  const byTown = new Map();
  let medicare = 0;
  let area = 0;
  for (const id of ids) {
    const t = units.tracts[id];
    byTown.set(t.town, (byTown.get(t.town) ?? 0) + 1);
    medicare += t.medicare ?? 0;
    area += Number(t.area_km2 ?? 0);
  }
  /** @type {string[]} */
  const towns = [];
  /** @type {{ town: string, n: number, all: number }[]} */
  const partial = [];
  for (const [town, n] of [...byTown].sort((a, b) => a[0].localeCompare(b[0]))) {
    const all = units.townTracts.get(town)?.length ?? n;
    if (n === all) towns.push(town);
    else partial.push({ town, n, all });
  }
  return {
    tracts: ids.length,
    towns,
    partial,
    people: people(units, ids),
    medicare,
    areaKm2: area,
  };
}

/**
 * "Avon, Bloomfield and part of Hartford (3 of 40 tracts)".
 * @param {Claim} c
 * @param {number} [max]
 */
export function claimTowns(c, max = 12) {
  const parts = [
    ...c.towns,
    ...c.partial.map((p) => `part of ${p.town} (${p.n} of ${plural(p.all, 'tract')})`),
  ];
  return listText(parts, max);
}

/**
 * "3 towns, 40 tracts, 250,000 people, ≈ 41,000 Medicare beneficiaries (estimate)".
 * @param {Claim} c
 */
export function claimFigures(c) {
  const towns = c.partial.length
    ? `${plural(c.towns.length, 'whole town')} and ` +
      plural(c.partial.length, 'part of a town', 'parts of towns')
    : plural(c.towns.length, 'town');
  return (
    `${towns}, ${plural(c.tracts, 'tract')}, ${plural(c.people, 'person', 'people')}, ` +
    `≈ ${fmtInt(c.medicare)} Medicare beneficiaries (estimate)`
  );
}

/**
 * Where tracts meet the other HECs of a plan (the state's): per other HEC,
 * the tracts both claim.
 * @param {Units} units
 * @param {number[]} ids
 * @param {StoredPlan | null | undefined} plan
 * @param {string} own the HEC's own name in that plan (left out)
 * @returns {{ hec: string, ids: number[] }[]}
 */
export function overlapsWith(units, ids, plan, own) {
  const mine = new Set(ids);
  /** @type {{ hec: string, ids: number[] }[]} */
  const out = [];
  for (const x of plan?.hecs ?? []) {
    if (x.name === own) continue;
    const both = tractIds(units, x.units).filter((id) => mine.has(id));
    if (both.length) out.push({ hec: x.name, ids: both });
  }
  return out;
}

/**
 * The tracts of a stored plan's first HEC (a proposal's version).
 * @param {Units} units
 * @param {StoredPlan | null | undefined} plan
 */
export function planTracts(units, plan) {
  return tractIds(units, plan?.hecs?.[0]?.units ?? []);
}

/**
 * Three-way merge of a proposal's tracts: the editor changed `base` into
 * `mine`, a colleague changed it into `theirs`; both changes are kept (a
 * tract is in or out, so two changes of one tract always agree).
 * @param {number[]} base
 * @param {number[]} mine
 * @param {number[]} theirs
 */
export function mergeTracts(base, mine, theirs) {
  const b = new Set(base);
  const m = new Set(mine);
  const t = new Set(theirs);
  const all = new Set([...b, ...m, ...t]);
  /** @type {number[]} */
  const merged = [];
  for (const id of all) {
    const inMerged = t.has(id) === b.has(id) ? m.has(id) : t.has(id);
    if (inMerged) merged.push(id);
  }
  const minus = (/** @type {Set<number>} */ x, /** @type {Set<number>} */ y) =>
    [...x].filter((id) => !y.has(id));
  return {
    merged: merged.sort((x, y) => x - y),
    theirsAdded: minus(t, b),
    theirsRemoved: minus(b, t),
    mineAdded: minus(m, b),
    mineRemoved: minus(b, m),
  };
}
