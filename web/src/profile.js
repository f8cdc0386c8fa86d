// @ts-check
// The needs profile on each HEC's card: a collapsible "Needs profile"
// (closed at first) listing, for every measure the report's `profile` gives
// (the denominators left out), the HEC's figure beside the state's (rates
// as %, counts as whole numbers), above or below the state, estimates marked
// (≈, "estimate", the method and source in a "Source" disclosure), and the
// tracts with the highest values as buttons that highlight them on the map.

import { showFinding } from './actions/highlight.js';
import { fmtInt, h } from './util.js';

/** @typedef {import('./types').App} App */
/** @typedef {import('./types').ProfileMeasure} ProfileMeasure */

/** Rows that are only denominators of others. */
const SKIP = new Set(['population', 'poverty_universe']);

/**
 * 0.1364 -> "13.6%".
 * @param {number | null | undefined} x a fraction 0-1
 */
export function fmtRate(x) {
  return x == null || Number.isNaN(x) ? '–' : `${(x * 100).toFixed(1)}%`;
}

/**
 * A figure as shown: a rate as %, a count as a whole number.
 * @param {ProfileMeasure} m
 * @param {number | null | undefined} x
 */
export function fmtFigure(m, x) {
  return m.kind === 'rate' ? fmtRate(x) : fmtInt(x);
}

/**
 * Where a rate stands against the state's, as displayed (equal when they
 * show the same): "above", "below" or "same".
 * @param {ProfileMeasure} m
 */
export function comparison(m) {
  if (m.kind !== 'rate' || m.value == null || m.state == null) return null;
  const a = Number((m.value * 100).toFixed(1));
  const b = Number((m.state * 100).toFixed(1));
  return a > b ? 'above' : a < b ? 'below' : 'same';
}

/**
 * The profile's card part of one HEC, created on first use.
 * @param {HTMLLIElement} li
 */
function profileBox(li) {
  let box = /** @type {HTMLDetailsElement | null} */ (li.querySelector(':scope > .hec-profile'));
  if (box) return box;
  box = h(
    'details',
    { class: 'hec-profile' },
    h('summary', { class: 'profile-summary' }, 'Needs profile'),
    h('div', { class: 'profile-body' }),
  );
  // Reading the profile (or showing a hot spot) does not choose the HEC.
  box.addEventListener('click', (e) => e.stopPropagation());
  li.append(box);
  return box;
}

/**
 * Puts (or updates) an HEC's needs profile on its card: from the report
 * when it is that of the plan as it is, kept (dimmed) while validating.
 * @param {App | null} app
 * @param {HTMLLIElement} li
 * @param {{ key: string, name: string, tracts: number }} x
 */
export function renderProfile(app, li, x) {
  if (!app) return;
  const box = profileBox(li);
  const { validation, store } = app;
  const i = store.hecs.findIndex((y) => y.key === x.key);
  const current = validation.current;
  const r = current ? validation.report?.hecs?.[i] : null;
  const rows = (r?.profile ?? []).filter((m) => !SKIP.has(m.key));
  box.classList.toggle('stale', !current);
  if (!current) {
    box.hidden = x.tracts === 0 || !box.dataset.sig;
    box.setAttribute('aria-busy', 'true');
    return;
  }
  box.removeAttribute('aria-busy');
  box.hidden = x.tracts === 0 || !rows.length;
  const sig = JSON.stringify([x.name, rows]);
  if (box.dataset.sig === sig) return; // unchanged: keep the buttons (and the focus)
  box.dataset.sig = sig;
  const body = /** @type {HTMLElement} */ (box.querySelector('.profile-body'));
  const had = /** @type {HTMLElement | null} */ (document.activeElement);
  const focusId = had && body.contains(had) ? had.dataset.focusId : undefined;
  // The sources open stay open when the figures change.
  const openSources = new Set(
    [...body.querySelectorAll('.pf-source[open]')].map(
      (d) => /** @type {HTMLElement} */ (d.closest('.pf-row'))?.dataset.key,
    ),
  );
  body.replaceChildren(
    h(
      'p',
      { class: 'profile-note' },
      `${x.name} beside the whole state. Rates are weighted by the people in each tract; ` +
        'their bars: this HEC (its colour) over the state (grey). “Highest”: its tracts ' +
        'with the highest values; choose one to see it on the map.',
    ),
    h(
      'ul',
      { class: 'profile-list', 'aria-label': `Needs profile of ${x.name}` },
      ...rows.map((m) => measureItem(app, x.name, m)),
    ),
  );
  for (const d of body.querySelectorAll('.pf-source')) {
    const key = /** @type {HTMLElement} */ (d.closest('.pf-row'))?.dataset.key;
    if (openSources.has(key)) /** @type {HTMLDetailsElement} */ (d).open = true;
  }
  if (focusId) {
    const again = body.querySelector(`[data-focus-id="${CSS.escape(focusId)}"]`);
    /** @type {HTMLElement | null} */ (again)?.focus({ preventScroll: true });
  }
}

/**
 * One measure: label, the HEC's figure, the state's, above or below, the
 * source, the hot spots.
 * @param {App} app
 * @param {string} hecName
 * @param {ProfileMeasure} m
 */
function measureItem(app, hecName, m) {
  const sourceText = [m.source, m.method].filter(Boolean).join('. ');
  const hot = m.hot_spots ?? [];
  return h(
    'li',
    { class: `pf-row${m.estimate ? ' estimate' : ''}`, dataset: { key: m.key } },
    h(
      'div',
      { class: 'pf-head' },
      h('span', { class: 'pf-label' }, m.label),
      m.estimate
        ? h('span', { class: 'pf-est', title: sourceText }, '(estimate)')
        : null,
    ),
    figures(m),
    rateBars(m),
    hot.length
      ? h(
          'div',
          { class: 'pf-hot' },
          h('span', { class: 'pf-hot-label' }, 'Highest:'),
          h(
            'ul',
            { class: 'pf-hot-list' },
            ...hot.map((s) => h('li', {}, hotSpot(app, hecName, m, s))),
          ),
        )
      : null,
    sourceText
      ? h(
          'details',
          { class: 'pf-source' },
          h('summary', {}, m.estimate ? 'How it is estimated' : 'Source'),
          h('p', {}, m.source ?? ''),
          m.method ? h('p', {}, m.method) : null,
        )
      : null,
  );
}

/**
 * The HEC's figure, above or below the state's, the state's.
 * @param {ProfileMeasure} m
 */
function figures(m) {
  const approx = m.estimate ? '≈ ' : '';
  const cmp = comparison(m);
  const words = { above: '▲ above', below: '▼ below', same: '= the same as' };
  const value = h(
    'span',
    { class: 'pf-value', dataset: { value: String(m.value) } },
    `${approx}${fmtFigure(m, m.value)}`,
  );
  const state = h('span', { class: 'pf-state-value' }, `${approx}${fmtFigure(m, m.state)}`);
  if (m.kind === 'count') {
    const share = m.state ? ` (${fmtRate(m.value / m.state)})` : '';
    return h(
      'div',
      { class: 'pf-figs' },
      value,
      h('span', { class: 'pf-state' }, ' of the state’s ', state, share),
    );
  }
  return h(
    'div',
    { class: 'pf-figs' },
    value,
    ' ',
    cmp ? h('span', { class: `pf-cmp ${cmp}` }, words[cmp]) : null,
    h('span', { class: 'pf-state' }, ' the state’s ', state),
  );
}

/**
 * A rate's two thin bars, the HEC's over the state's, the larger full
 * width (decoration: the figures say it in words).
 * @param {ProfileMeasure} m
 */
function rateBars(m) {
  if (m.kind !== 'rate') return null;
  const top = Math.max(m.value, m.state);
  const w = (/** @type {number} */ x) => `${top > 0 ? Math.max(0, (x / top) * 100) : 0}%`;
  return h(
    'div',
    { class: 'pf-bars', 'aria-hidden': 'true' },
    h('div', { class: 'pf-bar pf-hec', style: { width: w(m.value) } }),
    h('div', { class: 'pf-bar pf-state', style: { width: w(m.state) } }),
  );
}

/**
 * A hot spot: a button that highlights its tract on the map (and zooms
 * to it); the plan is left as it is.
 * @param {App} app
 * @param {string} hecName
 * @param {ProfileMeasure} m
 * @param {{ tract: string, name: string, value: number }} s
 */
function hotSpot(app, hecName, m, s) {
  const id = app.units.byGeoid.get(s.tract);
  const figure = `${m.estimate ? '≈ ' : ''}${fmtFigure(m, s.value)}`;
  return h(
    'button',
    {
      type: 'button',
      class: 'btn link pf-spot',
      dataset: { tract: s.tract, focusId: `${hecName}|${m.key}|${s.tract}` },
      'aria-label': `${s.name} ${figure}, ${m.label.toLowerCase()}: show on the map`,
      title: 'Show this tract on the map (Esc clears)',
      disabled: id == null,
      onclick: () => {
        if (id == null) return;
        app.panel.clearSelection();
        showFinding(app, { tract_ids: [id] });
      },
    },
    h('span', { class: 'pf-spot-name' }, s.name),
    h('span', { class: 'pf-spot-value' }, ` (${figure})`),
  );
}
