// @ts-check
// A diff between two versions of a proposal or of the state plan: per HEC,
// the units added and removed, the totals before -> after, the waiver; and
// the rationales.

import { fmtInt, h } from '../util.js';
import { plural } from './ui.js';

/** @typedef {import('./types').Diff} Diff */
/** @typedef {import('./types').HecDiff} HecDiff */
/** @typedef {import('./types').UnitSet} UnitSet */
/** @typedef {import('./types').Waiver} Waiver */

/**
 * "+ added: Bloomfield · 9 tracts, 21,000 people".
 * @param {'+' | '−'} sign
 * @param {UnitSet | null | undefined} set
 */
function unitSetLine(sign, set) {
  if (!set?.tracts?.length) return null;
  const parts = [...set.towns, ...set.partial_towns.map((t) => `part of ${t}`)];
  const tracts = plural(set.tracts.length, 'tract');
  return h(
    'div',
    { class: `diff-line ${sign === '+' ? 'added' : 'removed'}` },
    h('strong', {}, sign === '+' ? '+ added: ' : '− removed: '),
    parts.join(', ') || tracts,
    h('span', { class: 'muted' }, ` · ${tracts}, ${fmtInt(set.people)} people`),
  );
}

/**
 * @param {string} label
 * @param {number} before
 * @param {number} after
 */
function totalsRow(label, before, after) {
  const d = after - before;
  const change = d === 0 ? '' : `${d > 0 ? '+' : '−'}${fmtInt(Math.abs(d))}`;
  return h(
    'tr',
    {},
    h('th', {}, label),
    h('td', {}, fmtInt(before)),
    h('td', {}, '→'),
    h('td', {}, fmtInt(after)),
    h('td', { class: d > 0 ? 'up' : d < 0 ? 'down' : '' }, change),
  );
}

/** @param {Waiver | null | undefined} w */
function waiverText(w) {
  if (!w) return 'none';
  const status = w.status === 'requested' ? 'pending staff decision' : w.status;
  const what = (w.waive ?? []).map((k) => (k === 'thresholds' ? 'the floors' : k)).join(' and ');
  return `${status} (${what}): ${w.reason}`;
}

/**
 * One HEC's changes.
 * @param {Diff} diff
 * @param {HecDiff} x
 */
function hecDiff(diff, x) {
  const totals = h(
    'table',
    { class: 'diff-totals' },
    h(
      'tr',
      {},
      h('th', {}),
      h('th', {}, diff.from ? `v${diff.from}` : 'before'),
      h('th', {}),
      h('th', {}, `v${diff.to}`),
      h('th', {}),
    ),
    totalsRow('Tracts', x.before.tracts, x.after.tracts),
    totalsRow('Population', x.before.population, x.after.population),
    totalsRow('Medicare (est.)', x.before.medicare, x.after.medicare),
  );
  const waiverChanged = JSON.stringify(x.waiver_before) !== JSON.stringify(x.waiver_after);
  const waiver = waiverChanged
    ? h(
        'div',
        { class: 'diff-line' },
        h('strong', {}, 'Waiver: '),
        `${waiverText(x.waiver_before)} → ${waiverText(x.waiver_after)}`,
      )
    : null;
  return h(
    'div',
    { class: 'diff-hec', dataset: { hec: x.hec } },
    h('div', { class: 'diff-hec-name' }, x.hec),
    unitSetLine('+', x.added),
    unitSetLine('−', x.removed),
    totals,
    waiver,
  );
}

/**
 * The rationales of the two versions (when the diff has them).
 * @param {Diff} diff
 */
function rationales(diff) {
  if (diff.rationale_after == null) return null;
  const muted = (/** @type {string} */ text) => h('span', { class: 'muted' }, text);
  return h(
    'div',
    { class: 'diff-rationale' },
    diff.from ? h('div', {}, muted(`v${diff.from}: `), diff.rationale_before ?? '—') : null,
    h('div', {}, muted(`v${diff.to}: `), diff.rationale_after),
  );
}

/**
 * A diff (GET .../proposal/diff or /api/state/diff) under a title.
 * @param {Diff} diff
 * @param {string} title
 */
export function renderDiff(diff, title) {
  const hecs = diff.hecs.map((x) => hecDiff(diff, x));
  return h(
    'div',
    { class: 'diff', dataset: { from: String(diff.from), to: String(diff.to) } },
    h('div', { class: 'diff-title' }, title),
    rationales(diff),
    ...(hecs.length ? hecs : [h('p', { class: 'hint' }, 'No unit changed.')]),
  );
}
