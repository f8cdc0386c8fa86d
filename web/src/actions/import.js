// @ts-check
// Importing a plan file (CSV, JSON, GeoJSON polygons, zipped shapefile,
// GeoPackage): it goes to /api/validate first (so the server's message
// shows when it rejects the file), then the same body to
// /api/export?to=csv, whose `tract,...,hec` rows become the plan, as one
// undoable step; the HECs keep the waiver requests the file makes.

import * as api from '../api.js';
import { toast } from '../toast.js';
import { $, plural } from '../util.js';
import { clearHighlight } from './highlight.js';

/** @typedef {import('../types').App} App */
/** @typedef {import('../types').Units} Units */

/**
 * The content type of a plan file, from its name or its first bytes.
 * @param {string} fileName
 * @param {ArrayBuffer} bytes
 */
export function planType(fileName, bytes) {
  const lower = fileName.toLowerCase();
  const head = (/** @type {number} */ n) => new TextDecoder().decode(bytes.slice(0, n));
  if (lower.endsWith('.zip')) return 'application/zip';
  if (lower.endsWith('.gpkg')) return 'application/geopackage+sqlite3';
  if (lower.endsWith('.json') || lower.endsWith('.geojson') || /^\s*[[{]/.test(head(64))) {
    const geo = /"(FeatureCollection|Feature)"/.test(head(4096));
    return geo ? 'application/geo+json' : 'application/json';
  }
  return 'text/csv';
}

/**
 * Resolved rows -> tract ids by HEC name (the report's HECs first, in its
 * order); a tract claimed twice keeps its first HEC.
 * @param {Units} units
 * @param {string[]} hecNames
 * @param {Record<string, string>[]} rows
 */
function groupByHec(units, hecNames, rows) {
  /** @type {Map<string, number[]>} */
  const byHec = new Map(hecNames.map((name) => [name, /** @type {number[]} */ ([])]));
  const seen = new Set();
  let twice = 0;
  for (const r of rows) {
    const id = units.byGeoid.get(r.tract);
    if (id == null || !r.hec) continue;
    if (seen.has(id)) {
      twice++;
      continue;
    }
    seen.add(id);
    if (!byHec.has(r.hec)) byHec.set(r.hec, []);
    byHec.get(r.hec).push(id);
  }
  return { byHec, tracts: seen.size, twice };
}

/**
 * @param {App} app
 * @param {File} file
 */
export async function importFile(app, file) {
  const { store, units, hooks } = app;
  const bytes = await file.arrayBuffer();
  const stem = file.name.replace(/\.[^.]+$/, '');
  const plan = { body: bytes, type: planType(file.name, bytes) };
  $('#busy').hidden = false;
  try {
    const rep = await api.validate(plan, { name: stem });
    const rows = await api.resolveAssignment(plan, { scope: rep.plan.scope, name: stem });
    const hecNames = rep.hecs.map((x) => x.name);
    const { byHec, tracts, twice } = groupByHec(units, hecNames, rows);
    // The waiver requests the file makes (the report's HECs carry them).
    const waivers = new Map(rep.hecs.map((x) => [x.name, x.waiver ?? null]));
    store.replace({
      name: rep.plan.name && rep.plan.name !== 'request body' ? rep.plan.name : stem,
      scope: ['partial', 'statewide'].includes(rep.plan.scope) ? rep.plan.scope : 'auto',
      hecs: [...byHec].map(([name, ids]) => ({ name, tracts: ids, waiver: waivers.get(name) })),
    });
    clearHighlight(app);
    const kept = twice ? ` (${twice} tracts claimed twice kept their first HEC)` : '';
    toast(
      `Imported ${file.name}: ${plural(byHec.size, 'HEC')}, ${plural(tracts, 'tract')}${kept}. ` +
        'Ctrl+Z returns to the previous plan.',
    );
  } catch (e) {
    toast(`Could not import ${file.name}: ${e.message}`, { error: true });
    hooks.lastError = e.message;
  } finally {
    $('#busy').hidden = true;
  }
}
