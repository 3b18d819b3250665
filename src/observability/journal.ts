import { EventEmitter } from 'node:events';
import type { EventRecord, NewEvent } from '../ports/store.ts';
import type { Logger } from './logger.ts';

export interface EventSink {
  appendEvent(e: NewEvent): Promise<EventRecord>;
}

/**
 * Where every transition goes: appended to the events table (the logs API), written as a log
 * line, and published to in-process subscribers (live views). Engine calls are kept at debug level.
 */
export class Journal {
  readonly bus = new EventEmitter();

  constructor(
    private readonly sink: EventSink,
    private readonly logger: Logger,
  ) {
    this.bus.setMaxListeners(0);
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
