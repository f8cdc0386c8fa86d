// @ts-check
// The state's rules in plain words, for a coordinator rather than a GIS
// analyst: each rule's name (never its id), why it exists (a finding's
// "why?"), and the guide behind the panel's "How it works": what an HEC
// is, the floors, whole towns, no gaps or overlaps, cherry-picking, and
// who may ask for a waiver and how. Figures come from the server's rules
// (GET /api/rules): they are settings, not constants.

import { fmtInt, h } from './util.js';

/** @typedef {import('./types').Rules} Rules */

/** @type {Record<string, string>} */
const RULE_LABELS = {
  'coverage.gap': 'Gap: land in no HEC',
  'coverage.overlap': 'Overlap: land in two HECs',
  'coverage.sliver': 'Drawing sliver',
  'threshold.population': 'Population floor',
  'threshold.medicare': 'Medicare floor',
  'count.regions': 'Number of HECs',
  contiguity: 'In one piece',
  waiver: 'Waiver',
  'town.split': 'Split town',
  enclave: 'Surrounded land',
  'cherry_pick.high_need': 'Cherry-picking',
  compactness: 'Shape',
};

/**
 * A rule's name for a person ("Population floor", not
 * "threshold.population"); an unknown rule in words.
 * @param {string} rule
 */
export function ruleLabel(rule) {
  if (RULE_LABELS[rule]) return RULE_LABELS[rule];
  const words = String(rule).replace(/[._]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Where each rule is explained in the guide (its section's key). */
/** @type {Record<string, string>} */
export const RULE_SECTION = {
  'coverage.gap': 'coverage',
  'coverage.overlap': 'coverage',
  'coverage.sliver': 'coverage',
  'count.regions': 'coverage',
  'threshold.population': 'floors',
  'threshold.medicare': 'floors',
  contiguity: 'towns',
  'town.split': 'towns',
  enclave: 'coverage',
  'cherry_pick.high_need': 'cherry',
  waiver: 'waiver',
  compactness: 'hec',
};

/** The need index's components in words. */
/** @type {Record<string, string>} */
const NEED_WORDS = {
  share_below_200pct_fpl: 'people below 200% of the poverty line',
  diabetes: 'adults with diabetes',
  any_disability: 'people with a disability',
};

/**
 * The figures the text quotes, from the effective rules (the framework's
 * defaults where the server gives none).
 * @param {Partial<Rules> | null | undefined} rules
 */
export function settings(rules) {
  const r = rules ?? {};
  const need = r.need ?? {};
  const high = need.high_need_percentile ?? 80;
  const parts = (need.components ?? []).map(
    (c) => `${NEED_WORDS[c.key] ?? c.key.replace(/_/g, ' ')} (${Math.round(c.weight * 100)}%)`,
  );
  return {
    population: r.thresholds?.population_min ?? 150000,
    medicare: r.thresholds?.medicare_min ?? 20000,
    minHecs: r.regions?.min ?? 8,
    maxHecs: r.regions?.max ?? 12,
    rural: r.rural?.max_density_per_km2 ?? 150,
    high,
    top: Math.round(100 - high),
    needParts: parts,
    edge: Math.round((r.cherry_pick?.edge_share ?? 0.5) * 100),
    townShare: Math.round((r.cherry_pick?.town_share ?? 0.5) * 100),
    splitIsError: (r.town_split?.severity ?? 'error') === 'error',
  };
}

/** "under 150 people per km²". @param {ReturnType<typeof settings>} s */
const ruralLine = (s) => `under ${fmtInt(s.rural)} people per km² of land`;

/**
 * Why a rule exists, in a sentence or two: a finding's "why?".
 * @param {string} rule
 * @param {Partial<Rules> | null | undefined} rules
 */
export function ruleWhy(rule, rules) {
  const s = settings(rules);
  const waivable = `A rural HEC (${ruralLine(s)}) may ask staff to waive it, with a reason.`;
  /** @type {Record<string, string>} */
  const why = {
    'threshold.population':
      `Every HEC needs at least ${fmtInt(s.population)} people (2020 Census), enough to ` +
      `carry the work and share its cost. ${waivable}`,
    'threshold.medicare':
      `Every HEC needs at least ${fmtInt(s.medicare)} Medicare beneficiaries. The figure is an ` +
      `estimate (marked ≈): people 65 and over times the state's ratio. ${waivable}`,
    'coverage.gap':
      'A statewide plan leaves no one out: every tract must be in an HEC. Gaps are checked ' +
      'only when the plan is statewide, not for a sketch of a few HECs.',
    'coverage.overlap':
      'Each place belongs to exactly one HEC: two HECs claiming the same people would count ' +
      'them twice. The state settles overlaps.',
    'coverage.sliver':
      'Drawn shapes that overlap or miss each other by a thin strip: too small to matter, ' +
      'shown for information.',
    'count.regions':
      `A statewide plan has between ${s.minHecs} and ${s.maxHecs} HECs. Checked only when ` +
      'the plan is statewide.',
    contiguity:
      'An HEC is one connected area: its towns touch (land across water within 500 m counts ' +
      `as touching). ${waivable}`,
    waiver:
      `Only a rural HEC (${ruralLine(s)}) may ask for a waiver, with a reason, in its ` +
      'proposal. Staff approve or refuse it; until they decide, the HEC does not pass.',
    'town.split':
      'HECs are built from whole towns, so that each town deals with one HEC. A town ' +
      `divided between HECs is ${s.splitIsError ? 'an error' : 'flagged'} unless the plan ` +
      'gives a reason for the split.',
    enclave:
      'An HEC that wholly surrounds land of another HEC, or land in no HEC, leaves a hole ' +
      'in its middle: worth a look.',
    'cherry_pick.high_need':
      'An HEC may not leave out high-need neighbourhoods next to it (cherry-picking): ' +
      `tracts in the top ${s.top}% of need that it surrounds, borders along at least ` +
      `${s.edge}% of their edge, or whose town is mostly in the HEC.`,
    compactness:
      'How compact the HEC is (1 is a circle). Information only: no floor applies.',
  };
  return why[rule] ?? 'A rule of the state’s framework for HECs.';
}

/**
 * The guide's sections, as data: a key, a title and paragraphs.
 * @param {Partial<Rules> | null | undefined} rules
 * @returns {{ key: string, title: string, paragraphs: string[] }[]}
 */
export function guideSections(rules) {
  const s = settings(rules);
  return [
    {
      key: 'hec',
      title: 'What an HEC is',
      paragraphs: [
        'A Health Enhancement Community (HEC) is a group of neighbouring towns that work ' +
          'together on the health of their people. Connecticut is to be covered by ' +
          `${s.minHecs} to ${s.maxHecs} HECs.`,
        'Build one on the map: make an HEC, then click towns to put them in it. The panel ' +
          'checks the rules below as you go; click a finding to see its places on the map.',
      ],
    },
    {
      key: 'floors',
      title: 'The floors',
      paragraphs: [
        `Every HEC needs at least ${fmtInt(s.population)} people (2020 Census) and at least ` +
          `${fmtInt(s.medicare)} Medicare beneficiaries. The bars on each HEC show how far it ` +
          'is from each floor (the black mark).',
        'The Medicare figure is an estimate (marked ≈): people 65 and over times the ' +
          'state’s ratio of all beneficiaries to aged ones. The floors are settings of the ' +
          'state’s rules and may change.',
      ],
    },
    {
      key: 'towns',
      title: 'Whole towns, in one piece',
      paragraphs: [
        'HECs are made of whole towns. A town divided between HECs is ' +
          `${s.splitIsError ? 'an error' : 'flagged'} unless the plan gives a reason for ` +
          'the split (then it is only noted).',
        'An HEC is one connected area: its towns must touch (across water within 500 m ' +
          'counts as touching).',
      ],
    },
    ...moreSections(s),
  ];
}

/**
 * The guide's sections on coverage, cherry-picking and waivers.
 * @param {ReturnType<typeof settings>} s
 */
function moreSections(s) {
  const need = s.needParts.length ? `, which weighs ${s.needParts.join(', ')}` : '';
  return [
    {
      key: 'coverage',
      title: 'No gaps, no overlaps',
      paragraphs: [
        'Each place belongs to exactly one HEC. Two HECs claiming the same tract is an ' +
          'overlap, an error that shows the people at stake.',
        'In a statewide plan no place is left out: land in no HEC is a gap, and the plan ' +
          `must have ${s.minHecs} to ${s.maxHecs} HECs. Gaps and the number of HECs are ` +
          'checked only when “Statewide plan” is on; a sketch of one HEC is judged as a ' +
          'partial plan.',
      ],
    },
    {
      key: 'cherry',
      title: 'Cherry-picking',
      paragraphs: [
        'An HEC may not leave out its neediest neighbours. High need means a tract in the ' +
          `top ${s.top}% of the state’s need index${need}.`,
        'A high-need tract left out of an HEC is cherry-picked when the HEC surrounds it (a ' +
          `hole), borders it along at least ${s.edge}% of its edge, or holds at least ` +
          `${s.townShare}% of its town’s people. Take it in, or explain why in your proposal.`,
      ],
    },
    {
      key: 'waiver',
      title: 'Waivers: who may ask, and how',
      paragraphs: [
        `Only a rural HEC, with ${ruralLine(s)}, may ask the state to waive the floors, ` +
          'the one-piece rule, or both.',
        'Ask in your HEC’s proposal: sign in, tick “Request a waiver (rural HECs only)” ' +
          'when you save, give the reason and say what to waive. In a plan file, use the ' +
          'columns waiver_reason and waive.',
        'Until staff decide, the HEC shows “Pending staff decision”: it does not pass yet, ' +
          'and the panel says what the verdict would be if staff approve and if they refuse. ' +
          '“Waived” means staff approved.',
      ],
    },
  ];
}

/**
 * The guide as the panel shows it: a section per topic, each with an id
 * (`guide-<key>`) a finding's "why?" links to.
 * @param {Partial<Rules> | null | undefined} rules
 */
export function renderGuide(rules) {
  return guideSections(rules).map(({ key, title, paragraphs }) =>
    h(
      'section',
      {
        class: 'guide-sec',
        id: `guide-${key}`,
        tabindex: '-1',
        'aria-labelledby': `guide-${key}-title`,
      },
      h('h3', { id: `guide-${key}-title` }, title),
      ...paragraphs.map((p) => h('p', {}, p)),
    ),
  );
}
