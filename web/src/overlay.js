// @ts-check
// The map's tract colours: the plan being drawn (each tract in its HEC's
// colour) or, while the statewide board is shown, the board's overlay
// (tracts by organization), which leaves the plan as it is to come back.

import { $ } from './util.js';

/** @typedef {import('./types').App} App */

/**
 * Colours the map from the overlay when there is one, else from the plan.
 * @param {App} app
 */
export function syncMap(app) {
  const { hecMap, store } = app;
  if (app.overlay) {
    hecMap.syncColors(app.overlay);
    return;
  }
  const colorOf = new Map(store.hecs.map((x) => [x.key, x.color]));
  hecMap.syncColors(store.state.assign.map((k) => (k != null ? colorOf.get(k) : null)));
}

/**
 * Shows the board's colours and marks on the map (null: the plan again).
 * @param {App} app
 * @param {(string | null)[] | null} colors tract id -> colour
 * @param {{ disputed?: number[], gaps?: number[] }} [marks]
 */
export function setOverlay(app, colors, marks = {}) {
  app.overlay = colors;
  app.hecMap.setBoardMarks(colors ? marks : {});
  $('#board-banner').hidden = !colors;
  syncMap(app);
}
