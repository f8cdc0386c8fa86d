// @ts-check
// Painting: units clicked or dragged over go into the active HEC, or out of
// their HEC with the eraser. The brush paints only once an HEC exists (a
// click before that offers to start one); a lasso or a town typed in with
// no HEC yet starts one, and the new HEC and its units are one undo step.
// Deleting an HEC.

import { toast } from '../toast.js';
import { findUnit, notAUnitMessage, suggestUnits } from '../units.js';
import { fmtInt } from '../util.js';

/** @typedef {import('../types').App} App */

/** "1 tract", "2 tracts". @param {number} n @param {string} word */
export const plural = (n, word) => `${fmtInt(n)} ${word}${n === 1 ? '' : 's'}`;

/**
 * Runs `fn(key)` with the HEC painting goes to: the active one, or one
 * made for it. Making it and `fn`'s change are one undo step.
 * @template T
 * @param {App} app
 * @param {(key: string) => T} fn
 * @returns {{ key: string, created: boolean, result: T }}
 */
export function intoActive({ store }, fn) {
  return store.group(() => {
    let key = store.hec(store.active) ? store.active : null;
    const created = !key;
    if (created) key = store.addHec();
    return { key, created, result: fn(key) };
  });
}

/**
 * Whether the brush paints now: an HEC is there to receive units (the
 * eraser: some unit is in an HEC). Otherwise a drag pans the map.
 * @param {App} app
 * @param {string} tool
 */
export function brushReady({ store }, tool) {
  return tool === 'erase' ? store.assignedCount > 0 : !!store.hec(store.active);
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
  const key = erase ? null : store.active;
  if (!erase && !store.hec(key)) return;
  const before = store.rev;
  if (store.paint(ids, key, { merge: stroke })) app.validation.timePaint(before);
}

/**
 * A click on the map with no HEC to paint into: say how to start, and
 * offer to start an HEC with the unit clicked (one undo step).
 * @param {App} app
 * @param {number[]} ids the tracts clicked (a town: all of them)
 * @param {string} label the unit's name
 */
export function offerStart(app, ids, label) {
  const { store } = app;
  if (!ids.length) return;
  const name = `HEC ${store.hecs.length + 1}`;
  toast('No HEC to paint into yet: start one first.', {
    tag: 'start',
    action: {
      label: `Start ${name} with ${label}`,
      run: () => {
        const { key } = intoActive(app, (k) => store.paint(ids, k));
        toast(`${store.hec(key)?.name} starts with ${label}. Click more units to add them.`);
      },
    },
    ms: 8000,
  });
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
  const unit = findUnit(units, v);
  if (!unit || !unit.ids.length) {
    // "\"Hartfrod\" is not a town; did you mean Hartford?"
    toast(notAUnitMessage(v, suggestUnits(units, v)), { error: true });
    return false;
  }
  const { ids, label } = unit;
  const { key, created } = intoActive(app, (k) => store.paint(ids, k));
  const where = store.hec(key)?.name;
  if (created) toast(`Started ${where} with ${label}.`);
  else toast(`${label} (${plural(ids.length, 'tract')}) is in ${where}.`);
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
