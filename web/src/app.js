// @ts-check
// The app's wiring: loads the units and the rules, makes the map, the plan
// store, the panel and the validation loop, connects them to the actions
// and the controls, and starts the negotiation (sign-in, proposals, the
// board).

import { clearHighlight, showFinding } from './actions/highlight.js';
import { lasso } from './actions/lasso.js';
import { brushReady, offerStart, paint, removeHec } from './actions/paint.js';
import * as api from './api.js';
import {
  bindControls,
  bindSheets,
  renderChrome,
  setColorMode,
  setLevel,
  setTool,
} from './controls.js';
import { describe } from './describe.js';
import { hooks } from './hooks.js';
import { bindKeyboard } from './keyboard.js';
import { HecMap } from './map.js';
import { setOverlay, syncMap } from './overlay.js';
import { Panel, ruleLabel } from './panel.js';
import { PlanStore } from './store.js';
import { toast } from './toast.js';
import { bboxOfFeatures, indexUnits, unionBox } from './units.js';
import { $, debounce } from './util.js';
import { renderPanel, Validation } from './validation.js';

/** @typedef {import('./types').App} App */

/**
 * Runs `fn` when the page is idle (soon at the latest).
 * @param {() => void} fn
 */
function idle(fn) {
  if ('requestIdleCallback' in window) requestIdleCallback(fn, { timeout: 1500 });
  else setTimeout(fn, 200);
}

/**
 * The map, before the units are known (`townTracts` is filled later);
 * its callbacks wait for the store.
 * @param {App} app
 * @param {Map<string, number[]>} townTracts
 */
function makeMap(app, townTracts) {
  const hecMap = new HecMap($('#map'), {
    townTracts,
    callbacks: {
      onUnits: (ids, opts) => app.store && paint(app, ids, opts),
      onStrokeEnd: () => app.store?.endStroke(),
      onLasso: (geometry, opts) => app.store && lasso(app, geometry, opts),
      describe: (level, f) => describe(app, level, f),
      canPaint: (tool) => !!app.store && brushReady(app, tool),
      onIdleClick: (ids, f) => {
        if (!app.store || app.overlay) return;
        const town = hecMap.level === 'town' ? f.properties?.name : null;
        offerStart(app, ids, town ?? `tract ${app.units.tracts[ids[0]]?.geoid}`);
      },
    },
  });
  hecMap.tooltip = $('#tooltip');
  hooks.map = hecMap.map;
  hooks.hecMap = hecMap;
  hooks.firstRender = hecMap.firstRender.then((t) => {
    const nav = performance.getEntriesByType('navigation')[0];
    hooks.metrics.navigationToFirstIdleMs = t - (nav?.startTime ?? 0);
    return hooks.metrics.navigationToFirstIdleMs;
  });
  return hecMap;
}

/** The units and the effective rules, or a lasting error toast. */
async function loadData() {
  try {
    const [raw, r] = await Promise.all([api.loadUnits(), api.loadRules()]);
    return { units: indexUnits(raw), rules: r.effective };
  } catch (e) {
    const message = `Could not load Connecticut's units from the server: ${e.message}`;
    toast(message, { error: true, ms: 600000 });
    throw e;
  }
}

/**
 * Every change of the plan: revalidated, kept in localStorage, redrawn.
 * @param {App} app
 */
function subscribe(app) {
  const { store, validation } = app;
  let unsaved = false;
  const save = () => {
    unsaved = false;
    store.save();
  };
  const later = debounce(save, 150);
  const persist = () => {
    unsaved = true;
    later();
  };
  // Leaving the page within the debounce keeps the last change too (only
  // then: another tab's newer plan is not overwritten).
  window.addEventListener('pagehide', () => {
    later.cancel();
    if (unsaved) save();
  });
  store.subscribe((_, kind) => {
    // Painting while the board is on the map: show the plan being drawn.
    if (app.overlay && kind !== 'active' && kind !== 'saved' && kind !== 'load') {
      hooks.nego?.view?.hideFromMap?.();
    }
    if (kind !== 'active' && kind !== 'saved') {
      validation.abort(); // its answer is stale now
      validation.schedule();
      persist();
    }
    if (kind === 'saved' || kind === 'active') persist();
    syncMap(app);
    app.render();
    app.hecMap.refreshHover();
  });
}

/**
 * The negotiation's view of the app (its code is a chunk of its own,
 * loaded once the map has shown).
 * @param {App} app
 */
async function startNegotiation(app) {
  const { store } = app;
  /** @type {import('./types').Bbox[]} */
  const noBoxes = [];
  const { Negotiation } = await import('./negotiation/index.js');
  const nego = new Negotiation({
    units: app.units,
    store,
    hecMap: app.hecMap,
    toast,
    setOverlay: (colors, marks) => setOverlay(app, colors, marks),
    resize: () => app.hecMap.map.resize(),
    showTracts: (ids) => showFinding(app, { tract_ids: ids }),
    // Frames tracts without highlighting them (no extents yet: the map stays).
    fitTracts: async (ids) =>
      app.hecMap.zoomTo(unionBox(await app.boxes.catch(() => noBoxes), ids)),
    clearHighlight: () => clearHighlight(app),
    loadProposal: (planName, hecName, ids) => {
      store.replace({ name: planName, scope: 'partial', hecs: [{ name: hecName, tracts: ids }] });
      clearHighlight(app);
    },
  });
  hooks.nego = nego;
  await nego.start();
}

/**
 * Renames an HEC; a blank name is refused: the field shows the name again.
 * @param {App} app
 * @param {string} key
 * @param {string} name
 */
function renameHec({ store }, key, name) {
  const hec = store.hec(key);
  if (!hec) return;
  if (name.trim()) {
    store.renameHec(key, name);
    return;
  }
  const input = /** @type {HTMLInputElement | null} */ (
    document.querySelector(`#hec-list .hec[data-key="${CSS.escape(key)}"] .hec-name`)
  );
  if (input) input.value = hec.name;
  toast(`An HEC needs a name: it is still called ${hec.name}.`, { error: true, ms: 6000 });
}

/** Boots the page. */
export async function boot() {
  /** @type {Map<string, number[]>} */
  const townTracts = new Map();
  const app = /** @type {App} */ ({ hooks, overlay: null, store: null, units: null });
  app.hecMap = makeMap(app, townTracts);
  const { units, rules } = await loadData();
  app.units = units;
  app.rules = rules;
  for (const [k, v] of units.townTracts) townTracts.set(k, v);
  await app.hecMap.ready;
  const store = new PlanStore(units);
  app.store = store;
  hooks.store = store;
  hooks.units = units;

  app.boxes = app.hecMap.firstRender
    .then(() => new Promise((resolve) => idle(() => resolve(null))))
    .then(() => api.loadTractGeometry())
    .then(bboxOfFeatures);
  app.boxes.catch((e) => console.warn('hecmap: tract extents unavailable', e));

  app.validation = new Validation(app);
  hooks.validateNow = app.validation.run;
  app.panel = new Panel($('#panel'), {
    select: (key) => store.setActive(key),
    rename: (key, name) => renameHec(app, key, name),
    recolor: (key, color) => store.recolorHec(key, color),
    remove: (key) => removeHec(app, key),
    finding: (f) => showFinding(app, f),
  });
  app.panel.connect(app); // the guide, the suggestions: before the first render
  app.render = () => {
    renderPanel(app);
    renderChrome(app);
  };
  subscribe(app);
  bindControls(app);
  bindSheets(app);
  bindKeyboard(app);

  setLevel(app, localStorage.getItem('hecmap.level') === 'tract' ? 'tract' : 'town');
  setTool(app, 'paint');
  setColorMode(app, 'hec');
  if (!store.load()) app.render();
  // After the map's first picture: the session probe, the negotiation's
  // code, the lasso's (terra-draw), the tracts' extents.
  const shown = app.hecMap.firstRender;
  hooks.negoReady = shown
    .then(() => startNegotiation(app))
    .catch((e) => console.warn('hecmap: negotiation', e));
  const preloadLasso = () => app.hecMap.loadDraw().catch((e) => console.warn('hecmap: lasso', e));
  shown.then(() => idle(preloadLasso));
  hooks.ready = true;
  hooks.report = () => (app.validation.reportRev === store.rev ? app.validation.report : null);
  hooks.reportRev = () => app.validation.reportRev;
  hooks.ruleLabel = ruleLabel;
}
