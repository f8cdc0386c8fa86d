// @ts-check
// The toast over the map: one message at a time, with an optional action
// (such as Undo); errors stay longer.

import { $, h } from './util.js';

/** @typedef {{ label: string, run: () => void }} ToastAction */

/** @type {ReturnType<typeof setTimeout> | undefined} */
let toastTimer;

/**
 * @param {string} message
 * @param {{ error?: boolean, action?: ToastAction | null, ms?: number }} [options]
 */
export function toast(message, { error = false, action = null, ms = error ? 15000 : 4000 } = {}) {
  const el = $('#toast');
  clearTimeout(toastTimer);
  const close = h(
    'button',
    { type: 'button', class: 'icon', 'aria-label': 'Dismiss', onclick: () => (el.hidden = true) },
    '✕',
  );
  const act = action
    ? h(
        'button',
        { type: 'button', class: 'btn small', onclick: () => ((el.hidden = true), action.run()) },
        action.label,
      )
    : null;
  const parts = [h('span', { class: 'toast-msg' }, message), act, close];
  el.replaceChildren(...parts.filter((x) => x != null));
  el.className = `toast${error ? ' error' : ''}`;
  el.hidden = false;
  toastTimer = setTimeout(() => (el.hidden = true), ms);
}
