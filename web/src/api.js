// The hecmap server's API, from the page's own origin.

/** An error the server (or the network) gave, with a message for a person. */
export class ApiError extends Error {
  constructor(message, { status = 0, code = null, current = null } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.current = current; // a 409's latest version
  }
}

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

export async function getJSON(url, init) {
  return (await request(url, init)).json();
}

/** Every tract and town record (the API pages by 1000; CT has 879 tracts). */
export async function loadUnits() {
  const [tracts, towns] = await Promise.all([getJSON('/api/units/tract?limit=1000'), getJSON('/api/units/town?limit=1000')]);
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
export function jsonPlan(plan) {
  return { body: JSON.stringify(plan), type: 'application/json' };
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v != null) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** POST /api/validate: the report (docs/report.md). */
export async function validate({ body, type }, { signal, scope, name } = {}) {
  return getJSON(`/api/validate${query({ scope, name })}`, { method: 'POST', headers: { 'content-type': type }, body, signal });
}

/** POST /api/export?to=...: the file as a Blob with its suggested name. */
export async function exportPlan({ body, type }, to, { scope, name } = {}) {
  const res = await request(`/api/export${query({ to, scope, name })}`, { method: 'POST', headers: { 'content-type': type }, body });
  const disposition = res.headers.get('content-disposition') || '';
  const m = /filename="?([^";]+)"?/.exec(disposition);
  return { blob: await res.blob(), fileName: m ? m[1] : `hecs.${to}` };
}

/** The resolved tract assignment of any plan the API takes (CSV, JSON,
 *  GeoJSON polygons, ...): `[{ tract, hec }]` from its CSV export. */
export async function resolveAssignment(plan, opts = {}) {
  const { blob } = await exportPlan(plan, 'csv', opts);
  return parseCsv(await blob.text());
}

/** A small CSV reader (quoted fields, CRLF) -> array of row objects. */
export function parseCsv(text) {
  const rows = [];
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

async function send(method, url, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await request(url, init);
  return res.status === 204 ? null : res.json();
}

export const negotiation = {
  login: (username, password) => send('POST', '/api/auth/login', { username, password }),
  logout: () => send('POST', '/api/auth/logout'),
  me: () => getJSON('/api/auth/me'),
  organizations: () => getJSON('/api/organizations'),
  proposal: (org) => getJSON(`/api/organizations/${org}/proposal`),
  version: (org, v) => getJSON(`/api/organizations/${org}/proposal/versions/${v}`),
  saveVersion: (org, body) => send('POST', `/api/organizations/${org}/proposal/versions`, body),
  submit: (org, v) => send('POST', `/api/organizations/${org}/proposal/versions/${v}/submit`, {}),
  versionReport: (org, v) => getJSON(`/api/organizations/${org}/proposal/versions/${v}/report`),
  proposalDiff: (org, from, to) => getJSON(`/api/organizations/${org}/proposal/diff${query({ from, to })}`),
  state: () => getJSON('/api/state'),
  stateVersions: () => getJSON('/api/state/versions'),
  stateDiff: (from, to) => getJSON(`/api/state/diff${query({ from, to })}`),
  rulings: () => getJSON('/api/rulings'),
  rule: (body) => send('POST', '/api/rulings', body),
};

/** The version a 409 says is the latest. */
export function conflictVersion(error) {
  return Number.isInteger(error?.current) ? error.current : null;
}
