// @ts-check
// The board's activity log (GET /api/audit, newest first): who did what
// and why, in words, 30 entries at a time.

import { negotiation as api } from '../api.js';
import { h } from '../util.js';
import { button, date, itemsOr, section } from './ui.js';

/** @typedef {import('./board.js').BoardView} BoardView */
/** @typedef {import('./types').AuditEntry} AuditEntry */

const PAGE = 30;

export class AuditLog {
  /** @param {BoardView} board */
  constructor(board) {
    this.board = board;
    this.list = h('ul', { id: 'bd-audit', class: 'audit' });
    this.more = button('Show older entries', () => this._more(), 'link', 'bd-audit-more');
    this.more.hidden = true;
    /** @type {AuditEntry[]} */
    this.entries = [];
    this.section = section('bd-audit-sec', 'Activity log', this.list, this.more);
  }

  /** @param {string} target "organization:3", "user:7", "dispute:1+2", "state" */
  _target(target) {
    const [kind, id, version] = target.split(':');
    if (kind === 'organization') {
      return this.board.orgs.find((o) => String(o.id) === id)?.name ?? `organization ${id}`;
    }
    if (kind === 'dispute') {
      const names = (id ?? '')
        .split('+')
        .map((x) => this.board.orgs.find((o) => String(o.id) === x)?.name ?? `organization ${x}`);
      return `the dispute between ${names.join(' and ')}`;
    }
    if (kind === 'version') {
      const name = this.board.orgs.find((o) => String(o.id) === id)?.name ?? `organization ${id}`;
      return `${name}'s version ${version}`;
    }
    if (kind === 'user') return `account ${id}`;
    return target;
  }

  /**
   * An entry in words: "staff ruled: units given to Greater Hartford HEC".
   * @param {AuditEntry} e
   */
  _text(e) {
    const d = e.details ?? {};
    const who = this._target(e.target);
    /** @type {Record<string, () => string>} */
    const words = {
      'proposal.save': () =>
        `saved version ${d.version ?? ''} of ${who}'s proposal` +
        (d.status === 'submitted' ? ' and submitted it' : ''),
      'proposal.submit': () => `submitted version ${d.version ?? ''} of ${who}'s proposal`,
      'ruling.assign': () =>
        `ruled (#${d.ruling}): ${d.tracts ?? ''} tract${d.tracts === 1 ? '' : 's'} ` +
        `given to ${who}, state plan version ${d.state_version}`,
      'ruling.waiver': () =>
        `ruled (#${d.ruling}): ${who}'s waiver ${d.decision ?? 'decided'}, ` +
        `state plan version ${d.state_version}`,
      'comment.create': () => `commented on ${who}`,
      'organization.create': () => `created the organization ${d.name ?? who}`,
      'user.create': () => `created the account ${d.username ?? ''} (${d.role ?? ''})`,
      'user.disable': () => `disabled ${who}`,
      'user.enable': () => `enabled ${who}`,
      'user.password': () => `changed the password of ${who}`,
      'token.create': () => 'created an access token',
      'auth.login': () => 'signed in',
      'auth.login_failed': () => 'failed to sign in',
      'auth.password_failed': () => 'gave a wrong password',
    };
    return words[e.action]?.() ?? `${e.action.replace(/[._]/g, ' ')}: ${who}`;
  }

  /** @param {AuditEntry} e */
  _item(e) {
    return h(
      'li',
      { dataset: { id: String(e.id), action: e.action } },
      h('strong', {}, e.actor.replace(/^cli:.*/, 'the command line')),
      ` ${this._text(e)}`,
      e.reason ? h('span', { class: 'ruling-reason' }, ` “${e.reason}”`) : null,
      h('div', { class: 'muted small' }, date(e.at)),
    );
  }

  async refresh() {
    try {
      this.entries = await api.audit({ limit: PAGE });
      this._render();
    } catch (e) {
      const text = `The activity log is unavailable: ${e.message}`;
      this.list.replaceChildren(h('li', { class: 'hint' }, text));
      this.more.hidden = true;
    }
  }

  async _more() {
    const last = this.entries.at(-1);
    if (!last) return;
    try {
      const older = await api.audit({ limit: PAGE, before: last.id });
      this.entries.push(...older);
      this._render(older.length === PAGE);
    } catch (e) {
      this.board.app.toast(`Could not load older entries: ${e.message}`, { error: true });
    }
  }

  _render(more = this.entries.length === PAGE) {
    this.list.replaceChildren(...itemsOr(this.entries, (e) => this._item(e), 'Nothing yet.'));
    this.more.hidden = !more;
  }
}
