// @ts-check
// The statewide board (state staff; read-only for analysts and
// administrators): every submitted proposal on the map by organization
// (the map framed on them), each with its verdict in the state plan and a
// comment thread; open disputes and gaps with the people at stake, each
// with a ruling form (based on the state plan version the board shows; a
// 409 reloads it) and disputes with comments; waiver requests with the
// facts to decide them (density against the rural line, the shortfall
// against the floors, the verdict if approved and if refused); the
// rulings, the state plan's findings and exports, the history (see
// history.js) and the activity log (audit.js).

import { exportPlan, jsonPlan, loadRules, negotiation as api } from '../api.js';
import { tractIds } from '../units.js';
import { fmtInt, h, PALETTE } from '../util.js';
import { AuditLog } from './audit.js';
import { claimOf, claimTowns } from './claims.js';
import { History } from './history.js';
import {
  button,
  commentThread,
  failingRules,
  findingsList,
  hecVerdict,
  itemsOr,
  listText,
  messageBox,
  plural,
  ruleLabel,
  rulingItem,
  section,
  severityOf,
  verdict,
  verdictClass,
  verdictText,
} from './ui.js';

/** @typedef {import('./index.js').Negotiation} Negotiation */
/** @typedef {import('./types').Organization} Organization */
/** @typedef {import('./types').Claimant} Claimant */
/** @typedef {import('./types').Dispute} Dispute */
/** @typedef {import('./types').Gap} Gap */
/** @typedef {import('./types').PlanHec} PlanHec */
/** @typedef {import('./types').Ruling} Ruling */
/** @typedef {import('./types').StateVersion} StateVersion */
/** @typedef {import('./types').StateView} StateView */
/** @typedef {import('./types').SubmittedVersion} SubmittedVersion */
/** @typedef {import('./types').NegoRules} NegoRules */
/** @typedef {import('./types').NegoHecReport} NegoHecReport */

/** @param {number[]} rulings */
const rulingRefs = (rulings) => rulings.map((r) => `#${r}`).join(', ');

/** @type {Record<string, string>} */
const WAIVER_STATUS = {
  requested: 'pending staff decision',
  approved: 'approved',
  refused: 'refused',
};

/** @type {Record<string, string>} */
const WAIVE_WORDS = {
  thresholds: 'the population and Medicare floors',
  contiguity: 'contiguity',
};

export class BoardView {
  /**
   * @param {Negotiation} nego
   * @param {{ readOnly: boolean }} options
   */
  constructor(nego, { readOnly }) {
    this.nego = nego;
    this.app = nego.app;
    this.readOnly = readOnly;
    this.root = nego.root;
    /** @type {StateView | null} the statewide picture (GET /api/state) */
    this.view = null;
    /** @type {Organization[]} */
    this.orgs = [];
    /** @type {NegoRules | null} the floors and the rural line */
    this.rules = null;
    this.showOnMap = true;
    this.framed = false;
    this._build();
  }

  _build() {
    this.headEl = h('div', { class: 'muted small', id: 'bd-head' });
    this.verdictEl = h('div', { id: 'bd-verdict' });
    this.legend = h('div', { class: 'org-legend', id: 'bd-legend' });
    this.msg = h('div', {
      id: 'bd-message',
      class: 'nego-msg nego-top-msg',
      role: 'alert',
      hidden: true,
    });
    this.mapBox = h('input', { type: 'checkbox', id: 'bd-show', checked: true });
    this.mapBox.addEventListener('change', () => {
      this.showOnMap = this.mapBox.checked;
      this._paintMap();
    });
    this.proposals = h('ul', { id: 'bd-proposals', class: 'state-hecs' });
    this.disputesHead = h('h2', {}, 'Disputes');
    this.disputes = h('ul', { id: 'bd-disputes', class: 'disputes' });
    this.gapsHead = h('h2', {}, 'Gaps');
    this.gaps = h('ul', { id: 'bd-gaps', class: 'gaps' });
    this.waivers = h('ul', { id: 'bd-waivers', class: 'waivers' });
    this.rulings = h('ul', { id: 'bd-rulings', class: 'rulings' });
    this.findings = h('div', { id: 'bd-findings' });
    this.history = new History(this);
    this.audit = new AuditLog(this);
    const title = this.readOnly ? 'Statewide board (read-only)' : 'Negotiation board';
    const reload = button('Reload', () => this.refresh(), '', 'bd-reload');
    this.root.replaceChildren(
      h(
        'div',
        { class: 'nego-head' },
        h('div', { class: 'nego-head-row' }, h('h2', {}, title), reload),
        this.headEl,
        this.verdictEl,
        h('label', { class: 'check-line' }, this.mapBox, ' Show the proposals on the map'),
        this.legend,
      ),
      this.msg,
      section(
        'bd-proposals-sec',
        'Submitted proposals',
        this.proposals,
        this._exportRow(),
      ),
      h('section', { class: 'nego-sec', id: 'bd-disputes-sec' }, this.disputesHead, this.disputes),
      h('section', { class: 'nego-sec', id: 'bd-gaps-sec' }, this.gapsHead, this.gaps),
      section('bd-waivers-sec', 'Waiver requests', this.waivers),
      section('bd-rulings-sec', 'Rulings', this.rulings),
      section('bd-findings-sec', 'Findings of the state plan', this.findings),
      this.history.section,
      this.audit.section,
    );
  }

  /** Exporting the state plan: format, button. */
  _exportRow() {
    this.exportFormat = h(
      'select',
      { id: 'bd-export-format', class: 'btn small' },
      h('option', { value: 'csv' }, 'CSV'),
      h('option', { value: 'gpkg' }, 'GeoPackage'),
    );
    this.exportBtn = button('Export the state plan', () => this.exportState(), '', 'bd-export');
    return h(
      'div',
      { class: 'export-row' },
      h('label', { for: 'bd-export-format', class: 'small' }, 'State plan as'),
      this.exportFormat,
      this.exportBtn,
    );
  }

  destroy() {
    this.app.setOverlay(null);
  }

  /** Back to the plan being drawn on the map (the board stays listed). */
  hideFromMap() {
    this.mapBox.checked = false;
    this.showOnMap = false;
    this._paintMap();
  }

  /** @param {number | null | undefined} orgId */
  colorOf(orgId) {
    const i = this.orgs.findIndex((o) => o.id === orgId);
    return PALETTE[(i < 0 ? 0 : i) % PALETTE.length];
  }

  /** @param {string} name */
  orgByName(name) {
    return this.orgs.find((o) => o.name === name);
  }

  /** @param {string} name an HEC of the state plan */
  hecReport(name) {
    return this.view?.report?.hecs?.find((x) => x.name === name) ?? null;
  }

  /** @param {{ keepMessage?: boolean }} [options] */
  async refresh({ keepMessage = false } = {}) {
    if (!keepMessage) messageBox(this.msg, null);
    // What was highlighted belongs to the board before the reload.
    this.app.clearHighlight();
    this.root.classList.add('loading');
    try {
      const [view, orgs, versions, rules] = await Promise.all([
        api.state(),
        api.organizations(),
        api.stateVersions(),
        this.rules ? Promise.resolve(null) : loadRules().then((r) => r.effective),
      ]);
      this.view = view;
      if (rules) this.rules = rules;
      this.orgs = [...orgs].sort((a, b) => a.id - b.id);
      this._render(versions);
      this._paintMap();
      if (!this.framed) this._frame();
    } catch (e) {
      messageBox(this.msg, `Could not load the statewide picture: ${e.message}`);
    } finally {
      this.root.classList.remove('loading');
      this.root.dataset.stateVersion = String(this.view?.state_version ?? '');
    }
    await this.audit.refresh();
  }

  /** Frames the map on the submitted proposals (once: then the reader's view is kept). */
  async _frame() {
    const ids = tractIds(
      this.app.units,
      (this.view?.plan.hecs ?? []).flatMap((x) => x.units),
    );
    if (!ids.length) return;
    this.framed = true;
    if (this.app.fitTracts) {
      this.app.fitTracts(ids);
      return;
    }
    // Without a framing hook: zoom as a finding does, then drop its highlight.
    await this.app.showTracts(ids);
    this.app.clearHighlight();
  }

  /** The proposals on the map by organization, disputes and gaps marked. */
  _paintMap() {
    if (!this.view || !this.showOnMap) {
      this.app.setOverlay(null);
      return;
    }
    const { units } = this.app;
    const n = units.tracts.length;
    /** @type {(string | null)[]} */
    const colors = new Array(n).fill(null);
    /** @type {(number | null)[]} */
    const orgOf = new Array(n).fill(null);
    for (const hec of this.view.plan.hecs ?? []) {
      const org = this.orgByName(hec.name);
      const color = this.colorOf(org?.id);
      for (const id of tractIds(units, hec.units)) {
        if (colors[id] == null) {
          colors[id] = color;
          orgOf[id] = org?.id ?? null;
        }
      }
    }
    const disputed = tractIds(
      units,
      this.view.disputes.flatMap((d) => d.open_tracts),
    );
    const gaps = tractIds(
      units,
      this.view.gaps.flatMap((g) => g.tracts),
    );
    this.app.setOverlay(colors, { disputed, gaps, orgOf });
  }

  /** Downloads the state plan (CSV or GeoPackage), through the server's export. */
  async exportState() {
    if (!this.view) return;
    const to = this.exportFormat.value;
    const name = `Connecticut state plan v${this.view.state_version}`;
    this.exportBtn.disabled = true;
    try {
      const plan = { ...this.view.plan, name, scope: 'statewide' };
      const { blob, fileName } = await exportPlan(jsonPlan(plan), to, { name });
      const url = URL.createObjectURL(blob);
      const a = h('a', { href: url, download: fileName, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      this.app.toast(`Exported state plan version ${this.view.state_version} as ${fileName}.`);
    } catch (e) {
      messageBox(this.msg, `The export failed: ${e.message}`);
    } finally {
      this.exportBtn.disabled = false;
    }
  }

  /**
   * The organizations to give units to: the claimants first.
   * @param {Claimant[]} preferred
   * @param {string} cls
   * @param {string} what the units, for the label
   */
  _orgSelect(preferred, cls, what) {
    const first = preferred.map(
      (c) =>
        this.orgs.find((o) => o.id === c.organization_id) ?? {
          id: c.organization_id,
          name: c.name,
        },
    );
    const rest = this.orgs.filter((o) => !first.some((f) => f.id === o.id));
    const option = (/** @type {Organization} */ o) => h('option', { value: String(o.id) }, o.name);
    return h(
      'select',
      { class: `btn small ${cls}`, 'aria-label': `HEC to receive ${what}` },
      h('option', { value: '' }, 'Give them to…'),
      ...first.map(option),
      rest.length ? h('optgroup', { label: 'Other HECs' }, ...rest.map(option)) : null,
    );
  }

  /**
   * A form that gives units to an organization: select, reason, Rule.
   * @param {string[]} units tract GEOIDs
   * @param {Claimant[]} claimants
   * @param {string} what the units, for the messages
   */
  _assignForm(units, claimants, what) {
    const select = this._orgSelect(claimants, 'rule-org', what);
    const reason = h('input', {
      type: 'text',
      class: 'rule-reason',
      placeholder: 'Reason (required)',
      'aria-label': `Reason for the ruling on ${what}`,
    });
    const msg = h('div', { class: 'nego-msg', role: 'alert', hidden: true });
    const btn = h('button', { type: 'submit', class: 'btn small primary rule-submit' }, 'Rule');
    const form = h('form', { class: 'ruling-form' }, select, reason, btn, msg);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!select.value) return messageBox(msg, 'Choose the HEC that receives the units.');
      if (!reason.value.trim()) return messageBox(msg, 'A ruling needs a reason.');
      btn.disabled = true;
      try {
        const body = {
          base_state_version: this.view.state_version,
          kind: 'assign',
          organization_id: Number(select.value),
          units,
          reason: reason.value.trim(),
        };
        const r = await this.nego.rule(body, msg);
        this.app.toast(
          `Ruling #${r.id}: ${what} given to ${r.organization}. ` +
            `State plan version ${r.state_version}.`,
        );
        await this.refresh();
      } catch {
        // shown in the form (a 409 reloaded the board)
      } finally {
        btn.disabled = false;
      }
    });
    return form;
  }

  /** @param {StateVersion[]} stateVersions */
  _render(stateVersions) {
    this._renderHead();
    this._renderProposals();
    this._renderDisputes();
    this._renderGaps();
    this._renderWaivers();
    const v = this.view;
    const ruling = (/** @type {Ruling} */ r) => rulingItem(this.app.units, r);
    this.rulings.replaceChildren(...itemsOr([...v.rulings].reverse(), ruling, 'No ruling yet.'));
    this.findings.replaceChildren(
      findingsList(v.report, (f) => this.app.showTracts(f.tract_ids ?? [])),
    );
    this.history.render(stateVersions);
  }

  /** The state plan's version, the proposals, the verdict, the legend. */
  _renderHead() {
    const v = this.view;
    const missing = v.missing.length
      ? ` · not yet submitted: ${listText(v.missing.map((m) => m.name))}`
      : '';
    this.headEl.textContent =
      `State plan version ${v.state_version} · ` +
      `${plural(v.proposals.length, 'submitted proposal')}${missing}`;
    this.verdictEl.replaceChildren(
      h('span', { class: 'small' }, 'The state plan: '),
      verdict(v.report),
    );
    this.legend.replaceChildren(
      ...v.proposals.map((p) =>
        h(
          'span',
          {
            class: 'chip',
            style: { '--chip': this.colorOf(p.organization_id) },
            title: p.rationale,
          },
          `${p.organization} v${p.version}`,
        ),
      ),
      h('span', { class: 'chip hatch-chip' }, 'disputed'),
      h('span', { class: 'chip gap-chip' }, 'gap'),
    );
  }

  /**
   * A submitted proposal: its HEC in the state plan (towns, people, verdict),
   * its rationale, comments on the version.
   * @param {SubmittedVersion} p
   */
  _proposalItem(p) {
    const stateHec = this.view.plan.hecs?.find((x) => x.name === p.organization);
    const ids = tractIds(this.app.units, stateHec?.units ?? []);
    const c = claimOf(this.app.units, ids);
    const v = hecVerdict(this.view.report, this.hecReport(p.organization));
    return h(
      'li',
      { class: 'state-hec proposal', dataset: { org: String(p.organization_id) } },
      h(
        'button',
        {
          type: 'button',
          class: 'item-head',
          title: 'Show on the map',
          onclick: () => this.app.showTracts(ids),
        },
        h(
          'span',
          { class: 'chip', style: { '--chip': this.colorOf(p.organization_id) } },
          `${p.organization} v${p.version}`,
        ),
        h('span', { class: 'muted' }, `${fmtInt(c.people)} people`),
      ),
      v
        ? h(
            'span',
            { class: `verdict ${verdictClass(v.verdict)}`, dataset: { verdict: v.verdict } },
            verdictText(v, failingRules(this.view.report, p.organization)),
          )
        : null,
      h('div', { class: 'muted small' }, `In the state plan: ${claimTowns(c, 10)}`),
      h('div', { class: 'version-rationale' }, p.rationale),
      commentThread({
        load: () => api.versionComments(p.organization_id, p.version),
        post: this.nego.actor?.role === 'staff'
          ? (body) => api.commentVersion(p.organization_id, p.version, body)
          : null,
        about: `${p.organization}'s version ${p.version}`,
      }),
    );
  }

  _renderProposals() {
    const none = 'No proposal has been submitted yet.';
    this.proposals.replaceChildren(
      ...itemsOr(this.view.proposals, (p) => this._proposalItem(p), none),
    );
  }

  /** @param {Dispute} d */
  _disputeItem(d) {
    const ids = tractIds(this.app.units, d.tracts);
    const people = Math.round(d.resolved ? d.people : d.open_people);
    const status = d.resolved
      ? `Resolved by ruling ${rulingRefs(d.rulings)}`
      : `${plural(d.open_tracts.length, 'tract')} open` +
        (d.rulings.length ? ` (ruling ${rulingRefs(d.rulings)} settled part)` : '');
    const chip = (/** @type {Claimant} */ c) =>
      h('span', { class: 'chip', style: { '--chip': this.colorOf(c.organization_id) } }, c.name);
    const towns = listText(d.towns);
    return h(
      'li',
      {
        class: `dispute${d.resolved ? ' resolved' : ''}`,
        dataset: { key: d.key, open: String(!d.resolved) },
      },
      h(
        'button',
        {
          type: 'button',
          class: 'item-head',
          title: 'Show on the map',
          onclick: () => this.app.showTracts(ids),
        },
        h('span', { class: 'towns' }, towns),
        h(
          'span',
          { class: 'people', dataset: { people: String(people) } },
          `${fmtInt(people)} people${d.resolved ? '' : ' at stake'}`,
        ),
      ),
      h(
        'div',
        { class: 'claimants' },
        d.claimants.length === 2 ? 'Claimed by both ' : 'Claimed by all of ',
        ...d.claimants.map(chip),
      ),
      h('div', { class: 'muted small' }, status),
      !d.resolved && !this.readOnly ? this._assignForm(d.open_tracts, d.claimants, towns) : null,
      commentThread({
        load: () => api.disputeComments(d.key),
        post: this.nego.actor?.role === 'staff' ? (body) => api.commentDispute(d.key, body) : null,
        about: `the dispute over ${listText(d.towns, 3)}`,
      }),
    );
  }

  /** Disputes: open ones with a ruling form, settled ones after. */
  _renderDisputes() {
    const v = this.view;
    const open = v.disputes.filter((d) => !d.resolved);
    this.disputesHead.textContent = `Disputes (${open.length} open)`;
    const all = [...open, ...v.disputes.filter((d) => d.resolved)];
    const none = 'No two proposals claim the same units.';
    this.disputes.replaceChildren(...itemsOr(all, (d) => this._disputeItem(d), none));
    if (v.disputes.length && !open.length) {
      this.disputes.prepend(
        h('li', { class: 'hint none-open' }, 'No open dispute: every one has been ruled on.'),
      );
    }
  }

  /** @param {Gap} g */
  _gapItem(g) {
    const ids = tractIds(this.app.units, g.tracts);
    const towns = listText(g.towns, 7);
    const ruling =
      !this.readOnly && g.tracts.length <= 60
        ? this._assignForm(g.tracts, [], `the gap at ${listText(g.towns, 3)}`)
        : null;
    return h(
      'li',
      { class: 'gap' },
      h(
        'button',
        {
          type: 'button',
          class: 'item-head',
          title: 'Show on the map',
          onclick: () => this.app.showTracts(ids),
        },
        h('span', { class: 'towns' }, towns),
        h('span', { class: 'people' }, `${fmtInt(g.people)} people`),
      ),
      h('div', { class: 'muted small' }, `${plural(g.tracts.length, 'tract')} in no proposal`),
      ruling,
    );
  }

  _renderGaps() {
    const { gaps } = this.view;
    this.gapsHead.textContent = `Gaps (${gaps.length})`;
    const none = 'No gap: every unit is claimed.';
    this.gaps.replaceChildren(...itemsOr(gaps, (g) => this._gapItem(g), none));
  }

  /**
   * Approve / refuse a waiver, with a reason.
   * @param {PlanHec} x the HEC of the state plan asking for it
   * @param {Organization} org
   */
  _waiverForm(x, org) {
    const reason = h('input', {
      type: 'text',
      class: 'rule-reason',
      placeholder: 'Reason (required)',
      'aria-label': `Reason for the decision on ${x.name}'s waiver`,
    });
    const msg = h('div', { class: 'nego-msg', role: 'alert', hidden: true });
    const stateVersion = this.view.state_version;
    const decide = async (/** @type {string} */ decision) => {
      if (!reason.value.trim()) return messageBox(msg, 'A ruling needs a reason.');
      try {
        const body = {
          base_state_version: stateVersion,
          kind: 'waiver',
          organization_id: org.id,
          decision,
          reason: reason.value.trim(),
        };
        await this.nego.rule(body, msg);
        this.app.toast(`${x.name}'s waiver ${decision}.`);
        await this.refresh();
      } catch {
        // shown in the form
      }
    };
    return h(
      'div',
      { class: 'ruling-form' },
      reason,
      button('Approve', () => decide('approved'), 'primary approve'),
      button('Refuse', () => decide('refused'), 'refuse'),
      msg,
    );
  }

  /**
   * The facts to decide a waiver: density against the rural line, the
   * shortfall in people and Medicare beneficiaries against the floors, the
   * verdict now, if approved and if refused.
   * @param {PlanHec} x
   */
  _waiverFacts(x) {
    const r = this.hecReport(x.name);
    if (!r) return h('p', { class: 'hint' }, 'No figures for this HEC in the state plan.');
    const t = this.rules?.thresholds;
    const line = this.rules?.rural?.max_density_per_km2 ?? 150;
    const density = r.density_per_km2;
    const rural = r.rural ?? (density != null && density < line);
    /** @type {[string, string | Node][]} */
    const rows = [];
    if (density != null) {
      rows.push([
        'Density',
        h(
          'span',
          { class: rural ? 'meets' : 'short' },
          `${fmtInt(density)} people per km²: ${rural ? 'rural' : 'not rural'} ` +
            `(the rural line is ${fmtInt(line)}${rural ? '' : '; a waiver cannot apply'})`,
        ),
      ]);
    }
    /**
     * @param {number} value @param {number | undefined} floor
     * @param {string} unit @param {string} pre
     */
    const against = (value, floor, unit, pre = '') => {
      if (floor == null) return `${pre}${fmtInt(value)} ${unit}`;
      const short = floor - value;
      return h(
        'span',
        { class: short > 0 ? 'short' : 'meets' },
        short > 0
          ? `${pre}${fmtInt(value)}: ${fmtInt(short)} ${unit} short of ${fmtInt(floor)}`
          : `${pre}${fmtInt(value)}: meets the floor of ${fmtInt(floor)}`,
      );
    };
    rows.push(['People', against(r.population, t?.population_min, 'people')]);
    rows.push([
      'Medicare (estimate)',
      against(r.medicare?.value ?? 0, t?.medicare_min, 'beneficiaries', '≈ '),
    ]);
    if ((x.waiver?.waive ?? []).includes('contiguity')) {
      const pieces = this.view.report.findings.find(
        (f) => f.rule === 'contiguity' && f.hec === x.name,
      );
      rows.push([
        'Contiguity',
        pieces ? `${pieces.measured ?? 'several'} pieces` : 'in one piece',
      ]);
    }
    rows.push(...this._verdictRows(x, r));
    return h(
      'table',
      { class: 'facts' },
      h('caption', { class: 'visually-hidden' }, `The facts of ${x.name}'s waiver request`),
      h(
        'tbody',
        {},
        ...rows.map(([k, val]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, val))),
      ),
    );
  }

  /**
   * The verdict now, and if the waiver were approved or refused.
   * @param {PlanHec} x
   * @param {NegoHecReport} r
   * @returns {[string, Node][]}
   */
  _verdictRows(x, r) {
    const v = hecVerdict(this.view.report, r);
    if (!v) return [];
    const words = { pending: 'pending staff decision', passes: 'passes', fails: 'fails' };
    /** @type {[string, Node][]} */
    const rows = [
      ['Now', h('span', { class: `verdict ${verdictClass(v.verdict)}` }, words[v.verdict])],
    ];
    if (v.verdict !== 'pending') return rows;
    const others = this.view.report.findings
      .filter(
        (f) =>
          f.hec === x.name &&
          (f.severity === 'error' || f.severity === 'unknown') &&
          severityOf(this.view.report, f) !== 'pending',
      )
      .map((f) => ruleLabel(f.rule));
    const why = others.length ? ` (still: ${listText([...new Set(others)])})` : '';
    rows.push([
      'If approved',
      h(
        'span',
        { class: `if-approved verdict ${verdictClass(v.ifApproved ?? 'fails')}` },
        v.ifApproved === 'passes' ? 'passes' : `fails${why}`,
      ),
    ]);
    rows.push([
      'If refused',
      h(
        'span',
        { class: `if-refused verdict ${verdictClass(v.ifRefused ?? 'fails')}` },
        v.ifRefused === 'passes' ? 'passes' : 'fails: below the floors it asks to waive',
      ),
    ]);
    return rows;
  }

  /** @param {PlanHec} x an HEC of the state plan with a waiver */
  _waiverItem(x) {
    const org = this.orgByName(x.name);
    const w = x.waiver;
    const what = listText((w.waive ?? []).map((k) => WAIVE_WORDS[k] ?? k));
    return h(
      'li',
      { class: 'waiver', dataset: { org: String(org?.id ?? ''), status: w.status } },
      h(
        'div',
        {},
        h('span', { class: 'chip', style: { '--chip': this.colorOf(org?.id) } }, x.name),
        ` asks to waive ${what} · `,
        h(
          'span',
          { class: `status ${w.status === 'requested' ? 'pending' : w.status}` },
          WAIVER_STATUS[w.status] ?? w.status,
        ),
      ),
      h('div', { class: 'ruling-reason' }, `“${w.reason}”`),
      this._waiverFacts(x),
      !this.readOnly && org ? this._waiverForm(x, org) : null,
    );
  }

  _renderWaivers() {
    const waivers = (this.view.plan.hecs ?? []).filter((x) => x.waiver);
    const none = 'No submitted proposal asks for a waiver.';
    this.waivers.replaceChildren(...itemsOr(waivers, (x) => this._waiverItem(x), none));
  }
}
