// @ts-check
// The statewide board (state staff; read-only for analysts and
// administrators): every submitted proposal on the map by organization,
// open disputes and gaps with the people at stake, each with a ruling form
// (based on the state plan version the board shows; a 409 reloads it),
// waiver requests to approve or refuse, the rulings, the state plan's
// findings, and the history (see history.js).

import { negotiation as api } from '../api.js';
import { tractIds } from '../units.js';
import { fmtInt, h, PALETTE } from '../util.js';
import { History } from './history.js';
import { findingsList, itemsOr, messageBox, plural, rulingItem, section, verdict } from './ui.js';

/** @typedef {import('./index.js').Negotiation} Negotiation */
/** @typedef {import('./types').Organization} Organization */
/** @typedef {import('./types').Claimant} Claimant */
/** @typedef {import('./types').Dispute} Dispute */
/** @typedef {import('./types').Gap} Gap */
/** @typedef {import('./types').PlanHec} PlanHec */
/** @typedef {import('./types').Ruling} Ruling */
/** @typedef {import('./types').StateVersion} StateVersion */
/** @typedef {import('./types').StateView} StateView */

/** @param {number[]} rulings */
const rulingRefs = (rulings) => rulings.map((r) => `#${r}`).join(', ');

/** @param {string} text @param {() => void} onclick @param {string} cls */
function button(text, onclick, cls) {
  return h('button', { type: 'button', class: `btn small ${cls}`, onclick }, text);
}

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
    this.showOnMap = true;
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
    this.disputesHead = h('h2', {}, 'Disputes');
    this.disputes = h('ul', { id: 'bd-disputes', class: 'disputes' });
    this.gapsHead = h('h2', {}, 'Gaps');
    this.gaps = h('ul', { id: 'bd-gaps', class: 'gaps' });
    this.waivers = h('ul', { id: 'bd-waivers', class: 'waivers' });
    this.rulings = h('ul', { id: 'bd-rulings', class: 'rulings' });
    this.findings = h('div', { id: 'bd-findings' });
    this.history = new History(this);
    const title = this.readOnly ? 'Statewide board (read-only)' : 'Negotiation board';
    const reload = h(
      'button',
      { type: 'button', class: 'btn small', id: 'bd-reload', onclick: () => this.refresh() },
      'Reload',
    );
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
      h('section', { class: 'nego-sec' }, this.disputesHead, this.disputes),
      h('section', { class: 'nego-sec' }, this.gapsHead, this.gaps),
      section('bd-waivers-sec', 'Waiver requests', this.waivers),
      section('bd-rulings-sec', 'Rulings', this.rulings),
      section('bd-findings-sec', 'Findings of the state plan', this.findings),
      this.history.section,
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

  /** @param {{ keepMessage?: boolean }} [options] */
  async refresh({ keepMessage = false } = {}) {
    if (!keepMessage) messageBox(this.msg, null);
    this.root.classList.add('loading');
    try {
      const [view, orgs, versions] = await Promise.all([
        api.state(),
        api.organizations(),
        api.stateVersions(),
      ]);
      this.view = view;
      this.orgs = [...orgs].sort((a, b) => a.id - b.id);
      this._render(versions);
      this._paintMap();
    } catch (e) {
      messageBox(this.msg, `Could not load the statewide picture: ${e.message}`);
    } finally {
      this.root.classList.remove('loading');
      this.root.dataset.stateVersion = String(this.view?.state_version ?? '');
    }
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

  /**
   * The organizations to give units to: the claimants first.
   * @param {Claimant[]} preferred
   * @param {string} cls
   */
  _orgSelect(preferred, cls) {
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
      { class: `btn small ${cls}`, 'aria-label': 'Organization to receive the units' },
      h('option', { value: '' }, 'Give the units to…'),
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
    const select = this._orgSelect(claimants, 'rule-org');
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
      if (!select.value) return messageBox(msg, 'Choose the organization that receives the units.');
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
          `Ruling #${r.id}: ${what} to ${r.organization}. State plan version ${r.state_version}.`,
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
      ? ` · not yet submitted: ${v.missing.map((m) => m.name).join(', ')}`
      : '';
    this.headEl.textContent =
      `State plan version ${v.state_version} · ` +
      `${plural(v.proposals.length, 'submitted proposal')}${missing}`;
    this.verdictEl.replaceChildren(verdict(v.report));
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
        h('span', { class: 'towns' }, d.towns.join(', ')),
        h(
          'span',
          { class: 'people', dataset: { people: String(people) } },
          `${fmtInt(d.resolved ? d.people : d.open_people)} people${d.resolved ? '' : ' at stake'}`,
        ),
      ),
      h('div', { class: 'claimants' }, 'Claimed by ', ...d.claimants.map(chip)),
      h('div', { class: 'muted small' }, status),
      !d.resolved && !this.readOnly
        ? this._assignForm(d.open_tracts, d.claimants, d.towns.join(', '))
        : null,
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
    const towns =
      g.towns.length > 6
        ? `${g.towns.slice(0, 6).join(', ')} and ${g.towns.length - 6} more`
        : g.towns.join(', ');
    const ruling =
      !this.readOnly && g.tracts.length <= 60
        ? this._assignForm(g.tracts, [], `the gap at ${g.towns.slice(0, 3).join(', ')}`)
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
      h('div', { class: 'muted small' }, `${plural(g.tracts.length, 'tract')} no proposal claims`),
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

  /** @param {PlanHec} x an HEC of the state plan with a waiver */
  _waiverItem(x) {
    const org = this.orgByName(x.name);
    const w = x.waiver;
    return h(
      'li',
      { class: 'waiver', dataset: { org: String(org?.id ?? ''), status: w.status } },
      h(
        'div',
        {},
        h('span', { class: 'chip', style: { '--chip': this.colorOf(org?.id) } }, x.name),
        ` waives ${(w.waive ?? []).join(' and ')} · `,
        h('span', { class: `status ${w.status}` }, w.status),
      ),
      h('div', { class: 'ruling-reason' }, `“${w.reason}”`),
      !this.readOnly && org ? this._waiverForm(x, org) : null,
    );
  }

  _renderWaivers() {
    const waivers = (this.view.plan.hecs ?? []).filter((x) => x.waiver);
    const none = 'No submitted proposal asks for a waiver.';
    this.waivers.replaceChildren(...itemsOr(waivers, (x) => this._waiverItem(x), none));
  }
}
