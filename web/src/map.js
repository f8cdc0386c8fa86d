// @ts-check
// The map: the server's vector tiles (map-style.js), HEC colours and
// highlights as feature-state (tiles are never rebuilt), the need
// choropleth, hover, and the painting tools (click/drag brush, eraser,
// terra-draw freehand lasso, loaded when first wanted).
//
// The brush paints with a mouse drag only once there is an HEC to paint
// into; before that a drag pans. On a touch screen one finger pans (and
// pinches zoom): a tap paints.

import { Map as MlMap, NavigationControl, ScaleControl, setWorkerUrl } from 'maplibre-gl';
import {
  CT_BOUNDS,
  hatchImage,
  idsFilter,
  labelImage,
  NEED_STOPS,
  NO_IDS,
  style,
} from './map-style.js';

export { CT_BOUNDS };
export const NEED_LEGEND = NEED_STOPS;

const TRACTS = { source: 'tracts', sourceLayer: 'tracts' };
const TOWNS = { source: 'towns', sourceLayer: 'towns' };

/** @typedef {import('maplibre-gl').MapGeoJSONFeature} MapGeoJSONFeature */
/** @typedef {{ x: number, y: number }} Point */
/** @typedef {{ source: string, sourceLayer: string, id: string | number }} FeatureTarget */

/**
 * @typedef {object} MapCallbacks
 * @property {(tractIds: number[], options: { erase: boolean, stroke?: symbol }) => void} onUnits
 *   units painted (or erased)
 * @property {() => void} [onStrokeEnd]
 * @property {(geometry: object, options: { erase: boolean }) => void} onLasso
 *   a freehand polygon closed (erase: Alt was held)
 * @property {(level: string, feature: MapGeoJSONFeature) => Node} describe
 *   the hover tooltip's content
 * @property {(tool: string) => boolean} [canPaint] whether the brush (or
 *   the eraser) has something to do: else a drag pans and a click is idle
 * @property {(tractIds: number[], feature: MapGeoJSONFeature) => void} [onIdleClick]
 *   a click with the brush when it has nothing to paint into
 */

/**
 * An HEC colour as it shows over land: 60% colour, 40% white.
 * @param {string} hex
 */
function fillColor(hex) {
  const n = parseInt(hex.slice(1), 16);
  const mix = (/** @type {number} */ c) => Math.round(c * 0.6 + 255 * 0.4);
  return `rgb(${mix((n >> 16) & 255)}, ${mix((n >> 8) & 255)}, ${mix(n & 255)})`;
}

/**
 * The MapLibre map over Connecticut, its controls, without rotation.
 * @param {HTMLElement} container
 */
function makeMap(container) {
  setWorkerUrl(new URL('maplibre-gl-worker.mjs', document.baseURI).href);
  const map = new MlMap({
    container,
    style: style(),
    bounds: CT_BOUNDS,
    fitBoundsOptions: { padding: 20 },
    minZoom: 6,
    maxZoom: 15,
    maxBounds: [
      [-75.5, 40.2],
      [-70, 42.8],
    ],
    dragRotate: false,
    pitchWithRotate: false,
    // Town names appear at once: no fade animation (each of its frames
    // costs much where WebGL is drawn in software).
    fadeDuration: 0,
    attributionControl: { compact: true },
  });
  map.touchZoomRotate.disableRotation();
  map.keyboard.disableRotation();
  map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new ScaleControl({ unit: 'imperial' }), 'bottom-right');
  map.getCanvas().setAttribute('aria-label', 'Map of Connecticut towns and census tracts');
  map.setMissingStyleImageResolver((id) => {
    if (id === 'hatch') return void map.addImage(id, hatchImage());
    if (id === 'hatch-dispute') return void map.addImage(id, hatchImage('#c81e1e', 3));
    if (!id.startsWith('label:') || map.hasImage(id)) return;
    const { image, ratio } = labelImage(id.slice('label:'.length));
    map.addImage(id, image, { pixelRatio: ratio });
  });
  prefetchFirstTiles(map);
  return map;
}

/**
 * The tile of a longitude/latitude at zoom z.
 * @param {number} lng
 * @param {number} lat
 * @param {number} z
 */
function tileOf(lng, lat, z) {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  const y = ((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n;
  return [Math.floor(((lng + 180) / 360) * n), Math.floor(y)];
}

/**
 * Asks for the tiles of the first view at once, while MapLibre's worker
 * (which fetches tiles) is still loading: the server's answers wait in the
 * HTTP cache (tiles are cacheable) for the worker's own requests.
 * @param {MlMap} map
 */
function prefetchFirstTiles(map) {
  // Vector tiles of 512 px: the map at zoom 8.4 draws the tiles of zoom 8.
  const z = Math.max(0, Math.min(14, Math.floor(map.getZoom())));
  const b = map.getBounds();
  const [[w, s], [e, n]] = CT_BOUNDS;
  const [x0, y0] = tileOf(Math.max(b.getWest(), w), Math.min(b.getNorth(), n), z);
  const [x1, y1] = tileOf(Math.min(b.getEast(), e), Math.max(b.getSouth(), s), z);
  if ((x1 - x0 + 1) * (y1 - y0 + 1) > 16) return;
  for (const layer of ['tracts', 'towns', 'town_labels']) {
    for (let x = x0; x <= x1; x++) {
      for (let y = y0; y <= y1; y++) {
        fetch(`${location.origin}/tiles/${layer}/${z}/${x}/${y}`).catch(() => {});
      }
    }
  }
}

/**
 * The map and its tools.
 *
 * callbacks: `onUnits(tractIds, { erase, stroke })` when units are painted;
 * `onStrokeEnd()`; `onLasso(geometry, { erase })` when a freehand polygon is
 * closed (erase: Alt was held);
 * `describe(level, feature)` -> Node for the hover tooltip.
 */
export class HecMap {
  /**
   * @param {HTMLElement} container
   * @param {{ townTracts: Map<string, number[]>, callbacks: MapCallbacks }} options
   */
  constructor(container, { townTracts, callbacks }) {
    this.townTracts = townTracts;
    this.cb = callbacks;
    this.level = 'town';
    this.tool = 'paint';
    this.colorMode = 'hec';
    /** @type {Map<number, string>} tract id -> colour set as feature-state */
    this.applied = new Map();
    /** @type {number[]} */
    this.highlighted = [];
    /** @type {FeatureTarget | null} */
    this.hovered = null;
    /** @type {{ stroke: symbol, last: Point, t0: number } | null} a brush stroke */
    this.painting = null;
    this.spacePan = false;
    /** @type {HTMLElement | null} the hover tooltip (set by the page) */
    this.tooltip = null;
    /** @type {[Point, MouseEvent] | null} */
    this.lastHover = null;
    /** whether Alt was held when the pointer was last released */
    this.altDown = false;
    /** @type {{ disputed: number[], gaps: number[] } | undefined} */
    this.boardMarks = undefined;
    /** @type {import('terra-draw').TerraDraw | undefined} */
    this.draw = undefined;
    /** @type {{ firstIdleMs: number | null, tilesLoaded: number }} */
    this.metrics = { firstIdleMs: null, tilesLoaded: 0 };
    /** @type {string} how the last pointer went down: mouse, touch or pen */
    this.pointerType = 'mouse';
    /** @type {Promise<void> | null} terra-draw, loading or loaded */
    this.drawLoading = null;

    this.map = makeMap(container);
    this.map.on('sourcedata', (e) => {
      if (e.tile && e.sourceId === 'tracts') this.metrics.tilesLoaded++;
    });
    this.ready = new Promise((resolve) => this.map.once('load', resolve));
    /** @type {Promise<number>} when the map first went idle with tiles */
    this.firstRender = new Promise((resolve) => {
      const onIdle = () => {
        if (this.metrics.tilesLoaded > 0 && this.map.areTilesLoaded()) {
          this.metrics.firstIdleMs = performance.now();
          this.map.off('idle', onIdle);
          resolve(this.metrics.firstIdleMs);
        }
      };
      this.map.on('idle', onIdle);
    });
    this._bindPointer();
  }

  // ---- modes ------------------------------------------------------------

  /** @param {string} level town or tract */
  setLevel(level) {
    this.level = level;
    this._setHover(null);
    // Only the hover outline of the level painted is drawn (each costs a pass).
    this._show('tract-hover', level === 'tract');
    this._show('town-hover', level === 'town');
    this.map.setPaintProperty('tract-line', 'line-opacity', level === 'tract' ? 0.8 : 0.45);
  }

  /**
   * The brush tools leave the map's panning on: a mouse drag that paints
   * stops it (the mousedown's preventDefault); a touch drag always pans.
   * The lasso's drag draws.
   * @param {string} tool pan, paint, erase or lasso
   */
  setTool(tool) {
    this.tool = tool;
    if (tool === 'lasso' && !this.spacePan) this.map.dragPan.disable();
    else this.map.dragPan.enable();
    this.refreshCursor();
    if (tool === 'lasso') this.loadDraw().catch((e) => console.warn('hecmap: lasso', e));
    if (this.draw?.enabled) this.draw.setMode(tool === 'lasso' ? 'freehand' : 'static');
  }

  /** The map's cursor: the tool's, or a hand when the brush would pan. */
  refreshCursor() {
    const brush = this.tool === 'paint' || this.tool === 'erase';
    const idle = brush && this.cb.canPaint && !this.cb.canPaint(this.tool);
    this.map.getCanvasContainer().dataset.mapTool = idle || this.spacePan ? 'pan' : this.tool;
  }

  /**
   * Shows or hides a layer, when that changes anything: a layer's
   * visibility set again (even to what it was) makes MapLibre lay out its
   * source's tiles anew.
   * @param {string} layer
   * @param {boolean} on
   */
  _show(layer, on) {
    const was = this.map.getLayoutProperty(layer, 'visibility') ?? 'visible';
    const want = on ? 'visible' : 'none';
    if (was !== want) this.map.setLayoutProperty(layer, 'visibility', want);
  }

  /** @param {string} mode hec or need */
  setColorMode(mode) {
    this.colorMode = mode;
    const need = mode === 'need';
    this._show('tract-need', need);
    this._show('tract-hec-outline', need);
    this._show('tract-hec', !need);
  }

  /**
   * Space held: the brush tools pan while it is down.
   * @param {boolean} on
   */
  setSpacePan(on) {
    if (on === this.spacePan) return;
    this.spacePan = on;
    this.setTool(this.tool);
    if (this.draw?.enabled && this.tool === 'lasso') this.draw.setMode(on ? 'static' : 'freehand');
  }

  // ---- colours and highlights (feature-state) ---------------------------

  /**
   * Colours tracts: `colors[id]` is a CSS colour or null (unassigned).
   * @param {(string | null)[]} colors
   */
  syncColors(colors) {
    colors.forEach((c, id) => {
      const was = this.applied.get(id) ?? null;
      if (c === was) return;
      if (c) {
        this.map.setFeatureState({ ...TRACTS, id }, { color: c, fill: fillColor(c) });
        this.applied.set(id, c);
      } else {
        this.map.setFeatureState({ ...TRACTS, id }, { color: null, fill: null });
        this.applied.delete(id);
      }
    });
  }

  /**
   * Highlights tracts: a `hl` feature-state (what tests and tools read)
   * drawn by layers filtered to those ids, so that a map without a
   * highlight draws nothing for it.
   * @param {number[]} tractIds
   */
  highlight(tractIds) {
    for (const id of this.highlighted) this.map.setFeatureState({ ...TRACTS, id }, { hl: false });
    this.highlighted = [...tractIds];
    for (const id of this.highlighted) this.map.setFeatureState({ ...TRACTS, id }, { hl: true });
    const filter = idsFilter(this.highlighted);
    for (const layer of ['tract-hl-fill', 'tract-hl-casing', 'tract-hl-line']) {
      this.map.setFilter(layer, filter);
    }
  }

  /**
   * The statewide board's marks: disputed and unclaimed tracts (ids), as
   * filters on their layers and as `disputed` / `gap` feature-state.
   * @param {{ disputed?: number[], gaps?: number[] }} [marks]
   */
  setBoardMarks({ disputed = [], gaps = [] } = {}) {
    const prev = this.boardMarks ?? { disputed: [], gaps: [] };
    const state = (/** @type {number} */ id, /** @type {object} */ s) =>
      this.map.setFeatureState({ ...TRACTS, id }, s);
    for (const id of prev.disputed) state(id, { disputed: false });
    for (const id of prev.gaps) state(id, { gap: false });
    this.boardMarks = { disputed: [...disputed], gaps: [...gaps] };
    for (const id of disputed) state(id, { disputed: true });
    for (const id of gaps) state(id, { gap: true });
    const f = (/** @type {number[]} */ ids) => (ids.length ? idsFilter(ids) : NO_IDS);
    for (const layer of ['tract-dispute-fill', 'tract-dispute-line']) {
      this.map.setFilter(layer, f(disputed));
    }
    for (const layer of ['tract-gap-fill', 'tract-gap-line']) this.map.setFilter(layer, f(gaps));
  }

  /** Shows the whole state, as the map first did. */
  fitState() {
    this.map.fitBounds(CT_BOUNDS, { padding: 20, duration: 0 });
  }

  /**
   * @param {import('maplibre-gl').LngLatBoundsLike | null} bbox
   * @param {{ maxZoom?: number }} [options]
   */
  zoomTo(bbox, { maxZoom = 10.5 } = {}) {
    if (!bbox) return;
    const reduce = window.matchMedia?.('(prefers-reduced-motion: reduce)').matches;
    this.map.fitBounds(bbox, { padding: 90, maxZoom, duration: reduce ? 0 : 700 });
  }

  // ---- pointer ----------------------------------------------------------

  /**
   * The units under a screen point: tract ids (a town: all its tracts).
   * @param {Point} point
   * @returns {{ feature: MapGeoJSONFeature | null, tracts: number[] }}
   */
  unitsAt(point) {
    const town = this.level === 'town';
    const layer = town ? 'town-hit' : this.colorMode === 'need' ? 'tract-need' : 'tract-hec';
    const f = this.map.queryRenderedFeatures([point.x, point.y], { layers: [layer] })[0];
    if (!f) return { feature: null, tracts: [] };
    if (town) return { feature: f, tracts: this.townTracts.get(f.properties.name) ?? [] };
    return { feature: f, tracts: f.id != null ? [Number(f.id)] : [] };
  }

  /** Whether the brush (or the eraser) is the tool and would paint now. */
  _brushPaints() {
    const brush = this.tool === 'paint' || this.tool === 'erase';
    return brush && !this.spacePan && (!this.cb.canPaint || this.cb.canPaint(this.tool));
  }

  _bindPointer() {
    const m = this.map;
    m.getCanvasContainer().addEventListener(
      'pointerdown',
      (e) => (this.pointerType = e.pointerType || 'mouse'),
      true,
    );
    m.on('mousedown', (e) => {
      if (!this._brushPaints() || e.originalEvent.button !== 0) return;
      e.preventDefault(); // no panning: this drag paints
      // A touch reaches here only as a tap (a touch drag pans, with no mouse events).
      const touch = this.pointerType === 'touch';
      this.painting = { stroke: Symbol('stroke'), last: e.point, t0: performance.now() };
      this._paintAt(e.point);
      if (touch) this.painting = null;
    });
    m.on('click', (e) => {
      // The brush with no HEC to paint into: the page offers to start one.
      if (this.tool !== 'paint' || this.spacePan || this._brushPaints()) return;
      const { feature, tracts } = this.unitsAt(e.point);
      if (feature && tracts.length) this.cb.onIdleClick?.(tracts, feature);
    });
    m.on('mousemove', (e) => {
      if (this.painting) this._paintTo(e.point);
      this._hoverAt(e.point, e.originalEvent);
    });
    const end = () => {
      if (!this.painting) return;
      this.painting = null;
      this.cb.onStrokeEnd?.();
    };
    window.addEventListener('mouseup', end);
    // Alt held when a lasso closes: it erases.
    window.addEventListener('pointerup', (e) => (this.altDown = e.altKey), true);
    m.getCanvas().addEventListener('mouseleave', () => {
      this.lastHover = null;
      this._setHover(null);
    });
  }

  /**
   * A drag: paints along the segment from the last point, sampled so that a
   * fast drag does not skip units.
   * @param {Point} point
   */
  _paintTo(point) {
    const { last } = this.painting;
    const dx = point.x - last.x;
    const dy = point.y - last.y;
    const steps = Math.max(1, Math.ceil(Math.hypot(dx, dy) / 6));
    for (let i = 1; i <= steps; i++) {
      this._paintAt({ x: last.x + (dx * i) / steps, y: last.y + (dy * i) / steps });
    }
    this.painting.last = point;
  }

  /** @param {Point} point */
  _paintAt(point) {
    const { tracts } = this.unitsAt(point);
    if (tracts.length) {
      this.cb.onUnits(tracts, { erase: this.tool === 'erase', stroke: this.painting?.stroke });
    }
  }

  /** Redraws the tooltip where the pointer is (after the plan changed). */
  refreshHover() {
    if (this.lastHover && this.tooltip && !this.tooltip.hidden) this._hoverAt(...this.lastHover);
  }

  /**
   * @param {Point} point
   * @param {MouseEvent} ev
   */
  _hoverAt(point, ev) {
    this.lastHover = [point, ev];
    const { feature } = this.unitsAt(point);
    const target = feature ? { ...(this.level === 'town' ? TOWNS : TRACTS), id: feature.id } : null;
    this._setHover(target);
    const tip = this.tooltip;
    if (!tip) return;
    if (!feature) {
      tip.hidden = true;
      return;
    }
    tip.replaceChildren(this.cb.describe(this.level, feature));
    tip.hidden = false;
    const box = this.map.getContainer().getBoundingClientRect();
    const x = ev.clientX - box.left;
    const y = ev.clientY - box.top;
    const flip = x > box.width - 260;
    tip.style.left = `${flip ? x - tip.offsetWidth - 14 : x + 14}px`;
    tip.style.top = `${Math.min(y + 14, box.height - tip.offsetHeight - 8)}px`;
  }

  /** @param {FeatureTarget | null} target */
  _setHover(target) {
    const same =
      target &&
      this.hovered &&
      target.source === this.hovered.source &&
      target.id === this.hovered.id;
    if (same) return;
    if (this.hovered) this.map.setFeatureState(this.hovered, { hover: false });
    this.hovered = target;
    if (target && target.id != null) this.map.setFeatureState(target, { hover: true });
    if (!target && this.tooltip) this.tooltip.hidden = true;
  }

  // ---- lasso (terra-draw) -----------------------------------------------

  /**
   * Loads terra-draw (a separate chunk) and starts it: when the lasso is
   * first chosen, or ahead of that once the map has shown.
   * @returns {Promise<void>}
   */
  loadDraw() {
    this.drawLoading ??= Promise.all([
      import('terra-draw'),
      import('terra-draw-maplibre-gl-adapter'),
      this.ready,
    ]).then(([td, adapter]) => this._setupDraw(td, adapter.TerraDrawMapLibreGLAdapter));
    return this.drawLoading;
  }

  /**
   * @param {typeof import('terra-draw')} td
   * @param {typeof import('terra-draw-maplibre-gl-adapter').TerraDrawMapLibreGLAdapter} Adapter
   */
  _setupDraw({ TerraDraw, TerraDrawFreehandMode }, Adapter) {
    const freehand = new TerraDrawFreehandMode({
      drawInteraction: 'click-drag',
      styles: {
        fillColor: '#111111',
        fillOpacity: 0.08,
        outlineColor: '#111111',
        outlineWidth: 2,
        closingPointColor: '#111111',
        closingPointWidth: 0,
        closingPointOutlineWidth: 0,
      },
    });
    this.draw = new TerraDraw({
      adapter: new Adapter({ map: this.map }),
      modes: [freehand],
    });
    this.draw.start();
    this.draw.on('finish', (id, ctx) => {
      if (ctx?.mode !== 'freehand') return;
      const f = this.draw.getSnapshotFeature(id);
      // Leave the drawn shape a moment so the person sees what was taken.
      setTimeout(() => this.draw.removeFeatures([id]), 400);
      this.setTool(this.tool); // terra-draw restores the map's panning: keep the tool's
      if (f?.geometry?.type === 'Polygon') this.cb.onLasso(f.geometry, { erase: this.altDown });
    });
    this.setTool(this.tool);
  }
}
