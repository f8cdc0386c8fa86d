// @ts-check
// The HEC editor's view: their organization's proposal (its versions, each
// loadable onto the map, its findings, diffs, comments); saving one HEC of
// the map (the active one, or the one chosen) as a new version after
// showing what it claims and where it meets other proposals; a save that
// meets a colleague's newer version (409) is not sent, and their version
// is brought in (both changes kept) before saving again; their HEC as the
// state's current plan has it (after staff rulings); the rulings that
// concern them and the disputes over their units.

import { conflictVersion, negotiation as api } from '../api.js';
import { compactUnits, describeTracts, tractIds } from '../units.js';
import { fmtInt, h } from '../util.js';
import {
  claimFigures,
  claimOf,
  claimTowns,
  mergeTracts,
  overlapsWith,
  planTracts,
} from './claims.js';
import { renderDiff } from './diff.js';
import {
  button,
  commentThread,
  date,
  failingRules,
  fill,
  findingsList,
  hecVerdict,
  itemsOr,
  listText,
  messageBox,
  plural,
  rulingItem,
  section,
  verdict,
  verdictClass,
  verdictText,
} from './ui.js';

/** @typedef {import('./index.js').Negotiation} Negotiation */
/** @typedef {import('./types').Dispute} Dispute */
/** @typedef {import('./types').PlanHec} PlanHec */
/** @typedef {import('./types').Proposal} Proposal */
/** @typedef {import('./types').Ruling} Ruling */
/** @typedef {import('./types').StateView} StateView */
/** @typedef {import('./types').Version} Version */
/** @typedef {import('./types').Waiver} Waiver */
/** @typedef {import('./types').NegoRules} NegoRules */

/**
 * @typedef {object} SaveBody
 * @property {number} base_version
 * @property {string} status
 * @property {string} rationale
 * @property {{ hecs: { name: string, units: string[], waiver?: object }[] }} plan
 */

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
    /** @type {number | null} the latest version */
    this.head = null;
    /**
     * @type {number | null} the version the work on the map is based on: a
     * save names it, so a colleague's newer version is never overwritten
     */
    this.base = null;
    /** @type {number | null} the version whose findings are shown */
    this.reportFor = null;
    /** @type {StateView | null} */
    this.stateView = null;
    /** @type {Ruling[] | null} the rulings that concern the organization */
    this.rulingList = null;
    /** @type {string | null} the HEC key chosen in the list (null: the active HEC) */
    this.chosenKey = null;
    this.root = nego.root;
    this._build();
  }

  /** The save section's fields: which HEC, rationale, waiver request. */
  _buildFields() {
    this.hecSelect = h('select', { id: 'ed-save-hec', class: 'btn small' });
    this.hecSelect.addEventListener('change', () => {
      this.chosenKey = this.hecSelect.value || null;
      this._closeConfirm();
      this._renderSaveInfo();
    });
    this.hecChoice = h(
      'div',
      { class: 'field', hidden: true },
      h('label', { for: 'ed-save-hec' }, 'HEC on the map to save as your proposal'),
      this.hecSelect,
    );
    this.rationale = h('textarea', {
      id: 'ed-rationale',
      rows: '3',
      placeholder: 'Partners, services, how the towns work together…',
    });
    this._buildWaiverFields();
    this.saveInfo = h('p', { class: 'hint', id: 'ed-save-info' });
    this.saveBtn = button('Save as new version', () => this.askSave(false), '', 'ed-save');
    this.saveSubmitBtn = button(
      'Save and submit',
      () => this.askSave(true),
      'primary',
      'ed-save-submit',
    );
    this.confirmEl = h('div', {
      id: 'ed-confirm',
      class: 'confirm',
      role: 'region',
      'aria-label': 'Check before saving',
      hidden: true,
    });
  }

  /** The waiver request's fields. */
  _buildWaiverFields() {
    this.waiverBox = h('input', { id: 'ed-waiver', type: 'checkbox' });
    this.waiverReason = h('textarea', { id: 'ed-waiver-reason', rows: '2' });
    this.waiveThresholds = h('input', {
      id: 'ed-waive-thresholds',
      type: 'checkbox',
      checked: true,
    });
    this.waiveContiguity = h('input', { id: 'ed-waive-contiguity', type: 'checkbox' });
    this.waiverFields = h(
      'div',
      { class: 'waiver-fields', hidden: true },
      h(
        'p',
        { class: 'hint' },
        'Only a rural HEC (fewer than 150 people per km²) may ask. Until staff approve it, ' +
          'your HEC does not meet the floors: it is pending their decision.',
      ),
      h(
        'label',
        { for: 'ed-waiver-reason', class: 'small' },
        'Why the rules should be waived (required)',
      ),
      this.waiverReason,
      h(
        'fieldset',
        { class: 'checks' },
        h('legend', { class: 'small' }, 'Waive'),
        h('label', {}, this.waiveThresholds, ' the population and Medicare floors'),
        h('label', {}, this.waiveContiguity, ' contiguity'),
      ),
    );
    this.waiverBox.addEventListener(
      'change',
      () => (this.waiverFields.hidden = !this.waiverBox.checked),
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
    this.stateEl = h('div', { id: 'ed-state' });
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
        h('h2', {}, 'Save an HEC of the map as a new version'),
        this.saveInfo,
        this.hecChoice,
        h('label', { for: 'ed-rationale', class: 'small' }, 'Why this geography (required)'),
        this.rationale,
        h('label', { class: 'check-line' }, this.waiverBox, ' Request a waiver (rural HECs only)'),
        this.waiverFields,
        h('div', { class: 'row' }, this.saveBtn, this.saveSubmitBtn),
        this.confirmEl,
      ),
      h(
        'section',
        { class: 'nego-sec', id: 'ed-versions-sec' },
        h('h2', {}, 'Versions'),
        this.versions,
        this.diffEl,
      ),
      h('section', { class: 'nego-sec', id: 'ed-findings-sec' }, this.findingsHead, this.findings),
      section('ed-state-sec', 'Your HEC in the state’s current plan', this.stateEl),
      section('ed-rulings-sec', 'Rulings that concern you', this.rulings),
      section('ed-disputes-sec', 'Disputes over your units', this.disputes),
    );
    this.unsubscribe = this.app.store.subscribe((_, kind) => {
      if (kind === 'active') this.chosenKey = null; // the list's choice follows the active HEC
      if (kind !== 'saved') this._closeConfirm();
      this._renderSaveInfo();
    });
  }

  destroy() {
    this.unsubscribe?.();
  }

  // ---- which HEC is saved ---------------------------------------------------

  /** The HECs of the map that have tracts. */
  _paintedHecs() {
    const { store } = this.app;
    return store.hecs
      .map((x) => ({ ...x, ids: store.tractsOf(x.key) }))
      .filter((x) => x.ids.length > 0);
  }

  /** The HEC a save sends: the one chosen, else the active one, else the only one. */
  _savedHec() {
    const painted = this._paintedHecs();
    const active = this.app.store.active;
    return (
      painted.find((x) => x.key === this.chosenKey) ??
      painted.find((x) => x.key === active) ??
      (painted.length === 1 ? painted[0] : null)
    );
  }

  _renderSaveInfo() {
    const painted = this._paintedHecs();
    const hec = this._savedHec();
    this.hecChoice.hidden = painted.length < 2;
    if (painted.length >= 2) {
      this.hecSelect.replaceChildren(
        ...(hec ? [] : [h('option', { value: '' }, 'Choose the HEC…')]),
        ...painted.map((x) =>
          h('option', { value: x.key }, `${x.name} (${plural(x.ids.length, 'tract')})`),
        ),
      );
      this.hecSelect.value = hec?.key ?? '';
    }
    const org = this.org?.name ?? 'your organization';
    if (!painted.length) {
      this.saveInfo.textContent =
        'Paint or import your HEC on the map (or load a version below), then save it here.';
      return;
    }
    if (!hec) {
      this.saveInfo.textContent =
        `The map has ${plural(painted.length, 'HEC')}: choose the one that is ${org}'s proposal. ` +
        'Only that one is saved.';
      return;
    }
    const c = claimOf(this.app.units, hec.ids);
    const others = painted.length - 1;
    const rest = others
      ? ` The ${plural(others, 'other HEC')} on the map ${others === 1 ? 'is' : 'are'} not saved.`
      : '';
    this.saveInfo.textContent =
      `Saves “${hec.name}” as ${org}'s proposal: ${claimFigures(c)}.${rest}`;
  }

  // ---- loading ----------------------------------------------------------------

  /** @param {{ keepMessage?: boolean }} [options] */
  async refresh({ keepMessage = true } = {}) {
    this.app.clearHighlight();
    if (!keepMessage) messageBox(this.msg, null);
    try {
      const [proposal, rulings] = await Promise.all([api.proposal(this.orgId), api.rulings()]);
      this.proposal = proposal;
      this.org = proposal.organization;
      this.head = proposal.head;
      if (this.base == null) this.base = proposal.head;
      this.title.textContent = `Proposal of ${this.org.name}`;
      this.headEl.textContent = proposal.head
        ? `latest: version ${proposal.head} (${proposal.versions[0]?.status})`
        : 'no version yet';
      this._renderVersions();
      this.rulingList = rulings;
      const ruling = (/** @type {Ruling} */ r) => rulingItem(this.app.units, r);
      this.rulings.replaceChildren(...itemsOr(rulings, ruling, 'No ruling concerns you yet.'));
      this._renderSaveInfo();
      if (this.head > (this.base ?? 0)) this._newerVersion(this.head);
      if (proposal.head && this.reportFor == null) await this.showReport(proposal.head);
    } catch (e) {
      messageBox(this.msg, `Could not load your proposal: ${e.message}`);
    }
    await this._refreshState();
  }

  /** The statewide picture: the HEC in the state's plan, the disputes (slower: after). */
  async _refreshState() {
    try {
      const view = await api.state();
      this.stateView = view;
      const mine = view.disputes.filter((d) =>
        d.claimants.some((c) => c.organization_id === this.orgId),
      );
      const none = 'None of your submitted units is claimed by another HEC.';
      this.disputes.replaceChildren(...itemsOr(mine, (d) => this._disputeItem(d), none));
      await this._renderStateHec(view);
    } catch (e) {
      const text = `The statewide picture is unavailable: ${e.message}`;
      this.disputes.replaceChildren(h('li', { class: 'hint' }, text));
      this.stateEl.replaceChildren(h('p', { class: 'hint' }, text));
    }
  }

  /**
   * A dispute over the editor's units: towns, people, claimants, outcome, comments.
   * @param {Dispute} d
   */
  _disputeItem(d) {
    const rulings = d.rulings.map((r) => `#${r}`).join(', ');
    const outcome = d.resolved
      ? `settled by ruling ${rulings}`
      : `open, waiting for staff: ${fmtInt(d.open_people)} people at stake`;
    const others = d.claimants.filter((c) => c.organization_id !== this.orgId).map((c) => c.name);
    return h(
      'li',
      { class: `dispute${d.resolved ? ' resolved' : ''}`, dataset: { key: d.key } },
      h(
        'button',
        {
          type: 'button',
          class: 'item-head',
          title: 'Show on the map',
          onclick: () => this.app.showTracts(tractIds(this.app.units, d.tracts)),
        },
        h('span', { class: 'towns' }, listText(d.towns)),
        h('span', { class: 'people' }, `${fmtInt(d.people)} people`),
      ),
      h('div', { class: 'muted small' }, `also claimed by ${listText(others)} · ${outcome}`),
      commentThread({
        load: () => api.disputeComments(d.key),
        post: (body) => api.commentDispute(d.key, body),
        about: `the dispute over ${listText(d.towns, 3)}`,
      }),
    );
  }

  /**
   * The HEC as the state's current plan has it, beside the editor's latest
   * submitted version: what staff rulings gave and took.
   * @param {StateView} view
   */
  async _renderStateHec(view) {
    const { units } = this.app;
    const name = this.org?.name;
    const stateHec = view.plan.hecs?.find((x) => x.name === name);
    const submitted = this.proposal?.versions.find((v) => v.status === 'submitted');
    if (!stateHec || !submitted) {
      const text =
        `State plan version ${view.state_version}: your HEC is not in it yet. ` +
        'It is once you submit a version.';
      this.stateEl.replaceChildren(h('p', { class: 'hint' }, text));
      return;
    }
    const inState = tractIds(units, stateHec.units);
    const own = planTracts(units, (await api.version(this.orgId, submitted.version)).plan);
    const ownSet = new Set(own);
    const stateSet = new Set(inState);
    const given = inState.filter((id) => !ownSet.has(id));
    const taken = own.filter((id) => !stateSet.has(id));
    const open = view.disputes.filter(
      (d) => !d.resolved && d.claimants.some((x) => x.organization_id === this.orgId),
    );
    const v = hecVerdict(view.report, view.report.hecs.find((x) => x.name === name));
    const c = claimOf(units, inState);
    const since = view.rulings.length ? ' and the staff rulings since' : '';
    fill(
      this.stateEl,
      h(
        'p',
        {},
        `State plan version ${view.state_version}, ` +
          `from your submitted version ${submitted.version}${since}:`,
      ),
      h(
        'p',
        { class: 'state-hec-towns' },
        h('strong', {}, claimTowns(c)),
        ` · ${claimFigures(c)}`,
      ),
      v
        ? h(
            'p',
            { class: `verdict ${verdictClass(v.verdict)}`, dataset: { verdict: v.verdict } },
            verdictText(v, failingRules(view.report, name)),
          )
        : null,
      this._changeLine('added', '+ given to you by staff: ', given, view),
      this._changeLine('removed', '− not yours in the state plan: ', taken, view),
      h(
        'p',
        { class: 'hint' },
        open.length
          ? `Still disputed, waiting for staff: ${listText(open.flatMap((d) => d.towns))}.`
          : !given.length && !taken.length
            ? 'Staff have changed nothing: it is your submitted version.'
            : '',
      ),
      this._stateButtons(view, name, inState),
    );
    this.stateEl.dataset.stateVersion = String(view.state_version);
  }

  /**
   * Tracts staff gave or took, and the rulings that did it.
   * @param {string} cls added or removed
   * @param {string} label
   * @param {number[]} ids
   * @param {StateView} view
   */
  _changeLine(cls, label, ids, view) {
    if (!ids.length) return null;
    const { units } = this.app;
    const geoids = ids.map((id) => units.tracts[id].geoid);
    const set = new Set(ids);
    const refs = (this.rulingList ?? view.rulings)
      .filter((r) => r.kind === 'assign' && tractIds(units, r.units).some((id) => set.has(id)))
      .map((r) => `#${r.id}`);
    const by = refs.length ? ` (ruling ${refs.join(', ')})` : '';
    return h(
      'div',
      { class: `diff-line ${cls}` },
      h('strong', {}, label),
      `${describeTracts(units, geoids)}${by}`,
    );
  }

  /**
   * @param {StateView} view
   * @param {string} name
   * @param {number[]} ids
   */
  _stateButtons(view, name, ids) {
    const load = () => {
      const waiver = view.plan.hecs?.find((x) => x.name === name)?.waiver;
      this._loadOntoMap(`State plan v${view.state_version}: ${name}`, name, ids, waiver);
      this.app.toast(
        `Loaded ${name} as the state plan version ${view.state_version} has it. ` +
          'Ctrl+Z returns to the previous map.',
      );
    };
    return h(
      'div',
      { class: 'row' },
      button('Show on the map', () => this.app.showTracts(ids), 'show-state'),
      button('Load onto the map', load, 'load-state'),
    );
  }

  /** @param {Version} v a version of the proposal */
  _versionItem(v) {
    const isHead = v.version === this.proposal.head;
    const prev = v.version - 1;
    const diffLabel = v.version > 1 ? `Diff v${prev}` : 'What it holds';
    return h(
      'li',
      { class: `version ${v.status}`, dataset: { version: String(v.version), status: v.status } },
      h(
        'div',
        { class: 'version-head' },
        h('strong', {}, `v${v.version}`),
        h('span', { class: `status ${v.status}` }, v.status),
        h('span', { class: 'muted small' }, `${v.author}, ${date(v.submitted_at ?? v.created_at)}`),
      ),
      h('div', { class: 'version-rationale' }, v.rationale),
      h(
        'div',
        { class: 'row' },
        button('Load onto the map', () => this.load(v.version), 'load'),
        button('Findings', () => this.showReport(v.version), 'report'),
        button(diffLabel, () => this.diff(prev, v.version), 'show-diff'),
        isHead && v.status === 'draft'
          ? button('Submit', () => this.submit(v.version), 'primary submit')
          : null,
      ),
      commentThread({
        load: () => api.versionComments(this.orgId, v.version),
        post: (body) => api.commentVersion(this.orgId, v.version, body),
        about: `version ${v.version}`,
      }),
    );
  }

  _renderVersions() {
    const empty = 'No version yet: paint your HEC on the map and save it.';
    const items = itemsOr(this.proposal.versions, (v) => this._versionItem(v), empty);
    this.versions.replaceChildren(...items);
  }

  /**
   * Fills the rationale and waiver fields from a version.
   * @param {string} rationale
   * @param {Waiver | null | undefined} waiver
   */
  _setFields(rationale, waiver) {
    this.rationale.value = rationale;
    this.waiverBox.checked = !!waiver;
    this.waiverFields.hidden = !waiver;
    this.waiverReason.value = waiver?.reason ?? '';
    this.waiveThresholds.checked = !waiver || (waiver.waive ?? []).includes('thresholds');
    this.waiveContiguity.checked = !!waiver && (waiver.waive ?? []).includes('contiguity');
  }

  /**
   * Puts tracts on the map as one HEC (the plan replaced), with the waiver
   * request the version makes, so the map's findings show it pending: one
   * undo step.
   * @param {string} planName
   * @param {string} hecName
   * @param {number[]} ids
   * @param {Waiver | null | undefined} waiver
   */
  _loadOntoMap(planName, hecName, ids, waiver) {
    const { store } = this.app;
    store.group(() => {
      this.app.loadProposal(planName, hecName, ids);
      const key = store.hecs.find((x) => x.name === hecName)?.key;
      if (key && waiver) store.setWaiver(key, waiver);
    });
  }

  /** @param {number} version */
  async load(version) {
    try {
      const v = await api.version(this.orgId, version);
      const hec = v.plan?.hecs?.[0];
      const ids = planTracts(this.app.units, v.plan);
      this._loadOntoMap(`${this.org.name} v${version}`, this.org.name, ids, hec?.waiver);
      this._setFields(v.rationale, hec?.waiver);
      // Loading a version is starting from it: a save replaces the latest.
      this.base = this.head;
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
            `${fmtInt(hec.population)} people · ` +
              `≈ ${fmtInt(hec.medicare?.value)} Medicare (estimate)`,
          )
        : null;
      fill(
        this.findings,
        h('div', { class: 'row' }, verdict(report), figures),
        findingsList(report, (f) => this.app.showTracts(f.tract_ids ?? [])),
      );
      this.findings.dataset.version = String(version);
    } catch (e) {
      this.findings.replaceChildren(h('p', { class: 'server-error' }, e.message));
    }
  }

  /** @param {number} from (0: the first version, against nothing) @param {number} to */
  async diff(from, to) {
    try {
      const d = await api.proposalDiff(this.orgId, from, to);
      const title = from
        ? `${this.org.name}: version ${from} → ${to}`
        : `${this.org.name}: version ${to}, the first (everything in it is new)`;
      this.diffEl.replaceChildren(renderDiff(d, title));
    } catch (e) {
      this.diffEl.replaceChildren(h('p', { class: 'server-error' }, e.message));
    }
  }

  // ---- saving -----------------------------------------------------------------

  /**
   * The request body of a save: the chosen HEC as the organization's one
   * HEC, the waiver requested; null (and the reason shown) when it cannot
   * be saved.
   * @param {boolean} submit
   * @returns {{ body: SaveBody, ids: number[], hecName: string } | null}
   */
  _saveBody(submit) {
    const hec = this._savedHec();
    if (!hec) {
      messageBox(
        this.msg,
        this._paintedHecs().length
          ? 'Choose which HEC of the map is your proposal (the list above Save).'
          : 'The map is empty: paint your HEC first.',
      );
      return null;
    }
    /** @type {{ name: string, units: string[], waiver?: object }} */
    const planHec = { name: this.org.name, units: compactUnits(this.app.units, hec.ids) };
    if (this.waiverBox.checked) {
      const waive = [
        this.waiveThresholds.checked && 'thresholds',
        this.waiveContiguity.checked && 'contiguity',
      ].filter(Boolean);
      if (!waive.length) {
        messageBox(this.msg, 'Say what the waiver is for: the floors, contiguity or both.');
        return null;
      }
      planHec.waiver = { reason: this.waiverReason.value.trim(), waive };
    }
    return {
      ids: hec.ids,
      hecName: hec.name,
      body: {
        base_version: this.base ?? this.head ?? 0,
        status: submit ? 'submitted' : 'draft',
        rationale: this.rationale.value,
        plan: { hecs: [planHec] },
      },
    };
  }

  _closeConfirm() {
    if (this.confirmEl.hidden) return;
    this.confirmEl.hidden = true;
    this.confirmEl.replaceChildren();
  }

  /**
   * Shows what the save claims (towns, people, overlaps with the state's
   * plan) and sends it only when confirmed.
   * @param {boolean} submit
   */
  async askSave(submit) {
    messageBox(this.msg, null);
    const prepared = this._saveBody(submit);
    if (!prepared) return;
    const { ids, hecName } = prepared;
    const { units } = this.app;
    const c = claimOf(units, ids);
    const org = this.org.name;
    const next = (this.head ?? 0) + 1;
    const status = h('p', { class: 'hint' }, 'Checking the other proposals…');
    const confirm = button(
      submit ? `Save and submit version ${next}` : `Save version ${next}`,
      () => this.save(submit),
      'primary',
      'ed-confirm-save',
    );
    const cancel = button('Cancel', () => this._closeConfirm(), '', 'ed-confirm-cancel');
    const density = c.areaKm2 > 0 ? c.people / c.areaKm2 : null;
    const others = this._paintedHecs().length - 1;
    fill(
      this.confirmEl,
      h(
        'p',
        {},
        h('strong', {}, `Version ${next} of ${org}'s proposal`),
        submit ? ', submitted to the state, ' : ', a draft only your organization sees, ',
        `will hold “${hecName}”:`,
      ),
      h('p', { class: 'confirm-towns' }, claimTowns(c, 40)),
      h(
        'p',
        { class: 'confirm-figures' },
        claimFigures(c),
        density != null ? `, ${fmtInt(density)} people per km²` : '',
        '.',
      ),
      others
        ? h(
            'p',
            { class: 'hint' },
            `Not saved: the ${plural(others, 'other HEC')} on the map.`,
          )
        : null,
      status,
      h('div', { class: 'row' }, confirm, cancel),
    );
    this.confirmEl.hidden = false;
    this.confirmEl.dataset.tracts = String(ids.length);
    confirm.focus();
    await this._checkOverlaps(status, ids);
  }

  /**
   * Says where the HEC meets other submitted proposals (the state's plan).
   * @param {HTMLElement} status
   * @param {number[]} ids
   */
  async _checkOverlaps(status, ids) {
    const { units } = this.app;
    const org = this.org.name;
    try {
      const view = await api.state();
      this.stateView = view;
      const overlaps = overlapsWith(units, ids, view.plan, org);
      if (!overlaps.length) {
        status.textContent = 'It overlaps no other submitted proposal.';
        status.className = 'hint no-overlap';
        return;
      }
      status.className = 'overlap-warning';
      const also = overlaps.map((o) => {
        const oc = claimOf(units, o.ids);
        const who = plural(oc.people, 'person', 'people');
        return `also claimed by ${o.hec}: ${claimTowns(oc)} (${who})`;
      });
      status.replaceChildren(
        h('strong', {}, 'Overlap with other submitted proposals: '),
        `${also.join('; ')}. State staff will rule on who gets these units.`,
      );
    } catch (e) {
      status.textContent = `Could not check the other proposals: ${e.message}`;
    }
  }

  /** @param {boolean} submit */
  async save(submit) {
    const prepared = this._saveBody(submit);
    if (!prepared) return;
    this._closeConfirm();
    this.saveBtn.disabled = this.saveSubmitBtn.disabled = true;
    try {
      const v = await api.saveVersion(this.orgId, prepared.body);
      const how = submit
        ? ' and submitted it to the state'
        : ' (a draft: only your organization sees it)';
      messageBox(
        this.msg,
        `Saved “${prepared.hecName}” as version ${v.version} ` +
          `of ${this.org.name}'s proposal${how}.`,
        { kind: 'ok' },
      );
      this.base = v.version;
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

  // ---- a colleague's newer version ---------------------------------------

  /**
   * A 409: a colleague saved meanwhile. Nothing was sent; their version is
   * to be brought in before saving again.
   * @param {Error} e
   */
  _conflict(e) {
    const current = conflictVersion(e) ?? this.head;
    const text =
      `Not saved: someone saved version ${current ?? 'newer'} of this proposal while you worked ` +
      `from version ${this.base ?? 0}. ` +
      'Bring their version in (your changes on the map are kept), ' +
      'check it, and save again.';
    messageBox(this.msg, text, {
      kind: 'conflict',
      action: { label: 'Bring their changes in', run: () => this.bringIn(current) },
    });
  }

  /**
   * Says that a newer version exists than the one the map is based on.
   * @param {number} current
   */
  _newerVersion(current) {
    const v = this.proposal.versions.find((x) => x.version === current);
    const who = v ? ` (${v.author}, ${date(v.created_at)})` : '';
    messageBox(
      this.msg,
      `Version ${current}${who} was saved after the version ${this.base} your map is based on. ` +
        'Bring it in before saving, or your save is refused.',
      {
        kind: 'conflict',
        action: { label: 'Bring their changes in', run: () => this.bringIn(current) },
      },
    );
  }

  /**
   * Brings a colleague's version in: a three-way merge of the tracts (the
   * editor's changes since the base kept, theirs added), one undoable step
   * on the map; the rationale and waiver taken from theirs unless the
   * editor changed them too (then both are shown, and a button takes theirs).
   * @param {number | null} current their version
   */
  async bringIn(current) {
    if (!current) return this.refresh();
    const { units, store } = this.app;
    const from = this.base ?? 0;
    try {
      const [baseV, theirs] = await Promise.all([
        from ? api.version(this.orgId, from) : Promise.resolve(null),
        api.version(this.orgId, current),
      ]);
      const hec = this._savedHec();
      const baseIds = planTracts(units, baseV?.plan);
      const theirIds = planTracts(units, theirs.plan);
      const mineIds = hec ? hec.ids : baseIds;
      const m = mergeTracts(baseIds, mineIds, theirIds);
      if (hec) {
        const inMerged = new Set(m.merged);
        const stroke = Symbol('merge');
        store.paint(
          m.merged.filter((id) => store.state.assign[id] !== hec.key),
          hec.key,
          { merge: stroke },
        );
        store.paint(
          hec.ids.filter((id) => !inMerged.has(id)),
          null,
          { merge: stroke },
        );
        store.endStroke();
      } else {
        this.app.loadProposal(`${this.org.name} v${current}`, this.org.name, m.merged);
      }
      const notes = this._mergeFields(baseV, theirs);
      this.base = current;
      const geoids = (/** @type {number[]} */ ids) => ids.map((id) => units.tracts[id].geoid);
      const change = (/** @type {number[]} */ add, /** @type {number[]} */ rem) =>
        [
          add.length ? `added ${describeTracts(units, geoids(add))}` : '',
          rem.length ? `removed ${describeTracts(units, geoids(rem))}` : '',
        ]
          .filter(Boolean)
          .join('; ') || 'no change of units';
      const text = h(
        'span',
        { class: 'merge-summary' },
        h('strong', {}, `Brought in version ${current} (${theirs.author}): `),
        `${change(m.theirsAdded, m.theirsRemoved)}. `,
        h('strong', {}, 'Your changes, kept: '),
        `${change(m.mineAdded, m.mineRemoved)}. `,
        ...notes,
        `The map now has both (${plural(m.merged.length, 'tract')}): check it and save again. ` +
          'Ctrl+Z undoes the merge on the map.',
      );
      messageBox(this.msg, text, { kind: 'ok' });
      this.msg.dataset.merged = String(current);
      await this.refresh();
      await this.diff(from, current);
    } catch (e) {
      messageBox(this.msg, `Could not bring version ${current} in: ${e.message}`);
    }
  }

  /**
   * The rationale and waiver after a merge; returns what to tell the editor.
   * @param {Version | null} baseV
   * @param {Version} theirs
   */
  _mergeFields(baseV, theirs) {
    /** @type {(string | Node)[]} */
    const notes = [];
    const baseR = baseV?.rationale ?? '';
    const mine = this.rationale.value;
    if (theirs.rationale !== baseR) {
      if (mine.trim() === '' || mine === baseR || mine === theirs.rationale) {
        this.rationale.value = theirs.rationale;
        notes.push('Their rationale is in the box. ');
      } else {
        notes.push(
          'Both of you changed the rationale; yours stays in the box. ' +
            `Theirs: “${theirs.rationale}” `,
          button(
            'Use their rationale',
            () => {
              this.rationale.value = theirs.rationale;
            },
            'use-theirs',
          ),
          ' ',
        );
      }
    }
    const key = (/** @type {Waiver | null | undefined} */ w) =>
      w ? JSON.stringify([w.reason, [...(w.waive ?? [])].sort()]) : '';
    const baseW = baseV?.plan?.hecs?.[0]?.waiver;
    const theirW = theirs.plan?.hecs?.[0]?.waiver;
    const myW = this.waiverBox.checked
      ? {
          reason: this.waiverReason.value.trim(),
          waive: [
            this.waiveThresholds.checked && 'thresholds',
            this.waiveContiguity.checked && 'contiguity',
          ].filter(Boolean),
          status: '',
        }
      : null;
    if (key(theirW) !== key(baseW)) {
      if (key(myW) === key(baseW)) {
        this._setFields(this.rationale.value, theirW);
        notes.push(
          theirW ? 'Their waiver request is taken. ' : 'They withdrew the waiver request. ',
        );
      } else {
        notes.push('Both of you changed the waiver request; yours is kept: check it. ');
      }
    }
    return notes;
  }
}
