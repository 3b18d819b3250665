import { setTimeout as sleep } from 'node:timers/promises';
import { stepDefinition, type StepId } from '../domain/steps/catalogue.ts';
import { runStep } from '../domain/steps/index.ts';
import type { EngineFacts, StepContext, TenantProfile } from '../domain/steps/step.ts';
import { toProvisionerError, EngineUnavailableError } from '../domain/errors.ts';
import { retryDelayMs, type RetryPolicy } from '../domain/retry-policy.ts';
import type { Engine } from '../ports/engine.ts';
import type { EngineRecord, RunRecord } from '../ports/store.ts';
import type { PostgresStore } from '../adapters/postgres/store.ts';
import type { Journal } from '../observability/journal.ts';
import type { EngineCall } from '../adapters/engine-factory.ts';

export interface RunExecutorDeps {
  store: PostgresStore;
  journal: Journal;
  engineFor: (record: EngineRecord, onCall: (call: EngineCall) => void) => Engine;
  workerId: string;
  retryPolicy: RetryPolicy;
  /**
   * How long a step that a dead worker left in flight waits before it runs again: a create the
   * dead worker sent may still be running in the engine, answered to no one, and only once it has
   * ended does the step's read find it. (Default: DEFAULT_RESUME_SETTLE_MS)
   */
  resumeSettleMs?: number;
  random?: () => number;
}

/**
 * Why 10 s: a create on a real Odoo 17 under load took 1-2 s, a company on ERPNext several; and
 * Odoo's pos.config, payment methods, products and customers have no unique key that would
 * refuse a second create (the chaos harness against a real Odoo 17 made a duplicate product with
 * no wait). A worker's crash costs its in-flight runs this much, once.
 */
export const DEFAULT_RESUME_SETTLE_MS = 10_000;

type StepOutcome = 'completed' | 'skipped' | 'failed' | 'lease_lost' | 'interrupted';

/**
 * Executes one claimed run step by step. Each step's state is written before the next one
 * starts, and every write is guarded by the run's lease. A run resumed after a crash skips the
 * steps this run already finished and runs the interrupted one again (steps are ensures).
 * `signal` asks to stop between steps (shutdown, lost lease).
 */
export async function executeRun(run: RunRecord, deps: RunExecutorDeps, signal: AbortSignal): Promise<'finished' | 'handed_back'> {
  const { store, journal, workerId } = deps;
  const tenant = await store.getTenant(run.tenantId);
  if (!tenant) return 'handed_back';
  const engineRecord = await store.getEngine(tenant.engineId);
  const stepsAtClaim = await store.listSteps(tenant.id);
  const resumed = run.startedAt !== null && stepsAtClaim.some((s) => s.runId === run.id);
  await journal.record({
    tenantId: tenant.id,
    runId: run.id,
    type: resumed ? 'run_resumed' : 'run_started',
    level: 'info',
    status: 'IN_PROGRESS',
    message: `${resumed ? 'Resuming' : 'Starting'} ${run.kind} run of ${run.plan.length} step(s) for tenant "${tenant.name}"`,
  });

  let facts: EngineFacts = { ...tenant.engineFacts };
  const profile: TenantProfile = { id: tenant.id, name: tenant.name, countryCode: tenant.countryCode, country: tenant.country, currency: tenant.currency };
  let stepContext: { stepId: StepId; attempt: number } = { stepId: run.plan[0]!, attempt: 0 };
  const onCall = (call: EngineCall) => {
    journal.engineCall({
        tenantId: tenant.id,
        runId: run.id,
        stepId: stepContext.stepId,
        attempt: stepContext.attempt,
        type: 'engine_call',
        level: 'debug',
        status: call.status === null ? 'error' : String(call.status),
        message: `${call.method} ${call.path} → ${call.status ?? call.error}`,
        durationMs: call.ms,
        engine: { method: call.method, path: call.path, status: call.status, ms: call.ms },
      });
  };
  // an engine that cannot be made (credentials this process cannot decrypt) fails the step with
  // why, as a missing one does, instead of crashing the run on every claim
  let engine: Engine | null = null;
  let unusable: unknown = null;
  try {
    engine = engineRecord ? deps.engineFor(engineRecord, onCall) : null;
  } catch (e) {
    unusable = e;
  }

  const done = new Map(stepsAtClaim.map((s) => [s.id, s]));
  for (const stepId of run.plan) {
    const row = done.get(stepId);
    if (row && row.runId === run.id && (row.status === 'completed' || row.status === 'skipped' || row.status === 'failed')) {
      // settled before a crash; a critical failure still ends the run where it stopped
      if (row.status === 'failed' && stepDefinition(stepId).critical) return finish('failed', `Run stopped: critical step ${stepId} failed`);
      continue;
    }
    if (signal.aborted) return handBack(run, deps);
    // this run's attempt at the step was cut off by its worker's death: what it sent may still be at work in the engine
    if (resumed && row?.runId === run.id && row.status === 'running' && !(await settle(stepId))) return handBack(run, deps);

    const outcome = await executeStep(stepId);
    if (outcome === 'lease_lost') return 'handed_back';
    if (outcome === 'interrupted') return handBack(run, deps);
    if (outcome === 'failed' && stepDefinition(stepId).critical) return finish('failed', `Run stopped: critical step ${stepId} failed`);
  }
  const anyFailed = (await store.listSteps(tenant.id)).some((s) => s.status === 'failed' || (s.status === 'skipped' && s.skipReason === 'failure'));
  return anyFailed ? finish('partial', 'Run finished with non-critical failures (PARTIAL)') : finish('completed', 'Provisioning completed');

  /** Waits out the engine's requests an interrupted attempt may have left running; false when asked to stop meanwhile. */
  async function settle(stepId: StepId): Promise<boolean> {
    const waitMs = deps.resumeSettleMs ?? DEFAULT_RESUME_SETTLE_MS;
    if (waitMs <= 0) return true;
    await journal.record({
      tenantId: tenant!.id,
      runId: run.id,
      stepId,
      type: 'note',
      level: 'info',
      status: 'running',
      message: `${stepId} was interrupted by its worker's end: waiting ${waitMs / 1000} s for requests it may have left running in the engine before reading it again`,
    });
    try {
      await sleep(waitMs, undefined, { signal });
      return true;
    } catch {
      return false;
    }
  }

  async function finish(status: 'completed' | 'partial' | 'failed', message: string): Promise<'finished' | 'handed_back'> {
    const event = await store.finishRun(run.id, workerId, status, {
      tenantId: tenant!.id,
      runId: run.id,
      type: 'run_finished',
      level: status === 'completed' ? 'info' : status === 'partial' ? 'warn' : 'error',
      status: status.toUpperCase(),
      message,
    });
    if (!event) return 'handed_back';
    journal.published(event);
    return 'finished';
  }

  async function executeStep(stepId: StepId): Promise<StepOutcome> {
    // the retry budget is this worker's: attempts interrupted by crashes do not consume it
    for (let tries = 1; ; tries++) {
      // each transition is written with its event in one statement, guarded by the lease
      const startedEvent = await store.markStepRunning(tenant!.id, stepId, run.id, workerId, {
        tenantId: tenant!.id,
        runId: run.id,
        stepId,
        type: 'step_started',
        level: 'info',
        status: 'running',
        message: `${stepId} started`,
      });
      if (!startedEvent) return 'lease_lost';
      journal.published(startedEvent);
      const attempt = startedEvent.attempt!;
      stepContext = { stepId, attempt };
      const started = performance.now();
      const base = { tenantId: tenant!.id, runId: run.id, stepId, attempt };
      try {
        if (unusable) throw unusable;
        if (!engine) throw new EngineUnavailableError(`engine "${tenant!.engineId}" is not registered`);
        const notes: Promise<unknown>[] = [];
        const ctx: StepContext = {
          tenant: profile,
          config: run.config,
          facts,
          engine,
          note: (message) => void notes.push(journal.record({ ...base, type: 'note', level: 'info', status: 'running', message }).catch(() => {})),
        };
        const result = await runStep(stepId, ctx);
        await Promise.all(notes);
        // the step's engine calls go before its outcome in the logs
        await journal.flushEngineCalls();
        const durationMs = Math.round(performance.now() - started);
        if (result.outcome === 'skipped') {
          const skipped = await store.markStepSkipped(tenant!.id, stepId, run.id, workerId, 'config', result.message, {
            ...base,
            type: 'step_skipped',
            level: 'info',
            status: 'skipped',
            message: `${stepId} skipped: ${result.message}`,
            durationMs,
          });
          if (!skipped) return 'lease_lost';
          journal.published(skipped);
          return 'skipped';
        }
        const completed = await store.markStepCompleted(tenant!.id, stepId, run.id, workerId, result.message, result.facts ?? {}, {
          ...base,
          type: 'step_completed',
          level: 'info',
          status: 'completed',
          message: `${stepId} completed: ${result.message}`,
          durationMs,
        });
        if (!completed) return 'lease_lost';
        journal.published(completed);
        facts = { ...facts, ...result.facts };
        return 'completed';
      } catch (e) {
        const err = toProvisionerError(e);
        const durationMs = Math.round(performance.now() - started);
        await journal.flushEngineCalls();
        if (err.transient && tries < deps.retryPolicy.maxAttempts && !signal.aborted) {
          const delay = retryDelayMs(deps.retryPolicy, tries, (deps.random ?? Math.random)(), err.retryAfterMs);
          await journal.record({
            ...base,
            type: 'step_retrying',
            level: 'warn',
            status: 'retrying',
            message: `${stepId} attempt ${attempt} failed (${err.message}); retrying in ${delay} ms`,
            code: err.code,
            hint: err.hint,
            error: err.message,
            durationMs,
          });
          try {
            await sleep(delay, undefined, { signal });
          } catch {
            return 'interrupted';
          }
          continue;
        }
        const failed = await store.markStepFailed(tenant!.id, stepId, run.id, workerId, { code: err.code, message: err.message, hint: err.hint }, {
          ...base,
          type: 'step_failed',
          level: 'error',
          status: 'failed',
          message: `${stepId} failed: ${err.message}`,
          code: err.code,
          hint: err.hint,
          error: err.message,
          durationMs,
        });
        if (!failed) return 'lease_lost';
        journal.published(failed);
        return 'failed';
      }
    }
  }
}

async function handBack(run: RunRecord, deps: RunExecutorDeps): Promise<'handed_back'> {
  await deps.store.releaseRun(run.id, deps.workerId);
  await deps.journal.record({ tenantId: run.tenantId, runId: run.id, type: 'run_handed_back', level: 'info', status: 'IN_PROGRESS', message: 'Worker stopping: run handed back, it resumes on another claim' });
  return 'handed_back';
}
