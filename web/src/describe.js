// @ts-check
// The hover tooltip: a unit's name, population, Medicare beneficiaries (an
// estimate, and marked so), need and poverty (share below 200% of the
// poverty line), and the HECs it is in.

import { fmtInt, h } from './util.js';

/** @typedef {import('./types').App} App */
/** @typedef {import('./store.js').Hec} Hec */

/**
 * "62nd", "81st", "12th".
 * @param {number} n
 */
export function ordinal(n) {
  const r = Math.round(n);
  const teen = r % 100 >= 11 && r % 100 <= 13;
  const suffix = teen ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' }[r % 10] ?? 'th');
  return `${r}${suffix}`;
}

/**
 * "31% below 200% FPL" (the share of people below twice the federal
 * poverty line, 0-1).
 * @param {number} share
 */
export const povertyText = (share) => `${Math.round(share * 100)}% below 200% FPL`;

/**
 * @param {App} app
 * @param {Record<string, any>} p the tract's properties
 * @returns {[string, string][]}
 */
function tractRows(app, p) {
  /** @type {[string, string][]} */
  const rows = [];
  const high = app.rules.need?.high_need_percentile ?? 80;
  if (p.need != null) {
    const flag = p.need >= high ? ' · high need' : '';
    rows.push(['Need', `${ordinal(p.need)} percentile${flag}`]);
  }
  if (p.share_below_200pct_fpl != null) {
    rows.push(['Poverty', povertyText(p.share_below_200pct_fpl)]);
  }
  return rows;
}

/** Tract id -> need percentile, as the tract tiles carry it. */
/** @type {Map<number, number | null>} */
const tileNeed = new Map();
let tileNeedAt = -Infinity;

/**
 * A tract's need percentile: from its record when the API gives it, else
 * from the tract tiles loaded so far (undefined: not known yet).
 * @param {App} app
 * @param {number} id
 * @returns {number | null | undefined}
 */
function needOf(app, id) {
  const own = app.units.tracts[id]?.need;
  if (typeof own === 'number') return own;
  if (!tileNeed.has(id) && performance.now() - tileNeedAt > 500) {
    tileNeedAt = performance.now();
    const features =
      app.hecMap?.map?.querySourceFeatures?.('tracts', { sourceLayer: 'tracts' }) ?? [];
    for (const f of features) {
      const n = f.properties?.need;
      tileNeed.set(Number(f.id), typeof n === 'number' ? n : null);
    }
  }
  return tileNeed.get(id);
}

/**
 * A town's need (the people-weighted mean percentile of its tracts, as an
 * HEC's) and its high-need tracts.
 * @param {App} app
 * @param {number[]} ids the town's tracts
 * @returns {{ need: number, high: number } | null}
 */
export function townNeed(app, ids) {
  const highAt = app.rules.need?.high_need_percentile ?? 80;
  let weight = 0;
  let sum = 0;
  let high = 0;
  for (const id of ids) {
    const n = needOf(app, id);
    if (n == null) continue;
    const people = app.units.tracts[id]?.population ?? 0;
    weight += people;
    sum += n * people;
    if (n >= highAt) high++;
  }
  return weight > 0 ? { need: sum / weight, high } : null;
}

/**
 * A town's need and poverty rows.
 * @param {App} app
 * @param {string} town
 * @returns {[string, string][]}
 */
function townRows(app, town) {
  /** @type {[string, string][]} */
  const rows = [];
  const ids = app.units?.townTracts.get(town) ?? [];
  const need = townNeed(app, ids);
  if (need) {
    const high = need.high ? ` · ${need.high} of ${ids.length} tracts high need` : '';
    rows.push(['Need', `${ordinal(need.need)} percentile${high}`]);
  }
  const record = app.units?.townByName.get(town.toLowerCase());
  const share = record?.share_below_200pct_fpl;
  if (typeof share === 'number') rows.push(['Poverty', povertyText(share)]);
  return rows;
}

/**
 * The HECs a town's tracts are in, with their counts ([null, n]: in none,
 * listed when the town is split).
 * @param {App} app
 * @param {string} town
 * @returns {[Hec | null, number][]}
 */
function townHecs({ store, units }, town) {
  /** @type {Map<Hec | null, number>} */
  const count = new Map();
  for (const id of units?.townTracts.get(town) ?? []) {
    const hec = store.hecOfTract(id);
    count.set(hec, (count.get(hec) ?? 0) + 1);
  }
  /** @type {[Hec | null, number][]} */
  const hecs = [...count].filter(([k]) => k);
  if (count.size > 1) hecs.push([null, count.get(null) ?? 0]);
  return hecs;
}

/**
 * @param {[Hec | null, number][]} hecs
 */
function hecLine(hecs) {
  if (!hecs.length) return [h('span', { class: 'muted' }, 'in no HEC')];
  const many = hecs.length > 1;
  return hecs
    .filter(([, n]) => n > 0)
    .map(([x, n]) =>
      h(
        'span',
        { class: 'chip', style: { '--chip': x?.color ?? '#bbb' } },
        x ? x.name : 'no HEC',
        many ? ` (${n})` : '',
      ),
    );
}

/**
 * The tooltip's content for a unit under the pointer.
 * @param {App} app
 * @param {string} level town or tract
 * @param {{ id?: string | number, properties: Record<string, any> }} f
 */
export function describe(app, level, f) {
  const p = f.properties;
  const estimate = p.medicare_estimate === true || p.medicare_estimate === 'true';
  const medicare = `${estimate ? '≈ ' : ''}${fmtInt(p.medicare)}${estimate ? ' (estimate)' : ''}`;
  /** @type {[string, string][]} */
  const rows = [
    ['Population', fmtInt(p.population)],
    ['Medicare', medicare],
  ];
  /** @type {[Hec | null, number][]} */
  let hecs;
  if (level === 'tract') {
    rows.push(...tractRows(app, p));
    const hec = app.store?.hecOfTract(Number(f.id));
    hecs = hec ? [[hec, 1]] : [];
  } else {
    rows.push(...townRows(app, p.name));
    hecs = townHecs(app, p.name);
  }
  const region = (p.planning_region || '').replace(' Planning Region', '');
  const sub = level === 'tract' ? ` · ${p.geoid}` : ` · ${region}`;
  return h(
    'div',
    {},
    h('div', { class: 'tip-title' }, p.name, h('span', { class: 'muted' }, sub)),
    h('table', {}, ...rows.map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, v)))),
    h('div', { class: 'tip-hec' }, ...hecLine(hecs)),
  );
}
