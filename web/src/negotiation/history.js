// @ts-check
// The board's history: the state plan's versions and any organization's
// proposal versions, each with the diff from the version before.

import { negotiation as api } from '../api.js';
import { h } from '../util.js';
import { renderDiff } from './diff.js';
import { date, itemsOr, section } from './ui.js';

/** @typedef {import('./board.js').BoardView} BoardView */
/** @typedef {import('./types').Proposal} Proposal */
/** @typedef {import('./types').StateVersion} StateVersion */
/** @typedef {import('./types').Version} Version */

/**
 * The diff from the version before (the first version: against nothing).
 * @param {number} version
 * @param {() => void} onclick
 */
function diffButton(version, onclick) {
  const label = version > 1 ? `Diff v${version - 1}` : 'What it holds';
  return h('button', { type: 'button', class: 'btn small show-diff', onclick }, label);
}

/**
 * A diff's title.
 * @param {string} what "State plan", an organization
 * @param {number} from
 * @param {number} to
 */
function diffTitle(what, from, to) {
  return from
    ? `${what}: version ${from} → ${to}`
    : `${what}: version ${to}, the first (everything in it is new)`;
}

export class History {
  /** @param {BoardView} board */
  constructor(board) {
    this.board = board;
    this.stateVersions = h('ul', { id: 'bd-state-versions', class: 'versions compact' });
    this.orgSelect = h('select', { id: 'bd-history-org', class: 'btn small' });
    const orgLabel = h('label', { for: 'bd-history-org' }, 'Proposal versions of');
    this.orgSelect.addEventListener('change', () => this._proposalHistory());
    this.proposalVersions = h('ul', { id: 'bd-proposal-versions', class: 'versions compact' });
    this.diffEl = h('div', { id: 'bd-diff' });
    this.section = section(
      'bd-history',
      'History',
      h('h3', {}, 'State plan versions'),
      this.stateVersions,
      h('h3', {}, orgLabel, this.orgSelect),
      this.proposalVersions,
      this.diffEl,
    );
  }

  /** @param {StateVersion} s */
  _stateItem(s) {
    return h(
      'li',
      { class: 'version', dataset: { version: String(s.version) } },
      h(
        'span',
        {},
        h('strong', {}, `v${s.version}`),
        s.ruling_id ? ` · ruling #${s.ruling_id}` : '',
        ` · ${s.author} · `,
        h('span', { class: 'muted small' }, date(s.created_at)),
      ),
      diffButton(s.version, () => this.stateDiff(s.version - 1, s.version)),
    );
  }

  /**
   * The state plan's versions, and the organizations to choose from (the
   * chosen one's versions reloaded).
   * @param {StateVersion[]} stateVersions
   */
  render(stateVersions) {
    const none = 'No state plan version yet: the first ruling writes version 1.';
    this.stateVersions.replaceChildren(...itemsOr(stateVersions, (s) => this._stateItem(s), none));
    const keep = this.orgSelect.value;
    this.orgSelect.replaceChildren(
      h('option', { value: '' }, 'Choose an HEC…'),
      ...this.board.orgs.map((o) => h('option', { value: String(o.id) }, o.name)),
    );
    this.orgSelect.value = keep;
    if (keep) this._proposalHistory();
  }

  /** @param {number} from @param {number} to */
  async stateDiff(from, to) {
    try {
      const diff = await api.stateDiff(from, to);
      this.diffEl.replaceChildren(renderDiff(diff, diffTitle('State plan', from, to)));
    } catch (e) {
      this.diffEl.replaceChildren(h('p', { class: 'server-error' }, e.message));
    }
  }

  /**
   * @param {number} id the organization
   * @param {Proposal} p its proposal
   * @param {Version} v a version of it
   */
  _proposalItem(id, p, v) {
    const diff = () => this.proposalDiff(id, p.organization.name, v.version - 1, v.version);
    return h(
      'li',
      { class: 'version', dataset: { version: String(v.version) } },
      h(
        'span',
        {},
        h('strong', {}, `v${v.version}`),
        ` · ${v.status} · `,
        h('span', { class: 'muted small' }, date(v.submitted_at ?? v.created_at)),
        h('div', { class: 'version-rationale' }, v.rationale),
      ),
      diffButton(v.version, diff),
    );
  }

  async _proposalHistory() {
    const id = Number(this.orgSelect.value);
    if (!id) {
      this.proposalVersions.replaceChildren();
      return;
    }
    try {
      const p = await api.proposal(id);
      const item = (/** @type {Version} */ v) => this._proposalItem(id, p, v);
      this.proposalVersions.replaceChildren(...itemsOr(p.versions, item, 'No submitted version.'));
    } catch (e) {
      this.proposalVersions.replaceChildren(h('li', { class: 'server-error' }, e.message));
    }
  }

  /**
   * @param {number} id @param {string} name @param {number} from @param {number} to
   */
  async proposalDiff(id, name, from, to) {
    try {
      const diff = await api.proposalDiff(id, from, to);
      this.diffEl.replaceChildren(renderDiff(diff, diffTitle(name, from, to)));
    } catch (e) {
      this.diffEl.replaceChildren(h('p', { class: 'server-error' }, e.message));
    }
  }
}
