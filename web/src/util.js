// @ts-check
// Small helpers shared by the modules: number formatting, the HEC palette,
// DOM look-up and construction.

const intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/**
 * 121054 -> "121,054" (null/undefined -> "–").
 * @param {number | null | undefined} n
 */
export function fmtInt(n) {
  return n == null || Number.isNaN(n) ? '–' : intFmt.format(Math.round(n));
}

/**
 * "1 tract", "2 tracts", "1,204 people" (the count formatted).
 * @param {number} n
 * @param {string} one
 * @param {string} [many]
 */
export function plural(n, one, many = `${one}s`) {
  return `${fmtInt(n)} ${n === 1 ? one : many}`;
}

/**
 * An HEC's name as "<name> HEC", unless the name says HEC already:
 * "Eastern CT" -> "Eastern CT HEC"; "Eastern CT HEC", "HEC 2" unchanged.
 * @param {string} name
 */
export function withHec(name) {
  const n = name.trim();
  return /\bHECs?\b/i.test(n) ? n : `${n} HEC`;
}

/**
 * "Hartford", "Hartford and Bloomfield", "Avon, Bloomfield and Canton",
 * and past `max` names "Avon, … and 12 more towns".
 * @param {string[]} names
 * @param {number} [max]
 */
export function listText(names, max = Infinity) {
  if (names.length > max) {
    const rest = names.length - (max - 1);
    return `${names.slice(0, max - 1).join(', ')} and ${plural(rest, 'more town')}`;
  }
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** A qualitative palette of 12 distinct colours (after Trubetskoy's
 *  "20 simple, distinct colours"), legible as map fills and on white. */
export const PALETTE = [
  '#4363d8', // blue
  '#f58231', // orange
  '#3cb44b', // green
  '#e6194b', // red
  '#911eb4', // purple
  '#42d4f4', // cyan
  '#f032e6', // magenta
  '#9a6324', // brown
  '#469990', // teal
  '#bfef45', // lime
  '#ffe119', // yellow
  '#000075', // navy
];

/**
 * The first palette colour no HEC uses yet (cycling when all are taken).
 * @param {string[]} used
 */
export function nextColor(used) {
  const taken = new Set(used.map((c) => c.toLowerCase()));
  return PALETTE.find((c) => !taken.has(c)) ?? PALETTE[used.length % PALETTE.length];
}

/**
 * Black or white, whichever reads better on a background colour.
 * @param {string} hex
 */
export function textOn(hex) {
  const n = parseInt(hex.replace('#', ''), 16);
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? '#111' : '#fff';
}

/**
 * The element of the page's own markup that `sel` selects (always there);
 * `_type` (HTMLInputElement, ...) only tells the type checker what it is.
 * @template {Element} [T=HTMLElement]
 * @param {string} sel
 * @param {{ new (): T, prototype: T }} [_type]
 * @returns {T}
 */
export function $(sel, _type) {
  return /** @type {T} */ (document.querySelector(sel));
}

/**
 * @typedef {Node | string | number | null | undefined | false} Child
 * @typedef {Child | Child[]} Children
 */

/**
 * h('button', {class: 'x', onclick}, 'text', child) -> element. Attributes:
 * `on*` functions are listeners, `class`, `style` (an object of CSS
 * properties), `dataset`; `true` sets an empty attribute, null and false
 * leave it out.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, any>} [attrs]
 * @param {...Children} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'style' && typeof v === 'object') setStyle(el, v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/**
 * Sets CSS properties (camelCase names are hyphenated; `--custom` kept).
 * @param {HTMLElement} el
 * @param {Record<string, string>} style
 */
function setStyle(el, style) {
  for (const [p, x] of Object.entries(style)) {
    el.style.setProperty(
      p.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`),
      x,
    );
  }
}

/**
 * Calls fn at most once per `ms`, with the latest arguments, after a pause.
 * @template {any[]} A
 * @param {(...args: A) => void} fn
 * @param {number} ms
 */
export function debounce(fn, ms) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let t;
  /** @param {A} args */
  const d = (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
  d.cancel = () => clearTimeout(t);
  return d;
}
