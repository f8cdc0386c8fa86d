// @ts-check
// The plan being drawn: HECs (name, colour) and each tract's HEC, with undo
// and redo over whole snapshots (879 tracts: a snapshot is a small array),
// and a copy in localStorage so a reload keeps the work.
//
// Plans are kept at tract level; painting a town paints all its tracts.

import { nextColor } from './util.js';

const STORAGE_KEY = 'hecmap.plan.v1';
const HISTORY_LIMIT = 300;

/** @typedef {import('./types').Waiver} Waiver */
/**
 * An HEC of the plan; `waiver`: its waiver request, sent with the plan to
 * be checked (kept through imports, undo and reloads).
 * @typedef {{ key: string, name: string, color: string, waiver?: Waiver }} Hec
 */
/**
 * @typedef {object} PlanState
 * @property {string} name
 * @property {string} scope statewide, partial, or auto (the server decides)
 * @property {number} nextKey the number of the next HEC key (`h${n}`)
 * @property {Hec[]} hecs
 * @property {(string | null)[]} assign tract id -> HEC key (null: none)
 */
/** @typedef {PlanState & { active: string | null }} Snapshot */
/**
 * What changed: hecs, paint, meta, replace, undo, redo, load (undoable or
 * a new plan), active, saved (not the plan).
 * @typedef {string} ChangeKind
 */
/** @typedef {(store: PlanStore, kind: ChangeKind) => void} Listener */

export class PlanStore {
  /**
   * @param {import('./types').Units} units tract records indexed by their
   *   integer id, town name -> tract ids, GEOID -> tract id.
   */
  constructor(units) {
    this.units = units;
    this.state = emptyState(units.tracts.length);
    /** @type {string | null} key of the HEC painting goes to (UI state, not history) */
    this.active = null;
    this.rev = 0; // bumped on every change of the plan
    this.savedRev = 0; // rev last exported (the plan is "saved" when equal)
    /** @type {Snapshot[]} */
    this.undoStack = [];
    /** @type {Snapshot[]} */
    this.redoStack = [];
    /** @type {Set<Listener>} */
    this.listeners = new Set();
    /** @type {unknown} the merge token of the brush stroke going on */
    this._stroke = null;
    /** @type {symbol | null} the token of the group of changes going on (see group) */
    this._group = null;
  }

  /**
   * @param {Listener} fn
   * @returns {() => boolean} unsubscribes
   */
  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** @param {ChangeKind} kind */
  _notify(kind) {
    for (const fn of this.listeners) fn(this, kind);
  }

  // ---- history ----------------------------------------------------------

  /** @returns {Snapshot} */
  _snapshot() {
    const s = this.state;
    return {
      name: s.name,
      scope: s.scope,
      nextKey: s.nextKey,
      hecs: s.hecs.map(copyHec),
      assign: s.assign.slice(),
      active: this.active,
    };
  }

  /** @param {Snapshot} snap */
  _restore(snap) {
    const { active, ...state } = snap;
    this.state = state;
    if (!this.hec(active)) this.active = state.hecs.at(-1)?.key ?? null;
    else this.active = active;
  }

  /**
   * Runs `mutate` on the state as one undoable step. With `merge`, steps
   * sharing that token (a brush stroke) make a single undo step.
   * @param {ChangeKind} kind
   * @param {(state: PlanState) => boolean | void} mutate false: nothing changed
   * @param {unknown} [merge]
   */
  _commit(kind, mutate, merge = null) {
    if (this._group) merge = this._group;
    const before = this._snapshot();
    const changed = mutate(this.state);
    if (changed === false) return false;
    if (!(merge && this._stroke === merge)) {
      this.undoStack.push(before);
      if (this.undoStack.length > HISTORY_LIMIT) this.undoStack.shift();
    }
    this._stroke = merge;
    this.redoStack = [];
    this.rev++;
    this._notify(kind);
    return true;
  }

  /**
   * Runs `fn`, whose changes make a single undo step (an HEC made for the
   * units put in it: one undo takes both away).
   * @template T
   * @param {() => T} fn
   * @returns {T}
   */
  group(fn) {
    if (this._group) return fn();
    this._group = Symbol('group');
    try {
      return fn();
    } finally {
      this._group = null;
      this._stroke = null;
    }
  }

  get canUndo() {
    return this.undoStack.length > 0;
  }

  get canRedo() {
    return this.redoStack.length > 0;
  }

  undo() {
    const snap = this.undoStack.pop();
    if (!snap) return false;
    this.redoStack.push(this._snapshot());
    this._restore(snap);
    this._stroke = null;
    this.rev++;
    this._notify('undo');
    return true;
  }

  redo() {
    const snap = this.redoStack.pop();
    if (!snap) return false;
    this.undoStack.push(this._snapshot());
    this._restore(snap);
    this._stroke = null;
    this.rev++;
    this._notify('redo');
    return true;
  }

  // ---- reading ----------------------------------------------------------

  get hecs() {
    return this.state.hecs;
  }

  /** @param {string | null | undefined} key */
  hec(key) {
    return this.state.hecs.find((x) => x.key === key) ?? null;
  }

  /** @param {number} id */
  hecOfTract(id) {
    return this.hec(this.state.assign[id]);
  }

  /**
   * The tract ids in an HEC.
   * @param {string | null | undefined} key
   */
  tractsOf(key) {
    /** @type {number[]} */
    const out = [];
    this.state.assign.forEach((k, i) => k === key && out.push(i));
    return out;
  }

  get assignedCount() {
    return this.state.assign.reduce((n, k) => n + (k != null ? 1 : 0), 0);
  }

  /** Totals per HEC key from the tract records: the instant figures shown
   *  while the server validates. */
  tallies() {
    const t = new Map(
      this.state.hecs.map((x) => [x.key, { population: 0, medicare: 0, tracts: 0 }]),
    );
    const { tracts } = this.units;
    this.state.assign.forEach((k, i) => {
      const s = k != null && t.get(k);
      if (!s) return;
      s.population += tracts[i].population ?? 0;
      s.medicare += tracts[i].medicare ?? 0;
      s.tracts++;
    });
    return t;
  }

  /** The plan as the API's assignment JSON: tracts by 2020 GEOID, the
   *  HECs' waiver requests (exports keep them). */
  toPlanJSON() {
    const { tracts } = this.units;
    /** @type {Map<string, string[]>} */
    const units = new Map(this.state.hecs.map((x) => [x.key, /** @type {string[]} */ ([])]));
    this.state.assign.forEach((k, i) => k != null && units.get(k)?.push(tracts[i].geoid));
    return {
      name: this.state.name || 'Untitled plan',
      scope: this.state.scope,
      hecs: this.state.hecs.map((x) => {
        /** @type {{ name: string, units: string[], waiver?: Waiver }} */
        const hec = { name: x.name, units: units.get(x.key) };
        if (x.waiver) hec.waiver = cleanWaiver(x.waiver);
        return hec;
      }),
    };
  }

  // ---- changes ----------------------------------------------------------

  /**
   * `base`, or `base (2)`, ... when another HEC has that name.
   * @param {string} base
   * @param {string | null} [exceptKey]
   */
  uniqueName(base, exceptKey = null) {
    const taken = new Set(
      this.state.hecs.filter((x) => x.key !== exceptKey).map((x) => x.name.toLowerCase()),
    );
    if (!taken.has(base.toLowerCase())) return base;
    for (let i = 2; ; i++) if (!taken.has(`${base} (${i})`.toLowerCase())) return `${base} (${i})`;
  }

  /**
   * A new HEC (named `HEC n` unless named), made the active one.
   * @param {string | null} [name]
   * @param {string | null} [color]
   * @returns {string} its key
   */
  addHec(name = null, color = null) {
    /** @type {string | null} */
    let key = null;
    this._commit('hecs', (s) => {
      key = `h${s.nextKey++}`;
      let n = 1;
      while (!name && s.hecs.some((x) => x.name === `HEC ${n}`)) n++;
      s.hecs.push({
        key,
        name: this.uniqueName(name || `HEC ${n}`),
        color: color || nextColor(s.hecs.map((x) => x.color)),
      });
      this.active = key;
    });
    return key;
  }

  /** @param {string} key @param {string} name */
  renameHec(key, name) {
    name = name.trim();
    const hec = this.hec(key);
    if (!hec || !name || name === hec.name) return false;
    return this._commit('hecs', (s) => {
      s.hecs.find((x) => x.key === key).name = this.uniqueName(name, key);
    });
  }

  /** @param {string} key @param {string} color */
  recolorHec(key, color) {
    const hec = this.hec(key);
    if (!hec || hec.color === color) return false;
    return this._commit('hecs', (s) => {
      s.hecs.find((x) => x.key === key).color = color;
    });
  }

  /** @param {string} key */
  deleteHec(key) {
    const i = this.state.hecs.findIndex((x) => x.key === key);
    if (i < 0) return false;
    return this._commit('hecs', (s) => {
      s.hecs.splice(i, 1);
      s.assign = s.assign.map((k) => (k === key ? null : k));
      if (this.active === key) this.active = s.hecs[Math.min(i, s.hecs.length - 1)]?.key ?? null;
    });
  }

  /** @param {string | null} key */
  setActive(key) {
    if (key !== this.active && (key == null || this.hec(key))) {
      this.active = key;
      this._notify('active');
    }
  }

  /**
   * Puts tracts in HEC `key` (null erases). Returns whether anything changed.
   * @param {number[]} tractIds
   * @param {string | null} key
   * @param {{ merge?: unknown }} [options] paints with the same token make one undo step
   */
  paint(tractIds, key, { merge = null } = {}) {
    if (key != null && !this.hec(key)) return false;
    const todo = tractIds.filter((id) => this.state.assign[id] !== key);
    if (!todo.length) return false;
    return this._commit(
      'paint',
      (s) => {
        for (const id of todo) s.assign[id] = key;
      },
      merge,
    );
  }

  /** Ends a brush stroke: the next paint is a new undo step. */
  endStroke() {
    this._stroke = null;
  }

  /** @param {string} name */
  setName(name) {
    name = name.trim();
    if (name === this.state.name) return false;
    return this._commit('meta', (s) => {
      s.name = name;
    });
  }

  /** @param {string} scope statewide, partial or auto */
  setScope(scope) {
    if (scope === this.state.scope) return false;
    return this._commit('meta', (s) => {
      s.scope = scope;
    });
  }

  /**
   * Sets (null: drops) an HEC's waiver request.
   * @param {string} key
   * @param {Waiver | null | undefined} waiver
   */
  setWaiver(key, waiver) {
    const hec = this.hec(key);
    const w = cleanWaiver(waiver);
    if (!hec || JSON.stringify(hec.waiver ?? null) === JSON.stringify(w)) return false;
    return this._commit('hecs', (s) => {
      const x = s.hecs.find((y) => y.key === key);
      if (w) x.waiver = w;
      else delete x.waiver;
    });
  }

  /**
   * Replaces the plan (an import, "new plan"), as one undoable step.
   * @param {{ name?: string, scope?: string, hecs: { name: string, color?: string,
   *   tracts: number[], waiver?: Waiver | null }[] }} plan
   */
  replace({ name, scope, hecs }) {
    return this._commit('replace', (s) => {
      const fresh = emptyState(s.assign.length);
      fresh.name = name ?? '';
      fresh.scope = scope ?? s.scope;
      for (const x of hecs) {
        const key = `h${fresh.nextKey++}`;
        /** @type {Hec} */
        const hec = {
          key,
          name: x.name,
          color: x.color || nextColor(fresh.hecs.map((y) => y.color)),
        };
        const waiver = cleanWaiver(x.waiver);
        if (waiver) hec.waiver = waiver;
        fresh.hecs.push(hec);
        for (const id of x.tracts) fresh.assign[id] = key;
      }
      Object.assign(s, fresh);
      this.active = fresh.hecs[0]?.key ?? null;
    });
  }

  markSaved() {
    this.savedRev = this.rev;
    this._notify('saved');
  }

  get dirty() {
    return this.rev !== this.savedRev;
  }

  // ---- localStorage -----------------------------------------------------

  /** @param {Storage} [storage] */
  save(storage = globalThis.localStorage) {
    const { tracts } = this.units;
    /** @type {Record<string, string>} */
    const assign = {};
    this.state.assign.forEach((k, i) => k != null && (assign[tracts[i].geoid] = k));
    const doc = {
      v: 1,
      name: this.state.name,
      scope: this.state.scope,
      nextKey: this.state.nextKey,
      hecs: this.state.hecs.map(copyHec),
      assign,
      active: this.active,
      dirty: this.dirty,
    };
    try {
      storage.setItem(STORAGE_KEY, JSON.stringify(doc));
    } catch (e) {
      console.warn('hecmap: could not keep the plan in localStorage', e);
    }
  }

  /**
   * Restores the plan kept in localStorage; false when there is none.
   * @param {Storage} [storage]
   */
  load(storage = globalThis.localStorage) {
    /** @type {any} what was kept, unchecked */
    let doc;
    try {
      doc = JSON.parse(storage.getItem(STORAGE_KEY) || 'null');
    } catch {
      doc = null;
    }
    if (!doc || doc.v !== 1 || !Array.isArray(doc.hecs)) return false;
    const s = emptyState(this.state.assign.length);
    s.name = doc.name ?? '';
    s.scope = SCOPES.has(doc.scope) ? doc.scope : 'auto';
    s.hecs = doc.hecs
      .filter((/** @type {Hec} */ x) => x && x.key && x.name)
      .map((/** @type {Hec} */ { key, name, color, waiver }) => {
        /** @type {Hec} */
        const hec = { key, name, color: color || '#888888' };
        const w = cleanWaiver(waiver);
        if (w) hec.waiver = w;
        return hec;
      });
    s.nextKey = Math.max(doc.nextKey | 0, s.hecs.length + 1);
    const keys = new Set(s.hecs.map((x) => x.key));
    for (const [geoid, key] of Object.entries(doc.assign ?? {})) {
      const id = this.units.byGeoid.get(geoid);
      if (id != null && keys.has(key)) s.assign[id] = key;
    }
    this.state = s;
    this.active = keys.has(doc.active) ? doc.active : (s.hecs[0]?.key ?? null);
    this.undoStack = [];
    this.redoStack = [];
    this.rev++;
    this.savedRev = doc.dirty ? -1 : this.rev;
    this._notify('load');
    return true;
  }
}

const SCOPES = new Set(['statewide', 'partial', 'auto']);

/**
 * @param {number} n tracts
 * @returns {PlanState}
 */
function emptyState(n) {
  return { name: '', scope: 'auto', nextKey: 1, hecs: [], assign: new Array(n).fill(null) };
}

/**
 * A copy of an HEC (its waiver too: snapshots share nothing with the plan).
 * @param {Hec} x
 * @returns {Hec}
 */
function copyHec(x) {
  const { waiver, ...rest } = x;
  return waiver ? { ...rest, waiver: cleanWaiver(waiver) } : { ...rest };
}

/**
 * A waiver request as the plan keeps it (a copy; null when none).
 * @param {any} w a report's, a version's, or one kept in localStorage
 * @returns {Waiver | null}
 */
export function cleanWaiver(w) {
  if (!w || typeof w !== 'object') return null;
  /** @type {Waiver} */
  const out = {
    reason: typeof w.reason === 'string' ? w.reason : '',
    status: typeof w.status === 'string' && w.status ? w.status : 'requested',
  };
  if (Array.isArray(w.waive)) {
    out.waive = w.waive.filter((/** @type {unknown} */ x) => typeof x === 'string');
  }
  return out;
}
