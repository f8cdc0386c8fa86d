// Wires the plan store, the map, the panel and the API together.

import * as api from './api.js';
import { HecMap, NEED_LEGEND } from './map.js';
import { Negotiation } from './negotiation.js';
import { Panel, ruleLabel } from './panel.js';
import { PlanStore } from './store.js';
import { debounce, fmtInt, h } from './util.js';

const $ = (sel) => document.querySelector(sel);

const hooks = {
  metrics: { navigationToFirstIdleMs: null, paintToFindingsMs: [] },
};
window.hecmap = hooks;

// ---- toasts ---------------------------------------------------------------

let toastTimer = null;
function toast(message, { error = false, action = null, ms = error ? 15000 : 4000 } = {}) {
  const el = $('#toast');
  clearTimeout(toastTimer);
  const close = h('button', { type: 'button', class: 'icon', 'aria-label': 'Dismiss', onclick: () => (el.hidden = true) }, '✕');
  const act = action ? h('button', { type: 'button', class: 'btn small', onclick: () => ((el.hidden = true), action.run()) }, action.label) : null;
  el.replaceChildren(...[h('span', { class: 'toast-msg' }, message), act, close].filter(Boolean));
  el.className = `toast${error ? ' error' : ''}`;
  el.hidden = false;
  toastTimer = setTimeout(() => (el.hidden = true), ms);
}

// ---- units ----------------------------------------------------------------

function indexUnits({ tracts, towns }) {
  const byId = [];
  const byGeoid = new Map();
  const townTracts = new Map();
  for (const t of tracts) {
    byId[t.id] = t;
    byGeoid.set(t.geoid, t.id);
    if (t.geoid_2022) byGeoid.set(t.geoid_2022, t.id);
    if (!townTracts.has(t.town)) townTracts.set(t.town, []);
    townTracts.get(t.town).push(t.id);
  }
  const townByName = new Map(towns.map((t) => [t.name.toLowerCase(), t]));
  return { tracts: byId, towns, byGeoid, townTracts, townByName };
}

function bboxOfFeatures(fc) {
  const boxes = [];
  for (const f of fc.features ?? []) {
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    const walk = (c) => {
      if (typeof c[0] === 'number') {
        x0 = Math.min(x0, c[0]);
        y0 = Math.min(y0, c[1]);
        x1 = Math.max(x1, c[0]);
        y1 = Math.max(y1, c[1]);
      } else c.forEach(walk);
    };
    walk(f.geometry.coordinates);
    boxes[Number(f.id ?? f.properties?.id)] = [x0, y0, x1, y1];
  }
  return boxes;
}

function unionBox(boxes, ids) {
  let b = null;
  for (const id of ids) {
    const x = boxes[id];
    if (!x) continue;
    b = b ? [Math.min(b[0], x[0]), Math.min(b[1], x[1]), Math.max(b[2], x[2]), Math.max(b[3], x[3])] : [...x];
  }
  return b && [[b[0], b[1]], [b[2], b[3]]];
}

// ---- boot -----------------------------------------------------------------

async function boot() {
  const townTracts = new Map();
  let store = null;
  let units = null;

  const hecMap = new HecMap($('#map'), {
    townTracts,
    callbacks: {
      onUnits: (ids, opts) => store && paint(ids, opts),
      onStrokeEnd: () => store?.endStroke(),
      onLasso: (geometry, opts) => store && lasso(geometry, opts),
      describe: (level, f) => describe(level, f),
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

  let rules;
  try {
    const [raw, r] = await Promise.all([api.loadUnits(), api.loadRules()]);
    units = indexUnits(raw);
    rules = r.effective;
  } catch (e) {
    toast(`Could not load Connecticut's units from the server: ${e.message}`, { error: true, ms: 600000 });
    throw e;
  }
  for (const [k, v] of units.townTracts) townTracts.set(k, v);
  await hecMap.ready;
  const thresholds = rules.thresholds;
  store = new PlanStore(units);
  hooks.store = store;
  hooks.units = units;

  // Tract extents, for zooming to findings (fetched once the map shows).
  let boxes = null;
  const boxesReady = hecMap.firstRender.then(() => api.loadTractGeometry()).then((fc) => (boxes = bboxOfFeatures(fc)));
  boxesReady.catch((e) => console.warn('hecmap: tract extents unavailable', e));

  // ---- validation ---------------------------------------------------------

  let report = null;
  let reportRev = -1;
  let validateError = null;
  let inflight = null;
  let pendingPaint = null;
  let busyTimer = null;

  const runValidate = async () => {
    inflight?.abort();
    const rev = store.rev;
    if (store.assignedCount === 0) {
      report = null;
      reportRev = rev;
      validateError = null;
      render();
      return;
    }
    const ctl = new AbortController();
    inflight = ctl;
    clearTimeout(busyTimer);
    busyTimer = setTimeout(() => ($('#busy').hidden = false), 300); // only when slow
    try {
      const r = await api.validate(api.jsonPlan(store.toPlanJSON()), { signal: ctl.signal });
      if (ctl.signal.aborted || rev !== store.rev) return;
      report = r;
      validateError = null;
      reportRev = rev;
    } catch (e) {
      if (e.name === 'AbortError' || rev !== store.rev) return;
      validateError = e;
      reportRev = rev;
    } finally {
      if (inflight === ctl) {
        inflight = null;
        clearTimeout(busyTimer);
        $('#busy').hidden = true;
      }
    }
    render();
  };
  // Debounced at 100 ms with a leading edge: a click after a quiet spell is
  // validated at once, a drag is validated at most every 100 ms.
  let lastRun = -Infinity;
  let trailing = null;
  const scheduleValidate = () => {
    const wait = lastRun + 100 - performance.now();
    if (trailing) return;
    if (wait <= 0) {
      lastRun = performance.now();
      queueMicrotask(runValidate);
    } else {
      trailing = setTimeout(() => {
        trailing = null;
        lastRun = performance.now();
        runValidate();
      }, wait);
    }
  };
  hooks.validateNow = runValidate;

  // ---- rendering ----------------------------------------------------------

  const panel = new Panel($('#panel'), {
    select: (key) => store.setActive(key),
    rename: (key, name) => store.renameHec(key, name),
    recolor: (key, color) => store.recolorHec(key, color),
    remove: (key) => removeHec(key),
    finding: (f) => showFinding(f),
  });

  const medicareEstimated = units.tracts.some((t) => t.medicare_basis !== 'counted');
  function hecRows() {
    const current = report && reportRev === store.rev && !validateError;
    const local = store.tallies();
    return {
      current,
      rows: store.hecs.map((x, i) => {
        const t = local.get(x.key);
        const r = current ? report.hecs[i] : null;
        return {
          key: x.key,
          name: x.name,
          color: x.color,
          population: r ? r.population : t.population,
          medicare: r ? r.medicare.value : t.medicare,
          medicareEstimate: r ? r.medicare.estimate : medicareEstimated,
          tracts: r ? r.tracts : t.tracts,
          towns: r ? r.towns.length : null,
          partialTowns: r ? r.partial_towns.length : 0,
          need: r ? r.need_percentile : null,
          passes: r ? r.passes : null,
        };
      }),
    };
  }

  function render() {
    const { current, rows } = hecRows();
    panel.renderHecs(rows, store.active, thresholds, { pending: !current && store.assignedCount > 0 });
    panel.renderFindings({
      report,
      error: reportRev === store.rev ? validateError : null,
      empty: store.assignedCount === 0,
      stale: reportRev !== store.rev,
      colors: new Map(store.hecs.map((x) => [x.name, x.color])),
      rev: reportRev,
    });
    if (pendingPaint && reportRev >= pendingPaint.rev) {
      hooks.metrics.paintToFindingsMs.push(performance.now() - pendingPaint.t);
      pendingPaint = null;
    }
    renderChrome();
  }

  function renderChrome() {
    $('#undo').disabled = !store.canUndo;
    $('#redo').disabled = !store.canRedo;
    const nameInput = $('#plan-name');
    if (document.activeElement !== nameInput) nameInput.value = store.state.name;
    $('#scope').checked = store.state.scope === 'statewide';
    const st = $('#save-status');
    st.textContent = store.assignedCount === 0 && !store.hecs.length ? '' : store.dirty ? 'not exported' : 'exported';
    st.title = store.dirty ? 'Your work is kept in this browser until you export it' : 'Exported; still kept in this browser';
    st.className = `save-status ${st.textContent ? (store.dirty ? 'dirty' : 'clean') : ''}`;
    const n = store.units.tracts.length;
    let people = 0;
    let free = 0;
    store.state.assign.forEach((k, i) => {
      if (k == null) {
        free++;
        people += store.units.tracts[i].population ?? 0;
      }
    });
    $('#unassigned').textContent = store.hecs.length ? `${fmtInt(free)} of ${fmtInt(n)} tracts (${fmtInt(people)} people) in no HEC.` : '';
  }

  // The statewide board, when shown, colours the map by organization
  // instead of the plan being drawn (which is kept, and comes back).
  let overlay = null;
  function syncMap() {
    if (overlay) {
      hecMap.syncColors(overlay);
      return;
    }
    const colorOf = new Map(store.hecs.map((x) => [x.key, x.color]));
    hecMap.syncColors(store.state.assign.map((k) => (k != null ? colorOf.get(k) : null)));
  }
  function setOverlay(colors, marks = {}) {
    overlay = colors;
    hecMap.setBoardMarks(colors ? marks : {});
    $('#board-banner').hidden = !colors;
    syncMap();
  }

  const persist = debounce(() => store.save(), 150);
  store.subscribe((_, kind) => {
    // Painting while the board is on the map: show the plan being drawn.
    if (overlay && kind !== 'active' && kind !== 'saved' && kind !== 'load') hooks.nego?.view?.hideFromMap?.();
    if (kind !== 'active' && kind !== 'saved') {
      inflight?.abort(); // its answer is stale now
      scheduleValidate();
      persist();
    }
    if (kind === 'saved' || kind === 'active') persist();
    syncMap();
    render();
    hecMap.refreshHover();
  });

  // ---- actions ------------------------------------------------------------

  function ensureActive() {
    if (store.active && store.hec(store.active)) return store.active;
    const key = store.addHec();
    toast(`Created ${store.hec(key).name}: painting goes into it.`);
    return key;
  }

  function paint(ids, { erase, stroke }) {
    const key = erase ? null : ensureActive();
    const before = store.rev;
    if (store.paint(ids, key, { merge: stroke }) && !pendingPaint) pendingPaint = { rev: store.rev, t: performance.now(), before };
  }

  /** Units inside a freehand polygon, resolved by the server as drawn plans
   *  are (a tract goes in when most of its land is inside): into the active
   *  HEC, or out of their HEC with Alt held. */
  async function lasso(geometry, { erase = false } = {}) {
    const fc = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { hec: 'lasso' }, geometry }] };
    try {
      const rows = await api.resolveAssignment({ body: JSON.stringify(fc), type: 'application/geo+json' }, { scope: 'partial' });
      let ids = rows.map((r) => units.byGeoid.get(r.tract)).filter((id) => id != null);
      if (hecMap.level === 'town') ids = wholeTowns(ids);
      if (!ids.length) {
        toast('The lasso holds no whole unit: draw around more of the map.');
        return;
      }
      const key = erase ? null : ensureActive();
      store.paint(ids, key);
      toast(erase ? `Lasso: ${fmtInt(ids.length)} tracts erased.` : `Lasso: ${fmtInt(ids.length)} tracts into ${store.hec(key)?.name}.`);
    } catch (e) {
      toast(`The lasso could not be resolved: ${e.message}`, { error: true });
    }
  }

  /** Towns most of whose people are among `ids` -> all their tracts. */
  function wholeTowns(ids) {
    const inside = new Set(ids);
    const out = [];
    for (const [, tracts] of units.townTracts) {
      let all = 0;
      let got = 0;
      for (const id of tracts) {
        const p = units.tracts[id].population || 0;
        all += p;
        if (inside.has(id)) got += p;
      }
      if (all > 0 && got / all >= 0.5) out.push(...tracts);
    }
    return out;
  }

  function removeHec(key) {
    const hec = store.hec(key);
    if (!hec) return;
    store.deleteHec(key);
    toast(`Deleted ${hec.name}.`, { action: { label: 'Undo', run: () => store.undo() } });
  }

  function hecKeyByName(name) {
    return store.hecs.find((x) => x.name === name)?.key;
  }

  async function showFinding(f) {
    let ids = f.tract_ids?.length ? f.tract_ids : [];
    if (!ids.length && f.towns?.length) ids = f.towns.flatMap((t) => units.townTracts.get(t) ?? []);
    if (!ids.length && f.hec) ids = store.tractsOf(hecKeyByName(f.hec));
    if (!ids.length && f.details?.bbox) {
      hecMap.zoomTo(f.details.bbox);
      return;
    }
    hecMap.highlight(ids);
    hooks.highlighted = ids;
    if (!ids.length) return;
    try {
      await boxesReady;
    } catch {
      return;
    }
    hecMap.zoomTo(unionBox(boxes, ids));
  }

  function clearHighlight() {
    hecMap.highlight([]);
    hooks.highlighted = [];
    panel.clearSelection();
  }

  async function importFile(file) {
    const lower = file.name.toLowerCase();
    const bytes = await file.arrayBuffer();
    let type = 'text/csv';
    if (lower.endsWith('.zip')) type = 'application/zip';
    else if (lower.endsWith('.gpkg')) type = 'application/geopackage+sqlite3';
    else if (lower.endsWith('.json') || lower.endsWith('.geojson') || /^\s*[[{]/.test(new TextDecoder().decode(bytes.slice(0, 64)))) {
      type = /"(FeatureCollection|Feature)"/.test(new TextDecoder().decode(bytes.slice(0, 4096))) ? 'application/geo+json' : 'application/json';
    }
    const stem = file.name.replace(/\.[^.]+$/, '');
    const plan = { body: bytes, type };
    $('#busy').hidden = false;
    try {
      const rep = await api.validate(plan, { name: stem });
      const rows = await api.resolveAssignment(plan, { scope: rep.plan.scope, name: stem });
      const byHec = new Map(rep.hecs.map((x) => [x.name, []]));
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
      store.replace({ name: rep.plan.name && rep.plan.name !== 'request body' ? rep.plan.name : stem, scope: rep.plan.scope === 'partial' ? 'partial' : 'statewide', hecs: [...byHec].map(([name, tracts]) => ({ name, tracts })) });
      clearHighlight();
      toast(`Imported ${file.name}: ${byHec.size} HECs, ${fmtInt(seen.size)} tracts${twice ? ` (${twice} tracts claimed twice kept their first HEC)` : ''}. Ctrl+Z returns to the previous plan.`);
    } catch (e) {
      toast(`Could not import ${file.name}: ${e.message}`, { error: true });
      hooks.lastError = e.message;
    } finally {
      $('#busy').hidden = true;
    }
  }

  async function exportAs(to) {
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

  function addUnitByName(text) {
    const v = text.trim();
    if (!v) return;
    const town = units.townByName.get(v.toLowerCase());
    const ids = town ? units.townTracts.get(town.name) ?? [] : [units.byGeoid.get(v.replace(/\s+/g, ''))].filter((x) => x != null);
    if (!ids.length) {
      toast(`No town or tract GEOID "${v}" in Connecticut.`, { error: true });
      return false;
    }
    store.paint(ids, ensureActive());
    return true;
  }

  // ---- describe (hover) ---------------------------------------------------

  function describe(level, f) {
    const p = f.properties;
    const estimate = p.medicare_estimate === true || p.medicare_estimate === 'true';
    const rows = [
      ['Population', fmtInt(p.population)],
      ['Medicare', `${estimate ? '≈ ' : ''}${fmtInt(p.medicare)}${estimate ? ' (estimate)' : ''}`],
    ];
    let hecs;
    if (level === 'tract') {
      if (p.need != null) rows.push(['Need', `${Math.round(p.need)}th percentile${p.need >= (rules.need?.high_need_percentile ?? 80) ? ' · high need' : ''}`]);
      if (p.share_below_200pct_fpl != null) rows.push(['Below 200% FPL', `${Math.round(p.share_below_200pct_fpl * 100)}%`]);
      const hec = store?.hecOfTract(Number(f.id));
      hecs = hec ? [[hec, 1]] : [];
    } else {
      const count = new Map();
      for (const id of units?.townTracts.get(p.name) ?? []) {
        const hec = store.hecOfTract(id);
        count.set(hec, (count.get(hec) ?? 0) + 1);
      }
      hecs = [...count].filter(([k]) => k);
      if (count.size > 1) hecs.push([null, count.get(null) ?? 0]);
    }
    const hecLine = hecs.length
      ? hecs.filter(([, n]) => n > 0).map(([x, n]) => h('span', { class: 'chip', style: { '--chip': x?.color ?? '#bbb' } }, x ? x.name : 'no HEC', hecs.length > 1 ? ` (${n})` : ''))
      : [h('span', { class: 'muted' }, 'in no HEC')];
    return h(
      'div',
      {},
      h('div', { class: 'tip-title' }, level === 'tract' ? p.name : p.name, level === 'tract' ? h('span', { class: 'muted' }, ` · ${p.geoid}`) : h('span', { class: 'muted' }, ` · ${(p.planning_region || '').replace(' Planning Region', '')}`)),
      h('table', {}, ...rows.map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, v)))),
      h('div', { class: 'tip-hec' }, ...hecLine),
    );
  }

  // ---- controls -----------------------------------------------------------

  function setLevel(level) {
    hecMap.setLevel(level);
    for (const b of document.querySelectorAll('[data-level]')) b.setAttribute('aria-pressed', String(b.dataset.level === level));
    localStorage.setItem('hecmap.level', level);
  }
  function setTool(tool) {
    hecMap.setTool(tool);
    for (const b of document.querySelectorAll('[data-tool]')) b.setAttribute('aria-pressed', String(b.dataset.tool === tool));
  }
  function setColorMode(mode) {
    hecMap.setColorMode(mode);
    for (const b of document.querySelectorAll('[data-color]')) b.setAttribute('aria-pressed', String(b.dataset.color === mode));
    renderLegend(mode);
  }
  function renderLegend(mode) {
    const el = $('#legend');
    el.hidden = mode !== 'need';
    if (mode !== 'need') return;
    const stops = [];
    for (let i = 0; i < NEED_LEGEND.length; i += 2) stops.push(`${NEED_LEGEND[i + 1]} ${NEED_LEGEND[i]}%`);
    el.replaceChildren(
      h('div', { class: 'legend-title' }, 'Need index, percentile'),
      h('div', { class: 'legend-ramp', style: { background: `linear-gradient(to right, ${stops.join(', ')})` } }),
      h('div', { class: 'legend-scale' }, h('span', {}, '0 least'), h('span', {}, `${rules.need?.high_need_percentile ?? 80}+ high need`), h('span', {}, '100')),
      h('div', { class: 'legend-note' }, 'HECs are outlined in their colours.'),
    );
  }
  hooks.setLevel = setLevel;
  hooks.setTool = setTool;
  hooks.setColorMode = setColorMode;

  document.querySelectorAll('[data-level]').forEach((b) => b.addEventListener('click', () => setLevel(b.dataset.level)));
  document.querySelectorAll('[data-tool]').forEach((b) => b.addEventListener('click', () => setTool(b.dataset.tool)));
  document.querySelectorAll('[data-color]').forEach((b) => b.addEventListener('click', () => setColorMode(b.dataset.color)));
  $('#undo').addEventListener('click', () => store.undo());
  $('#redo').addEventListener('click', () => store.redo());
  $('#add-hec').addEventListener('click', () => {
    store.addHec();
    setTool(hecMap.tool === 'pan' ? 'paint' : hecMap.tool);
  });
  $('#scope').addEventListener('change', (e) => store.setScope(e.target.checked ? 'statewide' : 'partial'));
  $('#plan-name').addEventListener('change', (e) => store.setName(e.target.value));
  $('#plan-name').addEventListener('keydown', (e) => e.key === 'Enter' && e.target.blur());
  $('#import').addEventListener('click', () => $('#import-file').click());
  $('#import-file').addEventListener('change', (e) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (file) importFile(file);
  });
  $('#export').addEventListener('click', () => exportAs($('#export-format').value));
  $('#new-plan').addEventListener('click', () => {
    if (!store.hecs.length) return;
    store.replace({ name: '', scope: 'statewide', hecs: [] });
    clearHighlight();
    toast('New plan. Ctrl+Z brings the previous one back.', { action: { label: 'Undo', run: () => store.undo() } });
  });
  $('#add-unit').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('#add-unit-input');
    if (addUnitByName(input.value)) input.value = '';
  });
  $('#unit-names').replaceChildren(...units.towns.map((t) => h('option', { value: t.name })));

  const typing = (el) => el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
  window.addEventListener('keydown', (e) => {
    const mod = e.ctrlKey || e.metaKey;
    const k = e.key.toLowerCase();
    if (mod && k === 'z' && !typing(e.target)) {
      e.preventDefault();
      e.shiftKey ? store.redo() : store.undo();
    } else if (mod && k === 'y' && !typing(e.target)) {
      e.preventDefault();
      store.redo();
    } else if (mod && k === 's') {
      e.preventDefault();
      exportAs('csv');
    } else if (mod && k === 'o') {
      e.preventDefault();
      $('#import-file').click();
    } else if (mod || e.altKey || typing(e.target)) {
      // leave it to the browser
    } else if (e.key === ' ' && !e.repeat && (e.target === document.body || e.target.closest?.('#map'))) {
      e.preventDefault();
      hecMap.setSpacePan(true);
    } else if (k === 'h') setTool('pan');
    else if (k === 'b') setTool('paint');
    else if (k === 'e') setTool('erase');
    else if (k === 'l') setTool('lasso');
    else if (k === 't') setLevel(hecMap.level === 'town' ? 'tract' : 'town');
    else if (k === 'v') setColorMode(hecMap.colorMode === 'hec' ? 'need' : 'hec');
    else if (k === 'n') $('#add-hec').click();
    else if (/^[1-9]$/.test(e.key)) store.setActive(store.hecs[Number(e.key) - 1]?.key ?? store.active);
    else if (e.key === 'Escape') clearHighlight();
  });
  window.addEventListener('keyup', (e) => {
    if (e.key === ' ' && hecMap.spacePan) hecMap.setSpacePan(false);
  });

  // ---- start --------------------------------------------------------------

  setLevel(localStorage.getItem('hecmap.level') === 'tract' ? 'tract' : 'town');
  setTool('paint');
  setColorMode('hec');
  if (!store.load()) render();
  // ---- the negotiation (sign-in, proposals, the board) ---------------------

  const nego = new Negotiation({
    units,
    store,
    hecMap,
    toast,
    setOverlay,
    resize: () => hecMap.map.resize(),
    showTracts: (ids) => showFinding({ tract_ids: ids }),
    clearHighlight: () => clearHighlight(),
    loadProposal: (planName, hecName, ids) => {
      store.replace({ name: planName, scope: 'partial', hecs: [{ name: hecName, tracts: ids }] });
      clearHighlight();
    },
  });
  hooks.nego = nego;
  hooks.negoReady = nego.start().catch((e) => console.warn('hecmap: negotiation', e));
  hooks.ready = true;
  hooks.report = () => (reportRev === store.rev ? report : null);
  hooks.reportRev = () => reportRev;
  hooks.ruleLabel = ruleLabel;
}

hooks.booted = boot().catch((e) => {
  console.error(e);
  hooks.bootError = e.message;
});
