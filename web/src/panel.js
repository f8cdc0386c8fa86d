// @ts-check
// The side panel: the HEC list (population and Medicare bars against the
// floors, the shortfall in words, the verdict with a pending waiver's two
// outcomes, the towns, each removable), the findings list (each with its
// "why?" and, when a change of towns can repair it, its "How to pass"
// options: repair.js), the verdict line with the statewide switch beside it, and the
// rules in plain words ("How it works").

import { renderGuide, RULE_SECTION, ruleLabel, ruleWhy } from './guide.js';
import { renderProfile } from './profile.js';
import { canRepair, Repairs } from './repair.js';
import { toast } from './toast.js';
import { findUnit, notAUnitMessage, suggestUnits } from './units.js';
import { fmtInt, h, plural } from './util.js';

export { ruleLabel };

/** @typedef {import('./types').App} App */
/** @typedef {import('./types').Finding} Finding */
/** @typedef {import('./types').Report} Report */
/** @typedef {import('./types').Verdict} Verdict */
/** @typedef {import('./types').Rules} Rules */
/** @typedef {import('./types').Rules['thresholds']} Thresholds */
/** @typedef {ReturnType<typeof import('./validation.js').hecStanding>} Standing */

/**
 * A row of the HEC list: figures from the report when current, else the
 * instant local tally; its towns from the plan itself.
 * @typedef {object} HecRow
 * @property {string} key
 * @property {string} name
 * @property {string} color
 * @property {number} population
 * @property {number} medicare
 * @property {boolean} medicareEstimate
 * @property {number} tracts
 * @property {{ town: string, tracts: number[], of: number }[]} towns
 * @property {number | null} need
 * @property {Standing | null} standing what the report says (null: not current)
 */

/**
 * What the findings list shows.
 * @typedef {object} FindingsState
 * @property {Report | null} report
 * @property {Error | null} error
 * @property {boolean} empty no unit in any HEC
 * @property {boolean} stale the report is not that of the plan as it is
 * @property {Map<string, string>} colors HEC name -> colour
 * @property {number} rev the store's rev the report is for
 * @property {{ chosen: string, painted: number, checked: string }} [scope]
 *   the scope chosen (statewide, partial, auto), the HECs with units, the
 *   scope checked
 */

/**
 * @typedef {object} PanelHandlers
 * @property {(key: string) => void} select
 * @property {(key: string, name: string) => void} rename
 * @property {(key: string, color: string) => void} recolor
 * @property {(key: string) => void} remove
 * @property {(f: Finding, index: number) => void} finding
 */

/** @type {Record<string, number>} */
export const SEVERITY_RANK = { error: 0, unknown: 1, pending: 2, warning: 3, waived: 4, info: 5 };
/** @type {Record<string, string>} */
export const SEVERITY_LABEL = {
  error: 'Error',
  unknown: 'Cannot check',
  pending: 'Pending staff decision',
  warning: 'Warning',
  waived: 'Waived by staff',
  info: 'Note',
};

/** Counts in the verdict line, worst first: [severity, one, many]. */
const COUNT_WORDS = [
  ['error', 'error', 'errors'],
  ['unknown', 'rule not checked', 'rules not checked'],
  ['pending', 'waiver pending', 'waivers pending'],
  ['warning', 'warning', 'warnings'],
  ['waived', 'waived by staff', 'waived by staff'],
];

/**
 * A verdict in words: "✓ Passes (1 warning)", "✗ Fails (2 errors)",
 * "◐ Pending staff decision: passes if approved, fails if refused".
 * @param {{ verdict?: Verdict, passes?: boolean, if_approved?: Verdict | null,
 *   if_refused?: Verdict | null, counts?: Record<string, number> }} report
 */
export function verdictText(report) {
  const c = report.counts ?? {};
  const parts = COUNT_WORDS.filter(([s]) => c[s]).map(([s, one, many]) => plural(c[s], one, many));
  const more = parts.length ? ` (${parts.join(', ')})` : '';
  const verdict = report.verdict ?? (report.passes ? 'passes' : 'fails');
  if (verdict === 'passes') return `✓ Passes${more}`;
  if (verdict === 'fails') return `✗ Fails${more}`;
  return `◐ Pending staff decision: ${outcomes(report.if_approved, report.if_refused)}`;
}

/**
 * "passes if approved, fails if refused".
 * @param {Verdict | null | undefined} ifApproved
 * @param {Verdict | null | undefined} ifRefused
 */
function outcomes(ifApproved, ifRefused) {
  const word = (/** @type {Verdict | null | undefined} */ v) =>
    v === 'passes' ? 'passes' : 'fails';
  return `${word(ifApproved ?? 'passes')} if approved, ${word(ifRefused ?? 'fails')} if refused`;
}

/**
 * A shortfall in words: "5,509 people short of 150,000", "≈ 1,234 Medicare
 * beneficiaries short of 20,000 (estimate)"; null when the floor is met.
 * @param {number} value
 * @param {number} limit
 * @param {[string, string]} words one and many ("person", "people")
 * @param {boolean} [estimate]
 */
export function shortfallText(value, limit, [one, many], estimate = false) {
  if (!(value < limit)) return null;
  const short = Math.max(1, Math.ceil(limit - value - 1e-9));
  const approx = estimate ? '≈ ' : '';
  return `${approx}${fmtInt(short)} ${short === 1 ? one : many} short of ${fmtInt(limit)}` +
    (estimate ? ' (estimate)' : '');
}

/**
 * A bar: value against a threshold, on a scale shared by all HECs.
 * @param {string} cls
 * @param {string} label
 * @param {number} value
 * @param {number} limit
 * @param {number} scale
 * @param {string} color
 * @param {boolean} estimate
 */
function bar(cls, label, value, limit, scale, color, estimate) {
  const ok = value >= limit;
  const pct = Math.min(100, (value / scale) * 100);
  const mark = Math.min(100, (limit / scale) * 100);
  const est = estimate
    ? h('span', { class: 'est', title: 'An estimate, not a count' }, ' (estimate)')
    : null;
  return h(
    'div',
    { class: `bar-row ${cls} ${ok ? 'ok' : 'short'}` },
    h(
      'div',
      { class: 'bar-label' },
      h('span', {}, label, est),
      h(
        'span',
        { class: 'bar-value' },
        h(
          'span',
          { class: 'value', dataset: { value: String(Math.round(value)) } },
          `${estimate ? '≈ ' : ''}${fmtInt(value)}`,
        ),
        h('span', { class: 'limit' }, ` / ${fmtInt(limit)}`),
      ),
    ),
    h(
      'div',
      {
        class: 'bar',
        role: 'meter',
        'aria-label': `${label}${estimate ? ' (estimate)' : ''}`,
        'aria-valuemin': '0',
        'aria-valuemax': String(Math.round(scale)),
        'aria-valuenow': String(Math.round(value)),
        'aria-valuetext':
          `${fmtInt(value)} of the ${fmtInt(limit)} needed` + (ok ? '' : ': below the floor'),
      },
      h('div', { class: 'bar-fill', style: { width: `${pct}%`, background: color } }),
      h('div', {
        class: 'bar-mark',
        style: { left: `${mark}%` },
        title: `threshold ${fmtInt(limit)}`,
      }),
    ),
  );
}

/**
 * An HEC's state on its card: [text, class, verdict].
 * @param {HecRow} x
 * @returns {[string, string, string]}
 */
function hecState(x) {
  if (x.tracts === 0) return ['empty', 'empty', 'empty'];
  const s = x.standing;
  if (!s) return ['', '', ''];
  if (s.verdict === 'pending') return ['◐ pending staff decision', 'pending', 'pending'];
  if (s.verdict === 'fails') return ['✗ fails', 'bad', 'fails'];
  const waived = s.waiver?.status === 'approved';
  return [waived ? '✓ passes (waiver approved)' : '✓ passes', 'ok', 'passes'];
}

/** "the population floor", "the floors and the one-piece rule". @param {string[]} rules */
function waivedWhat(rules) {
  const floors = rules.some((r) => r.startsWith('threshold.'));
  const piece = rules.includes('contiguity');
  if (floors && piece) return 'the floors and the one-piece rule';
  if (piece) return 'the one-piece rule';
  const both = rules.includes('threshold.population') && rules.includes('threshold.medicare');
  if (both) return 'the population and Medicare floors';
  return rules.includes('threshold.medicare') ? 'the Medicare floor' : 'the population floor';
}

/**
 * Focuses the n-th of some elements (the last when fewer); false when none.
 * @param {NodeListOf<Element>} list
 * @param {number} n
 */
function focusNth(list, n) {
  const el = /** @type {HTMLElement | undefined} */ (list[Math.min(n, list.length - 1)]);
  el?.focus();
  return !!el;
}

/**
 * Scrolls the panel's part holding `el` so that `el` is at its top (only
 * that part: scrollIntoView would move the page's fixed layout too).
 * @param {HTMLElement} el
 */
function scrollToTop(el) {
  let box = el.parentElement;
  while (box && !/(auto|scroll)/.test(getComputedStyle(box).overflowY)) box = box.parentElement;
  if (!box) return;
  const head = /** @type {HTMLElement | null} */ (box.querySelector(':scope > .section-head'));
  const offset = head && getComputedStyle(head).position === 'sticky' ? head.offsetHeight : 0;
  box.scrollTop += el.getBoundingClientRect().top - box.getBoundingClientRect().top - offset;
}

export class Panel {
  /**
   * @param {HTMLElement} root
   * @param {PanelHandlers} handlers
   */
  constructor(root, handlers) {
    this.root = root;
    this.on = handlers;
    /** @type {HTMLElement} */
    this.list = root.querySelector('#hec-list');
    /** @type {HTMLElement} */
    this.findings = root.querySelector('#findings');
    /** @type {HTMLElement} */
    this.verdict = root.querySelector('#verdict');
    /** @type {HTMLButtonElement} */
    this.toggleInfo = root.querySelector('#toggle-info');
    /** @type {HTMLDetailsElement} */
    this.guide = root.querySelector('#rules-guide');
    this.showInfo = false;
    /** @type {string | null} key of the selected finding */
    this.selected = null;
    /** @type {Set<string>} findings (rule|hec) whose "why?" is open */
    this.openWhy = new Set();
    /** @type {Map<string, HTMLLIElement>} HEC key -> <li> */
    this.items = new Map();
    /** @type {FindingsState | undefined} */
    this.lastFindings = undefined;
    /** @type {App | null} */
    this.app = null;
    /** @type {Repairs | null} the findings' "How to pass" */
    this.repairs = null;
    this.toggleInfo.addEventListener('click', () => {
      this.showInfo = !this.showInfo;
      this.renderFindings(this.lastFindings);
    });
    this.list.addEventListener('keydown', (e) => this._listKeys(e));
  }

  /**
   * Gives the panel what its guidance needs (once): the rules' settings for
   * the guide, the units for suggestions, the store for removing towns.
   * @param {App} app
   */
  connect(app) {
    if (this.app) return;
    this.app = app;
    this.repairs = new Repairs(app, {
      openGuide: (section) => this.openGuide(section),
      cardOf: (key) => this.items.get(key) ?? null,
    });
    this.root.querySelector('#guide-body')?.replaceChildren(...renderGuide(app.rules));
    this._bindSuggestions();
  }

  /** @returns {Partial<Rules>} */
  get rules() {
    return this.app?.rules ?? {};
  }

  /**
   * Opens "How it works" at a section, and moves focus there.
   * @param {string} section a key of the guide (floors, waiver, …)
   */
  openGuide(section) {
    this.guide.open = true;
    const el = /** @type {HTMLElement | null} */ (this.root.querySelector(`#guide-${section}`));
    scrollToTop(el ?? this.guide);
    el?.focus({ preventScroll: true });
  }

  /**
   * Arrow keys move through the HECs, Enter (or Space) chooses one, Delete
   * deletes it.
   * @param {KeyboardEvent} e
   */
  _listKeys(e) {
    const target = /** @type {HTMLElement} */ (e.target);
    if (target.tagName === 'INPUT') return;
    const items = /** @type {HTMLElement[]} */ ([...this.list.children]);
    const i = items.indexOf(target.closest('li.hec'));
    if (i < 0) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (target !== items[i]) return;
      e.preventDefault();
      const step = e.key === 'ArrowDown' ? 1 : -1;
      const next = items[Math.max(0, Math.min(items.length - 1, i + step))];
      next.focus();
      this.on.select(next.dataset.key);
    } else if ((e.key === 'Enter' || e.key === ' ') && target === items[i]) {
      e.preventDefault();
      this.on.select(items[i].dataset.key);
    } else if (e.key === 'Delete' && target === items[i]) {
      e.preventDefault();
      this.on.remove(items[i].dataset.key);
    }
  }

  /**
   * The name field of an HEC row: Enter commits, Escape reverts.
   * @param {HTMLLIElement} li
   */
  _nameInput(li) {
    const name = h('input', {
      type: 'text',
      class: 'hec-name',
      'aria-label': 'HEC name',
      spellcheck: 'false',
    });
    const commit = () => this.on.rename(li.dataset.key, name.value);
    name.addEventListener('change', commit);
    name.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') name.blur();
      if (e.key === 'Escape') {
        name.value = name.dataset.value;
        name.blur();
      }
      e.stopPropagation();
    });
    return name;
  }

  /**
   * A new HEC row (filled in by renderHecs).
   * @param {HecRow} hec
   */
  _item(hec) {
    const li = h('li', {
      class: 'hec',
      tabindex: '0',
      title: 'Click (or Enter) to paint into this HEC',
      dataset: { key: hec.key },
    });
    const color = h('input', {
      type: 'color',
      class: 'color-input',
      'aria-label': 'HEC colour',
      title: 'Change colour',
    });
    color.addEventListener('change', () => this.on.recolor(li.dataset.key, color.value));
    const name = this._nameInput(li);
    const del = h(
      'button',
      {
        type: 'button',
        class: 'icon del',
        title: 'Delete this HEC (its units become unassigned)',
        'aria-label': 'Delete HEC',
      },
      '✕',
    );
    del.addEventListener('click', (e) => {
      e.stopPropagation();
      this.on.remove(li.dataset.key);
    });
    li.addEventListener('click', (e) => {
      if (/** @type {HTMLElement} */ (e.target).closest('input, button, .hec-towns ul')) return;
      this.on.select(li.dataset.key);
    });
    name.addEventListener('focus', () => this.on.select(li.dataset.key));
    const head = h(
      'div',
      { class: 'hec-head' },
      h('label', { class: 'swatch' }, color),
      name,
      h('span', { class: 'hec-state' }),
      del,
    );
    const towns = h(
      'details',
      { class: 'hec-towns' },
      h('summary', {}),
      h('ul', { class: 'town-list' }),
    );
    li.append(
      head,
      h('div', { class: 'bars' }),
      h('div', { class: 'hec-short' }),
      h('div', { class: 'hec-waiver' }),
      h('div', { class: 'hec-meta' }),
      towns,
    );
    return li;
  }

  /**
   * hecs: the rows (figures from the report when current, else the instant
   * local tally); `pending`: figures not yet validated.
   * @param {HecRow[]} hecs
   * @param {string | null} active
   * @param {Thresholds} thresholds
   * @param {{ pending?: boolean }} [options]
   */
  renderHecs(hecs, active, thresholds, { pending = false } = {}) {
    const scales = {
      population: Math.max(thresholds.population_min * 2, ...hecs.map((x) => x.population)),
      medicare: Math.max(thresholds.medicare_min * 2, ...hecs.map((x) => x.medicare)),
    };
    const keep = new Set(hecs.map((x) => x.key));
    for (const [key, li] of this.items) {
      if (!keep.has(key)) {
        li.remove();
        this.items.delete(key);
      }
    }
    hecs.forEach((x, i) => {
      let li = this.items.get(x.key);
      if (!li) {
        li = this._item(x);
        this.items.set(x.key, li);
      }
      if (this.list.children[i] !== li) this.list.insertBefore(li, this.list.children[i] ?? null);
      this._renderHec(li, x, x.key === active, pending, thresholds, scales);
    });
    /** @type {HTMLElement} */ (this.root.querySelector('#hec-empty')).hidden = hecs.length > 0;
    this.root.querySelector('#hec-count').textContent = hecs.length ? `(${hecs.length})` : '';
  }

  /**
   * Fills in an HEC row.
   * @param {HTMLLIElement} li
   * @param {HecRow} x
   * @param {boolean} isActive
   * @param {boolean} pending
   * @param {Thresholds} thresholds
   * @param {{ population: number, medicare: number }} scales
   */
  _renderHec(li, x, isActive, pending, thresholds, scales) {
    li.classList.toggle('active', isActive);
    li.classList.toggle('pending', pending);
    if (isActive) li.setAttribute('aria-current', 'true');
    else li.removeAttribute('aria-current');
    li.style.setProperty('--hec', x.color);
    /** @type {HTMLInputElement} */ (li.querySelector('.color-input')).value = x.color;
    /** @type {HTMLElement} */ (li.querySelector('.swatch')).style.background = x.color;
    /** @type {HTMLInputElement} */
    const name = li.querySelector('.hec-name');
    name.dataset.value = x.name;
    if (document.activeElement !== name) name.value = x.name;
    name.title = x.name;
    name.setAttribute('aria-label', `Name of ${x.name}`);
    li.querySelector('.del').setAttribute('aria-label', `Delete ${x.name}`);
    const [text, cls, verdict] = hecState(x);
    const state = li.querySelector('.hec-state');
    state.textContent = text;
    state.className = `hec-state ${cls}`;
    li.dataset.verdict = verdict;
    const { population_min: popMin, medicare_min: medMin } = thresholds;
    li.querySelector('.bars').replaceChildren(
      bar('pop', 'Population', x.population, popMin, scales.population, x.color, false),
      bar('med', 'Medicare', x.medicare, medMin, scales.medicare, x.color, x.medicareEstimate),
    );
    this._renderShortfall(li, x, thresholds);
    this._renderWaiver(li, x);
    this._renderMeta(li, x);
    this._renderTowns(li, x);
    renderProfile(this.app, li, x); // the needs profile (profile.js)
  }

  /**
   * The shortfall in words, under the bars.
   * @param {HTMLLIElement} li
   * @param {HecRow} x
   * @param {Thresholds} thresholds
   */
  _renderShortfall(li, x, thresholds) {
    const lines =
      x.tracts === 0
        ? []
        : [
            shortfallText(x.population, thresholds.population_min, ['person', 'people']),
            shortfallText(
              x.medicare,
              thresholds.medicare_min,
              ['Medicare beneficiary', 'Medicare beneficiaries'],
              x.medicareEstimate,
            ),
          ].filter(Boolean);
    li.querySelector('.hec-short').replaceChildren(
      ...lines.map((t) => h('div', { class: 'short-line' }, t)),
    );
  }

  /**
   * What the card says of a waiver: pending (both outcomes), possible (a
   * rural HEC failing what a waiver covers), approved or refused.
   * @param {HTMLLIElement} li
   * @param {HecRow} x
   */
  _renderWaiver(li, x) {
    const el = /** @type {HTMLElement} */ (li.querySelector('.hec-waiver'));
    const s = x.standing;
    const how = () =>
      h(
        'button',
        { type: 'button', class: 'btn link how', onclick: () => this.openGuide('waiver') },
        'How to ask',
      );
    /** @type {(string | Node)[]} */
    let parts = [];
    let cls = '';
    if (s && x.tracts > 0 && s.pendingRules.length) {
      cls = 'pending';
      const what = waivedWhat(s.pendingRules);
      parts =
        s.verdict === 'pending'
          ? [`Waiver of ${what} requested: ${outcomes(s.ifApproved, s.ifRefused)} by staff.`]
          : [`Waiver of ${what} requested, pending staff decision; the HEC fails other rules.`];
    } else if (s && x.tracts > 0 && s.waiverPossible) {
      cls = 'possible';
      const density = s.density != null ? `${fmtInt(s.density)} people per km², ` : '';
      const line = fmtInt(this.rules.rural?.max_density_per_km2 ?? 150);
      parts = [
        `Rural (${density}under ${line}): this HEC may ask staff for a waiver, ` +
          'with a reason, in its proposal. ',
        how(),
      ];
    } else if (s && x.tracts > 0 && s.waiver?.status === 'refused') {
      cls = 'refused';
      parts = ['Staff refused this HEC’s waiver.'];
    } else if (s && x.tracts > 0 && s.waiver?.status === 'approved') {
      cls = 'approved';
      parts = ['Waiver approved by staff.'];
    }
    el.className = `hec-waiver ${cls}`;
    el.hidden = !parts.length;
    el.replaceChildren(...parts);
  }

  /**
   * The card's line of figures: tracts, split towns (as the findings name
   * them), need.
   * @param {HTMLLIElement} li
   * @param {HecRow} x
   */
  _renderMeta(li, x) {
    const meta = [plural(x.tracts, 'tract')];
    const splits = x.standing?.splitTowns ?? [];
    if (splits.length) meta.push(plural(splits.length, 'split town'));
    if (x.need != null) meta.push(`need ${Math.round(x.need)}`);
    /** @type {HTMLElement} */
    const metaEl = li.querySelector('.hec-meta');
    metaEl.textContent = meta.join(' · ');
    metaEl.title =
      (splits.length ? `split: ${splits.join(', ')} (see the findings). ` : '') +
      (x.need != null ? 'need: people-weighted mean need percentile of its tracts (0-100)' : '');
  }

  /**
   * The towns of an HEC, each removable (by mouse and keyboard, undoable).
   * @param {HTMLLIElement} li
   * @param {HecRow} x
   */
  _renderTowns(li, x) {
    const details = /** @type {HTMLDetailsElement} */ (li.querySelector('.hec-towns'));
    details.hidden = x.towns.length === 0;
    const partial = x.towns.filter((t) => t.tracts.length < t.of).length;
    details.querySelector('summary').textContent =
      plural(x.towns.length, 'town') + (partial ? ` (${partial} in part)` : '');
    const ul = details.querySelector('ul');
    const sig = [x.name, ...x.towns.map((t) => `${t.town}:${t.tracts.length}/${t.of}`)].join('|');
    if (ul.dataset.sig === sig) return; // unchanged: keep the buttons (and the focus)
    // Another plan in this row (an import, a new plan): the list starts closed.
    const before = new Set(ul.dataset.towns ? ul.dataset.towns.split('|') : []);
    if (before.size && !x.towns.some((t) => before.has(t.town))) details.open = false;
    ul.dataset.sig = sig;
    ul.dataset.towns = x.towns.map((t) => t.town).join('|');
    const had = /** @type {HTMLElement | null} */ (document.activeElement)?.closest?.('li');
    const focusAt = had && ul.contains(had) ? [...ul.children].indexOf(had) : -1;
    ul.setAttribute('aria-label', `Towns in ${x.name}`);
    ul.replaceChildren(
      ...x.towns.map((t, i) => {
        const label = `Remove ${t.town} from ${x.name}`;
        const part = t.tracts.length < t.of ? ` (${t.tracts.length} of ${t.of} tracts)` : '';
        return h(
          'li',
          { dataset: { town: t.town } },
          h('span', { class: 'town-name' }, t.town, h('span', { class: 'muted' }, part)),
          h(
            'button',
            {
              type: 'button',
              class: 'icon town-remove',
              'aria-label': label,
              title: `${label} (undo: Ctrl+Z)`,
              onclick: () => this._removeTown(x.key, t.town, i),
            },
            '✕',
          ),
        );
      }),
    );
    if (focusAt >= 0) focusNth(ul.querySelectorAll('.town-remove'), focusAt);
  }

  /**
   * Takes a town's tracts out of an HEC (the store's erase: one undo step),
   * says so with an Undo, and keeps the keyboard's place in the list.
   * @param {string} key
   * @param {string} town
   * @param {number} index its place in the list
   */
  _removeTown(key, town, index) {
    const app = this.app;
    if (!app) return;
    const { store, units } = app;
    const hec = store.hec(key);
    const all = units.townTracts.get(town) ?? [];
    const ids = all.filter((id) => store.hecOfTract(id)?.key === key);
    if (!hec || !ids.length || !store.paint(ids, null)) return;
    toast(`Removed ${town} from ${hec.name}.`, {
      action: { label: 'Undo', run: () => store.undo() },
    });
    // The list was drawn again: the keyboard goes on at the same place.
    const li = this.items.get(key);
    const buttons = li?.querySelectorAll('.town-remove');
    const moved = !!buttons?.length && focusNth(buttons, index);
    if (!moved) (li?.querySelector('summary') ?? li)?.focus();
  }

  /**
   * A misspelt town or GEOID in "Add a town or tract": a suggestion from
   * the units' names (edit distance), accepted with one click. Runs before
   * the form's own handler, which adds units it knows.
   */
  _bindSuggestions() {
    const form = /** @type {HTMLFormElement | null} */ (this.root.querySelector('#add-unit'));
    const input = /** @type {HTMLInputElement | null} */ (
      this.root.querySelector('#add-unit-input')
    );
    const box = /** @type {HTMLElement | null} */ (this.root.querySelector('#add-unit-suggest'));
    if (!form || !input || !box || !this.app) return;
    const units = this.app.units;
    const hide = () => {
      box.hidden = true;
      box.replaceChildren();
    };
    input.addEventListener('input', hide);
    this.root.addEventListener(
      'submit',
      (e) => {
        if (e.target !== form) return;
        const text = input.value;
        if (!text.trim() || findUnit(units, text)) {
          hide();
          return;
        }
        e.preventDefault();
        e.stopPropagation(); // the form's handler would only say "not found"
        this._suggest(box, input, form, text, suggestUnits(units, text));
      },
      true,
    );
  }

  /**
   * Shows "\"Hartfrod\" is not a town; did you mean Hartford?" with a
   * button per suggestion that adds it.
   * @param {HTMLElement} box
   * @param {HTMLInputElement} input
   * @param {HTMLFormElement} form
   * @param {string} text
   * @param {{ kind: string, name: string, label: string }[]} suggestions
   */
  _suggest(box, input, form, text, suggestions) {
    const accept = (/** @type {string} */ name) => {
      input.value = name;
      box.hidden = true;
      form.requestSubmit();
      input.focus();
    };
    box.className = `suggest${suggestions.length ? '' : ' none'}`;
    box.replaceChildren(
      h('span', { class: 'suggest-msg' }, notAUnitMessage(text, suggestions)),
      ...suggestions.map((s) =>
        h(
          'button',
          { type: 'button', class: 'btn small', onclick: () => accept(s.name) },
          `Add ${s.label}`,
        ),
      ),
    );
    box.hidden = false;
    /** @type {HTMLElement | null} */ (box.querySelector('button'))?.focus();
  }

  /**
   * No list: an error, or a hint (nothing painted, or validating).
   * @param {HTMLLIElement} item
   */
  _message(item) {
    this.verdict.textContent = '';
    this.verdict.className = 'verdict';
    delete this.verdict.dataset.verdict;
    this.findings.replaceChildren(item);
    this.toggleInfo.hidden = true;
  }

  /**
   * A finding's button: shows it on the map when clicked.
   * @param {Finding} f
   * @param {number} i its index in the report
   * @param {string} key
   * @param {Map<string, string>} colors HEC name -> colour
   */
  _findingButton(f, i, key, colors) {
    const chip = (/** @type {string} */ name, /** @type {string} */ cls) =>
      h('span', { class: cls, style: { '--chip': colors.get(name) ?? '#888' } }, name);
    const btn = h(
      'button',
      {
        type: 'button',
        class: `finding sev-${f.severity}${this.selected === key ? ' selected' : ''}`,
        dataset: { key, rule: f.rule, severity: f.severity, index: String(i) },
        'aria-pressed': String(this.selected === key),
        title: 'Show on the map',
      },
      h(
        'span',
        { class: 'finding-head' },
        h('span', { class: 'sev' }, SEVERITY_LABEL[f.severity] ?? f.severity),
        h('span', { class: 'rule' }, ruleLabel(f.rule)),
        f.hec ? chip(f.hec, 'chip') : null,
        ...(f.other_hecs ?? []).map((o) => chip(o, 'chip other')),
      ),
      h('span', { class: 'msg' }, f.message),
    );
    btn.addEventListener('click', () => {
      this.selected = key;
      for (const b of this.findings.querySelectorAll('.finding')) {
        const on = b.getAttribute('data-key') === key;
        b.classList.toggle('selected', on);
        b.setAttribute('aria-pressed', String(on));
      }
      this.on.finding(f, i);
    });
    return btn;
  }

  /**
   * A finding with its "why?": the rule in plain words, and a link to its
   * section of "How it works".
   * @param {Finding} f
   * @param {number} i
   * @param {string} key
   * @param {Map<string, string>} colors
   */
  _findingItem(f, i, key, colors) {
    const whyKey = `${f.rule}|${f.hec ?? ''}`;
    const open = this.openWhy.has(whyKey);
    const id = `why-${i}`;
    const text = h(
      'div',
      { class: 'why-text', id, hidden: !open },
      ruleWhy(f.rule, this.rules),
      ' ',
      h(
        'button',
        {
          type: 'button',
          class: 'btn link',
          onclick: () => this.openGuide(RULE_SECTION[f.rule] ?? 'hec'),
        },
        'More in How it works',
      ),
    );
    const why = h(
      'button',
      {
        type: 'button',
        class: 'why',
        'aria-expanded': String(open),
        'aria-controls': id,
        'aria-label': `Why? The rule: ${ruleLabel(f.rule)}`,
        title: 'Why this rule?',
      },
      'Why?',
    );
    why.addEventListener('click', () => {
      const now = text.hidden;
      text.hidden = !now;
      why.setAttribute('aria-expanded', String(now));
      if (now) this.openWhy.add(whyKey);
      else this.openWhy.delete(whyKey);
    });
    const repair = this.repairs && canRepair(f) ? this.repairs.render(f, whyKey, i, colors) : [];
    return h(
      'li',
      { class: 'finding-item' },
      this._findingButton(f, i, key, colors),
      why,
      text,
      ...repair,
    );
  }

  /**
   * The statewide switch beside the verdict, and what it does.
   * @param {FindingsState['scope']} scope
   */
  _renderScope(scope) {
    const input = /** @type {HTMLInputElement | null} */ (this.root.querySelector('#scope'));
    const note = this.root.querySelector('#scope-note');
    if (!input || !note || !scope) return;
    const r = this.rules.regions ?? { min: 8, max: 12 };
    const what = `gaps (land in no HEC) and the number of HECs (${r.min}–${r.max})`;
    const sketch = scope.painted < 2;
    const statewide = scope.checked === 'statewide';
    input.disabled = sketch;
    // After the controls' own redraw, which shows the scope chosen.
    const show = () => (input.checked = statewide);
    show();
    queueMicrotask(show);
    note.textContent = sketch
      ? `A sketch of one HEC is judged as a partial plan: ${what} are checked only for a ` +
        'statewide plan of two HECs or more.'
      : statewide
        ? `Checked as the whole state: ${what} too.`
        : `Partial plan: ${what} are not checked. Tick for a plan of the whole state.`;
  }

  /** @param {FindingsState} state */
  renderFindings(state) {
    this.lastFindings = state;
    const { report, error, empty, stale, colors } = state;
    const ul = this.findings;
    const focused = document.activeElement?.closest?.('#findings .finding');
    const focusKey = focused?.getAttribute('data-key');
    // A "How to pass" control with the focus keeps it when drawn again.
    const focusId = /** @type {HTMLElement | null} */ (
      document.activeElement?.closest?.('#findings [data-focus-id]')
    )?.dataset.focusId;
    this.repairs?.reset();
    if (this.repairs) this.repairs.stale = !!stale || state.rev !== this.app?.store.rev;
    ul.classList.toggle('stale', !!stale);
    ul.dataset.rev = String(state.rev ?? '');
    this._renderScope(state.scope);
    if (error) {
      const why = h('strong', {}, 'The server could not validate the plan: ');
      this._message(h('li', { class: 'server-error', role: 'alert' }, why, error.message));
      return;
    }
    if (empty || !report) {
      const hint = empty
        ? 'Paint units into an HEC: the rules are checked as you go.'
        : 'Validating…';
      this._message(h('li', { class: 'hint' }, hint));
      return;
    }
    const verdict = report.verdict ?? (report.passes ? 'passes' : 'fails');
    this.verdict.textContent = verdictText(report);
    const cls = verdict === 'passes' ? 'ok' : verdict === 'fails' ? 'bad' : 'pending';
    this.verdict.className = `verdict ${cls}`;
    this.verdict.dataset.verdict = verdict;

    const all = report.findings.map((f, i) => ({ f, i, key: `${f.rule}|${f.hec ?? ''}|${i}` }));
    const rank = (/** @type {Finding} */ f) => SEVERITY_RANK[f.severity] ?? 9;
    all.sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i);
    const info = all.filter((x) => x.f.severity === 'info');
    const shown = this.showInfo ? all : all.filter((x) => x.f.severity !== 'info');
    const items = shown.map(({ f, i, key }) => this._findingItem(f, i, key, colors));
    if (!items.length) {
      const none = report.passes ? 'No rule is broken.' : 'Nothing to show.';
      items.push(h('li', { class: 'hint' }, none));
    }
    ul.replaceChildren(...items);
    this.toggleInfo.hidden = info.length === 0;
    this.toggleInfo.textContent = this.showInfo
      ? `Hide ${plural(info.length, 'note')}`
      : `Show ${plural(info.length, 'note')} (shape, …)`;
    if (focusKey) {
      const again = ul.querySelector(`.finding[data-key="${CSS.escape(focusKey)}"]`);
      /** @type {HTMLElement | null} */ (again)?.focus();
    } else if (focusId) {
      const again = ul.querySelector(`[data-focus-id="${CSS.escape(focusId)}"]`);
      /** @type {HTMLElement | null} */ (again)?.focus({ preventScroll: true });
    }
    this.repairs?.afterRender();
  }

  clearSelection() {
    this.selected = null;
    for (const b of this.findings.querySelectorAll('.finding.selected')) {
      b.classList.remove('selected');
      b.setAttribute('aria-pressed', 'false');
    }
  }
}
