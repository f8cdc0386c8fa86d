// @ts-check
// Painting: units clicked or dragged over go into the active HEC (one is
// made when there is none) or out of their HEC with the eraser; a town or
// a tract GEOID typed in goes into the active HEC; deleting an HEC.

import { toast } from '../toast.js';

/** @typedef {import('../types').App} App */

/**
 * The key of the HEC painting goes to: the active one, or a new one.
 * @param {App} app
 */
export function ensureActive({ store }) {
  if (store.active && store.hec(store.active)) return store.active;
  const key = store.addHec();
  toast(`Created ${store.hec(key).name}: painting goes into it.`);
  return key;
}

/**
 * The map's brush: tracts into the active HEC (or erased); the strokes of
 * one drag merge into one undo step.
 * @param {App} app
 * @param {number[]} ids
 * @param {{ erase: boolean, stroke?: symbol | null }} options
 */
export function paint(app, ids, { erase, stroke }) {
  const { store } = app;
  const key = erase ? null : ensureActive(app);
  const before = store.rev;
  if (store.paint(ids, key, { merge: stroke })) app.validation.timePaint(before);
}

/**
 * A town name or a tract GEOID typed in: into the active HEC.
 * @param {App} app
 * @param {string} text
 * @returns {boolean} whether it was added (false: nothing typed, or not found)
 */
export function addUnitByName(app, text) {
  const { units, store } = app;
  const v = text.trim();
  if (!v) return false;
  const town = units.townByName.get(v.toLowerCase());
  const ids = town
    ? (units.townTracts.get(town.name) ?? [])
    : [units.byGeoid.get(v.replace(/\s+/g, ''))].filter((x) => x != null);
  if (!ids.length) {
    toast(`No town or tract GEOID "${v}" in Connecticut.`, { error: true });
    return false;
  }
  store.paint(ids, ensureActive(app));
  return true;
}

/**
 * Deletes an HEC (its units become unassigned), with Undo in the toast.
 * @param {App} app
 * @param {string} key
 */
export function removeHec({ store }, key) {
  const hec = store.hec(key);
  if (!hec) return;
  store.deleteHec(key);
  toast(`Deleted ${hec.name}.`, { action: { label: 'Undo', run: () => store.undo() } });
}
