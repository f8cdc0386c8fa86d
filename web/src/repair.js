// @ts-check
// "How to pass": for a failing finding whose rule a change of towns can
// repair (the floors, one piece, split towns, surrounded land,
// cherry-picking), the server's ranked options (POST /api/suggest, asked on
// demand: it takes up to a few hundred ms), each checked by its validator.
// Each option says in plain words which towns move and where from, what
// every HEC it touches looks like after, and any failure it creates; the
// waiver a rural HEC could ask for instead; or why there is none.
// Hovering or focusing an option previews its towns on the map; "Apply"
// paints them into the HEC as one undoable step.

import * as api from './api.js';
import { showFinding } from './actions/highlight.js';
import { toast } from './toast.js';
import { unionBox } from './units.js';
import { fmtInt, h, listText, plural } from './util.js';
import { planToCheck } from './validation.js';
import { ruleLabel } from './guide.js';

/** @typedef {import('./types').App} App */
/** @typedef {import('./types').Finding} Finding */
/** @typedef {import('./types').Repair} Repair */
/** @typedef {import('./types').RepairOption} RepairOption */
/** @typedef {import('./types').HecAfter} HecAfter */
/** @typedef {import('./types').Suggestions} Suggestions */

/** Rules a change of towns can repair (the server's list). */
export const REPAIRABLE = new Set([
  'threshold.population',
  'threshold.medicare',
  'contiguity',
  'town.split',
  'enclave',
  'cherry_pick.high_need',
]);

/**
 * Whether a finding gets "How to pass": an HEC's error (or pending waiver)
 * under a rule a change of towns can repair.
 * @param {Finding} f
 */
export function canRepair(f) {
  return !!f.hec && REPAIRABLE.has(f.rule) && (f.severity === 'error' || f.severity === 'pending');
}

/**
 * The tract ids an option moves.
 * @param {import('./types').Units} units
 * @param {RepairOption} option
 */
export function optionTracts(units, option) {
  /** @type {number[]} */
  const ids = [];
  for (const m of option.adds) {
    for (const g of m.tracts) {
      const id = units.byGeoid.get(g);
      if (id != null) ids.push(id);
    }
  }
  return ids;
}

/**
 * "✓ passes", "✗ fails: Population floor, Medicare floor", "◐ waits on its waiver".
 * @param {HecAfter} a
 */
export function afterVerdict(a) {
  if (a.verdict === 'passes') return '✓ passes';
  if (a.verdict === 'pending') return '◐ waits on its waiver (pending staff decision)';
  const what = a.failing.map(ruleLabel);
  return what.length ? `✗ fails: ${listText(what)}` : '✗ fails';
}

/**
 * A town an option moves, in words: "Farmington: 26,712 people, from
 * Capitol Planning Region", "Voluntown: 2,603 people, in no HEC yet", "(2
 * of 6 tracts)" when only part of it moves.
 * @param {import('./types').TownMove} m
 * @param {number} of the town's tracts
 */
export function townMoveText(m, of) {
  const part = of && m.tracts.length < of ? ` (${m.tracts.length} of ${of} tracts)` : '';
  const from = m.from.length ? `from ${listText(m.from)}` : 'in no HEC yet';
  return `${plural(m.people, 'person', 'people')}${part}, ${from}`;
}

/**
 * @typedef {object} Entry a request for one HEC's options at one plan revision
 * @property {number} rev
 * @property {string} hec
 * @property {Suggestions | null} result
 * @property {Error | null} error
 * @property {AbortController} ctl
 * @property {Promise<void>} promise
 */

export class Repairs {
  /**
   * @param {App} app
   * @param {{ openGuide: (section: string) => void,
   *   cardOf: (key: string) => HTMLElement | null }} panel
   */
  constructor(app, panel) {
    this.app = app;
    this.panel = panel;
    /** @type {Set<string>} findings (rule|hec) whose options are open */
    this.open = new Set();
    /** @type {Map<string, Entry>} `${rev}|${hec}` -> its request */
    this.cache = new Map();
    /** @type {Map<string, HTMLElement>} rule|hec -> its box as drawn now */
    this.boxes = new Map();
    /** @type {number[] | null} the highlight before a preview (null: no preview) */
    this.saved = null;
    /** @type {string | null} the box to frame on the map once its options arrive */
    this.frame = null;
    /** @type {{ hec: string, key: string, why: string } | null} an option just applied */
    this.applied = null;
    /** the findings drawn are not those of the plan as it is */
    this.stale = false;
  }

  /**
   * The "How to pass" button and its box, for a finding's item.
   * @param {Finding} f
   * @param {string} whyKey rule|hec
   * @param {number} i the finding's index (for ids)
   * @param {Map<string, string>} colors
   * @returns {HTMLElement[]}
   */
  render(f, whyKey, i, colors) {
    const open = this.open.has(whyKey);
    const id = `repair-${i}`;
    const box = h('div', {
      class: 'repair',
      id,
      hidden: !open,
      dataset: { key: whyKey },
      'aria-label': `Ways for ${f.hec} to pass: ${ruleLabel(f.rule)}`,
      role: 'region',
    });
    const btn = h(
      'button',
      {
        type: 'button',
        class: 'btn small how-to-pass',
        'aria-expanded': String(open),
        'aria-controls': id,
        dataset: { focusId: `how|${whyKey}` },
        title: 'Ways to change the towns so that this HEC passes',
      },
      open ? 'Hide the ways to pass' : 'How to pass',
    );
    btn.addEventListener('click', () => {
      const now = !this.open.has(whyKey);
      if (now) {
        this.open.add(whyKey);
        this.frame = whyKey;
      } else {
        this.open.delete(whyKey);
        this.endPreview();
      }
      box.hidden = !now;
      btn.setAttribute('aria-expanded', String(now));
      btn.textContent = now ? 'Hide the ways to pass' : 'How to pass';
      if (now) this.fill(box, f, colors);
    });
    this.boxes.set(whyKey, box);
    if (open) this.fill(box, f, colors);
    return [btn, box];
  }

  /** Before the findings are drawn again: the boxes and a preview go. */
  reset() {
    this.boxes.clear();
    this.endPreview();
  }

  /**
   * The options of one HEC at the plan's revision: asked once, kept while
   * the plan does not change.
   * @param {string} hec
   * @returns {Entry}
   */
  request(hec) {
    const { store, hooks } = this.app;
    const rev = store.rev;
    const k = `${rev}|${hec}`;
    const had = this.cache.get(k);
    if (had) return had;
    for (const [key, e] of this.cache) {
      if (e.rev !== rev) {
        e.ctl.abort();
        this.cache.delete(key);
      }
    }
    const ctl = new AbortController();
    const t0 = performance.now();
    /** @type {Entry} */
    const entry = { rev, hec, result: null, error: null, ctl, promise: Promise.resolve() };
    entry.promise = api
      .suggest(api.jsonPlan(planToCheck(store)), { hec, signal: ctl.signal })
      .then(
        (r) => {
          entry.result = r;
          hooks.suggestMs = performance.now() - t0;
        },
        (e) => {
          if (e.name === 'AbortError') return;
          entry.error = e;
          this.cache.delete(k); // "Try again" asks anew
        },
      );
    this.cache.set(k, entry);
    return entry;
  }

  /**
   * Fills a box: waiting, the server's error, or the options.
   * @param {HTMLElement} box
   * @param {Finding} f
   * @param {Map<string, string>} colors
   */
  fill(box, f, colors) {
    const whyKey = box.dataset.key;
    if (this.stale) {
      const wait = 'Checking the plan as it is now…';
      box.replaceChildren(h('p', { class: 'repair-status', role: 'status' }, wait));
      return;
    }
    const entry = this.request(f.hec);
    if (entry.result) {
      this._options(box, f, entry.result, colors);
      if (this.frame === whyKey) {
        this.frame = null;
        this._frame(f.hec, entry.result);
      }
      return;
    }
    if (entry.error) {
      box.replaceChildren(
        h(
          'p',
          { class: 'repair-status repair-error', role: 'alert' },
          `The server could not suggest changes: ${entry.error.message} `,
          h(
            'button',
            { type: 'button', class: 'btn link', onclick: () => this.fill(box, f, colors) },
            'Try again',
          ),
        ),
      );
      return;
    }
    box.replaceChildren(
      h(
        'p',
        { class: 'repair-status', role: 'status' },
        `Looking for towns that would make ${f.hec} pass…`,
      ),
    );
    entry.promise.then(() => {
      // The findings may have been drawn again meanwhile: fill the box drawn now.
      const now = this.boxes.get(whyKey);
      if (now && this.open.has(whyKey) && entry.rev === this.app.store.rev) {
        this.fill(now, f, colors);
      }
    });
  }

  /**
   * Frames the HEC and the towns its options add.
   * @param {string} hecName
   * @param {Suggestions} result
   */
  async _frame(hecName, result) {
    const { store, units, hecMap } = this.app;
    const hec = store.hecs.find((x) => x.name === hecName);
    const ids = store.tractsOf(hec?.key);
    for (const r of result.repairs) {
      if (r.hec === hecName) for (const o of r.options) ids.push(...optionTracts(units, o));
    }
    if (!ids.length) return;
    try {
      const box = unionBox(await this.app.boxes, ids);
      if (box) hecMap.zoomTo(box);
    } catch {
      // no extents: the map stays
    }
  }

  /**
   * The options of the finding's rule for its HEC.
   * @param {HTMLElement} box
   * @param {Finding} f
   * @param {Suggestions} result
   * @param {Map<string, string>} colors
   */
  _options(box, f, result, colors) {
    const repair = result.repairs.find((r) => r.hec === f.hec && r.rule === f.rule);
    /** @type {Node[]} */
    const parts = [];
    if (!repair) {
      parts.push(
        h('p', { class: 'repair-note' }, 'No change of towns was found for this finding.'),
      );
      box.replaceChildren(...parts);
      return;
    }
    const n = repair.options.length;
    if (n) {
      parts.push(
        h(
          'p',
          { class: 'repair-lead' },
          `${n === 1 ? 'One way' : `${fmtInt(n)} ways`} to pass, checked against every rule ` +
            '(fewest people taken from other HECs first):',
        ),
      );
      const list = h('ol', {
        class: 'repair-options',
        'aria-label': `Ways for ${repair.hec} to pass: ${ruleLabel(repair.rule)}`,
      });
      repair.options.forEach((o, i) => list.append(this._option(repair, o, i, colors)));
      parts.push(list);
    }
    if (repair.note) parts.push(h('p', { class: 'repair-note' }, repair.note));
    if (repair.waiver_alternative) {
      parts.push(
        h(
          'p',
          { class: 'repair-waiver' },
          h('strong', {}, n ? 'Or a waiver: ' : 'A waiver: '),
          repair.waiver_alternative,
          ' ',
          h(
            'button',
            { type: 'button', class: 'btn link', onclick: () => this.panel.openGuide('waiver') },
            'How to ask',
          ),
        ),
      );
    }
    box.replaceChildren(...parts);
  }

  /**
   * One option: its summary, its towns, the HECs after, a failure it makes;
   * Apply and Show on the map.
   * @param {Repair} repair
   * @param {RepairOption} o
   * @param {number} i
   * @param {Map<string, string>} colors
   */
  _option(repair, o, i, colors) {
    const { units } = this.app;
    const ids = optionTracts(units, o);
    const made = o.new_errors.length > 0;
    const li = h(
      'li',
      { class: `repair-option${made ? ' makes-errors' : ''}`, dataset: { index: String(i) } },
      h('p', { class: 'repair-summary' }, o.summary),
      h(
        'ul',
        { class: 'repair-towns', 'aria-label': 'Towns it adds' },
        ...o.adds.map((m) =>
          h(
            'li',
            { dataset: { town: m.town } },
            h('strong', {}, m.town),
            `: ${townMoveText(m, units.townTracts.get(m.town)?.length ?? 0)}`,
          ),
        ),
      ),
      this._after(o, colors),
      made
        ? h(
            'div',
            { class: 'repair-new', role: 'note' },
            h('strong', {}, '⚠ It creates a new problem (no option avoids it):'),
            h('ul', {}, ...o.new_errors.map((e) => h('li', {}, e))),
          )
        : null,
      this._actions(repair, o, i, ids),
    );
    li.addEventListener('mouseenter', () => this.preview(ids));
    li.addEventListener('mouseleave', () => {
      if (!li.contains(document.activeElement)) this.endPreview();
    });
    li.addEventListener('focusin', () => this.preview(ids));
    li.addEventListener('focusout', (e) => {
      const to = /** @type {Node | null} */ (e.relatedTarget);
      if (!to || !li.contains(to)) this.endPreview();
    });
    return li;
  }

  /**
   * Every HEC an option touches, after it: people (from what now), Medicare,
   * verdict.
   * @param {RepairOption} o
   * @param {Map<string, string>} colors
   */
  _after(o, colors) {
    const { validation } = this.app;
    const now = new Map(
      (validation.current ? validation.report.hecs : []).map((x) => [x.name, x]),
    );
    const chip = (/** @type {string} */ name) =>
      h('span', { class: 'chip', style: { '--chip': colors.get(name) ?? '#888' } }, name);
    return h(
      'ul',
      { class: 'repair-after', 'aria-label': 'After the change' },
      ...o.after.map((a) => {
        const was = now.get(a.hec);
        const est = a.medicare_estimate;
        const people = was
          ? `${fmtInt(was.population)} → ${fmtInt(a.population)} people`
          : `${fmtInt(a.population)} people`;
        const medicare =
          `${est ? '≈ ' : ''}${fmtInt(a.medicare)} Medicare beneficiaries` +
          (est ? ' (estimate)' : '');
        return h(
          'li',
          { dataset: { hec: a.hec, population: String(Math.round(a.population)) } },
          chip(a.hec),
          ' ',
          h('span', { class: 'repair-figures' }, `${people}, ${medicare}`),
          ' ',
          h('span', { class: `repair-verdict v-${a.verdict}` }, afterVerdict(a)),
        );
      }),
    );
  }

  /**
   * Apply, and Show on the map.
   * @param {Repair} repair
   * @param {RepairOption} o
   * @param {number} i
   * @param {number[]} ids
   */
  _actions(repair, o, i, ids) {
    const towns = listText(o.adds.map((m) => m.town));
    const id = `${repair.hec}|${repair.rule}|${i}`;
    return h(
      'div',
      { class: 'repair-actions' },
      h(
        'button',
        {
          type: 'button',
          class: 'btn small primary repair-apply',
          'aria-label': `Apply: add ${towns} to ${repair.hec}`,
          title: 'Make this change (undo: Ctrl+Z)',
          dataset: { focusId: `apply|${id}` },
          onclick: () => this.apply(repair, o),
        },
        'Apply',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'btn small repair-show',
          'aria-label': `Show on the map: ${towns}`,
          dataset: { focusId: `show|${id}` },
          onclick: () => {
            this.saved = ids;
            showFinding(this.app, { tract_ids: ids });
          },
        },
        'Show on the map',
      ),
    );
  }

  /**
   * Highlights an option's towns (the plan does not change).
   * @param {number[]} ids
   */
  preview(ids) {
    const { hecMap, hooks } = this.app;
    if (this.saved == null) this.saved = [...(hooks.highlighted ?? [])];
    hecMap.highlight(ids);
    hooks.highlighted = ids;
  }

  /** The highlight as it was before the preview. */
  endPreview() {
    if (this.saved == null) return;
    const { hecMap, hooks } = this.app;
    hecMap.highlight(this.saved);
    hooks.highlighted = this.saved;
    this.saved = null;
  }

  /**
   * Paints an option's towns into its HEC: one undo step.
   * @param {Repair} repair
   * @param {RepairOption} o
   */
  apply(repair, o) {
    const { store, units, hecMap, hooks } = this.app;
    const hec = store.hecs.find((x) => x.name === repair.hec);
    const ids = optionTracts(units, o);
    if (!hec || !ids.length) return;
    this.saved = null;
    hecMap.highlight([]);
    hooks.highlighted = [];
    this.applied = { hec: hec.name, key: hec.key, why: `${repair.rule}|${repair.hec}` };
    const changed = store.group(() => store.paint(ids, hec.key));
    if (!changed) {
      this.applied = null;
      return;
    }
    toast(`Added ${listText(o.adds.map((m) => m.town))} to ${hec.name}.`, {
      action: { label: 'Undo', run: () => store.undo() },
    });
  }

  /**
   * After the findings are drawn: once the plan an option made is
   * checked, the keyboard goes on from its "How to pass" (still failing)
   * or its HEC's card (the finding is gone).
   */
  afterRender() {
    const a = this.applied;
    if (!a || this.stale) return;
    this.applied = null;
    const lost = !document.activeElement || document.activeElement === document.body;
    if (!lost) return;
    const again = /** @type {HTMLElement | null} */ (
      document.querySelector(`#findings [data-focus-id="${CSS.escape(`how|${a.why}`)}"]`)
    );
    const el = again ?? this.panel.cardOf(a.key);
    el?.focus({ preventScroll: true });
  }
}
