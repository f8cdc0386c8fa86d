// The negotiation in the page: sign-in, an HEC editor's proposal (versions,
// rationale, waiver request, submission, findings, the rulings and
// disputes that concern it) and the state staff's board (every submitted
// proposal on the map, disputes and gaps with the people at stake, rulings
// made in place, waivers, history and diffs). Analysts and administrators
// see the board read-only. The server checks every permission itself; the
// page only leaves out controls a role cannot use and shows the server's
// message when it refuses.

import { ApiError, conflictVersion, negotiation as api } from './api.js';
import { PALETTE, fmtInt, h } from './util.js';

const ROLE_LABEL = { editor: 'HEC editor', staff: 'state staff', analyst: 'analyst', admin: 'administrator' };

function date(text) {
  if (!text) return '';
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? text : d.toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short' });
}

function plural(n, one, many = `${one}s`) {
  return `${fmtInt(n)} ${n === 1 ? one : many}`;
}

function messageBox(el, text, { kind = 'error', action = null } = {}) {
  if (!text) {
    el.hidden = true;
    el.replaceChildren();
    return;
  }
  el.hidden = false;
  el.className = `nego-msg ${kind}`;
  el.replaceChildren(...[h('span', {}, text), action && h('button', { type: 'button', class: 'btn small', onclick: action.run }, action.label)].filter(Boolean));
}

/**
 * app: { units, store, hecMap, toast(msg, opts), showTracts(ids),
 * clearHighlight(), setOverlay(colors | null, marks), loadProposal(planName,
 * hecName, tractIds), resize() }.
 */
export class Negotiation {
  constructor(app) {
    this.app = app;
    this.root = document.querySelector('#nego');
    this.account = document.querySelector('#account');
    this.actor = null;
    this.view = null; // EditorView | BoardView
    document.querySelector('#signin').addEventListener('submit', (e) => {
      e.preventDefault();
      this.signIn(document.querySelector('#signin-user').value.trim(), document.querySelector('#signin-pass').value);
    });
    document.querySelector('#signout').addEventListener('click', () => this.signOut());
  }

  /** Who is signed in (the session cookie survives reloads). */
  async start() {
    try {
      const actor = await api.me();
      this.account.hidden = false;
      await this._enter(actor);
    } catch (e) {
      if (e.status === 503) return; // a server without the negotiation's storage: no sign-in
      this.account.hidden = false;
      this._showSignIn(e.status === 401 ? null : e.message);
    }
  }

  async signIn(username, password) {
    const err = document.querySelector('#signin-error');
    if (!username || !password) {
      messageBox(err, 'Type your username and password.');
      return;
    }
    const btn = document.querySelector('#signin-btn');
    btn.disabled = true;
    try {
      const { actor } = await api.login(username, password);
      document.querySelector('#signin-pass').value = '';
      await this._enter(actor);
    } catch (e) {
      messageBox(err, `Sign-in failed: ${e.message}`);
    } finally {
      btn.disabled = false;
    }
  }

  async signOut() {
    try {
      await api.logout();
    } catch (e) {
      if (e.status !== 401) this.app.toast(`Sign-out: ${e.message}`, { error: true });
    }
    this._leave();
    this._showSignIn(null);
  }

  _showSignIn(error) {
    document.querySelector('#signin').hidden = false;
    document.querySelector('#whoami').hidden = true;
    messageBox(document.querySelector('#signin-error'), error);
  }

  _leave() {
    this.view?.destroy?.();
    this.view = null;
    this.actor = null;
    this.root.replaceChildren();
    this.root.hidden = true;
    this.root.removeAttribute('data-role');
    this.app.setOverlay(null);
    this.app.clearHighlight();
    this.app.resize();
  }

  async _enter(actor) {
    this._leave();
    this.actor = actor;
    document.querySelector('#signin').hidden = true;
    messageBox(document.querySelector('#signin-error'), null);
    document.querySelector('#whoami').hidden = false;
    const who = document.querySelector('#whoami-text');
    who.replaceChildren(h('strong', {}, actor.display_name || actor.username), ' ', h('span', { class: 'role-badge', dataset: { role: actor.role } }, ROLE_LABEL[actor.role] ?? actor.role));
    who.title = `signed in as ${actor.username}`;
    this.root.hidden = false;
    this.root.dataset.role = actor.role;
    this.app.resize();
    this.view = actor.role === 'editor' ? new EditorView(this) : new BoardView(this, { readOnly: actor.role !== 'staff' });
    await this.view.refresh();
    if (actor.role === 'editor') who.append(h('span', { class: 'muted' }, ` · ${this.view.org?.name ?? `organization ${actor.organization_id}`}`));
  }

  /** A ruling through the page's own path (the board's forms use it; tests
   *  call it to see a refusal shown). */
  async rule(body, msgEl = this.root.querySelector('.nego-top-msg')) {
    try {
      const r = await api.rule(body);
      messageBox(msgEl, null);
      return r;
    } catch (e) {
      if (e.status === 409 && this.view instanceof BoardView) {
        // The board's forms are rebuilt by the reload: say it at the top.
        messageBox(this.view.msg, `Someone ruled meanwhile: ${e.message}. The board has been reloaded: check it and rule again.`, { kind: 'conflict' });
        await this.view.refresh({ keepMessage: true });
      } else messageBox(msgEl, e.status === 403 ? `Refused by the server: ${e.message}` : `The ruling failed: ${e.message}`);
      throw e;
    }
  }

  // ---- helpers over the units --------------------------------------------

  /** Tract ids of units as a plan lists them: tract GEOIDs or town names. */
  tractIds(list) {
    const { byGeoid, townByName, townTracts } = this.app.units;
    const out = [];
    for (const u of list ?? []) {
      const id = byGeoid.get(String(u));
      if (id != null) out.push(id);
      else {
        const town = townByName.get(String(u).toLowerCase());
        if (town) out.push(...(townTracts.get(town.name) ?? []));
      }
    }
    return [...new Set(out)];
  }

  /** Units for a plan, readable: whole towns by name, else tract GEOIDs. */
  compactUnits(ids) {
    const { tracts, townTracts } = this.app.units;
    const set = new Set(ids);
    const out = [];
    const done = new Set();
    for (const id of ids) {
      const town = tracts[id].town;
      if (done.has(town)) continue;
      done.add(town);
      const all = townTracts.get(town) ?? [];
      if (all.every((t) => set.has(t))) out.push(town);
      else out.push(...all.filter((t) => set.has(t)).map((t) => tracts[t].geoid));
    }
    return out;
  }

  /** "Hartford, West Hartford (2 of 15 tracts)" for tract GEOIDs. */
  describeTracts(geoids) {
    const { tracts, townTracts } = this.app.units;
    const ids = this.tractIds(geoids);
    const byTown = new Map();
    for (const id of ids) byTown.set(tracts[id].town, (byTown.get(tracts[id].town) ?? 0) + 1);
    return [...byTown]
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([town, n]) => {
        const all = townTracts.get(town)?.length ?? n;
        return n === all ? town : `${town} (${n} of ${all} tracts)`;
      })
      .join(', ');
  }

  people(ids) {
    return ids.reduce((s, id) => s + (this.app.units.tracts[id]?.population ?? 0), 0);
  }
}

// ---- a diff between two versions ------------------------------------------

function unitSetLine(sign, set) {
  if (!set?.tracts?.length) return null;
  const parts = [...set.towns, ...set.partial_towns.map((t) => `part of ${t}`)];
  return h('div', { class: `diff-line ${sign === '+' ? 'added' : 'removed'}` }, h('strong', {}, sign === '+' ? '+ added: ' : '− removed: '), parts.join(', ') || plural(set.tracts.length, 'tract'), h('span', { class: 'muted' }, ` · ${plural(set.tracts.length, 'tract')}, ${fmtInt(set.people)} people`));
}

function totalsRow(label, before, after) {
  const d = after - before;
  return h('tr', {}, h('th', {}, label), h('td', {}, fmtInt(before)), h('td', {}, '→'), h('td', {}, fmtInt(after)), h('td', { class: d > 0 ? 'up' : d < 0 ? 'down' : '' }, d === 0 ? '' : `${d > 0 ? '+' : '−'}${fmtInt(Math.abs(d))}`));
}

function waiverText(w) {
  return w ? `${w.status} (${(w.waive ?? []).join(' and ')}): ${w.reason}` : 'none';
}

export function renderDiff(diff, title) {
  const hecs = diff.hecs.map((x) =>
    h(
      'div',
      { class: 'diff-hec', dataset: { hec: x.hec } },
      h('div', { class: 'diff-hec-name' }, x.hec),
      unitSetLine('+', x.added),
      unitSetLine('−', x.removed),
      h('table', { class: 'diff-totals' }, h('tr', {}, h('th', {}), h('th', {}, `v${diff.from}`), h('th', {}), h('th', {}, `v${diff.to}`), h('th', {})), totalsRow('Tracts', x.before.tracts, x.after.tracts), totalsRow('Population', x.before.population, x.after.population), totalsRow('Medicare (est.)', x.before.medicare, x.after.medicare)),
      JSON.stringify(x.waiver_before) !== JSON.stringify(x.waiver_after) ? h('div', { class: 'diff-line' }, h('strong', {}, 'Waiver: '), `${waiverText(x.waiver_before)} → ${waiverText(x.waiver_after)}`) : null,
    ),
  );
  return h(
    'div',
    { class: 'diff', dataset: { from: String(diff.from), to: String(diff.to) } },
    h('div', { class: 'diff-title' }, title),
    diff.rationale_after != null ? h('div', { class: 'diff-rationale' }, h('div', {}, h('span', { class: 'muted' }, `v${diff.from}: `), diff.rationale_before ?? '—'), h('div', {}, h('span', { class: 'muted' }, `v${diff.to}: `), diff.rationale_after)) : null,
    ...(hecs.length ? hecs : [h('p', { class: 'hint' }, 'No unit changed.')]),
  );
}

function findingsList(report, onClick) {
  const shown = (report?.findings ?? []).filter((f) => f.severity !== 'info');
  if (!shown.length) return h('p', { class: 'hint' }, report?.passes ? 'No rule is broken.' : 'No finding.');
  return h(
    'ul',
    { class: 'nego-findings' },
    ...shown.map((f) =>
      h(
        'li',
        {},
        h('button', { type: 'button', class: `finding sev-${f.severity}`, dataset: { rule: f.rule, severity: f.severity }, onclick: () => onClick(f) }, h('span', { class: 'finding-head' }, h('span', { class: 'sev' }, f.severity), h('span', { class: 'rule' }, f.rule)), h('span', { class: 'msg' }, f.message)),
      ),
    ),
  );
}

function verdict(report) {
  if (!report) return h('span', { class: 'verdict' });
  const c = report.counts ?? {};
  const parts = ['error', 'unknown', 'warning', 'waived'].filter((s) => c[s]).map((s) => `${c[s]} ${s}${c[s] === 1 || s === 'unknown' || s === 'waived' ? '' : 's'}`);
  return h('span', { class: `verdict ${report.passes ? 'ok' : 'bad'}` }, report.passes ? `✓ Passes${parts.length ? ` (${parts.join(', ')})` : ''}` : `✗ ${parts.join(', ')}`);
}

function section(id, title, ...children) {
  return h('section', { id, class: 'nego-sec' }, h('h2', {}, title), ...children);
}

function rulingItem(nego, r) {
  const what = r.kind === 'assign' ? `${nego.describeTracts(r.units)} to ${r.organization}` : `${r.organization}'s waiver ${r.decision}`;
  return h('li', { class: 'ruling', dataset: { id: String(r.id), kind: r.kind } }, h('div', {}, h('strong', {}, `#${r.id} `), what), h('div', { class: 'ruling-reason' }, `“${r.reason}”`), h('div', { class: 'muted small' }, `${r.author}, ${date(r.created_at)} · state plan v${r.state_version}`));
}

// ---- the HEC editor's view ------------------------------------------------

class EditorView {
  constructor(nego) {
    this.nego = nego;
    this.app = nego.app;
    this.orgId = nego.actor.organization_id;
    this.org = null;
    this.proposal = null;
    this.reportFor = null;
    this.root = nego.root;
    this._build();
  }

  _build() {
    const el = (tag, attrs, ...c) => h(tag, attrs, ...c);
    this.title = el('h2', {}, 'Your proposal');
    this.headEl = el('span', { class: 'muted' });
    this.versions = el('ul', { id: 'ed-versions', class: 'versions' });
    this.diffEl = el('div', { id: 'ed-diff' });
    this.rationale = el('textarea', { id: 'ed-rationale', rows: '3', placeholder: 'Why this geography (required): partners, services, how the towns work together…' });
    this.waiverBox = el('input', { id: 'ed-waiver', type: 'checkbox' });
    this.waiverReason = el('textarea', { id: 'ed-waiver-reason', rows: '2', placeholder: 'Why the rules should be waived for this HEC (required)' });
    this.waiveThresholds = el('input', { id: 'ed-waive-thresholds', type: 'checkbox', checked: true });
    this.waiveContiguity = el('input', { id: 'ed-waive-contiguity', type: 'checkbox' });
    this.waiverFields = el('div', { class: 'waiver-fields', hidden: true }, this.waiverReason, el('div', { class: 'checks' }, 'Waive: ', el('label', {}, this.waiveThresholds, ' thresholds'), el('label', {}, this.waiveContiguity, ' contiguity')));
    this.waiverBox.addEventListener('change', () => (this.waiverFields.hidden = !this.waiverBox.checked));
    this.saveInfo = el('p', { class: 'hint', id: 'ed-save-info' });
    this.saveBtn = el('button', { id: 'ed-save', type: 'button', class: 'btn small', onclick: () => this.save(false) }, 'Save as new version');
    this.saveSubmitBtn = el('button', { id: 'ed-save-submit', type: 'button', class: 'btn small primary', onclick: () => this.save(true) }, 'Save and submit');
    this.msg = el('div', { id: 'ed-message', class: 'nego-msg nego-top-msg', role: 'alert', hidden: true });
    this.findingsHead = el('h2', {}, 'Findings');
    this.findings = el('div', { id: 'ed-findings' });
    this.rulings = el('ul', { id: 'ed-rulings', class: 'rulings' });
    this.disputes = el('ul', { id: 'ed-disputes', class: 'disputes' });
    this.root.replaceChildren(
      el('div', { class: 'nego-head' }, el('div', { class: 'nego-head-row' }, this.title, el('button', { type: 'button', class: 'btn small', id: 'ed-reload', onclick: () => this.refresh() }, 'Reload')), this.headEl),
      this.msg,
      el('section', { class: 'nego-sec', id: 'ed-save-sec' }, el('h2', {}, 'Save the map as a new version'), this.saveInfo, this.rationale, el('label', { class: 'check-line' }, this.waiverBox, ' Request a waiver'), this.waiverFields, el('div', { class: 'row' }, this.saveBtn, this.saveSubmitBtn)),
      el('section', { class: 'nego-sec', id: 'ed-versions-sec' }, el('h2', {}, 'Versions'), this.versions, this.diffEl),
      el('section', { class: 'nego-sec', id: 'ed-findings-sec' }, this.findingsHead, this.findings),
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
    this.saveInfo.textContent = ids.length
      ? `Everything painted on the map${n > 1 ? ` (all ${n} HECs)` : ''} — ${plural(ids.length, 'tract')}, ${fmtInt(this.nego.people(ids))} people — becomes ${this.org?.name ?? 'your'} HEC.`
      : 'Paint or import your HEC on the map (or load a version below), then save it here.';
  }

  _mapTracts() {
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
      this.headEl.textContent = proposal.head ? `latest: version ${proposal.head} (${proposal.versions[0]?.status})` : 'no version yet';
      this._renderVersions();
      this.rulings.replaceChildren(...(rulings.length ? rulings.map((r) => rulingItem(this.nego, r)) : [h('li', { class: 'hint' }, 'No ruling concerns you yet.')]));
      this._renderSaveInfo();
      if (proposal.head && this.reportFor == null) await this.showReport(proposal.head);
    } catch (e) {
      messageBox(this.msg, `Could not load your proposal: ${e.message}`);
    }
    // The statewide picture, for the disputes over this HEC's units (slower: after).
    try {
      const view = await api.state();
      const mine = view.disputes.filter((d) => d.claimants.some((c) => c.organization_id === this.orgId));
      this.disputes.replaceChildren(
        ...(mine.length
          ? mine.map((d) =>
              h('li', { class: `dispute${d.resolved ? ' resolved' : ''}`, dataset: { key: d.key } }, h('div', {}, h('strong', {}, d.towns.join(', ')), ` · ${fmtInt(d.people)} people`), h('div', { class: 'muted small' }, `claimed by ${d.claimants.map((c) => c.name).join(' and ')} · ${d.resolved ? `resolved (ruling ${d.rulings.map((r) => `#${r}`).join(', ')})` : `open: ${fmtInt(d.open_people)} people at stake`}`)),
            )
          : [h('li', { class: 'hint' }, 'None of your submitted units is claimed by another HEC.')]),
      );
    } catch (e) {
      this.disputes.replaceChildren(h('li', { class: 'hint' }, `The statewide picture is unavailable: ${e.message}`));
    }
  }

  _renderVersions() {
    const vs = this.proposal.versions;
    if (!vs.length) {
      this.versions.replaceChildren(h('li', { class: 'hint' }, 'No version yet: paint your HEC on the map and save it.'));
      return;
    }
    this.versions.replaceChildren(
      ...vs.map((v) => {
        const isHead = v.version === this.proposal.head;
        return h(
          'li',
          { class: `version ${v.status}`, dataset: { version: String(v.version), status: v.status } },
          h('div', { class: 'version-head' }, h('strong', {}, `v${v.version}`), h('span', { class: `status ${v.status}` }, v.status), h('span', { class: 'muted small' }, date(v.submitted_at ?? v.created_at))),
          h('div', { class: 'version-rationale' }, v.rationale),
          h(
            'div',
            { class: 'row' },
            h('button', { type: 'button', class: 'btn small load', onclick: () => this.load(v.version) }, 'Load onto the map'),
            h('button', { type: 'button', class: 'btn small report', onclick: () => this.showReport(v.version) }, 'Findings'),
            v.version > 1 ? h('button', { type: 'button', class: 'btn small diff', onclick: () => this.diff(v.version - 1, v.version) }, `Diff v${v.version - 1}`) : null,
            isHead && v.status === 'draft' ? h('button', { type: 'button', class: 'btn small primary submit', onclick: () => this.submit(v.version) }, 'Submit') : null,
          ),
        );
      }),
    );
  }

  async load(version) {
    try {
      const v = await api.version(this.orgId, version);
      const hec = v.plan?.hecs?.[0] ?? { units: [] };
      const ids = this.nego.tractIds(hec.units);
      this.app.loadProposal(`${this.org.name} v${version}`, this.org.name, ids);
      this.rationale.value = v.rationale;
      this.waiverBox.checked = !!hec.waiver;
      this.waiverFields.hidden = !hec.waiver;
      if (hec.waiver) {
        this.waiverReason.value = hec.waiver.reason ?? '';
        this.waiveThresholds.checked = (hec.waiver.waive ?? []).includes('thresholds');
        this.waiveContiguity.checked = (hec.waiver.waive ?? []).includes('contiguity');
      }
      this.app.toast(`Loaded version ${version} of ${this.org.name}: ${plural(ids.length, 'tract')}. Ctrl+Z returns to the previous map.`);
      await this.showReport(version);
    } catch (e) {
      messageBox(this.msg, `Could not load version ${version}: ${e.message}`);
    }
  }

  async showReport(version) {
    this.reportFor = version;
    this.findingsHead.textContent = `Findings for version ${version}`;
    this.findings.replaceChildren(h('p', { class: 'hint' }, 'Validating…'));
    try {
      const report = await api.versionReport(this.orgId, version);
      const hec = report.hecs?.[0];
      this.findings.replaceChildren(
        h('div', { class: 'row' }, verdict(report), hec ? h('span', { class: 'muted small' }, `${fmtInt(hec.population)} people · ≈ ${fmtInt(hec.medicare?.value)} Medicare`) : null),
        findingsList(report, (f) => this.app.showTracts(f.tract_ids ?? [])),
      );
      this.findings.dataset.version = String(version);
    } catch (e) {
      this.findings.replaceChildren(h('p', { class: 'server-error' }, e.message));
    }
  }

  async diff(from, to) {
    try {
      const d = await api.proposalDiff(this.orgId, from, to);
      this.diffEl.replaceChildren(renderDiff(d, `${this.org.name}: version ${from} → ${to}`));
    } catch (e) {
      this.diffEl.replaceChildren(h('p', { class: 'server-error' }, e.message));
    }
  }

  _conflict(e) {
    const current = conflictVersion(e);
    messageBox(this.msg, `Someone saved version ${current ?? 'newer'} of this proposal meanwhile — reload it (your map stays as it is), check what changed, and save again.`, {
      kind: 'conflict',
      action: {
        label: 'Reload',
        run: async () => {
          messageBox(this.msg, null);
          await this.refresh();
          if (current && current > 1) await this.diff(current - 1, current);
        },
      },
    });
  }

  async save(submit) {
    const ids = this._mapTracts();
    if (!ids.length) {
      messageBox(this.msg, 'The map is empty: paint your HEC first.');
      return;
    }
    const hec = { name: this.org.name, units: this.nego.compactUnits(ids) };
    if (this.waiverBox.checked) {
      const waive = [this.waiveThresholds.checked && 'thresholds', this.waiveContiguity.checked && 'contiguity'].filter(Boolean);
      if (!waive.length) {
        messageBox(this.msg, 'Say what the waiver is for: thresholds, contiguity or both.');
        return;
      }
      hec.waiver = { reason: this.waiverReason.value.trim(), waive };
    }
    const body = { base_version: this.head ?? 0, status: submit ? 'submitted' : 'draft', rationale: this.rationale.value, plan: { hecs: [hec] } };
    this.saveBtn.disabled = this.saveSubmitBtn.disabled = true;
    try {
      const v = await api.saveVersion(this.orgId, body);
      messageBox(this.msg, `Saved version ${v.version}${submit ? ' and submitted it to the state' : ' (a draft: only your organization sees it)'}.`, { kind: 'ok' });
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

// ---- the staff board --------------------------------------------------------

class BoardView {
  constructor(nego, { readOnly }) {
    this.nego = nego;
    this.app = nego.app;
    this.readOnly = readOnly;
    this.root = nego.root;
    this.view = null;
    this.orgs = [];
    this.showOnMap = true;
    this._build();
  }

  _build() {
    this.headEl = h('div', { class: 'muted small', id: 'bd-head' });
    this.verdictEl = h('div', { id: 'bd-verdict' });
    this.legend = h('div', { class: 'org-legend', id: 'bd-legend' });
    this.msg = h('div', { id: 'bd-message', class: 'nego-msg nego-top-msg', role: 'alert', hidden: true });
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
    this.stateVersions = h('ul', { id: 'bd-state-versions', class: 'versions compact' });
    this.orgSelect = h('select', { id: 'bd-history-org', class: 'btn small' });
    this.orgSelect.addEventListener('change', () => this._proposalHistory());
    this.proposalVersions = h('ul', { id: 'bd-proposal-versions', class: 'versions compact' });
    this.diffEl = h('div', { id: 'bd-diff' });
    this.root.replaceChildren(
      h(
        'div',
        { class: 'nego-head' },
        h('div', { class: 'nego-head-row' }, h('h2', {}, this.readOnly ? 'Statewide board (read-only)' : 'Negotiation board'), h('button', { type: 'button', class: 'btn small', id: 'bd-reload', onclick: () => this.refresh() }, 'Reload')),
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
      section('bd-history', 'History', h('h3', {}, 'State plan versions'), this.stateVersions, h('h3', {}, 'Proposal versions ', this.orgSelect), this.proposalVersions, this.diffEl),
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

  colorOf(orgId) {
    const i = this.orgs.findIndex((o) => o.id === orgId);
    return PALETTE[(i < 0 ? 0 : i) % PALETTE.length];
  }

  orgByName(name) {
    return this.orgs.find((o) => o.name === name);
  }

  async refresh({ keepMessage = false } = {}) {
    if (!keepMessage) messageBox(this.msg, null);
    this.root.classList.add('loading');
    try {
      const [view, orgs, versions] = await Promise.all([api.state(), api.organizations(), api.stateVersions()]);
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

  _paintMap() {
    if (!this.view || !this.showOnMap) {
      this.app.setOverlay(null);
      return;
    }
    const n = this.app.units.tracts.length;
    const colors = new Array(n).fill(null);
    const orgOf = new Array(n).fill(null);
    for (const hec of this.view.plan.hecs ?? []) {
      const org = this.orgByName(hec.name);
      const color = this.colorOf(org?.id);
      for (const id of this.nego.tractIds(hec.units)) {
        if (colors[id] == null) {
          colors[id] = color;
          orgOf[id] = org?.id ?? null;
        }
      }
    }
    const disputed = this.nego.tractIds(this.view.disputes.flatMap((d) => d.open_tracts));
    const gaps = this.nego.tractIds(this.view.gaps.flatMap((g) => g.tracts));
    this.app.setOverlay(colors, { disputed, gaps, orgOf });
  }

  _orgSelect(preferred, cls) {
    const first = preferred.map((c) => this.orgs.find((o) => o.id === c.organization_id) ?? { id: c.organization_id, name: c.name });
    const rest = this.orgs.filter((o) => !first.some((f) => f.id === o.id));
    return h(
      'select',
      { class: `btn small ${cls}`, 'aria-label': 'Organization to receive the units' },
      h('option', { value: '' }, 'Give the units to…'),
      ...first.map((o) => h('option', { value: String(o.id) }, o.name)),
      rest.length ? h('optgroup', { label: 'Other HECs' }, ...rest.map((o) => h('option', { value: String(o.id) }, o.name))) : null,
    );
  }

  /** A form that gives units to an organization: select, reason, Rule. */
  _assignForm(units, claimants, what) {
    const select = this._orgSelect(claimants, 'rule-org');
    const reason = h('input', { type: 'text', class: 'rule-reason', placeholder: 'Reason (required)', 'aria-label': `Reason for the ruling on ${what}` });
    const msg = h('div', { class: 'nego-msg', role: 'alert', hidden: true });
    const btn = h('button', { type: 'submit', class: 'btn small primary rule-submit' }, 'Rule');
    const form = h('form', { class: 'ruling-form' }, select, reason, btn, msg);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!select.value) return messageBox(msg, 'Choose the organization that receives the units.');
      if (!reason.value.trim()) return messageBox(msg, 'A ruling needs a reason.');
      btn.disabled = true;
      try {
        const r = await this.nego.rule({ base_state_version: this.view.state_version, kind: 'assign', organization_id: Number(select.value), units, reason: reason.value.trim() }, msg);
        this.app.toast(`Ruling #${r.id}: ${what} to ${r.organization}. State plan version ${r.state_version}.`);
        await this.refresh();
      } catch {
        // shown in the form (a 409 reloaded the board)
      } finally {
        btn.disabled = false;
      }
    });
    return form;
  }

  _render(stateVersions) {
    const v = this.view;
    const openDisputes = v.disputes.filter((d) => !d.resolved);
    this.headEl.textContent = `State plan version ${v.state_version} · ${plural(v.proposals.length, 'submitted proposal')}${v.missing.length ? ` · not yet submitted: ${v.missing.map((m) => m.name).join(', ')}` : ''}`;
    this.verdictEl.replaceChildren(verdict(v.report));
    this.legend.replaceChildren(
      ...v.proposals.map((p) => h('span', { class: 'chip', style: { '--chip': this.colorOf(p.organization_id) }, title: p.rationale }, `${p.organization} v${p.version}`)),
      h('span', { class: 'chip hatch-chip' }, 'disputed'),
      h('span', { class: 'chip gap-chip' }, 'gap'),
    );

    // Disputes: open ones with a ruling form, settled ones after.
    this.disputesHead.textContent = `Disputes (${openDisputes.length} open)`;
    const disputeItems = [...openDisputes, ...v.disputes.filter((d) => d.resolved)].map((d) => {
      const ids = this.nego.tractIds(d.tracts);
      return h(
        'li',
        { class: `dispute${d.resolved ? ' resolved' : ''}`, dataset: { key: d.key, open: String(!d.resolved) } },
        h('button', { type: 'button', class: 'item-head', title: 'Show on the map', onclick: () => this.app.showTracts(ids) }, h('span', { class: 'towns' }, d.towns.join(', ')), h('span', { class: 'people', dataset: { people: String(Math.round(d.resolved ? d.people : d.open_people)) } }, `${fmtInt(d.resolved ? d.people : d.open_people)} people${d.resolved ? '' : ' at stake'}`)),
        h('div', { class: 'claimants' }, 'Claimed by ', ...d.claimants.map((c) => h('span', { class: 'chip', style: { '--chip': this.colorOf(c.organization_id) } }, c.name))),
        h('div', { class: 'muted small' }, d.resolved ? `Resolved by ruling ${d.rulings.map((r) => `#${r}`).join(', ')}` : `${plural(d.open_tracts.length, 'tract')} open${d.rulings.length ? ` (ruling ${d.rulings.map((r) => `#${r}`).join(', ')} settled part)` : ''}`),
        !d.resolved && !this.readOnly ? this._assignForm(d.open_tracts, d.claimants, d.towns.join(', ')) : null,
      );
    });
    this.disputes.replaceChildren(...(disputeItems.length ? disputeItems : [h('li', { class: 'hint' }, 'No two proposals claim the same units.')]));
    if (v.disputes.length && !openDisputes.length) this.disputes.prepend(h('li', { class: 'hint none-open' }, 'No open dispute: every one has been ruled on.'));

    this.gapsHead.textContent = `Gaps (${v.gaps.length})`;
    this.gaps.replaceChildren(
      ...(v.gaps.length
        ? v.gaps.map((g) => {
            const ids = this.nego.tractIds(g.tracts);
            return h(
              'li',
              { class: 'gap' },
              h('button', { type: 'button', class: 'item-head', title: 'Show on the map', onclick: () => this.app.showTracts(ids) }, h('span', { class: 'towns' }, g.towns.length > 6 ? `${g.towns.slice(0, 6).join(', ')} and ${g.towns.length - 6} more` : g.towns.join(', ')), h('span', { class: 'people' }, `${fmtInt(g.people)} people`)),
              h('div', { class: 'muted small' }, `${plural(g.tracts.length, 'tract')} no proposal claims`),
              !this.readOnly && g.tracts.length <= 60 ? this._assignForm(g.tracts, [], `the gap at ${g.towns.slice(0, 3).join(', ')}`) : null,
            );
          })
        : [h('li', { class: 'hint' }, 'No gap: every unit is claimed.')]),
    );

    const waivers = (v.plan.hecs ?? []).filter((x) => x.waiver);
    this.waivers.replaceChildren(
      ...(waivers.length
        ? waivers.map((x) => {
            const org = this.orgByName(x.name);
            const w = x.waiver;
            const reason = h('input', { type: 'text', class: 'rule-reason', placeholder: 'Reason (required)', 'aria-label': `Reason for the decision on ${x.name}'s waiver` });
            const msg = h('div', { class: 'nego-msg', role: 'alert', hidden: true });
            const decide = async (decision) => {
              if (!reason.value.trim()) return messageBox(msg, 'A ruling needs a reason.');
              try {
                await this.nego.rule({ base_state_version: v.state_version, kind: 'waiver', organization_id: org.id, decision, reason: reason.value.trim() }, msg);
                this.app.toast(`${x.name}'s waiver ${decision}.`);
                await this.refresh();
              } catch {
                // shown in the form
              }
            };
            return h(
              'li',
              { class: 'waiver', dataset: { org: String(org?.id ?? ''), status: w.status } },
              h('div', {}, h('span', { class: 'chip', style: { '--chip': this.colorOf(org?.id) } }, x.name), ` waives ${(w.waive ?? []).join(' and ')} · `, h('span', { class: `status ${w.status}` }, w.status)),
              h('div', { class: 'ruling-reason' }, `“${w.reason}”`),
              !this.readOnly && org ? h('div', { class: 'ruling-form' }, reason, h('button', { type: 'button', class: 'btn small primary approve', onclick: () => decide('approved') }, 'Approve'), h('button', { type: 'button', class: 'btn small refuse', onclick: () => decide('refused') }, 'Refuse'), msg) : null,
            );
          })
        : [h('li', { class: 'hint' }, 'No submitted proposal asks for a waiver.')]),
    );

    this.rulings.replaceChildren(...(v.rulings.length ? [...v.rulings].reverse().map((r) => rulingItem(this.nego, r)) : [h('li', { class: 'hint' }, 'No ruling yet.')]));
    this.findings.replaceChildren(findingsList(v.report, (f) => this.app.showTracts(f.tract_ids ?? [])));

    // History.
    this.stateVersions.replaceChildren(
      ...(stateVersions.length
        ? stateVersions.map((s) =>
            h(
              'li',
              { class: 'version', dataset: { version: String(s.version) } },
              h('span', {}, h('strong', {}, `v${s.version}`), ` · ruling #${s.ruling_id ?? '–'} · ${s.author} · `, h('span', { class: 'muted small' }, date(s.created_at))),
              s.version > 1 ? h('button', { type: 'button', class: 'btn small diff', onclick: () => this.stateDiff(s.version - 1, s.version) }, `Diff v${s.version - 1}`) : null,
            ),
          )
        : [h('li', { class: 'hint' }, 'No state plan version yet: the first ruling writes version 1.')]),
    );
    const keep = this.orgSelect.value;
    this.orgSelect.replaceChildren(h('option', { value: '' }, 'Organization…'), ...this.orgs.map((o) => h('option', { value: String(o.id) }, o.name)));
    this.orgSelect.value = keep;
    if (keep) this._proposalHistory();
  }

  async stateDiff(from, to) {
    try {
      this.diffEl.replaceChildren(renderDiff(await api.stateDiff(from, to), `State plan: version ${from} → ${to}`));
    } catch (e) {
      this.diffEl.replaceChildren(h('p', { class: 'server-error' }, e.message));
    }
  }

  async _proposalHistory() {
    const id = Number(this.orgSelect.value);
    if (!id) {
      this.proposalVersions.replaceChildren();
      return;
    }
    try {
      const p = await api.proposal(id);
      this.proposalVersions.replaceChildren(
        ...(p.versions.length
          ? p.versions.map((v) =>
              h(
                'li',
                { class: 'version', dataset: { version: String(v.version) } },
                h('span', {}, h('strong', {}, `v${v.version}`), ` · ${v.status} · `, h('span', { class: 'muted small' }, date(v.submitted_at ?? v.created_at)), h('div', { class: 'version-rationale' }, v.rationale)),
                v.version > 1 ? h('button', { type: 'button', class: 'btn small diff', onclick: () => this.proposalDiff(id, p.organization.name, v.version - 1, v.version) }, `Diff v${v.version - 1}`) : null,
              ),
            )
          : [h('li', { class: 'hint' }, 'No submitted version.')]),
      );
    } catch (e) {
      this.proposalVersions.replaceChildren(h('li', { class: 'server-error' }, e.message));
    }
  }

  async proposalDiff(id, name, from, to) {
    try {
      this.diffEl.replaceChildren(renderDiff(await api.proposalDiff(id, from, to), `${name}: version ${from} → ${to}`));
    } catch (e) {
      this.diffEl.replaceChildren(h('p', { class: 'server-error' }, e.message));
    }
  }
}

export { ApiError };
