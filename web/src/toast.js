// @ts-check
// The toast over the map: one message at a time, with an optional action
// (such as Undo); errors stay longer.

import { $, h } from './util.js';

/** @typedef {{ label: string, run: () => void }} ToastAction */

/** @type {ReturnType<typeof setTimeout> | undefined} */
let toastTimer;
/** @type {string | null} the tag of the toast shown */
let shownTag = null;

/**
 * @param {string} message
 * @param {{ error?: boolean, action?: ToastAction | null, ms?: number, tag?: string | null }}
 *   [options] `tag`: a name for dismissToast
 */
export function toast(
  message,
  { error = false, action = null, ms = error ? 15000 : 4000, tag = null } = {},
) {
  const el = $('#toast');
  clearTimeout(toastTimer);
  shownTag = tag;
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

/**
 * Hides the toast if it is the one tagged `tag` (an offer that no longer
 * holds).
 * @param {string} tag
 */
export function dismissToast(tag) {
  if (shownTag !== tag) return;
  $('#toast').hidden = true;
  shownTag = null;
}
