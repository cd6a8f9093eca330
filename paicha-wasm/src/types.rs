//! TypeScript types of what crosses the boundary, emitted into the generated `paicha.d.ts`, so a
//! portal's TypeScript sees real types instead of `any`. `tests/ts` type-checks code against them
//! with `tsc`, and the Node tests check real values against the same shapes.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
export interface Text { zh: string; en: string }

export type Form = "self_inspection" | "onsite_inspection";
export type Link = "production" | "sales";
export type Severity = "general" | "major";
export type Level = "none" | "general" | "major";
export type Violation =
  | "unlicensed_production" | "out_of_scope_production" | "uncertified_product" | "forged_certificate"
  | "counterfeit" | "adulteration" | "substandard" | "uninspected_release" | "illegal_modification"
  | "unlicensed_operation" | "eliminated_product";
export type Department = "emergency_management" | "commerce";
export type ActionKind =
  | "stop_production_sale" | "rectify" | "recheck" | "report_to_government" | "serious_violation_list"
  | "credit_publicity" | "revoke_certificate" | "judicial_transfer_review" | "hand_over_to_department"
  | "two_way_tracing" | "assist";

/** A JSON value as an answer: "yes" | "no" | "na", a number, a choice string, an array, an object. */
export type Answer = null | boolean | number | string | Answer[] | { [key: string]: Answer };

export interface Submission {
  id: string;
  product: string;
  form: Form;
  link: Link;
  enterprise: { uscc: string; name: string; region: string };
  /** RFC 3339 with offset. */
  inspected_at: string;
  answers: { [key: string]: Answer };
  template_version?: string;
  meta?: unknown;
}

export interface Issue { path: string; code: string; message: Text }

export interface Finding {
  item: string;
  severity: Severity;
  violation?: Violation;
  department?: Department;
  basis: string;
  path: string;
  message: Text;
  escalate?: boolean;
  rule: number;
  instance?: number;
  /** For a rule of a dated standard: the version applied and the date that chose it. */
  applied?: { standard: string; by: string; date: string };
}

export interface Action { kind: ActionKind; due?: string; department?: Department; item?: string; items?: string[] }

export interface Report {
  id: string;
  valid: boolean;
  errors: Issue[];
  findings: Finding[];
  level: Level;
  actions: Action[];
  template_version?: string;
}

/**
 * `checkCompact`'s report: the verdict of `check` with findings and actions naming template items
 * by slot (the keys by slot: `itemKeys(product, version)`; `expandReport` of `www/js/compact.js` spells it out).
 * A finding: `[slot, rule]`, `[slot, rule, instance]` (in a repeat group) or
 * `[slot, rule, instance | null, applied]` (a rule of a dated standard).
 */
export type CompactFinding =
  | [slot: number, rule: number]
  | [slot: number, rule: number, instance: number | null]
  | [slot: number, rule: number, instance: number | null, applied: { standard: string; by: string; date: string }];

/** A per-item action `[kind, due, slot]`, or a submission-wide one `[kind, due, department, slots]`; `due` indexes `dates`. */
export type CompactAction =
  | [kind: ActionKind, due: number | null, item: number]
  | [kind: ActionKind, due: number | null, department: Department | null, items: number[]];

export interface CompactReport {
  id: string;
  /** The template the slots refer to (absent when none was found; then nothing refers to one). */
  product?: string;
  template_version?: string;
  valid: boolean;
  level: Level;
  errors: Issue[];
  findings: CompactFinding[];
  dates: string[];
  actions: CompactAction[];
}

export interface ItemState { key: string; relevant: boolean; errors: Issue[]; findings: Finding[] }

export interface Delta {
  items: ItemState[];
  valid: boolean;
  level: Level;
  errorCount: number;
  findingCount: number;
  /** A finding changed, and with it the actions: call `actions()` to get them. */
  actionsChanged: boolean;
}

export interface ProductSummary {
  product: string;
  version: string;
  versions: string[];
  name?: Text;
  source_confirmed: boolean;
  items: number;
}

export interface CatalogueLoad {
  ok: boolean;
  products: string[];
  problems: { file: string; issues: Issue[] }[];
}

export type LoadResult =
  | { ok: true; product: string; version: string }
  | { ok: false; issues: Issue[] };
"#;
