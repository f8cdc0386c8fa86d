// The shapes the page's modules share, for `// @ts-check` (JSDoc types
// refer to them as `import('./types').Name`): the server's JSON as the
// page reads it, and the app's context that the modules are given.

import type { HecMap } from './map.js';
import type { Panel } from './panel.js';
import type { PlanStore } from './store.js';
import type { Validation } from './validation.js';
import type { Hooks } from './hooks.js';

/** A tract record of GET /api/units/tract (its id is its index). */
export interface Tract {
  id: number;
  geoid: string;
  geoid_2022?: string | null;
  town: string;
  population?: number | null;
  medicare?: number | null;
  medicare_basis?: string;
  [field: string]: unknown;
}

/** A town record of GET /api/units/town. */
export interface Town {
  name: string;
  [field: string]: unknown;
}

/** The units, indexed for the page. */
export interface Units {
  /** tract records by id */
  tracts: Tract[];
  towns: Town[];
  /** 2020 (and 2022) GEOID -> tract id */
  byGeoid: Map<string, number>;
  /** town name -> its tract ids */
  townTracts: Map<string, number[]>;
  /** lower-case town name -> town */
  townByName: Map<string, Town>;
}

/** [west, south, east, north] */
export type Bbox = [number, number, number, number];

/** Where a plan or an HEC stands: a pending waiver is neither passing nor failing. */
export type Verdict = 'passes' | 'fails' | 'pending';

/** A waiver request of an HEC (docs/report.md). */
export interface Waiver {
  reason: string;
  waive?: string[];
  /** requested (pending staff decision), approved or refused */
  status: string;
}

/** A finding of a report (docs/report.md). */
export interface Finding {
  rule: string;
  /** error, unknown, pending (a waiver staff have not ruled on), warning, waived, info */
  severity: string;
  message: string;
  hec?: string | null;
  other_hecs?: string[];
  tract_ids?: number[];
  towns?: string[];
  measured?: number | null;
  limit?: number | null;
  unit?: string | null;
  estimate?: boolean;
  details?: { bbox?: [[number, number], [number, number]]; [k: string]: unknown };
}

/** A tract with one of the highest values of a profile measure in its HEC. */
export interface HotSpot {
  /** 2020 GEOID */
  tract: string;
  name: string;
  value: number;
}

/** One measure of an HEC's needs profile (rates are fractions 0-1). */
export interface ProfileMeasure {
  key: string;
  label: string;
  kind: 'count' | 'rate';
  /** what a rate is weighted by (null for counts) */
  weight: string | null;
  value: number;
  state: number;
  estimate: boolean;
  source: string | null;
  method: string | null;
  hot_spots: HotSpot[];
}

/** One HEC of a report. */
export interface HecReport {
  name: string;
  population: number;
  medicare: { value: number; estimate: boolean };
  tracts: number;
  towns: string[];
  partial_towns: string[];
  need_percentile: number | null;
  share_below_200pct_fpl?: number | null;
  area_km2?: number;
  density_per_km2?: number;
  rural?: boolean;
  waiver?: Waiver | null;
  /** the needs profile (servers before it give none) */
  profile?: ProfileMeasure[];
  passes: boolean;
  /** servers before the pending state give none (see validation.js) */
  verdict?: Verdict;
  if_approved?: Verdict | null;
  if_refused?: Verdict | null;
}

/** A validation report (POST /api/validate). */
export interface Report {
  plan: { name?: string; scope?: string };
  hecs: HecReport[];
  findings: Finding[];
  counts?: Record<string, number>;
  passes: boolean;
  verdict?: Verdict;
  if_approved?: Verdict | null;
  if_refused?: Verdict | null;
}

/** A town an option of POST /api/suggest moves into the HEC. */
export interface TownMove {
  town: string;
  /** the HECs it leaves (none: it was in no HEC) */
  from: string[];
  /** its tracts that move (2020 GEOIDs) */
  tracts: string[];
  people: number;
}

/** An HEC as an option leaves it. */
export interface HecAfter {
  hec: string;
  population: number;
  medicare: number;
  medicare_estimate: boolean;
  verdict: Verdict;
  /** rule ids it still fails */
  failing: string[];
}

/** One way to make an HEC pass a rule. */
export interface RepairOption {
  summary: string;
  adds: TownMove[];
  people_added: number;
  people_from_other_hecs: number;
  /** past the floor, in the floor's unit (floors only) */
  overshoot: number | null;
  /** the HEC first, then every HEC that gives up land */
  after: HecAfter[];
  /** failures the move creates */
  new_errors: string[];
}

/** The options for one rule an HEC fails. */
export interface Repair {
  hec: string;
  rule: string;
  finding: string;
  options: RepairOption[];
  waiver_alternative: string | null;
  note: string | null;
}

/** POST /api/suggest */
export interface Suggestions {
  repairs: Repair[];
}

/** The effective rules (GET /api/rules `.effective`): settings, not constants. */
export interface Rules {
  thresholds: { population_min: number; medicare_min: number };
  regions?: { min: number; max: number };
  rural?: { max_density_per_km2: number };
  town_split?: { severity: string };
  enclave?: { severity: string };
  need?: {
    high_need_percentile?: number;
    min_population?: number;
    components?: { key: string; weight: number }[];
  };
  cherry_pick?: { edge_share?: number; town_share?: number; severity?: string };
}

/** The map editor's context, handed to each of its modules. */
export interface App {
  hooks: Hooks;
  hecMap: HecMap;
  units: Units;
  rules: Rules;
  store: PlanStore;
  panel: Panel;
  validation: Validation;
  /** Tract extents, for zooming to findings (fetched once the map shows). */
  boxes: Promise<Bbox[]>;
  /** The statewide board's tract colours while it is on the map. */
  overlay: (string | null)[] | null;
  /** Redraws the panel and the controls from the store and the report. */
  render(): void;
}

declare global {
  interface Window {
    hecmap: Hooks;
  }
}
