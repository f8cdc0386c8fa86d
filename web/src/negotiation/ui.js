// @ts-check
// Small pieces of the negotiation's views: dates, plurals, message boxes,
// sections, a report's verdict (passes, fails, or pending a staff decision
// on a waiver) and findings in plain words, a ruling, comment threads.

import { ruleLabel } from '../guide.js';
import { SEVERITY_LABEL, SEVERITY_RANK } from '../panel.js';
import { describeTracts } from '../units.js';
import { fmtInt, h, listText as listInWords, plural } from '../util.js';

/** @typedef {import('./types').MessageAction} MessageAction */
/** @typedef {import('../types').Units} Units */
/** @typedef {import('../types').Finding} Finding */
/** @typedef {import('./types').NegoReport} NegoReport */
/** @typedef {import('./types').NegoHecReport} NegoHecReport */
/** @typedef {import('./types').Verdict} Verdict */
/** @typedef {import('./types').Ruling} Ruling */
/** @typedef {import('./types').Comment} Comment */

/** @type {Record<string, string>} */
export const ROLE_LABEL = {
  editor: 'HEC editor',
  staff: 'state staff',
  analyst: 'analyst',
  admin: 'administrator',
};

// Rules and severities are named as the panel names them.
export { ruleLabel, SEVERITY_LABEL };


/**
 * A server timestamp, readable ("Jan 5, 2026, 3:04 PM").
 * @param {string | null | undefined} text
 */
export function date(text) {
  if (!text) return '';
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) return text;
  return d.toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short' });
}

export { plural };

/**
 * A list of names in words, at most 8 before "… and 12 more towns".
 * @param {string[]} names
 * @param {number} [max]
 */
export const listText = (names, max = 8) => listInWords(names, max);

/**
 * Shows a message (hidden when null), of a kind (error, ok, conflict), with
 * optional action buttons.
 * @param {HTMLElement} el
 * @param {string | Node | null} text
 * @param {{ kind?: string, action?: MessageAction | null, actions?: MessageAction[] }} [options]
 */
export function messageBox(el, text, { kind = 'error', action = null, actions = [] } = {}) {
  if (!text) {
    el.hidden = true;
    el.replaceChildren();
    return;
  }
  el.hidden = false;
  el.className = `nego-msg ${kind}${el.classList.contains('nego-top-msg') ? ' nego-top-msg' : ''}`;
  const buttons = [action, ...actions]
    .filter(Boolean)
    .map((a) => h('button', { type: 'button', class: 'btn small', onclick: a.run }, a.label));
  const body = typeof text === 'string' ? h('span', {}, text) : text;
  el.replaceChildren(body, ...(buttons.length ? [h('span', { class: 'row' }, ...buttons)] : []));
}

/**
 * A titled section of the negotiation's column.
 * @param {string} id
 * @param {string} title
 * @param {...Node} children
 */
export function section(id, title, ...children) {
  return h('section', { id, class: 'nego-sec' }, h('h2', {}, title), ...children);
}

/**
 * A list's items, or one hint when it is empty.
 * @template T
 * @param {T[]} list
 * @param {(x: T) => Node} item
 * @param {string} empty
 */
export function itemsOr(list, item, empty) {
  return list.length ? list.map(item) : [h('li', { class: 'hint' }, empty)];
}

/**
 * Replaces an element's children, leaving out null and false (as h() does).
 * @param {Element} el
 * @param {...(Node | string | null | false | undefined)} children
 */
export function fill(el, ...children) {
  el.replaceChildren(
    ...children.filter(/** @returns {c is Node | string} */ (c) => c != null && c !== false),
  );
}

/** @param {string} text @param {() => void} onclick @param {string} cls @param {string} [id] */
export function button(text, onclick, cls = '', id = undefined) {
  return h('button', { type: 'button', class: `btn small ${cls}`.trim(), id, onclick }, text);
}

// ---- verdicts: passes, fails, or pending a staff decision ---------------

/**
 * A finding's severity as the negotiation shows it: a finding "waived" by a
 * waiver staff have not approved yet is pending (servers before the pending
 * state reported it waived).
 * @param {NegoReport | null} report
 * @param {Finding} f
 */
export function severityOf(report, f) {
  if (f.severity !== 'waived') return f.severity;
  const hec = report?.hecs?.find((x) => x.name === f.hec);
  return hec?.waiver && hec.waiver.status !== 'approved' ? 'pending' : 'waived';
}

/**
 * The verdict of one HEC of a report, with what it would be if staff
 * approved or refused its pending waiver.
 * @param {NegoReport | null} report
 * @param {NegoHecReport | null | undefined} hec
 * @returns {{ verdict: Verdict, ifApproved: Verdict | null, ifRefused: Verdict | null } | null}
 */
export function hecVerdict(report, hec) {
  if (!hec) return null;
  if (hec.verdict) {
    return {
      verdict: hec.verdict,
      ifApproved: hec.if_approved ?? null,
      ifRefused: hec.if_refused ?? null,
    };
  }
  if (!hec.passes) return { verdict: 'fails', ifApproved: null, ifRefused: null };
  const pending = (report?.findings ?? []).some(
    (f) => f.hec === hec.name && severityOf(report, f) === 'pending',
  );
  return pending
    ? { verdict: 'pending', ifApproved: 'passes', ifRefused: 'fails' }
    : { verdict: 'passes', ifApproved: null, ifRefused: null };
}

/**
 * The verdict of a whole report.
 * @param {NegoReport | null} report
 * @returns {{ verdict: Verdict, ifApproved: Verdict | null, ifRefused: Verdict | null }}
 */
export function reportVerdict(report) {
  if (report?.verdict) {
    return {
      verdict: report.verdict,
      ifApproved: report.if_approved ?? null,
      ifRefused: report.if_refused ?? null,
    };
  }
  if (!report?.passes) return { verdict: 'fails', ifApproved: null, ifRefused: null };
  const pending = report.findings.some((f) => severityOf(report, f) === 'pending');
  return pending
    ? { verdict: 'pending', ifApproved: 'passes', ifRefused: 'fails' }
    : { verdict: 'passes', ifApproved: null, ifRefused: null };
}

/** @param {Verdict | null} v */
const would = (v) => (v === 'passes' ? 'would pass' : 'would still fail');

/**
 * A verdict in words: "✓ Passes", "✗ Fails", "Pending staff decision".
 * @param {{ verdict: Verdict, ifApproved: Verdict | null, ifRefused: Verdict | null }} v
 * @param {string} [extra] counts, after the verdict
 */
export function verdictText(v, extra = '') {
  const more = extra ? ` (${extra})` : '';
  if (v.verdict === 'passes') return `✓ Passes${more}`;
  if (v.verdict === 'fails') return `✗ Fails${more}`;
  return (
    `◐ Pending staff decision on the waiver${more}: ` +
    `${would(v.ifApproved)} if approved, ` +
    `${v.ifRefused === 'passes' ? 'would pass' : 'fails'} if refused`
  );
}

/**
 * What makes an HEC fail: the rules its failing findings break ("Population
 * floor, Contiguity"), for "✗ Fails (…)".
 * @param {NegoReport | null} report
 * @param {string} hec
 */
export function failingRules(report, hec) {
  const rules = (report?.findings ?? [])
    .filter((f) => f.hec === hec && ['error', 'unknown'].includes(severityOf(report, f)))
    .map((f) => ruleLabel(f.rule));
  return listText([...new Set(rules)]);
}

/** @param {Verdict} v */
export const verdictClass = (v) => (v === 'passes' ? 'ok' : v === 'fails' ? 'bad' : 'pending');

/**
 * A report's verdict: "✓ Passes (2 warnings)", "✗ Fails (1 error, 3
 * warnings)", "◐ Pending staff decision on the waiver: …".
 * @param {NegoReport | null} report
 */
export function verdict(report) {
  if (!report) return h('span', { class: 'verdict' });
  /** @type {Record<string, number>} */
  const counts = {};
  for (const f of report.findings ?? []) {
    const s = severityOf(report, f);
    counts[s] = (counts[s] ?? 0) + 1;
  }
  /** @type {Record<string, [string, string]>} */
  const words = {
    error: ['error', 'errors'],
    unknown: ['rule not checked', 'rules not checked'],
    warning: ['warning', 'warnings'],
    waived: ['waived by staff', 'waived by staff'],
  };
  const parts = Object.entries(words)
    .filter(([s]) => counts[s])
    .map(([s, [one, many]]) => plural(counts[s], one, many));
  const v = reportVerdict(report);
  return h(
    'span',
    { class: `verdict ${verdictClass(v.verdict)}`, dataset: { verdict: v.verdict } },
    verdictText(v, parts.join(', ')),
  );
}

/**
 * A finding's sentence, in plain words where the server's is awkward.
 * @param {Finding & { details?: any, measured?: number | null }} f
 * @param {string} [sev] its severity as shown (severityOf)
 */
export function findingMessage(f, sev = f.severity) {
  if (sev === 'pending') {
    // Servers before the pending state called a requested waiver "waived".
    const pending = 'a waiver is requested, staff have not decided';
    return f.message
      .replace(/\(waived: rural HEC with a waiver\)/, `(pending: ${pending})`)
      .replace(/Waived: rural HEC with a waiver\./, `Pending: ${pending}.`);
  }
  const claimedBy = f.details?.claimed_by;
  const awkward = /^\d+ HECs? claimed by/.test(f.message); // "2 HECs claimed by A and B: …"
  if (awkward && Array.isArray(claimedBy) && claimedBy.length > 1) {
    const n = f.tract_ids?.length ?? f.details?.tracts?.length ?? 0;
    const people = f.measured != null ? `, ${fmtInt(f.measured)} people at stake` : '';
    const where = f.towns?.length ? `${listText(f.towns)} ` : '';
    const both = claimedBy.length === 2 ? 'both ' : 'all of ';
    return `${where}(${plural(n, 'tract')}${people}) claimed by ${both}${listText(claimedBy)}.`;
  }
  return f.message;
}

/**
 * The non-info findings of a report, worst first, in words; each shows its
 * tracts when clicked.
 * @param {NegoReport | null} report
 * @param {(f: Finding) => void} onClick
 */
export function findingsList(report, onClick) {
  const all = (report?.findings ?? []).map((f, i) => ({ f, i, sev: severityOf(report, f) }));
  const shown = all
    .filter((x) => x.sev !== 'info')
    .sort((a, b) => (SEVERITY_RANK[a.sev] ?? 9) - (SEVERITY_RANK[b.sev] ?? 9) || a.i - b.i);
  if (!shown.length) {
    return h('p', { class: 'hint' }, report?.passes ? 'No rule is broken.' : 'No finding.');
  }
  const item = (/** @type {{ f: Finding, sev: string }} */ { f, sev }) =>
    h(
      'li',
      {},
      h(
        'button',
        {
          type: 'button',
          class: `finding sev-${sev}`,
          dataset: { rule: f.rule, severity: sev },
          title: 'Show on the map',
          onclick: () => onClick(f),
        },
        h(
          'span',
          { class: 'finding-head' },
          h('span', { class: 'sev' }, SEVERITY_LABEL[sev] ?? sev),
          h('span', { class: 'rule' }, ruleLabel(f.rule)),
          f.hec ? h('span', { class: 'muted small' }, f.hec) : null,
        ),
        h('span', { class: 'msg' }, findingMessage(f, sev)),
      ),
    );
  return h('ul', { class: 'nego-findings' }, ...shown.map(item));
}

/**
 * A ruling: what it decided, its reason, who and when.
 * @param {Units} units
 * @param {Ruling} r
 */
export function rulingItem(units, r) {
  const what =
    r.kind === 'assign'
      ? `${describeTracts(units, r.units)} given to ${r.organization}`
      : `${r.organization}'s waiver ${r.decision}`;
  return h(
    'li',
    { class: 'ruling', dataset: { id: String(r.id), kind: r.kind } },
    h('div', {}, h('strong', {}, `Ruling #${r.id}: `), what),
    h('div', { class: 'ruling-reason' }, `“${r.reason}”`),
    h(
      'div',
      { class: 'muted small' },
      `${r.author}, ${date(r.created_at)} · state plan version ${r.state_version}`,
    ),
  );
}

// ---- comments -------------------------------------------------------------

let commentSeq = 0;

/**
 * A comment thread (loaded at once), with a form when the reader may write.
 * @param {{ load: () => Promise<Comment[]>, post: ((body: string) => Promise<unknown>) | null,
 *   about: string, cls?: string }} options
 */
export function commentThread({ load, post, about, cls = '' }) {
  const id = `nego-comment-${++commentSeq}`;
  const summary = h('summary', {}, 'Comments');
  const list = h('ul', { class: 'comments-list' });
  const box = h('details', { class: `comments ${cls}`.trim() }, summary, list);
  const render = (/** @type {Comment[]} */ comments) => {
    summary.textContent = comments.length
      ? `Comments (${comments.length})`
      : post
        ? 'Comments: none yet, add one'
        : 'Comments: none';
    box.dataset.count = String(comments.length);
    list.replaceChildren(
      ...itemsOr(
        comments,
        (c) =>
          h(
            'li',
            { class: 'comment' },
            h('div', { class: 'comment-body' }, c.body),
            h(
              'div',
              { class: 'muted small' },
              `${c.author} (${ROLE_LABEL[c.author_role] ?? c.author_role}), ${date(c.created_at)}`,
            ),
          ),
        'No comment yet.',
      ),
    );
  };
  const reload = async () => {
    try {
      render(await load());
    } catch (e) {
      const text = `Comments unavailable: ${e.message}`;
      list.replaceChildren(h('li', { class: 'server-error' }, text));
    }
  };
  if (post) box.append(commentForm(id, about, post, reload));
  reload();
  return box;
}

/**
 * The form under a comment thread.
 * @param {string} id the text field's id
 * @param {string} about what the comment is on, for its label
 * @param {(body: string) => Promise<unknown>} post
 * @param {() => Promise<void>} reload the thread
 */
function commentForm(id, about, post, reload) {
  const text = h('textarea', { id, rows: '2', class: 'comment-text' });
  const msg = h('div', { class: 'nego-msg', role: 'alert', hidden: true });
  const send = h('button', { type: 'submit', class: 'btn small comment-send' }, 'Add comment');
  const form = h(
    'form',
    { class: 'comment-form' },
    h('label', { for: id, class: 'small' }, `Your comment on ${about}`),
    text,
    h('div', { class: 'row' }, send),
    msg,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!text.value.trim()) return messageBox(msg, 'Write the comment first.');
    send.disabled = true;
    try {
      await post(text.value.trim());
      text.value = '';
      messageBox(msg, null);
      await reload();
    } catch (err) {
      messageBox(msg, `Not sent: ${err.message}`);
    } finally {
      send.disabled = false;
    }
  });
  return form;
}
