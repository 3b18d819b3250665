import path from 'node:path';
import type pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { engineUrlPolicyOf, listenOrExplain, type Config } from './config.ts';
import { assertEngineUrlAllowed } from './adapters/engine-url-policy.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import { Journal } from './observability/journal.ts';
import { EventFeed, relayRunEvents } from './observability/event-feed.ts';
import { TokenStateCache } from './adapters/postgres/token-state-cache.ts';
import { ProvisionerMetrics } from './observability/metrics.ts';
import { createPool } from './adapters/postgres/database.ts';
import { startEmbeddedPostgres } from './adapters/postgres/embedded.ts';
import { migrate } from './adapters/postgres/migrate.ts';
import { PostgresStore } from './adapters/postgres/store.ts';
import { createEngine, type EngineCall } from './adapters/engine-factory.ts';
import { EncryptionKeyMissingError, EngineSecrets } from './adapters/engine-secrets.ts';
import { EngineGates } from './adapters/engine-gate.ts';
import { SiteCaches } from './adapters/site-cache.ts';
import { FleetEngineSlots } from './adapters/postgres/engine-slots.ts';
import type { EngineRecord } from './ports/store.ts';
import type { Engine } from './ports/engine.ts';
import { ProvisioningService } from './application/provisioning-service.ts';
import { hashPassword, verifyPassword } from './application/passwords.ts';
import { DEMO_ACCOUNT_DISABLED_REASON } from './application/accounts.ts';
import { Worker } from './runner/worker.ts';
import { AutoContinuer } from './runner/auto-continuer.ts';
import { DriftSweeper } from './runner/drift-sweeper.ts';
import { WebhookDeliverer } from './runner/webhook-deliverer.ts';
import { DriftChecks } from './application/drift-checks.ts';
import type { RunningSimulator } from './simulator/erpnext/index.ts';
import type { RunningOdooSimulator } from './simulator/odoo/index.ts';
import { VERSION } from './version.ts';

export { VERSION } from './version.ts';

/** The engine tenants get when they name none. */
export const DEFAULT_ENGINE_ID = 'default';

/** The demo's Odoo engine (PROVISIONER_DEMO_ODOO=true): tenants created with this engine_id go to the built-in Odoo simulator. */
export const DEMO_ODOO_ENGINE_ID = 'odoo-demo';

/** The guide's account, created only in local demo mode (product.md §8). */
export const DEMO_ADMIN = { email: 'admin@moran.com', password: 'admin123' } as const;

/**
 * The guide's account exists in demo mode only. In demo mode it is created (or enabled again
 * when a non-demo start disabled it). Outside demo mode it is disabled while its password is
 * still the published one: the account is recognised by its email and that password, not by a
 * marker, so that a database made before this check is covered too, and an operator who gave
 * it a password of their own keeps it as a real account.
 */
export async function secureDemoAccount(store: PostgresStore, demo: boolean, logger: Logger): Promise<void> {
  const account = await store.findUserByEmail(DEMO_ADMIN.email);
  if (demo) {
    if (!account) {
      await store.createUser({ email: DEMO_ADMIN.email, name: 'Demo admin', passwordHash: await hashPassword(DEMO_ADMIN.password), role: 'platform_admin' });
      logger.warn({ email: DEMO_ADMIN.email }, 'demo mode: created the guide\'s platform admin account (localhost only)');
    } else if (account.disabledReason === DEMO_ACCOUNT_DISABLED_REASON) {
      await store.updateUser(account.id, { disabled: false }, { actorId: null, actorEmail: null, action: 'user.update', targetType: 'user', targetId: account.id, details: { email: account.email, disabled: false, why: 'demo mode' } });
      logger.warn({ email: DEMO_ADMIN.email }, 'demo mode: enabled the guide\'s platform admin account again (localhost only)');
    }
    return;
  }
  if (!account || account.disabledAt || !(await verifyPassword(account.passwordHash, DEMO_ADMIN.password))) return;
  // even when it is the only platform admin: a published password is worse than none (users create makes a real one)
  await store.updateUser(
    account.id,
    { disabled: true, disabledReason: DEMO_ACCOUNT_DISABLED_REASON },
    { actorId: null, actorEmail: null, action: 'user.update', targetType: 'user', targetId: account.id, details: { email: account.email, disabled: true, why: 'demo account outside demo mode' } },
    { keepAPlatformAdmin: false },
  );
  logger.warn(
    { email: DEMO_ADMIN.email },
    `disabled the demo account ${DEMO_ADMIN.email}: it was created by demo mode (PROVISIONER_DEMO=true) and its password is the guide's, so anyone could log in with it. ` +
      `Replace it: create your own admin (PROVISIONER_NEW_PASSWORD=... provisioner users create --email you@example.com), then delete this one (provisioner users delete ${DEMO_ADMIN.email}); ` +
      `or keep it with a password of your own (PROVISIONER_NEW_PASSWORD=... provisioner users set-password ${DEMO_ADMIN.email}, then provisioner users enable ${DEMO_ADMIN.email}).`,
  );
}

export interface Database {
  url: string;
  pool: pg.Pool;
  store: PostgresStore;
  close(): Promise<void>;
}

/**
 * Connects to DATABASE_URL or starts the embedded PostgreSQL, then applies the migrations. The
 * store seals and opens engine credentials with `encryptionKeys` (none: it seals nothing).
 */
export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir' | 'embeddedPgPort' | 'databasePoolMax' | 'allowNewerSchema'> & Partial<Pick<Config, 'encryptionKeys'>>, logger: Logger): Promise<Database> {
  let url = config.databaseUrl;
  let stopEmbedded = async () => {};
  if (!url) {
    const embedded = await startEmbeddedPostgres({ dataDir: `${config.dataDir}/pg`, port: config.embeddedPgPort });
    url = embedded.url;
    stopEmbedded = embedded.stop;
    logger.info({ data_dir: `${config.dataDir}/pg`, port: config.embeddedPgPort }, 'embedded PostgreSQL ready');
  }
  const pool = createPool(url, { max: config.databasePoolMax });
  let migrated: Awaited<ReturnType<typeof migrate>>;
  try {
    migrated = await migrate(pool, { allowNewerSchema: config.allowNewerSchema });
  } catch (e) {
    await pool.end().catch(() => {});
    await stopEmbedded().catch(() => {});
    throw e;
  }
  if (migrated.applied.length) logger.info({ migrations: migrated.applied }, 'database migrated');
  if (migrated.unknown.length) {
    logger.warn({ unknown_migrations: migrated.unknown }, 'the database has migrations this version does not know; starting anyway because PROVISIONER_ALLOW_NEWER_SCHEMA=true');
  }
  return {
    url,
    pool,
    store: new PostgresStore(pool, new EngineSecrets(config.encryptionKeys ?? null)),
    close: async () => {
      await pool.end();
      await stopEmbedded();
    },
  };
}

/**
 * Engine credentials (and webhook signing secrets) at rest, checked by every serve and worker
 * start. With a key: rows still in clear text (from before encryption) are encrypted now, and engines this process cannot decrypt
 * are named in a warning (each use of them fails with ENGINE_SECRETS_UNREADABLE). Without a key
 * (outside demo mode, PROVISIONER_ENCRYPTION_KEY unset): refused while any engine is registered,
 * since its credentials could be neither read nor protected; with none, the start goes on and
 * registering one is refused until a key is set.
 */
export async function secureEngineSecrets(store: PostgresStore, logger: Logger): Promise<void> {
  const secrets = store.engineSecrets;
  if (!secrets.configured) {
    const engines = await store.countEngines();
    if (engines > 0) {
      throw new EncryptionKeyMissingError(`PROVISIONER_ENCRYPTION_KEY is not set, and ${engines} engine${engines === 1 ? ' is' : 's are'} registered: ${engines === 1 ? 'its' : 'their'} API keys and secrets can be neither decrypted nor, for rows from before encryption, encrypted`);
    }
    logger.warn('PROVISIONER_ENCRYPTION_KEY is not set: no engine or webhook can be registered (503 ENCRYPTION_KEY_MISSING) until it is set on every serve and worker process');
    return;
  }
  const outcome = await store.resealEngineSecrets({ clearTextOnly: true });
  if (outcome.resealed.length > 0) logger.info({ engines: outcome.resealed, key_id: secrets.currentKeyId }, 'encrypted the API keys and secrets of engines stored in clear text (from before encryption at rest)');
  for (const { id, error } of outcome.unreadable) logger.warn({ engine: id, code: error.code, hint: error.hint }, error.message);
  const hooks = await store.resealWebhookSecrets({ clearTextOnly: true });
  if (hooks.resealed.length > 0) logger.info({ webhooks: hooks.resealed, key_id: secrets.currentKeyId }, 'encrypted the signing secrets of webhooks stored in clear text (from before encryption at rest)');
  for (const { id, error } of hooks.unreadable) logger.warn({ webhook: id, code: error.code, hint: error.hint }, error.message);
  logger.info({ key_id: secrets.currentKeyId, previous_key_ids: secrets.keyIds.slice(1) }, 'engine credentials and webhook secrets are encrypted at rest');
}

export type EngineFor = ((record: EngineRecord, onCall?: (call: EngineCall) => void) => Engine) & { close(): Promise<void> };

/**
 * Engines as configured: time budgets, and one concurrency limit per engine. With a database,
 * the limit is shared by every process on it (ENGINE_MAX_CONCURRENCY fleet-wide, slots held in
 * PostgreSQL); without, per process. close() ends the slots' connection.
 */
export function engineFactory(config: Pick<Config, 'engineBudgets' | 'engineMaxConcurrency' | 'demo' | 'engineAllowedHosts'>, db?: Pick<Database, 'url'>, logger?: Logger): EngineFor {
  const fleet = db ? new FleetEngineSlots({ databaseUrl: db.url, logger }) : undefined;
  const gates = new EngineGates(config.engineMaxConcurrency, fleet);
  const urlPolicy = engineUrlPolicyOf(config);
  // one per process: the tenants a process provisions share what they learn of each site
  const siteCaches = new SiteCaches();
  const engineFor = (record: EngineRecord, onCall?: (call: EngineCall) => void) => createEngine(record, { budgets: config.engineBudgets, onCall, gates, urlPolicy, siteCaches });
  return Object.assign(engineFor, { close: async () => void (await fleet?.close()) });
}

/** A worker as configured (serve's in-process one and the worker command's). */
export function createWorker(config: Config, db: Database, journal: Journal, engineFor: EngineFor, logger: Logger): Worker {
  return new Worker({ store: db.store, journal, engineFor, retryPolicy: config.retryPolicy, resumeSettleMs: config.resumeSettleMs, databaseUrl: db.url, logger, leaseMs: config.leaseMs });
}

/**
 * Auto-continue as configured. It runs beside each worker (a process that provisions also
 * heals); several processes sweeping at once make one run per tenant all the same.
 */
export function createAutoContinuer(
  config: Config,
  db: Database,
  journal: Journal,
  engineFor: EngineFor,
  logger: Logger,
  service = new ProvisioningService(db.store, journal, (r) => engineFor(r), DEFAULT_ENGINE_ID),
): AutoContinuer {
  return new AutoContinuer({ store: db.store, service, journal, engineFor: (r) => engineFor(r), policy: config.autoContinue, intervalMs: config.autoContinue.intervalMs, logger });
}

/**
 * The drift sweep as configured, beside each worker like auto-continue. A claim outlives the
 * slowest verification (its reads, each retried within its budget) before another worker may
 * take the tenant of a worker that died.
 */
export function createDriftSweeper(
  config: Config,
  db: Database,
  journal: Journal,
  engineFor: EngineFor,
  logger: Logger,
  workerId: string,
  service = new ProvisioningService(db.store, journal, (r) => engineFor(r), DEFAULT_ENGINE_ID),
): DriftSweeper {
  const checks = new DriftChecks(db.store, service, journal, (r) => engineFor(r));
  return new DriftSweeper({ store: db.store, checks, logger, policy: config.driftSweep, workerId, claimMs: Math.max(60_000, 30 * config.engineBudgets.readMs) });
}

/** The webhook deliverer as configured, beside each worker: any of them sends the outbox. */
export function createWebhookDeliverer(config: Config, db: Database, logger: Logger, workerId: string): WebhookDeliverer {
  return new WebhookDeliverer({ store: db.store, databaseUrl: db.url, logger, policy: config.webhooks, urlPolicy: engineUrlPolicyOf(config), workerId });
}

export interface RunningProvisioner {
  url: string;
  app: FastifyInstance<any, any, any, any, any>;
  db: Database;
  simulator: RunningSimulator | null;
  /** The demo's Odoo simulator (engine odoo-demo), when PROVISIONER_DEMO_ODOO=true. */
  odooSimulator: RunningOdooSimulator | null;
  worker: Worker | null;
  autoContinuer: AutoContinuer | null;
  driftSweeper: DriftSweeper | null;
  webhookDeliverer: WebhookDeliverer | null;
  eventFeed: EventFeed;
  metrics: ProvisionerMetrics;
  close(): Promise<void>;
}

/** Composition root: database, engine registration, demo account, API, in-process worker. */
export async function startProvisioner(config: Config, logger: Logger = createLogger({ level: config.logLevel, pretty: config.logPretty })): Promise<RunningProvisioner> {
  const db = await openDatabase(config, logger);
  const { store } = db;
  let simulator: RunningSimulator | null = null;
  let odooSimulator: RunningOdooSimulator | null = null;
  const eventFeed = new EventFeed({ store, databaseUrl: db.url, logger });
  const tokenStates = new TokenStateCache({ store, databaseUrl: db.url, logger });
  let closeEngines = async () => {};
  try {
    await secureEngineSecrets(store, logger);
    if (config.erpnext) {
      // a refused ERPNEXT_URL stops the start, with the hint that names the allow-list
      await assertEngineUrlAllowed(config.erpnext.url, engineUrlPolicyOf(config), { unresolvable: 'allow' });
      await store.upsertEngine({ id: DEFAULT_ENGINE_ID, kind: 'erpnext', baseUrl: config.erpnext.url, apiKey: config.erpnext.apiKey, apiSecret: config.erpnext.apiSecret });
    } else if (config.demo) {
      // kept in the data folder, so that the demo engine still has what the tenants' records say
      const { startErpnextSimulator } = await import('./simulator/erpnext/index.ts');
      simulator = await listenOrExplain(
        () => startErpnextSimulator({ port: config.simulatorPort, host: '127.0.0.1', dataFile: path.join(config.dataDir, 'simulator.json') }),
        'The built-in ERPNext simulator',
        '127.0.0.1',
        config.simulatorPort,
        'SIMULATOR_PORT',
      );
      await store.upsertEngine({ id: DEFAULT_ENGINE_ID, kind: 'erpnext', baseUrl: simulator.url, apiKey: simulator.apiKey, apiSecret: simulator.apiSecret });
      logger.info({ url: simulator.url }, 'built-in ERPNext simulator started (demo mode)');
    } else if (!(await store.getEngine(DEFAULT_ENGINE_ID))) {
      logger.warn('no default engine: set ERPNEXT_URL, ERPNEXT_API_KEY and ERPNEXT_API_SECRET, or register one with POST /api/engines');
    }
    if (config.demo && config.odooDemoPort !== null) {
      const port = config.odooDemoPort;
      // its records in the data folder too, for the same reason
      const { startOdooSimulator } = await import('./simulator/odoo/index.ts');
      odooSimulator = await listenOrExplain(
        () => startOdooSimulator({ port, host: '127.0.0.1', dataFile: path.join(config.dataDir, 'odoo-simulator.json') }),
        'The built-in Odoo simulator',
        '127.0.0.1',
        port,
        'ODOO_SIMULATOR_PORT',
      );
      const { url, db: database, login, apiKey } = odooSimulator;
      await store.upsertEngine({ id: DEMO_ODOO_ENGINE_ID, kind: 'odoo', baseUrl: url, database, login, apiKey, apiSecret: '' });
      logger.info({ url, engine: DEMO_ODOO_ENGINE_ID }, `built-in Odoo simulator started (demo mode): create tenants with "engine_id": "${DEMO_ODOO_ENGINE_ID}"`);
    }
    await secureDemoAccount(store, config.demo, logger);

    const journal = new Journal(store, logger);
    const engineFor = engineFactory(config, db, logger);
    closeEngines = engineFor.close;
    const service = new ProvisioningService(store, journal, (r) => engineFor(r), DEFAULT_ENGINE_ID);
    await eventFeed.start();
    await tokenStates.start();
    // separate workers write the run lines: the API's log shows them too, as the guide expects
    const relay = config.workerInProcess ? null : await relayRunEvents(eventFeed, logger);
    const metrics = new ProvisionerMetrics({ store, logger, eventStreamClients: () => eventFeed.subscriberCount - (relay ? 1 : 0) });
    const stopMetrics = metrics.observe(journal.bus);
    // the API (Fastify, zod, OpenAPI) and the simulator are loaded here, not by `provisioner worker`
    const { buildApi } = await import('./api/app.ts');
    const app = await buildApi({
      store,
      service,
      engineFor: (r) => engineFor(r),
      version: VERSION,
      logger,
      jwtSecret: config.jwtSecret,
      trustProxy: config.trustProxy,
      eventFeed,
      tokenStates,
      metrics,
      loginThrottle: config.loginThrottle,
      eventStreamTokenCheckMs: config.eventStreamTokenCheckMs,
      readinessCacheMs: config.readinessCacheMs,
      engineUrlPolicy: engineUrlPolicyOf(config),
      demo: config.demo,
      engineMaxConcurrency: config.engineMaxConcurrency,
      webhookSecretOverlapMs: config.webhooks.secretOverlapMs,
      tenantFilterScanLimit: config.tenantFilterScanLimit,
      journal,
      eventStreamLimits: { perUser: config.eventStreamsPerUser, total: config.eventStreamsMax },
    });

    try {
      await listenOrExplain(() => app.listen({ port: config.port, host: config.host }), 'The API', config.host, config.port, 'PORT');
    } catch (e) {
      await app.close().catch(() => {});
      stopMetrics();
      throw e;
    }
    // claims runs only once the API is up: a server that cannot start does no work
    const worker = config.workerInProcess ? createWorker(config, db, journal, engineFor, logger) : null;
    worker?.start();
    const autoContinuer = worker ? createAutoContinuer(config, db, journal, engineFor, logger, service) : null;
    autoContinuer?.start();
    const driftSweeper = worker ? createDriftSweeper(config, db, journal, engineFor, logger, worker.workerId, service) : null;
    driftSweeper?.start();
    const webhookDeliverer = worker ? createWebhookDeliverer(config, db, logger, worker.workerId) : null;
    webhookDeliverer?.start();
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    logger.info({ url, demo: config.demo, worker: worker?.workerId ?? null }, `Provisioner API listening on ${url}`);
    return {
      url,
      app,
      db,
      simulator,
      odooSimulator,
      worker,
      eventFeed,
      metrics,
      autoContinuer,
      driftSweeper,
      webhookDeliverer,
      close: async () => {
        await webhookDeliverer?.stop();
        await driftSweeper?.stop();
        await autoContinuer?.stop();
        await worker?.stop();
        await journal.flushEngineCalls();
        await app.close();
        await engineFor.close();
        await eventFeed.close();
        await tokenStates.close();
        stopMetrics();
        await simulator?.close();
        await odooSimulator?.close();
        await db.close();
      },
    };
  } catch (e) {
    await closeEngines().catch(() => {});
    await eventFeed.close().catch(() => {});
    await tokenStates.close().catch(() => {});
    await simulator?.close().catch(() => {});
    await odooSimulator?.close().catch(() => {});
    await db.close().catch(() => {});
    throw e;
  }
}
