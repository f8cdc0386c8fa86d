// @ts-check
// The hecmap server's API, from the page's own origin.

/** @typedef {{ body: BodyInit, type: string }} PlanBody a plan as the API takes it */
/** @typedef {{ scope?: string, name?: string }} PlanOptions */

/** An error the server (or the network) gave, with a message for a person. */
export class ApiError extends Error {
  /**
   * @param {string} message
   * @param {{ status?: number, code?: string | null, current?: number | null }} [details]
   */
  constructor(message, { status = 0, code = null, current = null } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.current = current; // a 409's latest version
  }
}

/** @param {Response} res */
async function failure(res) {
  let code = null;
  let current = null;
  let message = `${res.status} ${res.statusText}`.trim();
  try {
    const body = await res.json();
    if (body?.error?.message) {
      message = body.error.message;
      code = body.error.code ?? null;
      current = body.error.current ?? null;
    }
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(message, { status: res.status, code, current });
}

/**
 * @param {string} url
 * @param {RequestInit} [init]
 */
async function request(url, init = {}) {
  let res;
  try {
    res = await fetch(url, init);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(`the hecmap server cannot be reached (${e.message})`);
  }
  if (!res.ok) throw await failure(res);
  return res;
}

/**
 * @param {string} url
 * @param {RequestInit} [init]
 * @returns {Promise<any>}
 */
export async function getJSON(url, init) {
  return (await request(url, init)).json();
}

/** Every tract and town record (the API pages by 1000; CT has 879 tracts). */
/**
 * @returns {Promise<{ tracts: import('./types').Tract[], towns: import('./types').Town[] }>}
 */
export async function loadUnits() {
  const [tracts, towns] = await Promise.all([
    getJSON('/api/units/tract?limit=1000'),
    getJSON('/api/units/town?limit=1000'),
  ]);
  return { tracts, towns };
}

/** Polygons of every tract (for the extents findings zoom to). */
export function loadTractGeometry() {
  return getJSON('/api/units/tract?geometry=true&limit=1000');
}

export function loadRules() {
  return getJSON('/api/rules');
}

/** A plan body as the API takes it: `{ body, type }`. */
/**
 * @param {object} plan
 * @returns {PlanBody}
 */
export function jsonPlan(plan) {
  return { body: JSON.stringify(plan), type: 'application/json' };
}

/** @param {Record<string, string | number | null | undefined>} params */
function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v != null) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** POST /api/validate: the report (docs/report.md). */
/**
 * @param {PlanBody} plan
 * @param {PlanOptions & { signal?: AbortSignal }} [options]
 * @returns {Promise<import('./types').Report>}
 */
export async function validate({ body, type }, { signal, scope, name } = {}) {
  return getJSON(`/api/validate${query({ scope, name })}`, {
    method: 'POST',
    headers: { 'content-type': type },
    body,
    signal,
  });
}

/**
 * POST /api/suggest: ways for an HEC (or every failing HEC) to pass the
 * rules it fails, each checked by the server's validator.
 * @param {PlanBody} plan
 * @param {PlanOptions & { hec?: string, maxTowns?: number, signal?: AbortSignal }} [options]
 * @returns {Promise<import('./types').Suggestions>}
 */
export async function suggest({ body, type }, { hec, maxTowns, signal, scope, name } = {}) {
  return getJSON(`/api/suggest${query({ hec, max_towns: maxTowns, scope, name })}`, {
    method: 'POST',
    headers: { 'content-type': type },
    body,
    signal,
  });
}

/** POST /api/export?to=...: the file as a Blob with its suggested name. */
/**
 * @param {PlanBody} plan
 * @param {string} to csv, geojson, gpkg or shp
 * @param {PlanOptions} [options]
 */
export async function exportPlan({ body, type }, to, { scope, name } = {}) {
  const res = await request(`/api/export${query({ to, scope, name })}`, {
    method: 'POST',
    headers: { 'content-type': type },
    body,
  });
  const disposition = res.headers.get('content-disposition') || '';
  const m = /filename="?([^";]+)"?/.exec(disposition);
  return { blob: await res.blob(), fileName: m ? m[1] : `hecs.${to}` };
}

/** The resolved tract assignment of any plan the API takes (CSV, JSON,
 *  GeoJSON polygons, ...): `[{ tract, hec }]` from its CSV export. */
/**
 * @param {PlanBody} plan
 * @param {PlanOptions} [opts]
 */
export async function resolveAssignment(plan, opts = {}) {
  const { blob } = await exportPlan(plan, 'csv', opts);
  return parseCsv(await blob.text());
}

/** A small CSV reader (quoted fields, CRLF) -> array of row objects. */
/**
 * @param {string} text
 * @returns {Record<string, string>[]}
 */
export function parseCsv(text) {
  /** @type {string[][]} */
  const rows = [];
  /** @type {string[]} */
  let row = [];
  let field = '';
  let quoted = false;
  text = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  const [header = [], ...body] = rows.filter((r) => r.some((f) => f.trim() !== ''));
  const keys = header.map((k) => k.trim().toLowerCase());
  return body.map((r) => Object.fromEntries(keys.map((k, i) => [k, (r[i] ?? '').trim()])));
}

// ---- the negotiation (sign-in, proposals, the statewide board) ------------
// The session is an HttpOnly cookie the server sets at sign-in; same-origin
// fetches send it. Errors keep the server's status (401, 403, 409, ...).

/**
 * @param {string} method
 * @param {string} url
 * @param {unknown} [body] sent as JSON
 */
async function send(method, url, body) {
  /** @type {Record<string, string>} */
  const headers = {};
  /** @type {RequestInit} */
  const init = { method, headers };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await request(url, init);
  return res.status === 204 ? null : res.json();
}

/** @typedef {import('./negotiation/types').Actor} Actor */
/** @typedef {import('./negotiation/types').Organization} Organization */
/** @typedef {import('./negotiation/types').Proposal} Proposal */
/** @typedef {import('./negotiation/types').Version} Version */
/** @typedef {import('./negotiation/types').StateView} StateView */
/** @typedef {import('./negotiation/types').StateVersion} StateVersion */
/** @typedef {import('./negotiation/types').Ruling} Ruling */
/** @typedef {import('./negotiation/types').Diff} Diff */
/** @typedef {import('./negotiation/types').Comment} Comment */
/** @typedef {import('./negotiation/types').AuditEntry} AuditEntry */
/** @typedef {import('./types').Report} Report */
/** @typedef {number} OrgId */

export const negotiation = {
  /** @type {(username: string, password: string) => Promise<{ actor: Actor }>} */
  login: (username, password) => send('POST', '/api/auth/login', { username, password }),
  /** @type {() => Promise<null>} */
  logout: () => send('POST', '/api/auth/logout'),
  /** @type {() => Promise<Actor>} */
  me: () => getJSON('/api/auth/me'),
  /**
   * Who is signed in, if anyone: always 200, so a page load logs no 401.
   * `sign_in` is false on a server without the negotiation's storage.
   * @type {() => Promise<{ sign_in: boolean, actor: Actor | null }>}
   */
  session: () => getJSON('/api/auth/session'),
  /** @type {() => Promise<Organization[]>} */
  organizations: () => getJSON('/api/organizations'),
  /** @type {(org: OrgId) => Promise<Proposal>} */
  proposal: (org) => getJSON(`/api/organizations/${org}/proposal`),
  /** @type {(org: OrgId, v: number) => Promise<Version>} */
  version: (org, v) => getJSON(`/api/organizations/${org}/proposal/versions/${v}`),
  /** @type {(org: OrgId, body: object) => Promise<Version>} */
  saveVersion: (org, body) => send('POST', `/api/organizations/${org}/proposal/versions`, body),
  /** @type {(org: OrgId, v: number) => Promise<Version>} */
  submit: (org, v) => send('POST', `/api/organizations/${org}/proposal/versions/${v}/submit`, {}),
  /** @type {(org: OrgId, v: number) => Promise<Report>} */
  versionReport: (org, v) => getJSON(`/api/organizations/${org}/proposal/versions/${v}/report`),
  /** @type {(org: OrgId, from: number, to: number) => Promise<Diff>} */
  proposalDiff: (org, from, to) =>
    getJSON(`/api/organizations/${org}/proposal/diff${query({ from, to })}`),
  /** @type {() => Promise<StateView>} */
  state: () => getJSON('/api/state'),
  /** @type {() => Promise<StateVersion[]>} */
  stateVersions: () => getJSON('/api/state/versions'),
  /** @type {(from: number, to: number) => Promise<Diff>} */
  stateDiff: (from, to) => getJSON(`/api/state/diff${query({ from, to })}`),
  /** @type {() => Promise<Ruling[]>} */
  rulings: () => getJSON('/api/rulings'),
  /** @type {(body: object) => Promise<Ruling>} */
  rule: (body) => send('POST', '/api/rulings', body),
  /** @type {(org: OrgId, v: number) => Promise<Comment[]>} */
  versionComments: (org, v) =>
    getJSON(`/api/organizations/${org}/proposal/versions/${v}/comments`),
  /** @type {(org: OrgId, v: number, body: string) => Promise<Comment>} */
  commentVersion: (org, v, body) =>
    send('POST', `/api/organizations/${org}/proposal/versions/${v}/comments`, { body }),
  /** @type {(key: string) => Promise<Comment[]>} a dispute by its claimants' ids, "3+5" */
  disputeComments: (key) => getJSON(`/api/disputes/${encodeURIComponent(key)}/comments`),
  /** @type {(key: string, body: string) => Promise<Comment>} */
  commentDispute: (key, body) =>
    send('POST', `/api/disputes/${encodeURIComponent(key)}/comments`, { body }),
  /** @type {(options?: { limit?: number, before?: number }) => Promise<AuditEntry[]>} */
  audit: ({ limit, before } = {}) => getJSON(`/api/audit${query({ limit, before })}`),
};

/** The version a 409 says is the latest. */
/**
 * @param {any} error
 * @returns {number | null}
 */
export function conflictVersion(error) {
  return Number.isInteger(error?.current) ? error.current : null;
}
