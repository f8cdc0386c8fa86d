// @ts-check
// Small pieces of the negotiation's views: dates, plurals, message boxes,
// sections, a report's verdict and findings, a ruling.

import { describeTracts } from '../units.js';
import { fmtInt, h } from '../util.js';

/** @typedef {import('./types').MessageAction} MessageAction */
/** @typedef {import('../types').Units} Units */
/** @typedef {import('../types').Report} Report */
/** @typedef {import('../types').Finding} Finding */
/** @typedef {import('./types').Ruling} Ruling */

/** @type {Record<string, string>} */
export const ROLE_LABEL = {
  editor: 'HEC editor',
  staff: 'state staff',
  analyst: 'analyst',
  admin: 'administrator',
};

/**
 * A server timestamp, readable ("Jan 5, 2026, 3:04 PM").
 * @param {string | null | undefined} text
 */
export function date(text) {
  if (!text) return '';
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) return text;
  return d.toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * "1 tract", "2 tracts".
 * @param {number} n
 * @param {string} one
 * @param {string} [many]
 */
export function plural(n, one, many = `${one}s`) {
  return `${fmtInt(n)} ${n === 1 ? one : many}`;
}

/**
 * Shows a message (hidden when null), of a kind (error, ok, conflict), with
 * an optional action button.
 * @param {HTMLElement} el
 * @param {string | null} text
 * @param {{ kind?: string, action?: MessageAction | null }} [options]
 */
export function messageBox(el, text, { kind = 'error', action = null } = {}) {
  if (!text) {
    el.hidden = true;
    el.replaceChildren();
    return;
  }
  el.hidden = false;
  el.className = `nego-msg ${kind}`;
  const button =
    action &&
    h('button', { type: 'button', class: 'btn small', onclick: action.run }, action.label);
  el.replaceChildren(...[h('span', {}, text), button].filter(Boolean));
}

/**
 * A titled section of the negotiation's column.
 * @param {string} id
 * @param {string} title
 * @param {...Node} children
 */
export function section(id, title, ...children) {
  return h('section', { id, class: 'nego-sec' }, h('h2', {}, title), ...children);
}

/**
 * A list's items, or one hint when it is empty.
 * @template T
 * @param {T[]} list
 * @param {(x: T) => Node} item
 * @param {string} empty
 */
export function itemsOr(list, item, empty) {
  return list.length ? list.map(item) : [h('li', { class: 'hint' }, empty)];
}

/**
 * The non-info findings of a report, each showing its tracts when clicked.
 * @param {Report | null} report
 * @param {(f: Finding) => void} onClick
 */
export function findingsList(report, onClick) {
  const shown = (report?.findings ?? []).filter((f) => f.severity !== 'info');
  if (!shown.length) {
    return h('p', { class: 'hint' }, report?.passes ? 'No rule is broken.' : 'No finding.');
  }
  const item = (/** @type {Finding} */ f) =>
    h(
      'li',
      {},
      h(
        'button',
        {
          type: 'button',
          class: `finding sev-${f.severity}`,
          dataset: { rule: f.rule, severity: f.severity },
          onclick: () => onClick(f),
        },
        h(
          'span',
          { class: 'finding-head' },
          h('span', { class: 'sev' }, f.severity),
          h('span', { class: 'rule' }, f.rule),
        ),
        h('span', { class: 'msg' }, f.message),
      ),
    );
  return h('ul', { class: 'nego-findings' }, ...shown.map(item));
}

/**
 * "✓ Passes (2 warnings)" or "✗ 1 error, 3 warnings".
 * @param {Report | null} report
 */
export function verdict(report) {
  if (!report) return h('span', { class: 'verdict' });
  const c = report.counts ?? {};
  const bare = (/** @type {string} */ s) => c[s] === 1 || s === 'unknown' || s === 'waived';
  const parts = ['error', 'unknown', 'warning', 'waived']
    .filter((s) => c[s])
    .map((s) => `${c[s]} ${s}${bare(s) ? '' : 's'}`);
  const text = report.passes
    ? `✓ Passes${parts.length ? ` (${parts.join(', ')})` : ''}`
    : `✗ ${parts.join(', ')}`;
  return h('span', { class: `verdict ${report.passes ? 'ok' : 'bad'}` }, text);
}

/**
 * A ruling: what it decided, its reason, who and when.
 * @param {Units} units
 * @param {Ruling} r
 */
export function rulingItem(units, r) {
  const what =
    r.kind === 'assign'
      ? `${describeTracts(units, r.units)} to ${r.organization}`
      : `${r.organization}'s waiver ${r.decision}`;
  return h(
    'li',
    { class: 'ruling', dataset: { id: String(r.id), kind: r.kind } },
    h('div', {}, h('strong', {}, `#${r.id} `), what),
    h('div', { class: 'ruling-reason' }, `“${r.reason}”`),
    h(
      'div',
      { class: 'muted small' },
      `${r.author}, ${date(r.created_at)} · state plan v${r.state_version}`,
    ),
  );
}
