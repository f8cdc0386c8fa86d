// @ts-check
// `window.hecmap`: what the page exposes to the browser tests and for
// debugging: `map`, `hecMap`, `store`, `units`, `report()`, `reportRev()`,
// `highlighted`, `metrics`, `nego`, `setTool` / `setLevel` / `setColorMode`,
// `openSheet('plan' | 'nego' | '')` (the phone layout's sheets), and the
// promises `firstRender`, `negoReady` (the negotiation starts once the map
// has shown), `booted` (`ready` is true once the page is wired).

/**
 * @typedef {object} Metrics
 * @property {number | null} navigationToFirstIdleMs navigation start -> first map idle with tiles
 * @property {number[]} paintToFindingsMs a paint -> the findings of the plan it made, each
 */

/** @typedef {{ metrics: Metrics, [hook: string]: any }} Hooks */

/** @type {Hooks} */
export const hooks = {
  metrics: { navigationToFirstIdleMs: null, paintToFindingsMs: [] },
};
window.hecmap = hooks;
