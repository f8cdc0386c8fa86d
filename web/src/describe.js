// @ts-check
// The hover tooltip: a unit's name, population, Medicare beneficiaries (an
// estimate, and marked so), need, and the HECs it is in.

import { fmtInt, h } from './util.js';

/** @typedef {import('./types').App} App */
/** @typedef {import('./store.js').Hec} Hec */

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
    rows.push(['Need', `${Math.round(p.need)}th percentile${flag}`]);
  }
  if (p.share_below_200pct_fpl != null) {
    rows.push(['Below 200% FPL', `${Math.round(p.share_below_200pct_fpl * 100)}%`]);
  }
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
