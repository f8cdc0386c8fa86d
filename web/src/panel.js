// The side panel: the HEC list with population and Medicare bars against
// the thresholds, and the findings list from the server's report.

import { fmtInt, h } from './util.js';

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

const SEVERITY_RANK = { error: 0, unknown: 1, warning: 2, waived: 3, info: 4 };
const SEVERITY_LABEL = { error: 'Error', unknown: 'Unknown', warning: 'Warning', waived: 'Waived', info: 'Info' };

export function ruleLabel(rule) {
  return RULE_LABELS[rule] ?? rule;
}

/** A bar: value against a threshold, on a scale shared by all HECs. */
function bar(cls, label, value, limit, scale, color, estimate) {
  const ok = value >= limit;
  const pct = Math.min(100, (value / scale) * 100);
  const mark = Math.min(100, (limit / scale) * 100);
  return h(
    'div',
    { class: `bar-row ${cls} ${ok ? 'ok' : 'short'}` },
    h(
      'div',
      { class: 'bar-label' },
      h('span', {}, label, estimate ? h('span', { class: 'est', title: 'An estimate, not a count' }, ' (estimate)') : null),
      h('span', { class: 'bar-value' }, h('span', { class: 'value', dataset: { value: String(Math.round(value)) } }, `${estimate ? '≈ ' : ''}${fmtInt(value)}`), h('span', { class: 'limit' }, ` / ${fmtInt(limit)}`)),
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
        'aria-valuetext': `${fmtInt(value)} of the ${fmtInt(limit)} needed${ok ? '' : ': below the floor'}`,
      },
      h('div', { class: 'bar-fill', style: { width: `${pct}%`, background: color } }),
      h('div', { class: 'bar-mark', style: { left: `${mark}%` }, title: `threshold ${fmtInt(limit)}` }),
    ),
  );
}

export class Panel {
  /**
   * handlers: select(key), rename(key, name), recolor(key, color),
   * remove(key), finding(f, index).
   */
  constructor(root, handlers) {
    this.root = root;
    this.on = handlers;
    this.list = root.querySelector('#hec-list');
    this.findings = root.querySelector('#findings');
    this.verdict = root.querySelector('#verdict');
    this.toggleInfo = root.querySelector('#toggle-info');
    this.showInfo = false;
    this.selected = null; // key of the selected finding
    this.items = new Map(); // HEC key -> <li>
    this.toggleInfo.addEventListener('click', () => {
      this.showInfo = !this.showInfo;
      this.renderFindings(this.lastFindings);
    });
    this.list.addEventListener('keydown', (e) => this._listKeys(e));
  }

  _listKeys(e) {
    if (e.target.tagName === 'INPUT') return;
    const items = [...this.list.children];
    const i = items.indexOf(e.target.closest('li'));
    if (i < 0) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = items[Math.max(0, Math.min(items.length - 1, i + (e.key === 'ArrowDown' ? 1 : -1)))];
      next.focus();
      this.on.select(next.dataset.key);
    } else if ((e.key === 'Enter' || e.key === ' ') && e.target === items[i]) {
      e.preventDefault();
      this.on.select(items[i].dataset.key);
    } else if (e.key === 'Delete' && e.target === items[i]) {
      e.preventDefault();
      this.on.remove(items[i].dataset.key);
    }
  }

  _item(hec) {
    const li = h('li', { class: 'hec', tabindex: '0', title: 'Click (or Enter) to paint into this HEC', dataset: { key: hec.key } });
    const color = h('input', { type: 'color', class: 'color-input', 'aria-label': 'HEC colour', title: 'Change colour' });
    color.addEventListener('change', () => this.on.recolor(li.dataset.key, color.value));
    const name = h('input', { type: 'text', class: 'hec-name', 'aria-label': 'HEC name', spellcheck: 'false' });
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
    const del = h('button', { type: 'button', class: 'icon del', title: 'Delete this HEC (its units become unassigned)', 'aria-label': 'Delete HEC' }, '✕');
    del.addEventListener('click', (e) => {
      e.stopPropagation();
      this.on.remove(li.dataset.key);
    });
    li.addEventListener('click', (e) => {
      if (e.target.closest('input, button')) return;
      this.on.select(li.dataset.key);
    });
    name.addEventListener('focus', () => this.on.select(li.dataset.key));
    li.append(
      h('div', { class: 'hec-head' }, h('label', { class: 'swatch' }, color), name, h('span', { class: 'hec-state' }), del),
      h('div', { class: 'bars' }),
      h('div', { class: 'hec-meta' }),
    );
    return li;
  }

  /**
   * hecs: [{ key, name, color, population, medicare, medicareEstimate,
   * tracts, towns, need, passes }] (figures from the report when current,
   * else the instant local tally); `pending`: figures not yet validated.
   */
  renderHecs(hecs, active, thresholds, { pending = false } = {}) {
    const popScale = Math.max(thresholds.population_min * 2, ...hecs.map((x) => x.population));
    const medScale = Math.max(thresholds.medicare_min * 2, ...hecs.map((x) => x.medicare));
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
      const isActive = x.key === active;
      li.classList.toggle('active', isActive);
      li.classList.toggle('pending', pending);
      if (isActive) li.setAttribute('aria-current', 'true');
      else li.removeAttribute('aria-current');
      li.style.setProperty('--hec', x.color);
      const color = li.querySelector('.color-input');
      color.value = x.color;
      li.querySelector('.swatch').style.background = x.color;
      const name = li.querySelector('.hec-name');
      name.dataset.value = x.name;
      if (document.activeElement !== name) name.value = x.name;
      name.title = x.name;
      const state = li.querySelector('.hec-state');
      const passes = x.passes;
      state.textContent = x.tracts === 0 ? 'empty' : passes == null ? '' : passes ? '✓ passes' : '✗ fails';
      state.className = `hec-state ${x.tracts === 0 ? 'empty' : passes == null ? '' : passes ? 'ok' : 'bad'}`;
      li.querySelector('.bars').replaceChildren(
        bar('pop', 'Population', x.population, thresholds.population_min, popScale, x.color, false),
        bar('med', 'Medicare', x.medicare, thresholds.medicare_min, medScale, x.color, x.medicareEstimate),
      );
      const meta = [`${fmtInt(x.tracts)} tract${x.tracts === 1 ? '' : 's'}`];
      if (x.towns != null) meta.push(`${x.towns} whole town${x.towns === 1 ? '' : 's'}`);
      if (x.partialTowns) meta.push(`${x.partialTowns} split`);
      if (x.need != null) meta.push(`need ${Math.round(x.need)}`);
      li.querySelector('.hec-meta').textContent = meta.join(' · ');
      li.querySelector('.hec-meta').title = x.need != null ? 'need: population-weighted mean need percentile of its tracts (0-100)' : '';
    });
    this.root.querySelector('#hec-empty').hidden = hecs.length > 0;
    this.root.querySelector('#hec-count').textContent = hecs.length ? `(${hecs.length})` : '';
  }

  /** state: { report, error, empty, stale, colors: name -> colour, rev }. */
  renderFindings(state) {
    this.lastFindings = state;
    const { report, error, empty, stale, colors } = state;
    const ul = this.findings;
    const focusKey = document.activeElement?.closest?.('#findings .finding')?.dataset.key;
    ul.classList.toggle('stale', !!stale);
    ul.dataset.rev = String(state.rev ?? '');
    if (error) {
      this.verdict.textContent = '';
      this.verdict.className = 'verdict';
      ul.replaceChildren(h('li', { class: 'server-error', role: 'alert' }, h('strong', {}, 'The server could not validate the plan: '), error.message));
      this.toggleInfo.hidden = true;
      return;
    }
    if (empty || !report) {
      this.verdict.textContent = '';
      this.verdict.className = 'verdict';
      ul.replaceChildren(h('li', { class: 'hint' }, empty ? 'Paint units into an HEC: the rules are checked as you go.' : 'Validating…'));
      this.toggleInfo.hidden = true;
      return;
    }
    const c = report.counts ?? {};
    const bad = (c.error ?? 0) + (c.unknown ?? 0);
    const parts = [];
    for (const s of ['error', 'unknown', 'warning', 'waived']) if (c[s]) parts.push(`${c[s]} ${s === 'error' ? (c[s] === 1 ? 'error' : 'errors') : s}`);
    this.verdict.textContent = report.passes ? '✓ Passes' + (parts.length ? ` (${parts.join(', ')})` : '') : `✗ ${parts.join(', ') || `${bad} failing`}`;
    this.verdict.className = `verdict ${report.passes ? 'ok' : 'bad'}`;

    const all = report.findings.map((f, i) => ({ f, i, key: `${f.rule}|${f.hec ?? ''}|${i}` }));
    all.sort((a, b) => (SEVERITY_RANK[a.f.severity] ?? 9) - (SEVERITY_RANK[b.f.severity] ?? 9) || a.i - b.i);
    const info = all.filter((x) => x.f.severity === 'info');
    const shown = this.showInfo ? all : all.filter((x) => x.f.severity !== 'info');
    const items = shown.map(({ f, i, key }) => {
      const btn = h(
        'button',
        {
          type: 'button',
          class: `finding sev-${f.severity}${this.selected === key ? ' selected' : ''}`,
          dataset: { key, rule: f.rule, severity: f.severity, index: String(i) },
          'aria-pressed': String(this.selected === key),
          title: 'Show on the map',
        },
        h('span', { class: 'finding-head' }, h('span', { class: 'sev' }, SEVERITY_LABEL[f.severity] ?? f.severity), h('span', { class: 'rule' }, ruleLabel(f.rule)), f.hec ? h('span', { class: 'chip', style: { '--chip': colors.get(f.hec) ?? '#888' } }, f.hec) : null, ...(f.other_hecs ?? []).map((o) => h('span', { class: 'chip other', style: { '--chip': colors.get(o) ?? '#888' } }, o))),
        h('span', { class: 'msg' }, f.message),
      );
      btn.addEventListener('click', () => {
        this.selected = key;
        for (const b of ul.querySelectorAll('.finding')) {
          const on = b.dataset.key === key;
          b.classList.toggle('selected', on);
          b.setAttribute('aria-pressed', String(on));
        }
        this.on.finding(f, i);
      });
      return h('li', {}, btn);
    });
    if (!items.length) items.push(h('li', { class: 'hint' }, report.passes ? 'No rule is broken.' : 'Nothing to show.'));
    ul.replaceChildren(...items);
    this.toggleInfo.hidden = info.length === 0;
    this.toggleInfo.textContent = this.showInfo ? `Hide ${info.length} info finding${info.length === 1 ? '' : 's'}` : `Show ${info.length} info finding${info.length === 1 ? '' : 's'} (compactness, …)`;
    if (focusKey) ul.querySelector(`.finding[data-key="${CSS.escape(focusKey)}"]`)?.focus();
  }

  clearSelection() {
    this.selected = null;
    for (const b of this.findings.querySelectorAll('.finding.selected')) {
      b.classList.remove('selected');
      b.setAttribute('aria-pressed', 'false');
    }
  }
}
