// The map: the server's vector tiles (tracts, towns, town labels), HEC
// colours and highlights as feature-state (tiles are never rebuilt), the
// need choropleth, hover, and the painting tools (click/drag brush, eraser,
// terra-draw freehand lasso).

import { Map as MlMap, NavigationControl, ScaleControl, setWorkerUrl } from 'maplibre-gl';
import { TerraDraw, TerraDrawFreehandMode } from 'terra-draw';
import { TerraDrawMapLibreGLAdapter } from 'terra-draw-maplibre-gl-adapter';

/** Connecticut's extent (the tiles' TileJSON bounds). */
export const CT_BOUNDS = [
  [-73.727775, 40.980144],
  [-71.786994, 42.050587],
];

const NEED_STOPS = [0, '#ffffcc', 20, '#ffeda0', 40, '#fed976', 60, '#fd8d3c', 80, '#e31a1c', 100, '#800026'];
export const NEED_LEGEND = NEED_STOPS;

const TRACTS = { source: 'tracts', sourceLayer: 'tracts' };
const LAND = '#fbfaf6';
const NO_IDS = ['in', ['id'], ['literal', []]];

/** An HEC colour as it shows over land: 60% colour, 40% white. */
function fillColor(hex) {
  const n = parseInt(hex.slice(1), 16);
  const mix = (c) => Math.round(c * 0.6 + 255 * 0.4);
  return `rgb(${mix((n >> 16) & 255)}, ${mix((n >> 8) & 255)}, ${mix(n & 255)})`;
}
const TOWNS = { source: 'towns', sourceLayer: 'towns' };

function vectorSource(layer) {
  return {
    type: 'vector',
    tiles: [`${location.origin}/tiles/${layer}/{z}/{x}/{y}`],
    minzoom: 0,
    maxzoom: 14,
    bounds: CT_BOUNDS.flat(),
    attribution: layer === 'tracts' ? 'US Census Bureau; CMS; CDC PLACES' : undefined,
  };
}

function style() {
  const hasColor = ['to-boolean', ['feature-state', 'color']];
  return {
    version: 8,
    sources: { tracts: vectorSource('tracts'), towns: vectorSource('towns'), town_labels: vectorSource('town_labels') },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#dde5ea' } },
      {
        id: 'tract-need',
        type: 'fill',
        source: 'tracts',
        'source-layer': 'tracts',
        layout: { visibility: 'none' },
        paint: {
          'fill-color': ['case', ['has', 'need'], ['interpolate', ['linear'], ['to-number', ['get', 'need']], ...NEED_STOPS], '#d0d0d0'],
          'fill-opacity': 1,
        },
      },
      {
        // Land, in its HEC's colour (blended with white beforehand, so the
        // layer is opaque: cheaper to draw); also where tracts are hit-tested.
        id: 'tract-hec',
        type: 'fill',
        source: 'tracts',
        'source-layer': 'tracts',
        paint: { 'fill-color': ['coalesce', ['feature-state', 'fill'], LAND], 'fill-opacity': 1 },
      },
      {
        id: 'tract-line',
        type: 'line',
        source: 'tracts',
        'source-layer': 'tracts',
        paint: { 'line-color': '#6b7280', 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 0.15, 12, 0.9], 'line-opacity': 0.45 },
      },
      { id: 'town-hit', type: 'fill', source: 'towns', 'source-layer': 'towns', paint: { 'fill-color': '#000000', 'fill-opacity': 0 } },
      {
        id: 'town-line',
        type: 'line',
        source: 'towns',
        'source-layer': 'towns',
        paint: { 'line-color': '#374151', 'line-width': ['interpolate', ['linear'], ['zoom'], 7, 0.5, 12, 1.8] },
      },
      {
        // In the need view, HECs are drawn as coloured tract outlines.
        id: 'tract-hec-outline',
        type: 'line',
        source: 'tracts',
        'source-layer': 'tracts',
        layout: { visibility: 'none' },
        paint: { 'line-color': ['coalesce', ['feature-state', 'color'], '#000000'], 'line-width': 2.2, 'line-opacity': ['case', hasColor, 0.95, 0] },
      },
      // The statewide board: tracts claimed by several proposals (hatched
      // red) and tracts no one claims (grey, dashed), filtered to their ids.
      { id: 'tract-gap-fill', type: 'fill', source: 'tracts', 'source-layer': 'tracts', filter: NO_IDS, paint: { 'fill-color': '#6b7280', 'fill-opacity': 0.45 } },
      { id: 'tract-gap-line', type: 'line', source: 'tracts', 'source-layer': 'tracts', filter: NO_IDS, paint: { 'line-color': '#111827', 'line-width': 1.4, 'line-dasharray': [2, 1.5] } },
      { id: 'tract-dispute-fill', type: 'fill', source: 'tracts', 'source-layer': 'tracts', filter: NO_IDS, paint: { 'fill-pattern': 'hatch-dispute', 'fill-opacity': 1 } },
      { id: 'tract-dispute-line', type: 'line', source: 'tracts', 'source-layer': 'tracts', filter: NO_IDS, paint: { 'line-color': '#b91c1c', 'line-width': 1.8 } },
      {
        id: 'tract-hl-fill',
        type: 'fill',
        source: 'tracts',
        'source-layer': 'tracts',
        filter: NO_IDS,
        paint: { 'fill-pattern': 'hatch', 'fill-opacity': 0.9 },
      },
      {
        id: 'tract-hl-casing',
        type: 'line',
        source: 'tracts',
        'source-layer': 'tracts',
        filter: NO_IDS,
        paint: { 'line-color': '#ffffff', 'line-width': 5, 'line-opacity': 0.9 },
      },
      {
        id: 'tract-hl-line',
        type: 'line',
        source: 'tracts',
        'source-layer': 'tracts',
        filter: NO_IDS,
        paint: { 'line-color': '#111111', 'line-width': 2.5 },
      },
      {
        id: 'tract-hover',
        type: 'line',
        source: 'tracts',
        'source-layer': 'tracts',
        paint: { 'line-color': '#000000', 'line-width': 2, 'line-opacity': ['case', ['boolean', ['feature-state', 'hover'], false], 1, 0] },
      },
      {
        id: 'town-hover',
        type: 'line',
        source: 'towns',
        'source-layer': 'towns',
        paint: { 'line-color': '#000000', 'line-width': 2.5, 'line-opacity': ['case', ['boolean', ['feature-state', 'hover'], false], 1, 0] },
      },
      {
        // Town names: text drawn on a canvas and added as images (no glyph
        // server needed), placed with MapLibre's collision detection.
        id: 'town-labels',
        type: 'symbol',
        source: 'town_labels',
        'source-layer': 'town_labels',
        layout: {
          'icon-image': ['concat', 'label:', ['get', 'name']],
          'icon-size': ['interpolate', ['linear'], ['zoom'], 7, 0.8, 10, 1, 13, 1.2],
          'icon-padding': 3,
          'symbol-sort-key': ['-', 0, ['to-number', ['get', 'population'], 0]],
        },
      },
    ],
  };
}

/** Diagonal black hatching: highlighted units, distinct from any HEC colour. */
function hatchImage(color = '#111111', width = 2.2) {
  const n = 12;
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = n;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.beginPath();
  for (const o of [-n, 0, n]) {
    ctx.moveTo(o, n);
    ctx.lineTo(o + n, 0);
  }
  ctx.stroke();
  return ctx.getImageData(0, 0, n, n);
}

/** Draws a town name as an image for the label layer. */
function labelImage(text) {
  const ratio = Math.min(2, Math.max(1, Math.round(window.devicePixelRatio || 1)));
  const size = 12 * ratio;
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const font = `600 ${size}px system-ui, "DejaVu Sans", "Liberation Sans", Arial, sans-serif`;
  ctx.font = font;
  const pad = 3 * ratio;
  const w = Math.ceil(ctx.measureText(text).width + 2 * pad);
  const hgt = Math.ceil(size * 1.5);
  canvas.width = w;
  canvas.height = hgt;
  ctx.font = font;
  ctx.textBaseline = 'middle';
  ctx.lineJoin = 'round';
  ctx.lineWidth = 3 * ratio;
  ctx.strokeStyle = 'rgba(255,255,255,0.92)';
  ctx.strokeText(text, pad, hgt / 2);
  ctx.fillStyle = '#1f2937';
  ctx.fillText(text, pad, hgt / 2);
  return { image: ctx.getImageData(0, 0, w, hgt), ratio };
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
  constructor(container, { townTracts, callbacks }) {
    this.townTracts = townTracts;
    this.cb = callbacks;
    this.level = 'town';
    this.tool = 'paint';
    this.colorMode = 'hec';
    this.applied = new Map(); // tract id -> colour set as feature-state
    this.highlighted = [];
    this.hovered = null;
    this.painting = null;
    this.spacePan = false;
    this.metrics = { firstIdleMs: null, tilesLoaded: 0 };

    setWorkerUrl(new URL('maplibre-gl-worker.mjs', document.baseURI).href);
    this.map = new MlMap({
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
      attributionControl: { compact: true },
    });
    this.map.touchZoomRotate.disableRotation();
    this.map.keyboard.disableRotation();
    this.map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
    this.map.addControl(new ScaleControl({ unit: 'imperial' }), 'bottom-right');
    this.map.getCanvas().setAttribute('aria-label', 'Map of Connecticut towns and census tracts');

    this.map.setMissingStyleImageResolver((id) => {
      if (id === 'hatch') return void this.map.addImage(id, hatchImage());
      if (id === 'hatch-dispute') return void this.map.addImage(id, hatchImage('#c81e1e', 3));
      if (!id.startsWith('label:') || this.map.hasImage(id)) return;
      const { image, ratio } = labelImage(id.slice('label:'.length));
      this.map.addImage(id, image, { pixelRatio: ratio });
    });
    this.map.on('sourcedata', (e) => {
      if (e.tile && e.sourceId === 'tracts') this.metrics.tilesLoaded++;
    });
    this.ready = new Promise((resolve) => this.map.once('load', resolve));
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
    this.ready.then(() => this._setupDraw());
    this._bindPointer();
  }

  // ---- modes ------------------------------------------------------------

  setLevel(level) {
    this.level = level;
    this._setHover(null);
    // Only the hover outline of the level painted is drawn (each costs a pass).
    this.map.setLayoutProperty('tract-hover', 'visibility', level === 'tract' ? 'visible' : 'none');
    this.map.setLayoutProperty('town-hover', 'visibility', level === 'town' ? 'visible' : 'none');
    this.map.setPaintProperty('tract-line', 'line-opacity', level === 'tract' ? 0.8 : 0.45);
  }

  setTool(tool) {
    this.tool = tool;
    const draws = tool === 'paint' || tool === 'erase' || tool === 'lasso';
    if (draws && !this.spacePan) this.map.dragPan.disable();
    else this.map.dragPan.enable();
    this.map.getCanvasContainer().dataset.tool = tool;
    if (this.draw?.enabled) this.draw.setMode(tool === 'lasso' ? 'freehand' : 'static');
  }

  setColorMode(mode) {
    this.colorMode = mode;
    const need = mode === 'need';
    this.map.setLayoutProperty('tract-need', 'visibility', need ? 'visible' : 'none');
    this.map.setLayoutProperty('tract-hec-outline', 'visibility', need ? 'visible' : 'none');
    this.map.setLayoutProperty('tract-hec', 'visibility', need ? 'none' : 'visible');
  }

  /** Space held: the brush tools pan while it is down. */
  setSpacePan(on) {
    this.spacePan = on;
    this.setTool(this.tool);
    if (this.draw?.enabled && this.tool === 'lasso') this.draw.setMode(on ? 'static' : 'freehand');
  }

  // ---- colours and highlights (feature-state) ---------------------------

  /** Colours tracts: `colors[id]` is a CSS colour or null (unassigned). */
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

  /** Highlights tracts: a `hl` feature-state (what tests and tools read)
   *  drawn by layers filtered to those ids, so that a map without a
   *  highlight draws nothing for it. */
  highlight(tractIds) {
    for (const id of this.highlighted) this.map.setFeatureState({ ...TRACTS, id }, { hl: false });
    this.highlighted = [...tractIds];
    for (const id of this.highlighted) this.map.setFeatureState({ ...TRACTS, id }, { hl: true });
    const filter = ['in', ['id'], ['literal', this.highlighted]];
    for (const layer of ['tract-hl-fill', 'tract-hl-casing', 'tract-hl-line']) this.map.setFilter(layer, filter);
  }

  /** The statewide board's marks: disputed and unclaimed tracts (ids), as
   *  filters on their layers and as `disputed` / `gap` feature-state. */
  setBoardMarks({ disputed = [], gaps = [] } = {}) {
    const prev = this.boardMarks ?? { disputed: [], gaps: [] };
    for (const id of prev.disputed) this.map.setFeatureState({ ...TRACTS, id }, { disputed: false });
    for (const id of prev.gaps) this.map.setFeatureState({ ...TRACTS, id }, { gap: false });
    this.boardMarks = { disputed: [...disputed], gaps: [...gaps] };
    for (const id of disputed) this.map.setFeatureState({ ...TRACTS, id }, { disputed: true });
    for (const id of gaps) this.map.setFeatureState({ ...TRACTS, id }, { gap: true });
    const f = (ids) => (ids.length ? ['in', ['id'], ['literal', ids]] : NO_IDS);
    for (const layer of ['tract-dispute-fill', 'tract-dispute-line']) this.map.setFilter(layer, f(disputed));
    for (const layer of ['tract-gap-fill', 'tract-gap-line']) this.map.setFilter(layer, f(gaps));
  }

  zoomTo(bbox, { maxZoom = 10.5 } = {}) {
    if (!bbox) return;
    const reduce = window.matchMedia?.('(prefers-reduced-motion: reduce)').matches;
    this.map.fitBounds(bbox, { padding: 90, maxZoom, duration: reduce ? 0 : 700 });
  }

  // ---- pointer ----------------------------------------------------------

  /** The units under a screen point: tract ids (a town: all its tracts). */
  unitsAt(point) {
    const layer = this.level === 'town' ? 'town-hit' : this.colorMode === 'need' ? 'tract-need' : 'tract-hec';
    const f = this.map.queryRenderedFeatures([point.x, point.y], { layers: [layer] })[0];
    if (!f) return { feature: null, tracts: [] };
    if (this.level === 'town') return { feature: f, tracts: this.townTracts.get(f.properties.name) ?? [] };
    return { feature: f, tracts: f.id != null ? [Number(f.id)] : [] };
  }

  _bindPointer() {
    const m = this.map;
    m.on('mousedown', (e) => {
      const brush = this.tool === 'paint' || this.tool === 'erase';
      if (!brush || this.spacePan || e.originalEvent.button !== 0) return;
      e.preventDefault();
      this.painting = { stroke: Symbol('stroke'), last: e.point, t0: performance.now() };
      this._paintAt(e.point);
    });
    m.on('mousemove', (e) => {
      if (this.painting) {
        // Sample the segment so a fast drag does not skip units.
        const { last } = this.painting;
        const dx = e.point.x - last.x;
        const dy = e.point.y - last.y;
        const steps = Math.max(1, Math.ceil(Math.hypot(dx, dy) / 6));
        for (let i = 1; i <= steps; i++) this._paintAt({ x: last.x + (dx * i) / steps, y: last.y + (dy * i) / steps });
        this.painting.last = e.point;
      }
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

  _paintAt(point) {
    const { tracts } = this.unitsAt(point);
    if (tracts.length) this.cb.onUnits(tracts, { erase: this.tool === 'erase', stroke: this.painting?.stroke });
  }

  /** Redraws the tooltip where the pointer is (after the plan changed). */
  refreshHover() {
    if (this.lastHover && this.tooltip && !this.tooltip.hidden) this._hoverAt(...this.lastHover);
  }

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

  _setHover(target) {
    const same = target && this.hovered && target.source === this.hovered.source && target.id === this.hovered.id;
    if (same) return;
    if (this.hovered) this.map.setFeatureState(this.hovered, { hover: false });
    this.hovered = target;
    if (target && target.id != null) this.map.setFeatureState(target, { hover: true });
    if (!target && this.tooltip) this.tooltip.hidden = true;
  }

  // ---- lasso (terra-draw) -----------------------------------------------

  _setupDraw() {
    this.draw = new TerraDraw({
      adapter: new TerraDrawMapLibreGLAdapter({ map: this.map }),
      modes: [
        new TerraDrawFreehandMode({
          drawInteraction: 'click-drag',
          styles: { fillColor: '#111111', fillOpacity: 0.08, outlineColor: '#111111', outlineWidth: 2, closingPointColor: '#111111', closingPointWidth: 0, closingPointOutlineWidth: 0 },
        }),
      ],
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
