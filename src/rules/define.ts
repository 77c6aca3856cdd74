import type { Confidence, Range, Severity, TraceStep } from "../core/types.js";
import type { Project } from "../link/project.js";
import type { FixContext, FixProposal } from "../fix/types.js";

/** A rule's documentation, written beside its check; docs/rules/*.md is generated from it. */
export interface RuleDocs {
  /** What the rule finds, one paragraph. */
  what: string;
  /** Why it matters: the attack and who can carry it out. */
  why: string;
  /** A short insecure example (Python or config text). */
  bad: string;
  /** The same example made safe. */
  good: string;
  /** How the rule decides, including the contexts that lower or silence it. */
  detection: string;
  falsePositives: string;
  references: string[];
}

export interface RuleMeta {
  id: string;
  title: string;
  /** Rule family, e.g. "deploy", "config". */
  family: string;
  severity: Severity;
  confidence: Confidence;
  cwe: number[];
  owasp: string;
  tags: string[];
  /** Default impact, fix and mitigation texts carried by every finding (a report may refine them). */
  impact: string;
  fix: string;
  mitigation: string;
  docs: RuleDocs;
}

/** What a check hands to `report`. Severity/confidence default to the rule's. */
export interface RuleReport {
  file: string;
  range: Range;
  /** Defaults to the source text of `range`. */
  evidence?: string;
  message: string;
  severity?: Severity;
  confidence?: Confidence;
  /** Reasons for a changed severity or confidence, shown in the finding. */
  context?: string[];
  /** Enclosing function or class, part of the fingerprint. */
  scope?: string;
  /**
   * Secret values the finding is about (a hard-coded key): reports never show them. They are replaced
   * wherever they appear in the evidence, the excerpt, the message and the context.
   */
  secrets?: string[];
  impact?: string;
  fix?: string;
  trace?: TraceStep[];
}

export interface RuleContext {
  project: Project;
  report(r: RuleReport): void;
}

export interface Rule extends RuleMeta {
  check(ctx: RuleContext): void;
  /**
   * Optional mechanical fix for one of this rule's findings (used by `scan --fix`): the smallest text edits
   * that remove the problem without changing anything else, or null when the case needs a person's judgement.
   * Must be idempotent: once applied, the rule no longer reports the finding, so no fix is asked for again.
   */
  autofix?(ctx: FixContext): FixProposal | null;
}

/** Declares a rule: metadata and docs as data, plus a check over the linked project model. */
export function defineRule(rule: Rule): Rule {
  return rule;
}
