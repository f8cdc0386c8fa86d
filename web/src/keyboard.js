// @ts-check
// The keyboard shortcuts: H / B / E / L tools, T towns/tracts, V colours,
// N new HEC, 1-9 active HEC, Space (held) pans while painting, Ctrl+Z /
// Ctrl+Y (Ctrl+Shift+Z) undo and redo, Ctrl+O import, Ctrl+S export CSV,
// Esc clears the highlight. Typing in a field keeps its keys. Without the
// plan editor (staff and analysts read the board: body[data-plan-editor=off])
// B, E, L and N do nothing.

import { exportAs } from './actions/export.js';
import { clearHighlight } from './actions/highlight.js';
import { setColorMode, setLevel, setTool } from './controls.js';
import { $ } from './util.js';

/** @typedef {import('./types').App} App */

/**
 * Whether keys typed go into a field.
 * @param {any} el the event's target
 */
function typing(el) {
  return (
    el &&
    (el.tagName === 'INPUT' ||
      el.tagName === 'TEXTAREA' ||
      el.tagName === 'SELECT' ||
      el.isContentEditable)
  );
}

/**
 * The shortcuts with Ctrl (or Cmd); true when the key was one of them.
 * @param {App} app
 * @param {KeyboardEvent} e
 */
function modifiedKey(app, e) {
  const { store } = app;
  const k = e.key.toLowerCase();
  if (k === 'z' && !typing(e.target)) {
    e.preventDefault();
    if (e.shiftKey) store.redo();
    else store.undo();
  } else if (k === 'y' && !typing(e.target)) {
    e.preventDefault();
    store.redo();
  } else if (k === 's') {
    e.preventDefault();
    exportAs(app, 'csv');
  } else if (k === 'o') {
    e.preventDefault();
    $('#import-file').click();
  } else return false;
  return true;
}

/** The painting tools' keys and N (new HEC): the plan editor's. */
const PLAN_EDITOR_KEYS = new Set(['b', 'e', 'l', 'n']);

/** Whether the plan editor is hidden (set by the negotiation for staff and analysts). */
function planEditorOff() {
  return document.body.dataset.planEditor === 'off';
}

/**
 * The single-key shortcuts (no modifier, not typing).
 * @param {App} app
 * @param {KeyboardEvent} e
 */
function plainKey(app, e) {
  const { store, hecMap } = app;
  const k = e.key.toLowerCase();
  const target = /** @type {any} */ (e.target);
  if (PLAN_EDITOR_KEYS.has(k) && planEditorOff()) return;
  if (e.key === ' ' && !e.repeat && (target === document.body || target.closest?.('#map'))) {
    e.preventDefault();
    hecMap.setSpacePan(true);
  } else if (k === 'h') setTool(app, 'pan');
  else if (k === 'b') setTool(app, 'paint');
  else if (k === 'e') setTool(app, 'erase');
  else if (k === 'l') setTool(app, 'lasso');
  else if (k === 't') setLevel(app, hecMap.level === 'town' ? 'tract' : 'town');
  else if (k === 'v') setColorMode(app, hecMap.colorMode === 'hec' ? 'need' : 'hec');
  else if (k === 'n') {
    e.preventDefault(); // the key is not typed into the name field it focuses
    $('#add-hec').click();
  }
  else if (/^[1-9]$/.test(e.key)) {
    store.setActive(store.hecs[Number(e.key) - 1]?.key ?? store.active);
  } else if (e.key === 'Escape') clearHighlight(app);
}

/**
 * @param {App} app
 */
export function bindKeyboard(app) {
  window.addEventListener('keydown', (e) => {
    const mod = e.ctrlKey || e.metaKey;
    if (mod && modifiedKey(app, e)) return;
    if (mod || e.altKey || typing(e.target)) return; // leave it to the browser
    plainKey(app, e);
  });
  window.addEventListener('keyup', (e) => {
    if (e.key === ' ' && app.hecMap.spacePan) app.hecMap.setSpacePan(false);
  });
}
