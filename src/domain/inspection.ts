import { STEP_IDS, type StepId } from './steps/catalogue.ts';
import { STEP_LOGIC, runStep } from './steps/index.ts';
import { DryRunEngine } from './steps/erpnext/dry-run.ts';
import { OdooDryRunEngine } from './steps/odoo/dry-run.ts';
import type { Intent, Seen } from './steps/dry-run-ledger.ts';
import type { EngineFacts, RunConfig, StepContext, TenantProfile } from './steps/step.ts';
import type { Engine, EngineKind } from '../ports/engine.ts';
import { AbbreviationExhaustedError, EnginePermissionError, EngineValidationError, StepPreconditionError, VerificationError, type VerificationProblem } from './errors.ts';

/**
 * Inspection: the steps run against a DryRunEngine, reading only. What each would write is what
 * differs between the engine and what the step ensures; verify reports it as drift, plan as a
 * run's operations. One source for both: the steps' own ensures.
 */
export interface StepInspection {
  step: StepId;
  /** `refused`: the step stopped on a record problem (a precondition, final validation). */
  outcome: 'completed' | 'skipped' | 'refused';
  intents: Intent[];
  seen: Seen[];
  problems: VerificationProblem[];
}

/**
 * Errors that say the tenant's records are not what a step needs, as opposed to the engine
 * failing or refusing us (unreachable, credentials, permissions): those are no drift, they end
 * the inspection.
 */
function isRecordProblem(e: unknown): e is Error {
  return e instanceof StepPreconditionError || e instanceof VerificationError || e instanceof AbbreviationExhaustedError || (e instanceof EngineValidationError && !(e instanceof EnginePermissionError));
}

/** The engine's dry run: its kind's port with every write held back (erpnext/dry-run.ts, odoo/dry-run.ts). */
function dryRunOf(engine: Engine, facts: EngineFacts): DryRunEngine | OdooDryRunEngine {
  switch (engine.kind) {
    case 'erpnext':
      return new DryRunEngine(engine, { company: facts.company, abbr: facts.abbr });
    case 'odoo':
      return new OdooDryRunEngine(engine);
  }
}

export async function inspectSteps(
  stepIds: readonly StepId[],
  input: { tenant: TenantProfile; config: RunConfig; facts: EngineFacts; engine: Engine },
): Promise<StepInspection[]> {
  const dry = dryRunOf(input.engine, input.facts);
  let facts: EngineFacts = { ...input.facts };
  const out: StepInspection[] = [];
  for (const step of stepIds) {
    const ctx: StepContext = { tenant: input.tenant, config: input.config, facts, engine: dry, note: () => {} };
    let outcome: StepInspection['outcome'];
    let problems: VerificationProblem[] = [];
    try {
      const result = await runStep(step, ctx);
      outcome = result.outcome;
      facts = { ...facts, ...result.facts };
    } catch (e) {
      if (!isRecordProblem(e)) throw e;
      outcome = 'refused';
      problems = e instanceof VerificationError && e.problems.length ? [...e.problems] : [{ step, doctype: null, record: null, problem: e.message }];
    }
    out.push({ step, outcome, ...dry.take(), problems });
  }
  return out;
}

/** One way the engine differs from what a step ensures. */
export interface DriftFinding {
  step: StepId;
  doctype: string | null;
  record: string | null;
  problem: string;
}

const ordinal = (step: string) => STEP_IDS.indexOf(step as StepId);

/** Whether what the step makes lasts on the engine of this kind (Step.lasting): verify holds only those against a tenant. */
export const isLasting = (kind: EngineKind, step: StepId): boolean => STEP_LOGIC[kind][step].lasting !== false;

/**
 * What verify reports: every write an inspected step would make, and every problem a step
 * refused on, in step order, each record once (final validation re-reads what the earlier steps
 * already found). Steps whose records do not last (Step.lasting) are left out.
 */
export function driftFindings(kind: EngineKind, inspections: readonly StepInspection[]): DriftFinding[] {
  const all: DriftFinding[] = [];
  for (const i of inspections) {
    for (const w of i.intents) {
      all.push({
        step: i.step,
        doctype: w.doctype,
        record: w.name,
        problem: w.action === 'create' ? `${w.doctype} "${w.name}" is missing: ${i.step} would create it` : `${w.doctype} "${w.name}" differs: ${i.step} would update ${w.detail ?? 'it'}`,
      });
    }
    for (const p of i.problems) all.push({ step: p.step as StepId, doctype: p.doctype, record: p.record, problem: p.problem });
  }
  const kept: DriftFinding[] = [];
  const keys = new Set<string>();
  for (const f of all.filter((f) => isLasting(kind, f.step)).sort((a, b) => ordinal(a.step) - ordinal(b.step))) {
    const k = f.record !== null ? `${f.doctype}\u0000${f.record.toLowerCase()}` : f.problem;
    if (keys.has(k)) continue;
    keys.add(k);
    kept.push(f);
  }
  return kept;
}

/** One operation of a run's plan (issue 16 item 4). */
export interface PlannedOperation {
  step: StepId;
  action: 'create' | 'update' | 'exists' | 'skip';
  doctype: string | null;
  name: string | null;
  /** What an update changes (each change of the record in the step, joined); null otherwise. */
  detail: string | null;
}

/**
 * A run's operations, from the inspection of its planned steps: each write a step would make;
 * for what it found in place, `exists` (each record once per step; a step that reads no record,
 * step_0, says `exists` with no record); a step that would skip itself, `skip`. A step refused on
 * a record problem lists what it found so far: the run would fail there, and the problem says why.
 */
export function planOperations(inspections: readonly StepInspection[]): PlannedOperation[] {
  const ops: PlannedOperation[] = [];
  for (const i of inspections) {
    if (i.outcome === 'skipped') {
      ops.push({ step: i.step, action: 'skip', doctype: null, name: null, detail: null });
      continue;
    }
    const written = new Set(i.intents.map((w) => `${w.doctype}\u0000${w.name.toLowerCase()}`));
    const listed = new Set<string>();
    for (const s of i.seen) {
      const k = `${s.doctype}\u0000${s.name.toLowerCase()}`;
      if (written.has(k) || listed.has(k)) continue;
      listed.add(k);
      ops.push({ step: i.step, action: 'exists', doctype: s.doctype, name: s.name, detail: null });
    }
    // one operation per record and action; an update's changes are joined into its detail
    const intended = new Map<string, PlannedOperation>();
    for (const w of i.intents) {
      const k = `${w.action}\u0000${w.doctype}\u0000${w.name.toLowerCase()}`;
      const detail = w.action === 'update' ? (w.detail ?? null) : null;
      const op = intended.get(k);
      if (!op) {
        const added: PlannedOperation = { step: i.step, action: w.action, doctype: w.doctype, name: w.name, detail };
        intended.set(k, added);
        ops.push(added);
      } else if (detail && !op.detail?.split(', ').includes(detail)) op.detail = op.detail ? `${op.detail}, ${detail}` : detail;
    }
    if (i.seen.length === 0 && i.intents.length === 0) ops.push({ step: i.step, action: 'exists', doctype: null, name: null, detail: null });
  }
  return ops;
}
