// @ts-check
// Exporting the plan (CSV, GeoJSON, GeoPackage, shapefile) through
// /api/export: the file is downloaded and the plan marked as exported.

import * as api from '../api.js';
import { toast } from '../toast.js';
import { h } from '../util.js';

/** @typedef {import('../types').App} App */

/**
 * @param {App} app
 * @param {string} to the format: csv, geojson, gpkg or shp
 */
export async function exportAs({ store }, to) {
  if (store.assignedCount === 0) {
    toast('Nothing to export yet: paint some units into an HEC first.');
    return;
  }
  try {
    const { blob, fileName } = await api.exportPlan(api.jsonPlan(store.toPlanJSON()), to);
    const a = h('a', { href: URL.createObjectURL(blob), download: fileName });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    store.markSaved();
    toast(`Exported ${fileName}.`);
  } catch (e) {
    toast(`Export failed: ${e.message}`, { error: true });
  }
}
