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
    };
    // "provisioning" in every run line, so the guide's grep finds them
    this.logger[e.level](fields, `provisioning: ${e.message}`);
    this.bus.emit('event', stored);
    return stored;
  }
}
