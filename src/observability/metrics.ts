import http from 'node:http';
import type { EventEmitter } from 'node:events';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PostgresStore } from '../adapters/postgres/store.ts';
import type { EventRecord, RunStatus } from '../ports/store.ts';
import type { ProvisioningStatus } from '../domain/status.ts';
import { buildStatusView } from '../application/status-view.ts';
import type { Logger } from './logger.ts';

const RUN_STATUSES: RunStatus[] = ['queued', 'running', 'completed', 'partial', 'failed'];
const TENANT_STATUSES: ProvisioningStatus[] = ['NOT_STARTED', 'IN_PROGRESS', 'COMPLETED', 'PARTIAL', 'FAILED'];
const STEP_OUTCOMES: Record<string, string> = { step_completed: 'completed', step_failed: 'failed', step_skipped: 'skipped' };

export interface MetricsOptions {
  store: PostgresStore;
  logger: Logger;
  /**
   * Read runs, tenants, queue depth and leases from the database at each scrape. The API does;
   * workers do not, so that summing over processes does not count the database twice. (Default: true)
   */
  databaseGauges?: boolean;
  /** Live SSE clients of this process. */
  eventStreamClients?: () => number;
}

/**
 * "DocType" of an engine call, from its path: the DocType of /api/resource/<DocType>/..., the
 * method name of /api/method/<method> (frappe.ping), else "other". Bounded label values.
 */
export function engineCallTarget(path: string): string {
  const [, api, kind, name] = path.split('?')[0]!.split('/');
  if (api !== 'api' || !name) return 'other';
  if (kind === 'resource' || kind === 'method') return name;
  return 'other';
}

/**
 * Prometheus metrics of one Provisioner process (prom-client, its own registry). Step and
 * engine-call metrics are fed by the Journal's in-process bus, so a process reports what its own
 * worker did; database gauges are read at scrape time.
 */
export class ProvisionerMetrics {
  readonly registry = new Registry();
  private readonly engineOfTenant = new Map<string, Promise<string>>();
  private readonly stepDuration: Histogram<'step' | 'outcome'>;
  private readonly stepRetries: Counter<'step' | 'code'>;
  private readonly runsFinished: Counter<'status'>;
  private readonly autoContinues: Counter<'code'>;
  private readonly driftDetected: Counter<'step'>;
  private readonly driftedTenants: Gauge;
  private readonly engineCallDuration: Histogram<'engine' | 'doctype' | 'method'>;
  private readonly engineCallErrors: Counter<'engine' | 'doctype' | 'code'>;
  private readonly runs: Gauge<'status'>;
  private readonly tenants: Gauge<'status'>;
  private readonly queueDepth: Gauge;
  private readonly activeLeases: Gauge;
  private readonly databaseUp: Gauge;
  private readonly webhookDeliveries: Gauge;

  constructor(private readonly opts: MetricsOptions) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.stepDuration = new Histogram({
      name: 'provisioner_step_duration_seconds',
      help: 'Duration of step attempts that ended, by step and outcome (completed, failed, skipped)',
      labelNames: ['step', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.stepRetries = new Counter({ name: 'provisioner_step_retries_total', help: 'Step attempts that failed with a transient error and were retried, by step and error code', labelNames: ['step', 'code'], registers });
    this.runsFinished = new Counter({ name: 'provisioner_runs_finished_total', help: 'Runs finished by this process, by final status (COMPLETED, PARTIAL, FAILED)', labelNames: ['status'], registers });
    this.autoContinues = new Counter({ name: 'provisioner_auto_continues_total', help: 'Runs this process continued automatically after a transient failure, by the failure\'s code', labelNames: ['code'], registers });
    this.driftDetected = new Counter({ name: 'provisioner_drift_detected_total', help: 'Tenants a verification of this process (API or drift sweep) found drifted, by the first broken step', labelNames: ['step'], registers });
    this.engineCallDuration = new Histogram({
      name: 'provisioner_engine_call_duration_seconds',
      help: 'Latency of engine (ERPNext) requests, by engine, DocType or method, and HTTP method',
      labelNames: ['engine', 'doctype', 'method'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.engineCallErrors = new Counter({
      name: 'provisioner_engine_call_errors_total',
      help: 'Engine requests that failed, by engine, DocType or method, and code (HTTP status, timeout or network)',
      labelNames: ['engine', 'doctype', 'code'],
      registers,
    });
    this.runs = new Gauge({ name: 'provisioner_runs', help: 'Provisioning runs in the database by status', labelNames: ['status'], registers: [] });
    this.tenants = new Gauge({ name: 'provisioner_tenants', help: 'Tenants by derived provisioning status', labelNames: ['status'], registers: [] });
    this.queueDepth = new Gauge({ name: 'provisioner_queue_depth', help: 'Runs waiting for a worker: queued, or running under an expired lease', registers: [] });
    this.activeLeases = new Gauge({ name: 'provisioner_active_leases', help: 'Runs held by a live worker (running, lease not expired)', registers: [] });
    this.databaseUp = new Gauge({ name: 'provisioner_database_up', help: '1 when the database answered the last scrape, else 0', registers: [] });
    this.driftedTenants = new Gauge({ name: 'provisioner_tenants_drifted', help: 'Tenants whose last verification found drift (cleared by a verification without drift or a completed run)', registers: [] });
    this.webhookDeliveries = new Gauge({ name: 'provisioner_webhook_deliveries', help: 'Webhook deliveries by state: pending (not delivered yet: the outbox) and failed (given up after WEBHOOK_RETRY_FOR_MS)', labelNames: ['state'], registers: [] });
    if (opts.databaseGauges ?? true) for (const g of [this.runs, this.tenants, this.queueDepth, this.activeLeases, this.databaseUp, this.driftedTenants, this.webhookDeliveries]) this.registry.registerMetric(g);
    const clients = opts.eventStreamClients;
    if (clients) {
      new Gauge({
        name: 'provisioner_event_stream_clients',
        help: 'Open Server-Sent Events streams of this process',
        registers,
        collect() {
          this.set(clients());
        },
      });
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Feeds the metrics from a Journal's bus; returns the function that stops it. */
  observe(bus: EventEmitter): () => void {
    const listener = (e: EventRecord) => void this.record(e).catch(() => {});
    bus.on('event', listener);
    return () => void bus.off('event', listener);
  }

  async record(e: EventRecord): Promise<void> {
    const outcome = STEP_OUTCOMES[e.type];
    if (outcome && e.stepId && e.durationMs !== null) this.stepDuration.observe({ step: e.stepId, outcome }, e.durationMs / 1000);
    else if (e.type === 'step_retrying' && e.stepId) this.stepRetries.inc({ step: e.stepId, code: e.code ?? 'unknown' });
    else if (e.type === 'run_finished' && e.status) this.runsFinished.inc({ status: e.status });
    else if (e.type === 'auto_continue') this.autoContinues.inc({ code: e.code ?? 'unknown' });
    else if (e.type === 'tenant_drifted') this.driftDetected.inc({ step: e.stepId ?? 'unknown' });
    else if (e.type === 'engine_call' && e.engine) {
      const call = e.engine;
      const labels = { engine: await this.engineOf(e.tenantId), doctype: engineCallTarget(call.path) };
      this.engineCallDuration.observe({ ...labels, method: call.method }, call.ms / 1000);
      if (call.status === null) this.engineCallErrors.inc({ ...labels, code: /timeout$/.test(e.message) ? 'timeout' : 'network' });
      else if (call.status >= 400) this.engineCallErrors.inc({ ...labels, code: String(call.status) });
    }
  }

  /** The text exposition, after reading the database gauges. */
  async render(): Promise<string> {
    if (this.opts.databaseGauges ?? true) await this.readDatabase();
    return this.registry.metrics();
  }

  private async readDatabase(): Promise<void> {
    const { store } = this.opts;
    try {
      const counts = await store.runCounts();
      for (const status of RUN_STATUSES) this.runs.set({ status }, counts.byStatus[status] ?? 0);
      this.queueDepth.set(counts.runnable);
      this.activeLeases.set(counts.activeLeases);
      const tenants = await store.listTenants();
      const ids = tenants.map((t) => t.id);
      const { steps, runs } = await store.provisioningSnapshot(ids);
      const byStatus = new Map<string, number>(TENANT_STATUSES.map((s) => [s, 0]));
      for (const t of tenants) {
        const { status } = buildStatusView(t, steps.get(t.id) ?? [], runs.get(t.id) ?? null);
        byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      }
      for (const [status, n] of byStatus) this.tenants.set({ status }, n);
      this.driftedTenants.set(await store.driftedTenantCount());
      const deliveries = await store.webhookDeliveryCounts();
      this.webhookDeliveries.set({ state: 'pending' }, deliveries.pending);
      this.webhookDeliveries.set({ state: 'failed' }, deliveries.failed);
      this.databaseUp.set(1);
    } catch (e) {
      this.opts.logger.warn({ err: e }, 'metrics: reading the database failed');
      this.databaseUp.set(0);
    }
  }

  /** The engine a tenant provisions into (fixed at creation), looked up once per tenant. */
  private engineOf(tenantId: string): Promise<string> {
    let engine = this.engineOfTenant.get(tenantId);
    if (!engine) {
      engine = this.opts.store.getTenant(tenantId).then(
        (t) => t?.engineId ?? 'unknown',
        () => {
          this.engineOfTenant.delete(tenantId);
          return 'unknown';
        },
      );
      this.engineOfTenant.set(tenantId, engine);
    }
    return engine;
  }
}

/** A bare /metrics endpoint for processes without the API (`provisioner worker` with METRICS_PORT). */
export async function serveMetrics(metrics: ProvisionerMetrics, opts: { port: number; host: string }): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
      return;
    }
    metrics.render().then(
      (body) => res.writeHead(200, { 'content-type': metrics.contentType }).end(body),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    url: `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
