// @ts-check
// The controls around the map: the toolbar (towns or tracts, the tools,
// the colouring and its legend, undo/redo, statewide), the plan's name,
// import/export, new plan, new HEC, adding a unit by name; and the chrome
// they show (undo/redo enabled, save status, unassigned tracts).

import { exportAs } from './actions/export.js';
import { clearHighlight } from './actions/highlight.js';
import { importFile } from './actions/import.js';
import { addUnitByName } from './actions/paint.js';
import { NEED_LEGEND } from './map.js';
import { dismissToast, toast } from './toast.js';
import { $, fmtInt, h } from './util.js';

/** @typedef {import('./types').App} App */

/**
 * Marks the pressed button of a toolbar group (`data-${attr}` = value).
 * @param {string} attr
 * @param {string} value
 */
function press(attr, value) {
  for (const b of document.querySelectorAll(`#toolbar [data-${attr}]`)) {
    b.setAttribute('aria-pressed', String(b.getAttribute(`data-${attr}`) === value));
  }
}

/**
 * Paint towns (all their tracts) or single tracts.
 * @param {App} app
 * @param {string} level town or tract
 */
export function setLevel(app, level) {
  app.hecMap.setLevel(level);
  press('level', level);
  localStorage.setItem('hecmap.level', level);
}

/**
 * @param {App} app
 * @param {string} tool pan, paint, erase or lasso
 */
export function setTool(app, tool) {
  app.hecMap.setTool(tool);
  press('tool', tool);
}

/**
 * Colour the map by HEC or by the need index.
 * @param {App} app
 * @param {string} mode hec or need
 */
export function setColorMode(app, mode) {
  app.hecMap.setColorMode(mode);
  press('color', mode);
  renderLegend(app, mode);
}

/**
 * The need index's legend (shown with the need colouring only).
 * @param {App} app
 * @param {string} mode
 */
function renderLegend(app, mode) {
  const el = $('#legend');
  el.hidden = mode !== 'need';
  if (mode !== 'need') return;
  const stops = [];
  for (let i = 0; i < NEED_LEGEND.length; i += 2)
    stops.push(`${NEED_LEGEND[i + 1]} ${NEED_LEGEND[i]}%`);
  const ramp = `linear-gradient(to right, ${stops.join(', ')})`;
  const high = app.rules.need?.high_need_percentile ?? 80;
  el.replaceChildren(
    h('div', { class: 'legend-title' }, 'Need index, percentile'),
    h('div', { class: 'legend-ramp', style: { background: ramp } }),
    h(
      'div',
      { class: 'legend-scale' },
      h('span', {}, '0 least'),
      h('span', {}, `${high}+ high need`),
      h('span', {}, '100'),
    ),
    h('div', { class: 'legend-note' }, 'HECs are outlined in their colours.'),
  );
}

/**
 * The toolbar's buttons.
 * @param {App} app
 */
function bindToolbar(app) {
  const { store, hecMap } = app;
  for (const b of document.querySelectorAll('#toolbar [data-level]')) {
    b.addEventListener('click', () => setLevel(app, b.getAttribute('data-level')));
  }
  for (const b of document.querySelectorAll('#toolbar [data-tool]')) {
    b.addEventListener('click', () => setTool(app, b.getAttribute('data-tool')));
  }
  for (const b of document.querySelectorAll('#toolbar [data-color]')) {
    b.addEventListener('click', () => setColorMode(app, b.getAttribute('data-color')));
  }
  $('#undo').addEventListener('click', () => store.undo());
  $('#redo').addEventListener('click', () => store.redo());
  // From the keyboard (N, or Enter on the button: a click with no mouse
  // behind it) the new HEC's name is focused, ready to be typed.
  const addHec = (/** @type {boolean} */ focusName) => {
    const key = store.addHec();
    setTool(app, hecMap.tool === 'pan' ? 'paint' : hecMap.tool);
    if (focusName) focusHecName(key);
  };
  $('#add-hec').addEventListener('click', (e) => addHec(e.detail === 0));
  $('#start-hec').addEventListener('click', (e) => addHec(e.detail === 0));
  $('#scope').addEventListener('change', () =>
    store.setScope($('#scope', HTMLInputElement).checked ? 'statewide' : 'partial'),
  );
}

/**
 * Focuses (and selects) the name field of an HEC's row.
 * @param {string} key
 */
export function focusHecName(key) {
  const input = /** @type {HTMLInputElement | null} */ (
    document.querySelector(`#hec-list .hec[data-key="${CSS.escape(key)}"] .hec-name`)
  );
  input?.focus();
  input?.select();
}

/**
 * The plan's controls in the panel: name, import, export, new plan, adding
 * a unit by name.
 * @param {App} app
 */
function bindPlanControls(app) {
  const { store, units } = app;
  const name = $('#plan-name', HTMLInputElement);
  name.addEventListener('change', () => store.setName(name.value));
  name.addEventListener('keydown', (e) => e.key === 'Enter' && name.blur());
  const file = $('#import-file', HTMLInputElement);
  $('#import').addEventListener('click', () => file.click());
  file.addEventListener('change', () => {
    const f = file.files?.[0];
    file.value = '';
    if (f) importFile(app, f);
  });
  const format = $('#export-format', HTMLSelectElement);
  $('#export').addEventListener('click', () => exportAs(app, format.value));
  $('#new-plan').addEventListener('click', () => {
    if (!store.hecs.length) return;
    store.replace({ name: '', scope: 'auto', hecs: [] });
    clearHighlight(app);
    toast('New plan. Ctrl+Z brings the previous one back.', {
      action: { label: 'Undo', run: () => store.undo() },
    });
  });
  $('#add-unit').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('#add-unit-input', HTMLInputElement);
    if (addUnitByName(app, input.value)) input.value = '';
  });
  $('#unit-names').replaceChildren(...units.towns.map((t) => h('option', { value: t.name })));
}

/**
 * Wires the controls, and exposes setLevel/setTool/setColorMode as hooks.
 * @param {App} app
 */
export function bindControls(app) {
  app.hooks.setLevel = (/** @type {string} */ level) => setLevel(app, level);
  app.hooks.setTool = (/** @type {string} */ tool) => setTool(app, tool);
  app.hooks.setColorMode = (/** @type {string} */ mode) => setColorMode(app, mode);
  bindToolbar(app);
  bindPlanControls(app);
}

/**
 * What the controls show of the plan: undo/redo enabled, its name,
 * whether it is exported, the tracts in no HEC (the scope checked is the
 * panel's: see Panel._renderScope).
 * @param {App} app
 */
export function renderChrome(app) {
  const { store } = app;
  $('#start-hint').hidden = store.hecs.length > 0 || !!app.overlay;
  if (store.hecs.length) dismissToast('start'); // its offer is stale
  app.hecMap.refreshCursor();
  renderSheetSummary(app);
  $('#undo', HTMLButtonElement).disabled = !store.canUndo;
  $('#redo', HTMLButtonElement).disabled = !store.canRedo;
  const nameInput = $('#plan-name', HTMLInputElement);
  if (document.activeElement !== nameInput) nameInput.value = store.state.name;
  const st = $('#save-status');
  const empty = store.assignedCount === 0 && !store.hecs.length;
  st.textContent = empty ? '' : store.dirty ? 'not exported' : 'exported';
  st.title = store.dirty
    ? 'Your work is kept in this browser until you export it'
    : 'Exported; still kept in this browser';
  st.className = `save-status ${st.textContent ? (store.dirty ? 'dirty' : 'clean') : ''}`;
  const n = store.units.tracts.length;
  let people = 0;
  let free = 0;
  store.state.assign.forEach((k, i) => {
    if (k == null) {
      free++;
      people += store.units.tracts[i].population ?? 0;
    }
  });
  $('#unassigned').textContent = store.hecs.length
    ? `${fmtInt(free)} of ${fmtInt(n)} tracts (${fmtInt(people)} people) in no HEC.`
    : '';
}

/**
 * The phone layout's bar: what the collapsed plan sheet holds, in a line
 * ("2 HECs · into HEC 2 · ✗ 3 errors").
 * @param {App} app
 */
function renderSheetSummary({ store }) {
  const el = $('#sheet-plan-sum');
  const n = store.hecs.length;
  if (!n) {
    el.textContent = 'no HEC yet';
    return;
  }
  const parts = [`${n} HEC${n === 1 ? '' : 's'}`];
  const active = store.hec(store.active);
  if (active) parts.push(`into ${active.name}`);
  const verdict = $('#verdict').textContent.trim();
  if (verdict) parts.push(verdict);
  el.textContent = parts.join(' · ');
}

/**
 * The phone layout: the plan and the negotiation are sheets under the map,
 * opened from the bar at the bottom (one at a time).
 * @param {App} app
 */
export function bindSheets(app) {
  const root = $('#app');
  const plan = $('#sheet-plan', HTMLButtonElement);
  const nego = $('#sheet-nego', HTMLButtonElement);
  const open = (/** @type {string} */ which) => {
    root.dataset.sheet = which;
    plan.setAttribute('aria-expanded', String(which === 'plan'));
    nego.setAttribute('aria-expanded', String(which === 'nego'));
  };
  plan.addEventListener('click', () => open(root.dataset.sheet === 'plan' ? '' : 'plan'));
  nego.addEventListener('click', () => open(root.dataset.sheet === 'nego' ? '' : 'nego'));
  const aside = $('#nego');
  const follow = () => {
    nego.hidden = aside.hidden;
    if (aside.hidden && root.dataset.sheet === 'nego') open('');
  };
  new MutationObserver(follow).observe(aside, { attributes: true, attributeFilter: ['hidden'] });
  follow();
  open('');
  app.hooks.openSheet = open;
}
