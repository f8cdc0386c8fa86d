// @ts-check
// The lasso: the units inside a freehand polygon, resolved by the server as
// drawn plans are (a tract goes in when most of its land is inside), go
// into the active HEC, or out of their HEC with Alt held. Only the lasso's
// units move: the rest of the map keeps its HECs.

import * as api from '../api.js';
import { toast } from '../toast.js';
import { wholeTowns } from '../units.js';
import { intoActive, plural } from './paint.js';

/** @typedef {import('../types').App} App */

/** The HEC name the lasso's polygon is sent under. */
const LASSO = 'lasso';

/**
 * The tract ids inside a lasso: the rows of the resolved assignment that
 * the polygon claims (the export lists every tract of the state, those of
 * no HEC with an empty `hec`).
 * @param {import('../types').Units} units
 * @param {Record<string, string>[]} rows
 */
export function lassoedTracts(units, rows) {
  /** @type {number[]} */
  const ids = [];
  for (const r of rows) {
    if (r.hec !== LASSO) continue;
    const id = units.byGeoid.get(r.tract);
    if (id != null) ids.push(id);
  }
  return ids;
}

/**
 * "3 towns (12 tracts)" or "12 tracts".
 * @param {import('../types').Units} units
 * @param {number[]} ids
 * @param {boolean} towns whether whole towns were taken
 */
function describeUnits(units, ids, towns) {
  const tracts = plural(ids.length, 'tract');
  if (!towns) return tracts;
  const n = new Set(ids.map((id) => units.tracts[id].town)).size;
  return `${plural(n, 'town')} (${tracts})`;
}

/**
 * @param {App} app
 * @param {object} geometry a GeoJSON polygon
 * @param {{ erase?: boolean }} [options]
 */
export async function lasso(app, geometry, { erase = false } = {}) {
  const { units, store, hecMap } = app;
  const feature = { type: 'Feature', properties: { hec: LASSO }, geometry };
  const fc = { type: 'FeatureCollection', features: [feature] };
  try {
    const rows = await api.resolveAssignment(
      { body: JSON.stringify(fc), type: 'application/geo+json' },
      { scope: 'partial' },
    );
    let ids = lassoedTracts(units, rows);
    const towns = hecMap.level === 'town';
    if (towns) ids = wholeTowns(units, ids);
    if (!ids.length) {
      toast(
        towns
          ? 'The lasso holds no whole town: draw around more of the map, or switch to Tracts.'
          : 'The lasso holds no tract: draw around more of the map.',
      );
      return;
    }
    if (erase) {
      const taken = ids.filter((id) => store.state.assign[id] != null);
      if (!taken.length) {
        toast('Nothing to erase: no unit inside the lasso is in an HEC.');
        return;
      }
      store.paint(taken, null);
      toast(`Lasso: ${describeUnits(units, taken, false)} erased from their HECs.`);
      return;
    }
    const { key, created } = intoActive(app, (k) => store.paint(ids, k));
    const into = `${created ? 'a new HEC, ' : ''}${store.hec(key)?.name}`;
    toast(`Lasso: ${describeUnits(units, ids, towns)} into ${into}.`);
  } catch (e) {
    toast(`The lasso could not be resolved: ${e.message}`, { error: true });
  }
}
