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
