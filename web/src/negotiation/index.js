// @ts-check
// The negotiation in the page: sign-in, then an HEC editor's proposal
// (editor.js) or the state staff's board (board.js; analysts and
// administrators see it read-only). The server checks every permission
// itself; the page only leaves out controls a role cannot use and shows the
// server's message when it refuses.

import { negotiation as api } from '../api.js';
import { $, h } from '../util.js';
import { BoardView } from './board.js';
import { EditorView } from './editor.js';
import { messageBox, ROLE_LABEL } from './ui.js';

/** @typedef {import('./types').NegoApp} NegoApp */
/** @typedef {import('./types').Actor} Actor */

/** The map editor's painting tools (hidden with the plan editor). */
const PAINT_TOOLS = ['paint', 'erase', 'lasso'];
export class Negotiation {
  /** @param {NegoApp} app */
  constructor(app) {
    this.app = app;
    this.root = $('#nego');
    this.account = $('#account');
    /** @type {Actor | null} */
    this.actor = null;
    /** @type {EditorView | BoardView | null} */
    this.view = null;
    $('#signin').addEventListener('submit', (e) => {
      e.preventDefault();
      const user = $('#signin-user', HTMLInputElement).value.trim();
      this.signIn(user, $('#signin-pass', HTMLInputElement).value);
    });
    $('#signout').addEventListener('click', () => this.signOut());
    /** whether the plan editor (HEC list, painting tools) is shown */
    this.planEditor = true;
  }

  /**
   * Shows or hides the plan editor: the HEC list and the painting tools
   * are for HEC editors (and visitors); staff and analysts read the board
   * (the findings of the map stay).
   * @param {boolean} on
   */
  setPlanEditor(on) {
    if (on === this.planEditor) return;
    this.planEditor = on;
    const section = document.querySelector('#hec-section');
    if (section instanceof HTMLElement) section.hidden = !on;
    for (const tool of PAINT_TOOLS) {
      for (const b of document.querySelectorAll(`#toolbar [data-tool="${tool}"]`)) {
        if (b instanceof HTMLElement) b.hidden = !on;
      }
    }
    if (on) delete document.body.dataset.planEditor;
    else document.body.dataset.planEditor = 'off';
    const setTool =
      window.hecmap?.setTool ?? ((/** @type {string} */ t) => this.app.hecMap.setTool(t));
    setTool(on ? 'paint' : 'pan');
  }

  /** Who is signed in (the session cookie survives reloads). */
  async start() {
    try {
      const { sign_in: signIn, actor } = await api.session();
      if (!signIn) return; // a server without the negotiation's storage: no sign-in
      this.account.hidden = false;
      if (actor) await this._enter(actor);
      else this._showSignIn(null);
    } catch (e) {
      this.account.hidden = false;
      this._showSignIn(e.message);
    }
  }

  /** @param {string} username @param {string} password */
  async signIn(username, password) {
    const err = $('#signin-error');
    if (!username || !password) {
      messageBox(err, 'Type your username and password.');
      return;
    }
    const btn = $('#signin-btn', HTMLButtonElement);
    btn.disabled = true;
    try {
      const { actor } = await api.login(username, password);
      $('#signin-pass', HTMLInputElement).value = '';
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

  /** @param {string | null} error */
  _showSignIn(error) {
    $('#signin').hidden = false;
    $('#whoami').hidden = true;
    messageBox($('#signin-error'), error);
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
    this.setPlanEditor(true);
    this.app.resize();
  }

  /** @param {Actor} actor */
  async _enter(actor) {
    this._leave();
    this.actor = actor;
    $('#signin').hidden = true;
    messageBox($('#signin-error'), null);
    $('#whoami').hidden = false;
    const who = $('#whoami-text');
    const role = h(
      'span',
      { class: 'role-badge', dataset: { role: actor.role } },
      ROLE_LABEL[actor.role] ?? actor.role,
    );
    who.replaceChildren(h('strong', {}, actor.display_name || actor.username), ' ', role);
    who.title = `signed in as ${actor.username}`;
    this.root.hidden = false;
    this.root.dataset.role = actor.role;
    this.setPlanEditor(actor.role === 'editor');
    this.app.resize();
    const view =
      actor.role === 'editor'
        ? new EditorView(this)
        : new BoardView(this, { readOnly: actor.role !== 'staff' });
    this.view = view;
    await view.refresh();
    if (view instanceof EditorView) {
      const org = view.org?.name ?? `organization ${actor.organization_id}`;
      who.append(h('span', { class: 'muted' }, ` · ${org}`));
    }
  }

  /**
   * A ruling through the page's own path (the board's forms use it; tests
   * call it to see a refusal shown).
   * @param {object} body
   * @param {HTMLElement} [msgEl] where a refusal is shown
   */
  async rule(body, msgEl = this.root.querySelector('.nego-top-msg')) {
    try {
      const r = await api.rule(body);
      messageBox(msgEl, null);
      return r;
    } catch (e) {
      if (e.status === 409 && this.view instanceof BoardView) {
        // The board's forms are rebuilt by the reload: say it at the top.
        messageBox(
          this.view.msg,
          `Someone ruled meanwhile: ${e.message}. ` +
            'The board has been reloaded: check it and rule again.',
          { kind: 'conflict' },
        );
        await this.view.refresh({ keepMessage: true });
      } else {
        const text =
          e.status === 403
            ? `Refused by the server: ${e.message}`
            : `The ruling failed: ${e.message}`;
        messageBox(msgEl, text);
      }
      throw e;
    }
  }
}
