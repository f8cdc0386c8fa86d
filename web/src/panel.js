// @ts-check
// The side panel: the HEC list with population and Medicare bars against
// the thresholds, and the findings list from the server's report.

import { fmtInt, h } from './util.js';

/** @typedef {import('./types').Finding} Finding */
/** @typedef {import('./types').Report} Report */
/** @typedef {import('./types').Rules['thresholds']} Thresholds */

/**
 * A row of the HEC list: figures from the report when current, else the
 * instant local tally.
 * @typedef {object} HecRow
 * @property {string} key
 * @property {string} name
 * @property {string} color
 * @property {number} population
 * @property {number} medicare
 * @property {boolean} medicareEstimate
 * @property {number} tracts
 * @property {number | null} towns whole towns (from the report)
 * @property {number} partialTowns
 * @property {number | null} need
 * @property {boolean | null} passes
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
 */

/**
 * @typedef {object} PanelHandlers
 * @property {(key: string) => void} select
 * @property {(key: string, name: string) => void} rename
 * @property {(key: string, color: string) => void} recolor
 * @property {(key: string) => void} remove
 * @property {(f: Finding, index: number) => void} finding
 */

/** @type {Record<string, string>} */
const RULE_LABELS = {
  'coverage.gap': 'Gap',
  'coverage.overlap': 'Overlap',
  'coverage.sliver': 'Sliver',
  'threshold.population': 'Population',
  'threshold.medicare': 'Medicare',
  'count.regions': 'Number of HECs',
  contiguity: 'Contiguity',
  waiver: 'Waiver',
  'town.split': 'Town split',
  enclave: 'Enclave',
  'cherry_pick.high_need': 'Cherry-picking',
  compactness: 'Compactness',
};

/** @type {Record<string, number>} */
const SEVERITY_RANK = { error: 0, unknown: 1, warning: 2, waived: 3, info: 4 };
/** @type {Record<string, string>} */
const SEVERITY_LABEL = {
  error: 'Error',
  unknown: 'Unknown',
  warning: 'Warning',
  waived: 'Waived',
  info: 'Info',
};

/** @param {string} rule */
export function ruleLabel(rule) {
  return RULE_LABELS[rule] ?? rule;
}

/** @param {number} n @param {string} word */
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

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
 * The verdict over the findings: "✓ Passes (2 warnings)", "✗ 1 error".
 * @param {Report} report
 */
function verdictText(report) {
  const c = report.counts ?? {};
  const bad = (c.error ?? 0) + (c.unknown ?? 0);
  const parts = [];
  for (const s of ['error', 'unknown', 'warning', 'waived']) {
    if (c[s]) parts.push(`${c[s]} ${s === 'error' ? (c[s] === 1 ? 'error' : 'errors') : s}`);
  }
  return report.passes
    ? '✓ Passes' + (parts.length ? ` (${parts.join(', ')})` : '')
    : `✗ ${parts.join(', ') || `${bad} failing`}`;
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
    this.showInfo = false;
    /** @type {string | null} key of the selected finding */
    this.selected = null;
    /** @type {Map<string, HTMLLIElement>} HEC key -> <li> */
    this.items = new Map();
    /** @type {FindingsState | undefined} */
    this.lastFindings = undefined;
    this.toggleInfo.addEventListener('click', () => {
      this.showInfo = !this.showInfo;
      this.renderFindings(this.lastFindings);
    });
    this.list.addEventListener('keydown', (e) => this._listKeys(e));
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
    const i = items.indexOf(target.closest('li'));
    if (i < 0) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
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
      if (/** @type {HTMLElement} */ (e.target).closest('input, button')) return;
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
    li.append(head, h('div', { class: 'bars' }), h('div', { class: 'hec-meta' }));
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
    const state = li.querySelector('.hec-state');
    const passes = x.passes;
    const verdict = passes == null ? ['', ''] : passes ? ['✓ passes', 'ok'] : ['✗ fails', 'bad'];
    const [text, cls] = x.tracts === 0 ? ['empty', 'empty'] : verdict;
    state.textContent = text;
    state.className = `hec-state ${cls}`;
    const { population_min: popMin, medicare_min: medMin } = thresholds;
    li.querySelector('.bars').replaceChildren(
      bar('pop', 'Population', x.population, popMin, scales.population, x.color, false),
      bar('med', 'Medicare', x.medicare, medMin, scales.medicare, x.color, x.medicareEstimate),
    );
    const meta = [`${fmtInt(x.tracts)} tract${x.tracts === 1 ? '' : 's'}`];
    if (x.towns != null) meta.push(plural(x.towns, 'whole town'));
    if (x.partialTowns) meta.push(`${x.partialTowns} split`);
    if (x.need != null) meta.push(`need ${Math.round(x.need)}`);
    /** @type {HTMLElement} */
    const metaEl = li.querySelector('.hec-meta');
    metaEl.textContent = meta.join(' · ');
    metaEl.title =
      x.need != null ? 'need: population-weighted mean need percentile of its tracts (0-100)' : '';
  }

  /**
   * No list: an error, or a hint (nothing painted, or validating).
   * @param {HTMLLIElement} item
   */
  _message(item) {
    this.verdict.textContent = '';
    this.verdict.className = 'verdict';
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

  /** @param {FindingsState} state */
  renderFindings(state) {
    this.lastFindings = state;
    const { report, error, empty, stale, colors } = state;
    const ul = this.findings;
    const focused = document.activeElement?.closest?.('#findings .finding');
    const focusKey = focused?.getAttribute('data-key');
    ul.classList.toggle('stale', !!stale);
    ul.dataset.rev = String(state.rev ?? '');
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
    this.verdict.textContent = verdictText(report);
    this.verdict.className = `verdict ${report.passes ? 'ok' : 'bad'}`;

    const all = report.findings.map((f, i) => ({ f, i, key: `${f.rule}|${f.hec ?? ''}|${i}` }));
    const rank = (/** @type {Finding} */ f) => SEVERITY_RANK[f.severity] ?? 9;
    all.sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i);
    const info = all.filter((x) => x.f.severity === 'info');
    const shown = this.showInfo ? all : all.filter((x) => x.f.severity !== 'info');
    const items = shown.map(({ f, i, key }) => h('li', {}, this._findingButton(f, i, key, colors)));
    if (!items.length) {
      const none = report.passes ? 'No rule is broken.' : 'Nothing to show.';
      items.push(h('li', { class: 'hint' }, none));
    }
    ul.replaceChildren(...items);
    this.toggleInfo.hidden = info.length === 0;
    this.toggleInfo.textContent = this.showInfo
      ? `Hide ${plural(info.length, 'info finding')}`
      : `Show ${plural(info.length, 'info finding')} (compactness, …)`;
    if (focusKey) {
      const again = ul.querySelector(`.finding[data-key="${CSS.escape(focusKey)}"]`);
      /** @type {HTMLElement | null} */ (again)?.focus();
    }
  }

  clearSelection() {
    this.selected = null;
    for (const b of this.findings.querySelectorAll('.finding.selected')) {
      b.classList.remove('selected');
      b.setAttribute('aria-pressed', 'false');
    }
  }
}
