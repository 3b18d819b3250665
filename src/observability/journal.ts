import { EventEmitter } from 'node:events';
import type { EventRecord, NewEvent } from '../ports/store.ts';
import type { Logger } from './logger.ts';

export interface EventSink {
  appendEvent(e: NewEvent): Promise<EventRecord>;
  /** Several events in one statement (one notification), in order. */
  appendEvents(es: NewEvent[]): Promise<EventRecord[]>;
}

/**
 * How engine-call events are written: `batched` (default) a step's calls together, `each` one
 * row and one NOTIFY per call as they happen, `off` none (benchmarks compare the three).
 */
export type EngineCallEvents = 'batched' | 'each' | 'off';

/** A batch of engine calls is written at the latest this long after its first call. (Default: 250 ms) */
const ENGINE_CALL_FLUSH_MS = 250;
/** …or as soon as it holds this many. */
const ENGINE_CALL_BATCH = 200;

/**
 * Where every transition goes: appended to the events table (the logs API), written as a log
 * line, and published to in-process subscribers (live views). Engine calls are kept at debug level.
 */
export class Journal {
  readonly bus = new EventEmitter();
  private pendingCalls: NewEvent[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  /** Batches are written one after the other, so event ids keep the calls' order. */
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly sink: EventSink,
    private readonly logger: Logger,
    readonly engineCalls: EngineCallEvents = 'batched',
  ) {
    this.bus.setMaxListeners(0);
  }

  /**
   * An engine call, for the logs (include_engine_calls) and the metrics. Off the hot path: one
   * INSERT and one NOTIFY per call cost the run's pool and the database a round trip for every
   * request to the engine, so calls are buffered and written together: when the step they belong
   * to settles (the executor flushes before it writes the step's outcome, so they keep their
   * place before it), when ENGINE_CALL_BATCH are waiting, or ENGINE_CALL_FLUSH_MS after the
   * first. A crash loses the calls of the step it interrupted (that step runs again and calls
   * again); nothing of the run's state is buffered.
   */
  engineCall(e: NewEvent): void {
    if (this.engineCalls === 'off') return;
    if (this.engineCalls === 'each') {
      void this.record(e).catch(() => {});
      return;
    }
    this.pendingCalls.push(e);
    if (this.pendingCalls.length >= ENGINE_CALL_BATCH) void this.flushEngineCalls();
    else if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => void this.flushEngineCalls(), ENGINE_CALL_FLUSH_MS);
      this.flushTimer.unref();
    }
  }

  /** Writes the buffered engine calls; resolves when every batch so far is written (or dropped). */
  flushEngineCalls(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const batch = this.pendingCalls;
    if (batch.length === 0) return this.flushing;
    this.pendingCalls = [];
    this.flushing = this.flushing.then(async () => {
      try {
        for (const stored of await this.sink.appendEvents(batch)) this.published(stored);
      } catch {
        // diagnostics only: a database hiccup drops them, as it dropped single rows before
      }
    });
    return this.flushing;
  }

  async record(e: NewEvent): Promise<EventRecord> {
    const stored = await this.sink.appendEvent(e);
    this.published(stored);
    return stored;
  }

  /** An event the store already wrote together with its state change: log and publish it. */
  published(stored: EventRecord): void {
    logEvent(this.logger, stored);
    this.bus.emit('event', stored);
  }
}

/** The log line of an event: tenant_id, run_id, step and attempt on every line about a run. */
export function logEvent(logger: Logger, e: EventRecord, extra: Record<string, unknown> = {}): void {
  const fields = {
    tenant_id: e.tenantId,
    run_id: e.runId ?? undefined,
    step: e.stepId ?? undefined,
    attempt: e.attempt ?? undefined,
    event: e.type,
    status: e.status ?? undefined,
    code: e.code ?? undefined,
    hint: e.hint ?? undefined,
    duration_ms: e.durationMs ?? undefined,
    engine: e.engine ?? undefined,
    ...extra,
  };
  // "provisioning" in every run line, so the guide's grep finds them
  logger[e.level](fields, `provisioning: ${e.message}`);
}
