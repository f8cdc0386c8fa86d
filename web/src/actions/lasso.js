// @ts-check
// The lasso: the units inside a freehand polygon, resolved by the server as
// drawn plans are (a tract goes in when most of its land is inside), go
// into the active HEC, or out of their HEC with Alt held.

import * as api from '../api.js';
import { toast } from '../toast.js';
import { wholeTowns } from '../units.js';
import { fmtInt } from '../util.js';
import { ensureActive } from './paint.js';

/** @typedef {import('../types').App} App */

/**
 * @param {App} app
 * @param {object} geometry a GeoJSON polygon
 * @param {{ erase?: boolean }} [options]
 */
export async function lasso(app, geometry, { erase = false } = {}) {
  const { units, store, hecMap } = app;
  const feature = { type: 'Feature', properties: { hec: 'lasso' }, geometry };
  const fc = { type: 'FeatureCollection', features: [feature] };
  try {
    const rows = await api.resolveAssignment(
      { body: JSON.stringify(fc), type: 'application/geo+json' },
      { scope: 'partial' },
    );
    let ids = rows.map((r) => units.byGeoid.get(r.tract)).filter((id) => id != null);
    if (hecMap.level === 'town') ids = wholeTowns(units, ids);
    if (!ids.length) {
      toast('The lasso holds no whole unit: draw around more of the map.');
      return;
    }
    const key = erase ? null : ensureActive(app);
    store.paint(ids, key);
    const n = fmtInt(ids.length);
    toast(
      erase ? `Lasso: ${n} tracts erased.` : `Lasso: ${n} tracts into ${store.hec(key)?.name}.`,
    );
  } catch (e) {
    toast(`The lasso could not be resolved: ${e.message}`, { error: true });
  }
}
