// @ts-check
// The validation loop: every change of the plan is sent to POST
// /api/validate, debounced at 100 ms with a leading edge (a click after a
// quiet spell is validated at once, a drag at most every 100 ms), a stale
// request aborted. The panel shows the local tally at once, and the
// server's figures and findings when its report for the current plan
// arrives.

import * as api from './api.js';
import { $ } from './util.js';

/** @typedef {import('./types').App} App */
/** @typedef {import('./types').Report} Report */

export class Validation {
  /** @param {App} app */
  constructor(app) {
    this.app = app;
    /** @type {Report | null} the latest report */
    this.report = null;
    /** the store's rev the report (or the error) is for */
    this.reportRev = -1;
    /** @type {Error | null} */
    this.error = null;
    /** @type {AbortController | null} */
    this.inflight = null;
    /** @type {{ rev: number, t: number, before: number } | null} a paint being timed */
    this.pendingPaint = null;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.busyTimer = undefined;
    this.lastRun = -Infinity;
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.trailing = null;
    this.medicareEstimated = app.units.tracts.some((t) => t.medicare_basis !== 'counted');
    this.run = this.run.bind(this);
  }

  /** Whether the report is that of the plan as it is now. */
  get current() {
    return !!this.report && this.reportRev === this.app.store.rev && !this.error;
  }

  /** Drops the request in flight (its answer is stale). */
  abort() {
    this.inflight?.abort();
  }

  /** Validates the plan now. */
  async run() {
    const { store } = this.app;
    this.inflight?.abort();
    const rev = store.rev;
    if (store.assignedCount === 0) {
      this.report = null;
      this.reportRev = rev;
      this.error = null;
      this.app.render();
      return;
    }
    const ctl = new AbortController();
    this.inflight = ctl;
    clearTimeout(this.busyTimer);
    this.busyTimer = setTimeout(() => ($('#busy').hidden = false), 300); // only when slow
    try {
      const plan = api.jsonPlan(store.toPlanJSON());
      const r = await api.validate(plan, { signal: ctl.signal });
      if (ctl.signal.aborted || rev !== store.rev) return;
      this.report = r;
      this.error = null;
      this.reportRev = rev;
    } catch (e) {
      if (e.name === 'AbortError' || rev !== store.rev) return;
      this.error = e;
      this.reportRev = rev;
    } finally {
      if (this.inflight === ctl) {
        this.inflight = null;
        clearTimeout(this.busyTimer);
        $('#busy').hidden = true;
      }
    }
    this.app.render();
  }

  /** Validates soon: at once after a quiet spell, else at most every 100 ms. */
  schedule() {
    const wait = this.lastRun + 100 - performance.now();
    if (this.trailing) return;
    if (wait <= 0) {
      this.lastRun = performance.now();
      queueMicrotask(this.run);
    } else {
      this.trailing = setTimeout(() => {
        this.trailing = null;
        this.lastRun = performance.now();
        this.run();
      }, wait);
    }
  }

  /**
   * Starts timing a paint that changed the plan (to its findings shown).
   * @param {number} before the store's rev before the paint
   */
  timePaint(before) {
    if (!this.pendingPaint) {
      this.pendingPaint = { rev: this.app.store.rev, t: performance.now(), before };
    }
  }

  /** After a render: the timed paint's findings are shown once the report covers it. */
  rendered() {
    const p = this.pendingPaint;
    if (p && this.reportRev >= p.rev) {
      this.app.hooks.metrics.paintToFindingsMs.push(performance.now() - p.t);
      this.pendingPaint = null;
    }
  }
}

/**
 * The panel's HEC rows: the report's figures when it is current, else the
 * instant local tally.
 * @param {App} app
 */
function hecRows({ store, validation }) {
  const current = validation.current;
  const report = validation.report;
  const local = store.tallies();
  const rows = store.hecs.map((x, i) => {
    const t = local.get(x.key);
    const r = current ? report.hecs[i] : null;
    return {
      key: x.key,
      name: x.name,
      color: x.color,
      population: r ? r.population : t.population,
      medicare: r ? r.medicare.value : t.medicare,
      medicareEstimate: r ? r.medicare.estimate : validation.medicareEstimated,
      tracts: r ? r.tracts : t.tracts,
      towns: r ? r.towns.length : null,
      partialTowns: r ? r.partial_towns.length : 0,
      need: r ? r.need_percentile : null,
      passes: r ? r.passes : null,
    };
  });
  return { current, rows };
}

/**
 * Redraws the panel: the HECs with their figures and the findings.
 * @param {App} app
 */
export function renderPanel(app) {
  const { store, panel, validation: v } = app;
  const { current, rows } = hecRows(app);
  panel.renderHecs(rows, store.active, app.rules.thresholds, {
    pending: !current && store.assignedCount > 0,
  });
  panel.renderFindings({
    report: v.report,
    error: v.reportRev === store.rev ? v.error : null,
    empty: store.assignedCount === 0,
    stale: v.reportRev !== store.rev,
    colors: new Map(store.hecs.map((x) => [x.name, x.color])),
    rev: v.reportRev,
  });
  v.rendered();
}
