// @ts-check
// Showing units on the map: a finding (or the board's disputes and gaps)
// highlights its tracts and zooms to them; Esc clears the highlight.

/** @typedef {import('../types').App} App */
/** @typedef {import('../types').Finding} Finding */

import { unionBox } from '../units.js';

/**
 * Highlights a finding's tracts (else its towns', else its HEC's) and zooms
 * to them (or to its bbox when it names no unit).
 * @param {App} app
 * @param {Partial<Finding>} f
 */
export async function showFinding(app, f) {
  const { units, store, hecMap, hooks } = app;
  let ids = f.tract_ids?.length ? f.tract_ids : [];
  if (!ids.length && f.towns?.length) ids = f.towns.flatMap((t) => units.townTracts.get(t) ?? []);
  if (!ids.length && f.hec) ids = store.tractsOf(store.hecs.find((x) => x.name === f.hec)?.key);
  if (!ids.length && f.details?.bbox) {
    hecMap.zoomTo(f.details.bbox);
    return;
  }
  hecMap.highlight(ids);
  hooks.highlighted = ids;
  if (!ids.length) return;
  let boxes;
  try {
    boxes = await app.boxes;
  } catch {
    return;
  }
  hecMap.zoomTo(unionBox(boxes, ids));
}

/**
 * @param {App} app
 */
export function clearHighlight({ hecMap, hooks, panel }) {
  hecMap.highlight([]);
  hooks.highlighted = [];
  panel.clearSelection();
}
