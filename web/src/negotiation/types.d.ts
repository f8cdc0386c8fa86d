// The shapes the negotiation's modules share (for `// @ts-check`).

import type { HecMap } from '../map.js';
import type { PlanStore } from '../store.js';
import type { ToastAction } from '../toast.js';
import type { Finding, HecReport, Report, Units } from '../types';

/** What the negotiation is given of the map editor. */
export interface NegoApp {
  units: Units;
  store: PlanStore;
  hecMap: HecMap;
  toast(
    message: string,
    options?: { error?: boolean; action?: ToastAction | null; ms?: number },
  ): void;
  /** Shows tracts on the map (highlighted, zoomed to). */
  showTracts(ids: number[]): void;
  clearHighlight(): void;
  /** The board's colours by tract (null: the plan being drawn again). */
  setOverlay(
    colors: (string | null)[] | null,
    marks?: { disputed?: number[]; gaps?: number[]; orgOf?: (number | null)[] },
  ): void;
  /** Replaces the plan with a proposal's version (undoable). */
  loadProposal(planName: string, hecName: string, tractIds: number[]): void;
  /** The map's size changed (the negotiation's column opened or closed). */
  resize(): void;
  /** Frames tracts on the map without highlighting them (when the page offers it). */
  fitTracts?(ids: number[]): void;
}

/** Who is signed in (GET /api/auth/me). */
export interface Actor {
  username: string;
  display_name?: string;
  role: 'editor' | 'staff' | 'analyst' | 'admin' | string;
  organization_id?: number | null;
}

/** An organization (a prospective HEC). */
export interface Organization {
  id: number;
  name: string;
}

/** A message box's action button. */
export interface MessageAction {
  label: string;
  run(): void;
}

// ---- the negotiation's JSON (crates/hecmap-negotiation) ------------------

/** A waiver request of an HEC, and its status. */
export interface Waiver {
  reason: string;
  waive?: string[];
  status: string;
}

/** An HEC of a stored plan (assignment JSON). */
export interface PlanHec {
  name: string;
  units: string[];
  waiver?: Waiver | null;
}

/** A stored plan (assignment JSON). */
export interface StoredPlan {
  hecs?: PlanHec[];
}

/** A version of a proposal. */
export interface Version {
  organization_id: number;
  version: number;
  /** draft or submitted */
  status: string;
  rationale: string;
  author: string;
  created_at: string;
  submitted_at?: string | null;
  /** left out of version lists */
  plan?: StoredPlan;
}

/** An organization's proposal (GET /api/organizations/{id}/proposal). */
export interface Proposal {
  organization: Organization;
  /** the latest version (0 before the first) */
  head: number;
  versions: Version[];
}

/** An organization claiming units. */
export interface Claimant {
  organization_id: number;
  name: string;
}

/** Units claimed by several submitted proposals. */
export interface Dispute {
  key: string;
  claimants: Claimant[];
  /** tract GEOIDs */
  tracts: string[];
  towns: string[];
  people: number;
  /** the tracts no ruling has given yet */
  open_tracts: string[];
  open_people: number;
  resolved: boolean;
  rulings: number[];
}

/** Units no submitted proposal claims. */
export interface Gap {
  tracts: string[];
  towns: string[];
  people: number;
}

/** A staff ruling. */
export interface Ruling {
  id: number;
  /** assign or waiver */
  kind: string;
  organization_id: number;
  organization: string;
  /** assign: the tract GEOIDs given */
  units: string[];
  /** waiver: approved or refused */
  decision?: string | null;
  reason: string;
  concerns: number[];
  state_version: number;
  author: string;
  created_at: string;
}

/** A submitted proposal in the statewide picture. */
export interface SubmittedVersion {
  organization_id: number;
  organization: string;
  version: number;
  rationale: string;
  submitted_at?: string | null;
}

/** The statewide picture (GET /api/state). */
export interface StateView {
  state_version: number;
  proposals: SubmittedVersion[];
  missing: Claimant[];
  disputes: Dispute[];
  gaps: Gap[];
  rulings: Ruling[];
  plan: StoredPlan;
  report: NegoReport;
}

/** passes, fails, or pending (a waiver staff have not ruled on). */
export type Verdict = 'passes' | 'fails' | 'pending';

/** An HEC of a report, with what the negotiation's views read of it. */
export interface NegoHecReport extends HecReport {
  area_km2?: number;
  density_per_km2?: number;
  rural?: boolean;
  waiver?: Waiver | null;
  /** from the servers that know pending waivers */
  verdict?: Verdict;
  if_approved?: Verdict | null;
  if_refused?: Verdict | null;
}

/** A report as the negotiation's views read it. */
export interface NegoReport extends Report {
  hecs: NegoHecReport[];
  findings: (Finding & { measured?: number | null; limit?: number | null; details?: any })[];
  verdict?: Verdict;
  if_approved?: Verdict | null;
  if_refused?: Verdict | null;
}

/** A comment on a proposal version or a dispute. */
export interface Comment {
  id: number;
  /** dispute:3+5 or version:3:2 */
  target: string;
  body: string;
  author: string;
  author_role: string;
  created_at: string;
}

/** An entry of the audit log (GET /api/audit). */
export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  actor_id?: number | null;
  /** proposal.save, ruling.assign, user.create, ... */
  action: string;
  /** organization:3, user:7, state, ... */
  target: string;
  reason?: string | null;
  details: any;
}

/** The thresholds and the rural line (GET /api/rules .effective). */
export interface NegoRules {
  thresholds: { population_min: number; medicare_min: number };
  rural?: { max_density_per_km2: number };
}

/** A version of the state plan. */
export interface StateVersion {
  version: number;
  ruling_id?: number | null;
  author: string;
  created_at: string;
}

/** Units added or removed. */
export interface UnitSet {
  tracts: string[];
  towns: string[];
  partial_towns: string[];
  people: number;
}

export interface Totals {
  tracts: number;
  population: number;
  medicare: number;
}

/** One HEC's changes between two versions. */
export interface HecDiff {
  hec: string;
  added: UnitSet;
  removed: UnitSet;
  before: Totals;
  after: Totals;
  waiver_before?: Waiver | null;
  waiver_after?: Waiver | null;
}

/** The diff of two versions of a proposal or of the state plan. */
export interface Diff {
  subject?: string;
  from: number;
  to: number;
  hecs: HecDiff[];
  rationale_before?: string | null;
  rationale_after?: string | null;
}
