// @ts-check
// The map's MapLibre style: the server's vector tiles (tracts, towns, town
// labels) and the layers over them — HEC colours (feature-state), the need
// choropleth, the statewide board's disputes and gaps, highlights, hover,
// town names — and the images drawn for it (hatching, town names).

/** @typedef {import('maplibre-gl').StyleSpecification} StyleSpecification */
/** @typedef {import('maplibre-gl').LayerSpecification} LayerSpecification */
/** @typedef {import('maplibre-gl').FilterSpecification} FilterSpecification */
/** @typedef {import('maplibre-gl').ExpressionSpecification} ExpressionSpecification */

/**
 * Connecticut's extent (the tiles' TileJSON bounds).
 * @type {[[number, number], [number, number]]}
 */
export const CT_BOUNDS = [
  [-73.727775, 40.980144],
  [-71.786994, 42.050587],
];

/** The need index's colour ramp: percentile, colour, ... */
export const NEED_STOPS = [
  ...[0, '#ffffcc', 20, '#ffeda0', 40, '#fed976'],
  ...[60, '#fd8d3c', 80, '#e31a1c', 100, '#800026'],
];

const LAND = '#fbfaf6';

/** A filter that matches no feature (layers drawn for some ids only). */
export const NO_IDS = /** @type {FilterSpecification} */ (['in', ['id'], ['literal', []]]);

/**
 * A filter that matches the features with these ids.
 * @param {number[]} ids
 * @returns {FilterSpecification}
 */
export function idsFilter(ids) {
  return ['in', ['id'], ['literal', ids]];
}

/**
 * @param {string} layer
 * @returns {import('maplibre-gl').VectorSourceSpecification}
 */
function vectorSource(layer) {
  return {
    type: 'vector',
    tiles: [`${location.origin}/tiles/${layer}/{z}/{x}/{y}`],
    minzoom: 0,
    maxzoom: 14,
    bounds: /** @type {[number, number, number, number]} */ (CT_BOUNDS.flat()),
    attribution: layer === 'tracts' ? 'US Census Bureau; CMS; CDC PLACES' : undefined,
  };
}

/** @returns {LayerSpecification[]} The land: in HEC colours, or by need. */
function landLayers() {
  /** @type {ExpressionSpecification} */
  const need = ['interpolate', ['linear'], ['to-number', ['get', 'need']], ...NEED_STOPS];
  return [
    { id: 'background', type: 'background', paint: { 'background-color': '#dde5ea' } },
    {
      id: 'tract-need',
      type: 'fill',
      source: 'tracts',
      'source-layer': 'tracts',
      layout: { visibility: 'none' },
      paint: {
        'fill-color': ['case', ['has', 'need'], need, '#d0d0d0'],
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
  ];
}

/**
 * Tract and town lines, the towns' hit-test layer, and the HECs' outlines
 * of the need view.
 * @returns {LayerSpecification[]}
 */
function lineLayers() {
  /** @type {ExpressionSpecification} */
  const hasColor = ['to-boolean', ['feature-state', 'color']];
  return [
    {
      id: 'tract-line',
      type: 'line',
      source: 'tracts',
      'source-layer': 'tracts',
      paint: {
        'line-color': '#6b7280',
        'line-width': ['interpolate', ['linear'], ['zoom'], 8, 0.15, 12, 0.9],
        'line-opacity': 0.45,
      },
    },
    {
      id: 'town-hit',
      type: 'fill',
      source: 'towns',
      'source-layer': 'towns',
      paint: { 'fill-color': '#000000', 'fill-opacity': 0 },
    },
    {
      id: 'town-line',
      type: 'line',
      source: 'towns',
      'source-layer': 'towns',
      paint: {
        'line-color': '#374151',
        'line-width': ['interpolate', ['linear'], ['zoom'], 7, 0.5, 12, 1.8],
      },
    },
    {
      // In the need view, HECs are drawn as coloured tract outlines.
      id: 'tract-hec-outline',
      type: 'line',
      source: 'tracts',
      'source-layer': 'tracts',
      layout: { visibility: 'none' },
      paint: {
        'line-color': ['coalesce', ['feature-state', 'color'], '#000000'],
        'line-width': 2.2,
        'line-opacity': ['case', hasColor, 0.95, 0],
      },
    },
  ];
}

/**
 * A tract layer drawn for some ids only (none at first: see NO_IDS).
 * @param {string} id
 * @param {'fill' | 'line'} type
 * @param {object} paint
 * @returns {LayerSpecification}
 */
function tractMarks(id, type, paint) {
  return /** @type {LayerSpecification} */ ({
    id,
    type,
    source: 'tracts',
    'source-layer': 'tracts',
    filter: NO_IDS,
    paint,
  });
}

/**
 * The statewide board's tracts claimed by several proposals (hatched red)
 * and tracts no one claims (grey, dashed); then the highlight.
 */
function markLayers() {
  return [
    tractMarks('tract-gap-fill', 'fill', { 'fill-color': '#6b7280', 'fill-opacity': 0.45 }),
    tractMarks('tract-gap-line', 'line', {
      'line-color': '#111827',
      'line-width': 1.4,
      'line-dasharray': [2, 1.5],
    }),
    tractMarks('tract-dispute-fill', 'fill', {
      'fill-pattern': 'hatch-dispute',
      'fill-opacity': 1,
    }),
    tractMarks('tract-dispute-line', 'line', { 'line-color': '#b91c1c', 'line-width': 1.8 }),
    tractMarks('tract-hl-fill', 'fill', { 'fill-pattern': 'hatch', 'fill-opacity': 0.9 }),
    tractMarks('tract-hl-casing', 'line', {
      'line-color': '#ffffff',
      'line-width': 5,
      'line-opacity': 0.9,
    }),
    tractMarks('tract-hl-line', 'line', { 'line-color': '#111111', 'line-width': 2.5 }),
  ];
}

/**
 * The outline of the unit under the pointer (feature-state `hover`). The
 * others have no width (not merely transparent): nothing of them is drawn.
 * Only the level painted shows its outline (towns at first).
 * @param {'tract' | 'town'} level
 * @param {number} width
 * @returns {LayerSpecification}
 */
function hoverLayer(level, width) {
  return {
    id: `${level}-hover`,
    type: 'line',
    source: `${level}s`,
    'source-layer': `${level}s`,
    layout: { visibility: level === 'town' ? 'visible' : 'none' },
    paint: {
      'line-color': '#000000',
      'line-width': ['case', ['boolean', ['feature-state', 'hover'], false], width, 0],
    },
  };
}

/**
 * Town names: text drawn on a canvas and added as images (no glyph server
 * needed), placed with MapLibre's collision detection.
 * @returns {LayerSpecification}
 */
function labelLayer() {
  return {
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
  };
}

/** @returns {StyleSpecification} */
export function style() {
  return {
    version: 8,
    sources: {
      tracts: vectorSource('tracts'),
      towns: vectorSource('towns'),
      town_labels: vectorSource('town_labels'),
    },
    layers: [
      ...landLayers(),
      ...lineLayers(),
      ...markLayers(),
      hoverLayer('tract', 2),
      hoverLayer('town', 2.5),
      labelLayer(),
    ],
  };
}

/**
 * Diagonal black hatching: highlighted units, distinct from any HEC colour.
 * @param {string} [color]
 * @param {number} [width]
 */
export function hatchImage(color = '#111111', width = 2.2) {
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

/**
 * Draws a town name as an image for the label layer.
 * @param {string} text
 */
export function labelImage(text) {
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
