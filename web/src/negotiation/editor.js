// @ts-check
// The HEC editor's view: their organization's proposal (its versions, each
// loadable onto the map, its findings, diffs), saving the map as a new
// version (rationale, waiver request, submission), a conflicting save
// (409) said so with a reload, the rulings that concern them and the
// disputes over their units.

import { conflictVersion, negotiation as api } from '../api.js';
import { compactUnits, people, tractIds } from '../units.js';
import { fmtInt, h } from '../util.js';
import { renderDiff } from './diff.js';
import {
  date,
  findingsList,
  itemsOr,
  messageBox,
  plural,
  rulingItem,
  section,
  verdict,
} from './ui.js';

/** @typedef {import('./index.js').Negotiation} Negotiation */
/** @typedef {import('./types').Dispute} Dispute */
/** @typedef {import('./types').PlanHec} PlanHec */
/** @typedef {import('./types').Proposal} Proposal */
/** @typedef {import('./types').Ruling} Ruling */
/** @typedef {import('./types').Version} Version */

/** @param {string} text @param {() => void} onclick @param {string} cls @param {string} [id] */
function button(text, onclick, cls, id) {
  return h('button', { type: 'button', class: `btn small ${cls}`.trim(), id, onclick }, text);
}

/**
 * A dispute over the editor's units: towns, people, claimants, outcome.
 * @param {Dispute} d
 */
function disputeItem(d) {
  const rulings = d.rulings.map((r) => `#${r}`).join(', ');
  const outcome = d.resolved
    ? `resolved (ruling ${rulings})`
    : `open: ${fmtInt(d.open_people)} people at stake`;
  const claimants = d.claimants.map((c) => c.name).join(' and ');
  return h(
    'li',
    { class: `dispute${d.resolved ? ' resolved' : ''}`, dataset: { key: d.key } },
    h('div', {}, h('strong', {}, d.towns.join(', ')), ` · ${fmtInt(d.people)} people`),
    h('div', { class: 'muted small' }, `claimed by ${claimants} · ${outcome}`),
  );
}

export class EditorView {
  /** @param {Negotiation} nego */
  constructor(nego) {
    this.nego = nego;
    this.app = nego.app;
    this.orgId = nego.actor.organization_id;
    /** @type {{ id: number, name: string } | null} */
    this.org = null;
    /** @type {Proposal | null} */
    this.proposal = null;
    /** @type {number | null} the latest version (the base of a save) */
    this.head = null;
    /** @type {number | null} the version whose findings are shown */
    this.reportFor = null;
    this.root = nego.root;
    this._build();
  }

  /** The save section's fields: rationale, waiver request. */
  _buildFields() {
    this.rationale = h('textarea', {
      id: 'ed-rationale',
      rows: '3',
      placeholder:
        'Why this geography (required): partners, services, how the towns work together…',
    });
    this.waiverBox = h('input', { id: 'ed-waiver', type: 'checkbox' });
    this.waiverReason = h('textarea', {
      id: 'ed-waiver-reason',
      rows: '2',
      placeholder: 'Why the rules should be waived for this HEC (required)',
    });
    this.waiveThresholds = h('input', {
      id: 'ed-waive-thresholds',
      type: 'checkbox',
      checked: true,
    });
    this.waiveContiguity = h('input', { id: 'ed-waive-contiguity', type: 'checkbox' });
    this.waiverFields = h(
      'div',
      { class: 'waiver-fields', hidden: true },
      this.waiverReason,
      h(
        'div',
        { class: 'checks' },
        'Waive: ',
        h('label', {}, this.waiveThresholds, ' thresholds'),
        h('label', {}, this.waiveContiguity, ' contiguity'),
      ),
    );
    this.waiverBox.addEventListener(
      'change',
      () => (this.waiverFields.hidden = !this.waiverBox.checked),
    );
    this.saveInfo = h('p', { class: 'hint', id: 'ed-save-info' });
    this.saveBtn = button('Save as new version', () => this.save(false), '', 'ed-save');
    this.saveSubmitBtn = button(
      'Save and submit',
      () => this.save(true),
      'primary',
      'ed-save-submit',
    );
  }

  _build() {
    this._buildFields();
    this.title = h('h2', {}, 'Your proposal');
    this.headEl = h('span', { class: 'muted' });
    this.versions = h('ul', { id: 'ed-versions', class: 'versions' });
    this.diffEl = h('div', { id: 'ed-diff' });
    this.msg = h('div', {
      id: 'ed-message',
      class: 'nego-msg nego-top-msg',
      role: 'alert',
      hidden: true,
    });
    this.findingsHead = h('h2', {}, 'Findings');
    this.findings = h('div', { id: 'ed-findings' });
    this.rulings = h('ul', { id: 'ed-rulings', class: 'rulings' });
    this.disputes = h('ul', { id: 'ed-disputes', class: 'disputes' });
    const reload = button('Reload', () => this.refresh(), '', 'ed-reload');
    this.root.replaceChildren(
      h(
        'div',
        { class: 'nego-head' },
        h('div', { class: 'nego-head-row' }, this.title, reload),
        this.headEl,
      ),
      this.msg,
      h(
        'section',
        { class: 'nego-sec', id: 'ed-save-sec' },
        h('h2', {}, 'Save the map as a new version'),
        this.saveInfo,
        this.rationale,
        h('label', { class: 'check-line' }, this.waiverBox, ' Request a waiver'),
        this.waiverFields,
        h('div', { class: 'row' }, this.saveBtn, this.saveSubmitBtn),
      ),
      h(
        'section',
        { class: 'nego-sec', id: 'ed-versions-sec' },
        h('h2', {}, 'Versions'),
        this.versions,
        this.diffEl,
      ),
      h('section', { class: 'nego-sec', id: 'ed-findings-sec' }, this.findingsHead, this.findings),
      section('ed-rulings-sec', 'Rulings that concern you', this.rulings),
      section('ed-disputes-sec', 'Disputes over your units', this.disputes),
    );
    this.unsubscribe = this.app.store.subscribe(() => this._renderSaveInfo());
  }

  destroy() {
    this.unsubscribe?.();
  }

  _renderSaveInfo() {
    const ids = this._mapTracts();
    const n = this.app.store.hecs.length;
    if (!ids.length) {
      this.saveInfo.textContent =
        'Paint or import your HEC on the map (or load a version below), then save it here.';
      return;
    }
    const all = n > 1 ? ` (all ${n} HECs)` : '';
    const size = `${plural(ids.length, 'tract')}, ${fmtInt(people(this.app.units, ids))} people`;
    this.saveInfo.textContent =
      `Everything painted on the map${all} — ${size} — ` +
      `becomes ${this.org?.name ?? 'your'} HEC.`;
  }

  /** Every tract painted on the map, whatever its HEC. */
  _mapTracts() {
    /** @type {number[]} */
    const out = [];
    this.app.store.state.assign.forEach((k, i) => k != null && out.push(i));
    return out;
  }

  async refresh() {
    try {
      const [proposal, rulings] = await Promise.all([api.proposal(this.orgId), api.rulings()]);
      this.proposal = proposal;
      this.org = proposal.organization;
      this.head = proposal.head;
      this.title.textContent = `Proposal of ${this.org.name}`;
      this.headEl.textContent = proposal.head
        ? `latest: version ${proposal.head} (${proposal.versions[0]?.status})`
        : 'no version yet';
      this._renderVersions();
      const ruling = (/** @type {Ruling} */ r) => rulingItem(this.app.units, r);
      this.rulings.replaceChildren(...itemsOr(rulings, ruling, 'No ruling concerns you yet.'));
      this._renderSaveInfo();
      if (proposal.head && this.reportFor == null) await this.showReport(proposal.head);
    } catch (e) {
      messageBox(this.msg, `Could not load your proposal: ${e.message}`);
    }
    await this._refreshDisputes();
  }

  /** The statewide picture, for the disputes over this HEC's units (slower: after). */
  async _refreshDisputes() {
    try {
      const view = await api.state();
      const mine = view.disputes.filter((d) =>
        d.claimants.some((c) => c.organization_id === this.orgId),
      );
      const none = 'None of your submitted units is claimed by another HEC.';
      this.disputes.replaceChildren(...itemsOr(mine, disputeItem, none));
    } catch (e) {
      this.disputes.replaceChildren(
        h('li', { class: 'hint' }, `The statewide picture is unavailable: ${e.message}`),
      );
    }
  }

  /** @param {Version} v a version of the proposal */
  _versionItem(v) {
    const isHead = v.version === this.proposal.head;
    const prev = v.version - 1;
    return h(
      'li',
      { class: `version ${v.status}`, dataset: { version: String(v.version), status: v.status } },
      h(
        'div',
        { class: 'version-head' },
        h('strong', {}, `v${v.version}`),
        h('span', { class: `status ${v.status}` }, v.status),
        h('span', { class: 'muted small' }, date(v.submitted_at ?? v.created_at)),
      ),
      h('div', { class: 'version-rationale' }, v.rationale),
      h(
        'div',
        { class: 'row' },
        button('Load onto the map', () => this.load(v.version), 'load'),
        button('Findings', () => this.showReport(v.version), 'report'),
        v.version > 1 ? button(`Diff v${prev}`, () => this.diff(prev, v.version), 'diff') : null,
        isHead && v.status === 'draft'
          ? button('Submit', () => this.submit(v.version), 'primary submit')
          : null,
      ),
    );
  }

  _renderVersions() {
    const empty = 'No version yet: paint your HEC on the map and save it.';
    const items = itemsOr(this.proposal.versions, (v) => this._versionItem(v), empty);
    this.versions.replaceChildren(...items);
  }

  /** @param {number} version */
  async load(version) {
    try {
      const v = await api.version(this.orgId, version);
      /** @type {Partial<PlanHec>} */
      const hec = v.plan?.hecs?.[0] ?? { units: [] };
      const ids = tractIds(this.app.units, hec.units);
      this.app.loadProposal(`${this.org.name} v${version}`, this.org.name, ids);
      this.rationale.value = v.rationale;
      this.waiverBox.checked = !!hec.waiver;
      this.waiverFields.hidden = !hec.waiver;
      if (hec.waiver) {
        this.waiverReason.value = hec.waiver.reason ?? '';
        this.waiveThresholds.checked = (hec.waiver.waive ?? []).includes('thresholds');
        this.waiveContiguity.checked = (hec.waiver.waive ?? []).includes('contiguity');
      }
      this.app.toast(
        `Loaded version ${version} of ${this.org.name}: ${plural(ids.length, 'tract')}. ` +
          'Ctrl+Z returns to the previous map.',
      );
      await this.showReport(version);
    } catch (e) {
      messageBox(this.msg, `Could not load version ${version}: ${e.message}`);
    }
  }

  /** @param {number} version */
  async showReport(version) {
    this.reportFor = version;
    this.findingsHead.textContent = `Findings for version ${version}`;
    this.findings.replaceChildren(h('p', { class: 'hint' }, 'Validating…'));
    try {
      const report = await api.versionReport(this.orgId, version);
      const hec = report.hecs?.[0];
      const figures = hec
        ? h(
            'span',
            { class: 'muted small' },
            `${fmtInt(hec.population)} people · ≈ ${fmtInt(hec.medicare?.value)} Medicare`,
          )
        : null;
      this.findings.replaceChildren(
        h('div', { class: 'row' }, verdict(report), figures),
        findingsList(report, (f) => this.app.showTracts(f.tract_ids ?? [])),
      );
      this.findings.dataset.version = String(version);
    } catch (e) {
      this.findings.replaceChildren(h('p', { class: 'server-error' }, e.message));
    }
  }

  /** @param {number} from @param {number} to */
  async diff(from, to) {
    try {
      const d = await api.proposalDiff(this.orgId, from, to);
      this.diffEl.replaceChildren(renderDiff(d, `${this.org.name}: version ${from} → ${to}`));
    } catch (e) {
      this.diffEl.replaceChildren(h('p', { class: 'server-error' }, e.message));
    }
  }

  /**
   * A 409: someone saved meanwhile; Reload shows what changed.
   * @param {Error} e
   */
  _conflict(e) {
    const current = conflictVersion(e);
    const text =
      `Someone saved version ${current ?? 'newer'} of this proposal meanwhile — ` +
      'reload it (your map stays as it is), check what changed, and save again.';
    const reload = async () => {
      messageBox(this.msg, null);
      await this.refresh();
      if (current && current > 1) await this.diff(current - 1, current);
    };
    messageBox(this.msg, text, { kind: 'conflict', action: { label: 'Reload', run: reload } });
  }

  /**
   * The request body of a save: the map as one HEC, the waiver requested;
   * null (and the reason shown) when it cannot be saved.
   * @param {boolean} submit
   */
  _saveBody(submit) {
    const ids = this._mapTracts();
    if (!ids.length) {
      messageBox(this.msg, 'The map is empty: paint your HEC first.');
      return null;
    }
    /** @type {{ name: string, units: string[], waiver?: object }} */
    const hec = { name: this.org.name, units: compactUnits(this.app.units, ids) };
    if (this.waiverBox.checked) {
      const waive = [
        this.waiveThresholds.checked && 'thresholds',
        this.waiveContiguity.checked && 'contiguity',
      ].filter(Boolean);
      if (!waive.length) {
        messageBox(this.msg, 'Say what the waiver is for: thresholds, contiguity or both.');
        return null;
      }
      hec.waiver = { reason: this.waiverReason.value.trim(), waive };
    }
    return {
      base_version: this.head ?? 0,
      status: submit ? 'submitted' : 'draft',
      rationale: this.rationale.value,
      plan: { hecs: [hec] },
    };
  }

  /** @param {boolean} submit */
  async save(submit) {
    const body = this._saveBody(submit);
    if (!body) return;
    this.saveBtn.disabled = this.saveSubmitBtn.disabled = true;
    try {
      const v = await api.saveVersion(this.orgId, body);
      const how = submit
        ? ' and submitted it to the state'
        : ' (a draft: only your organization sees it)';
      messageBox(this.msg, `Saved version ${v.version}${how}.`, { kind: 'ok' });
      this.reportFor = null;
      await this.refresh();
      await this.showReport(v.version);
    } catch (e) {
      if (e.status === 409) this._conflict(e);
      else messageBox(this.msg, `Not saved: ${e.message}`);
    } finally {
      this.saveBtn.disabled = this.saveSubmitBtn.disabled = false;
    }
  }

  /** @param {number} version */
  async submit(version) {
    try {
      await api.submit(this.orgId, version);
      messageBox(this.msg, `Version ${version} submitted to the state.`, { kind: 'ok' });
      await this.refresh();
    } catch (e) {
      if (e.status === 409) this._conflict(e);
      else messageBox(this.msg, `Not submitted: ${e.message}`);
    }
  }
}
