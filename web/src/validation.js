// @ts-check
// The validation loop: every change of the plan is sent to POST
// /api/validate, debounced at 100 ms with a leading edge (a click after a
// quiet spell is validated at once, a drag at most every 100 ms), a stale
// request aborted. The panel shows the local tally at once, and the
// server's figures and findings when its report for the current plan
// arrives.

import * as api from './api.js';
import { townsOfTracts } from './units.js';
import { $ } from './util.js';

/** @typedef {import('./types').App} App */
/** @typedef {import('./types').Report} Report */
/** @typedef {import('./types').HecReport} HecReport */
/** @typedef {import('./types').Finding} Finding */
/** @typedef {import('./types').Verdict} Verdict */
/** @typedef {import('./store.js').PlanStore} PlanStore */

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
      const plan = api.jsonPlan(planToCheck(store));
      const r = await api.validate(plan, { signal: ctl.signal });
      if (ctl.signal.aborted || rev !== store.rev) return;
      this.report = judged(r);
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

// ---- what is checked: the scope, waivers ---------------------------------

/**
 * The HECs with at least one tract.
 * @param {PlanStore} store
 */
export function paintedHecs(store) {
  const used = new Set(store.state.assign);
  return store.hecs.filter((x) => used.has(x.key)).length;
}

/**
 * The scope the plan is checked at: "partial" when chosen, and for a
 * sketch of fewer than two HECs with units (a statewide plan needs several:
 * gaps and the number of HECs would only be noise); "statewide" when chosen
 * for two HECs or more; anything else ("auto") the server decides.
 * @param {{ scope: string }} state the store's plan
 * @param {number} painted HECs with units
 * @returns {string}
 */
export function scopeToCheck({ scope }, painted) {
  if (scope === 'partial') return 'partial';
  if (scope === 'statewide') return painted >= 2 ? 'statewide' : 'partial';
  return 'auto';
}

/**
 * The plan as it is checked: the store's, at the scope to check, with the
 * waiver requests its HECs carry (when the store keeps them).
 * @param {PlanStore} store
 */
export function planToCheck(store) {
  const plan = store.toPlanJSON();
  plan.scope = scopeToCheck(store.state, paintedHecs(store));
  plan.hecs.forEach((x, i) => {
    const waiver = /** @type {any} */ (store.hecs[i])?.waiver;
    if (waiver && !(/** @type {any} */ (x).waiver)) Object.assign(x, { waiver });
  });
  return plan;
}

// ---- verdicts: passes, fails, or pending a staff decision ---------------

const FAILING = new Set(['error', 'unknown']);

/**
 * A finding's severity as the panel shows it: "waived" by a waiver staff
 * have not approved is "pending" (servers before the pending state said
 * "waived" for a request).
 * @param {Report} report
 * @param {Finding} f
 */
export function severityOf(report, f) {
  if (f.severity !== 'waived') return f.severity;
  const hec = report.hecs?.find((x) => x.name === f.hec);
  return hec?.waiver && hec.waiver.status !== 'approved' ? 'pending' : 'waived';
}

/**
 * The verdict of findings: fails with an error (or a rule not checked),
 * else pending with a waiver not yet ruled on, else passes; with, when
 * pending, what it would be if staff approved or refused.
 * @param {Finding[]} findings
 * @returns {{ verdict: Verdict, if_approved: Verdict | null, if_refused: Verdict | null }}
 */
export function verdictOf(findings) {
  const fails = findings.some((f) => FAILING.has(f.severity));
  const pending = findings.some((f) => f.severity === 'pending');
  if (!pending) return { verdict: fails ? 'fails' : 'passes', if_approved: null, if_refused: null };
  return { verdict: fails ? 'fails' : 'pending', if_approved: fails ? 'fails' : 'passes',
    if_refused: 'fails' };
}

/**
 * A report as the panel reads it: pending findings marked so, a verdict
 * on the report and on each HEC (the server's when it gives one), counts
 * per severity.
 * @param {Report} report
 * @returns {Report}
 */
export function judged(report) {
  const findings = report.findings.map((f) => {
    const severity = severityOf(report, f);
    if (severity === f.severity) return f;
    // An older server's sentence says "waived" for a request.
    const message = f.message.replace(/\s*\(waived: [^)]*\)\.?\s*$/, '.').replace(
      /\s*Waived: rural HEC with a waiver\.?\s*$/,
      '',
    );
    const pending = `${message} A waiver is requested, pending staff decision.`;
    return { ...f, severity, message: pending };
  });
  /** @type {Record<string, number>} */
  const counts = {};
  for (const f of findings) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
  const about = (/** @type {string} */ name) =>
    findings.filter((f) => f.hec === name || (f.other_hecs ?? []).includes(name));
  const hecs = report.hecs.map((x) => {
    const v = x.verdict ? pick(x) : verdictOf(about(x.name));
    return { ...x, ...v, passes: v.verdict === 'passes' };
  });
  const v = report.verdict ? pick(report) : verdictOf(findings);
  return { ...report, findings, hecs, counts, ...v, passes: v.verdict === 'passes' };
}

/**
 * A server's verdict fields.
 * @param {{ verdict?: Verdict, if_approved?: Verdict | null, if_refused?: Verdict | null }} x
 */
function pick(x) {
  const { verdict, if_approved = null, if_refused = null } = x;
  return { verdict, if_approved, if_refused };
}

// ---- the panel's figures --------------------------------------------------

const WAIVABLE = new Set(['threshold.population', 'threshold.medicare', 'contiguity']);

/**
 * What the report says of one HEC beyond its figures: its verdict, rural
 * or not, its waiver, the towns its findings say it splits, whether it
 * could ask for a waiver of what it fails.
 * @param {Report} report
 * @param {HecReport} r
 */
export function hecStanding(report, r) {
  const about = report.findings.filter(
    (f) => f.hec === r.name || (f.other_hecs ?? []).includes(r.name),
  );
  const splits = new Set(
    about.filter((f) => f.rule === 'town.split').flatMap((f) => f.towns ?? []),
  );
  const waivable = about.filter((f) => f.hec === r.name && WAIVABLE.has(f.rule));
  return {
    verdict: r.verdict ?? (r.passes ? 'passes' : 'fails'),
    ifApproved: r.if_approved ?? null,
    ifRefused: r.if_refused ?? null,
    rural: !!r.rural,
    density: r.density_per_km2 ?? null,
    waiver: r.waiver ?? null,
    splitTowns: [...splits].sort(),
    waiverPossible: !!r.rural && !r.waiver && waivable.some((f) => f.severity === 'error'),
    pendingRules: waivable.filter((f) => f.severity === 'pending').map((f) => f.rule),
  };
}

/**
 * The panel's HEC rows: the report's figures when it is current, else the
 * instant local tally; each HEC's towns from the plan itself.
 * @param {App} app
 */
function hecRows({ store, validation, units }) {
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
      towns: townsOfTracts(units, store.tractsOf(x.key)),
      need: r ? r.need_percentile : null,
      standing: r ? hecStanding(report, r) : null,
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
  panel.connect(app);
  const { current, rows } = hecRows(app);
  panel.renderHecs(rows, store.active, app.rules.thresholds, {
    pending: !current && store.assignedCount > 0,
  });
  const painted = paintedHecs(store);
  panel.renderFindings({
    report: v.report,
    error: v.reportRev === store.rev ? v.error : null,
    empty: store.assignedCount === 0,
    stale: v.reportRev !== store.rev,
    colors: new Map(store.hecs.map((x) => [x.name, x.color])),
    rev: v.reportRev,
    scope: {
      chosen: store.state.scope,
      painted,
      checked: (current && v.report?.plan?.scope) || scopeToCheck(store.state, painted),
    },
  });
  v.rendered();
}
