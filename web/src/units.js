// @ts-check
// Connecticut's units as the page indexes them (tract records by id, towns
// by name, GEOIDs), and what is computed over them: tract extents, whole
// towns, a plan's unit list <-> tract ids, readable descriptions.

/** @typedef {import('./types').Units} Units */
/** @typedef {import('./types').Tract} Tract */
/** @typedef {import('./types').Town} Town */
/** @typedef {import('./types').Bbox} Bbox */

/**
 * Indexes the API's tract and town records.
 * @param {{ tracts: Tract[], towns: Town[] }} raw
 * @returns {Units}
 */
export function indexUnits({ tracts, towns }) {
  /** @type {Tract[]} */
  const byId = [];
  /** @type {Map<string, number>} */
  const byGeoid = new Map();
  /** @type {Map<string, number[]>} */
  const townTracts = new Map();
  for (const t of tracts) {
    byId[t.id] = t;
    byGeoid.set(t.geoid, t.id);
    if (t.geoid_2022) byGeoid.set(t.geoid_2022, t.id);
    if (!townTracts.has(t.town)) townTracts.set(t.town, []);
    townTracts.get(t.town).push(t.id);
  }
  const townByName = new Map(towns.map((t) => [t.name.toLowerCase(), t]));
  return { tracts: byId, towns, byGeoid, townTracts, townByName };
}

/**
 * Each feature's extent, by its id.
 * @param {{ features?: { id?: number | string, properties?: any, geometry: any }[] }} fc
 * @returns {Bbox[]}
 */
export function bboxOfFeatures(fc) {
  /** @type {Bbox[]} */
  const boxes = [];
  for (const f of fc.features ?? []) {
    /** @type {Bbox} */
    const b = [Infinity, Infinity, -Infinity, -Infinity];
    /** @param {any} c */
    const walk = (c) => {
      if (typeof c[0] === 'number') {
        b[0] = Math.min(b[0], c[0]);
        b[1] = Math.min(b[1], c[1]);
        b[2] = Math.max(b[2], c[0]);
        b[3] = Math.max(b[3], c[1]);
      } else c.forEach(walk);
    };
    walk(f.geometry.coordinates);
    boxes[Number(f.id ?? f.properties?.id)] = b;
  }
  return boxes;
}

/**
 * The extent of several tracts, as MapLibre bounds (null when none is known).
 * @param {Bbox[]} boxes
 * @param {number[]} ids
 * @returns {[[number, number], [number, number]] | null}
 */
export function unionBox(boxes, ids) {
  /** @type {Bbox | null} */
  let b = null;
  for (const id of ids) {
    const x = boxes[id];
    if (!x) continue;
    b = b
      ? [Math.min(b[0], x[0]), Math.min(b[1], x[1]), Math.max(b[2], x[2]), Math.max(b[3], x[3])]
      : [x[0], x[1], x[2], x[3]];
  }
  return (
    b && [
      [b[0], b[1]],
      [b[2], b[3]],
    ]
  );
}

/**
 * Towns most of whose people are among `ids` -> all their tracts.
 * @param {Units} units
 * @param {number[]} ids
 */
export function wholeTowns(units, ids) {
  const inside = new Set(ids);
  /** @type {number[]} */
  const out = [];
  for (const [, tracts] of units.townTracts) {
    let all = 0;
    let got = 0;
    for (const id of tracts) {
      const p = units.tracts[id].population || 0;
      all += p;
      if (inside.has(id)) got += p;
    }
    if (all > 0 && got / all >= 0.5) out.push(...tracts);
  }
  return out;
}

/**
 * Tract ids of units as a plan lists them: tract GEOIDs or town names.
 * @param {Units} units
 * @param {(string | number)[] | null | undefined} list
 */
export function tractIds({ byGeoid, townByName, townTracts }, list) {
  /** @type {number[]} */
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

/**
 * Units for a plan, readable: whole towns by name, else tract GEOIDs.
 * @param {Units} units
 * @param {number[]} ids
 */
export function compactUnits({ tracts, townTracts }, ids) {
  const set = new Set(ids);
  /** @type {string[]} */
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

/**
 * "Hartford, West Hartford (2 of 15 tracts)" for tract GEOIDs.
 * @param {Units} units
 * @param {(string | number)[]} geoids
 */
export function describeTracts(units, geoids) {
  const { tracts, townTracts } = units;
  /** @type {Map<string, number>} */
  const byTown = new Map();
  for (const id of tractIds(units, geoids)) {
    byTown.set(tracts[id].town, (byTown.get(tracts[id].town) ?? 0) + 1);
  }
  return [...byTown]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([town, n]) => {
      const all = townTracts.get(town)?.length ?? n;
      return n === all ? town : `${town} (${n} of ${all} tracts)`;
    })
    .join(', ');
}

/**
 * The people of some tracts.
 * @param {Units} units
 * @param {number[]} ids
 */
export function people(units, ids) {
  return ids.reduce((s, id) => s + (units.tracts[id]?.population ?? 0), 0);
}

/**
 * The towns some tracts fall in, in name order: each with the tracts of it
 * among them and all its tracts ("Hartford, 3 of 41").
 * @param {Units} units
 * @param {number[]} ids
 * @returns {{ town: string, tracts: number[], of: number }[]}
 */
export function townsOfTracts({ tracts, townTracts }, ids) {
  /** @type {Map<string, number[]>} */
  const byTown = new Map();
  for (const id of ids) {
    const town = tracts[id]?.town;
    if (town == null) continue;
    if (!byTown.has(town)) byTown.set(town, []);
    byTown.get(town).push(id);
  }
  return [...byTown]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([town, list]) => ({
      town,
      tracts: list,
      of: townTracts.get(town)?.length ?? list.length,
    }));
}

/**
 * The edit distance of two strings: insertions, deletions, substitutions
 * and swaps of two neighbouring letters ("Hartfrod" -> "Hartford": 1) each
 * cost 1. Stops early, returning `limit + 1`, once the distance is sure to
 * exceed `limit`.
 * @param {string} a
 * @param {string} b
 * @param {number} [limit]
 */
export function editDistance(a, b, limit = Infinity) {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  /** @type {number[]} */
  let before = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, before[j - 2] + 1);
      }
      row[j] = d;
      best = Math.min(best, d);
    }
    if (best > limit) return limit + 1;
    before = prev;
    prev = row;
  }
  return prev[b.length];
}

/**
 * A unit typed in: a town (by name, any case) or a tract (2020 or 2022
 * GEOID); null when there is none by that name.
 * @param {Units} units
 * @param {string} text
 * @returns {{ kind: 'town' | 'tract', name: string, label: string, ids: number[] } | null}
 */
export function findUnit(units, text) {
  const v = text.trim();
  if (!v) return null;
  const town = units.townByName.get(v.toLowerCase());
  if (town) {
    const ids = units.townTracts.get(town.name) ?? [];
    return { kind: 'town', name: town.name, label: town.name, ids };
  }
  const geoid = v.replace(/\s+/g, '');
  const id = units.byGeoid.get(geoid);
  if (id == null) return null;
  return { kind: 'tract', name: geoid, label: tractLabel(units, id), ids: [id] };
}

/**
 * "tract 09003524700 (Hartford)".
 * @param {Units} units
 * @param {number} id
 */
function tractLabel(units, id) {
  const t = units.tracts[id];
  return `tract ${t.geoid} (${t.town})`;
}

/**
 * What a misspelt town or GEOID may have meant: the nearest (ties: at
 * most `max`): towns within an edit distance that grows with the name's length
 * (1 up to 4 letters, 2 up to 8, then 3), or the only town the text
 * begins; tract GEOIDs (digits) one or two digits away. Empty when the
 * text names a unit, or nothing is near.
 * @param {Units} units
 * @param {string} text
 * @param {number} [max]
 * @returns {{ kind: 'town' | 'tract', name: string, label: string, distance: number }[]}
 */
export function suggestUnits(units, text, max = 3) {
  const v = text.trim();
  if (!v || findUnit(units, v)) return [];
  const digits = v.replace(/\s+/g, '');
  if (/^\d{6,}$/.test(digits)) return suggestGeoids(units, digits, max);
  const q = v.toLowerCase().replace(/\s+/g, ' ');
  const limit = q.length <= 4 ? 1 : q.length <= 8 ? 2 : 3;
  /** @type {{ kind: 'town', name: string, label: string, distance: number }[]} */
  const near = [];
  for (const t of units.towns) {
    const name = t.name.toLowerCase();
    const d = editDistance(q, name, limit);
    if (d <= limit) near.push({ kind: 'town', name: t.name, label: t.name, distance: d });
  }
  if (!near.length && q.length >= 3) {
    const starts = units.towns.filter((t) => t.name.toLowerCase().startsWith(q));
    if (starts.length === 1) {
      near.push({ kind: 'town', name: starts[0].name, label: starts[0].name, distance: 0 });
    }
  }
  near.sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name));
  return near.filter((x) => x.distance === near[0].distance).slice(0, max);
}

/**
 * Tract GEOIDs (2020 and 2022) a digit or two away from `digits`.
 * @param {Units} units
 * @param {string} digits
 * @param {number} max
 */
function suggestGeoids(units, digits, max) {
  /** @type {Map<number, { kind: 'tract', name: string, label: string, distance: number }>} */
  const best = new Map();
  for (const [geoid, id] of units.byGeoid) {
    const d = editDistance(digits, geoid, 2);
    if (d > 2) continue;
    const had = best.get(id);
    if (!had || d < had.distance) {
      best.set(id, { kind: 'tract', name: geoid, label: tractLabel(units, id), distance: d });
    }
  }
  const near = [...best.values()].sort(
    (a, b) => a.distance - b.distance || a.name.localeCompare(b.name),
  );
  return near.filter((x) => x.distance === near[0].distance).slice(0, max);
}

/**
 * The sentence for a unit typed in that is none: "\"Hartfrod\" is not a
 * town; did you mean Hartford?" (or two or three names), or, with nothing
 * near, "No town or tract GEOID \"xyz\" in Connecticut."
 * @param {string} text
 * @param {{ kind: string, name: string }[]} suggestions
 */
export function notAUnitMessage(text, suggestions) {
  const v = text.trim();
  const digits = /^\d[\d\s]*$/.test(v);
  if (!suggestions.length) return `No town or tract GEOID "${v}" in Connecticut.`;
  const names = suggestions.map((s) => s.name);
  const or =
    names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
  return `"${v}" is not a ${digits ? 'tract GEOID' : 'town'}; did you mean ${or}?`;
}
