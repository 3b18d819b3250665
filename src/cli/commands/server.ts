import { InvalidArgumentError, Option, type Command } from 'commander';
import { EXIT, onShutdown, port } from '../shared.ts';
import { loadedEnvFile } from '../env-file.ts';
import type { Logger } from '../../observability/logger.ts';
import { ROLES, type Role } from '../../ports/store.ts';

/** Which env file the start read: names only, never values. */
function logEnvFile(logger: Logger): void {
  const file = loadedEnvFile();
  if (file) logger.info({ env_file: file.path, variables: file.set, kept_from_environment: file.keptFromEnvironment }, `settings read from ${file.path}`);
}

/**
 * The server's modules (Fastify, pg, the engines...), loaded only when one of these commands
 * runs, so that `--version`, `--help` and the client commands start without them.
 */
async function server() {
  const [config, logger, provisioner, accounts, journal, metrics, secrets] = await Promise.all([
    import('../../config.ts'),
    import('../../observability/logger.ts'),
    import('../../provisioner.ts'),
    import('../../application/accounts.ts'),
    import('../../observability/journal.ts'),
    import('../../observability/metrics.ts'),
    import('../../adapters/engine-secrets.ts'),
  ]);
  return { ...config, ...logger, ...provisioner, ...accounts, ...journal, ...metrics, ...secrets };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Commands that run Provisioner itself: serve, worker, migrate, users. */
export function registerServerCommands(program: Command): void {
  program
    .command('serve')
    .description('Run the HTTP API on :4000 (with an in-process worker). Without DATABASE_URL: embedded PostgreSQL, built-in ERPNext simulator, demo account.')
    .action(async () => {
      const { loadConfig, startProvisioner, createLogger } = await server();
      const config = loadConfig();
      const logger = createLogger({ level: config.logLevel, pretty: config.logPretty });
      logEnvFile(logger);
      const running = await startProvisioner(config, logger);
      onShutdown(running.close);
    });

  program
    .command('worker')
    .description('Run a provisioning worker only (any number of them may share one PostgreSQL).')
    .addOption(new Option('--metrics-port <port>', 'serve this worker\'s Prometheus metrics on :<port>/metrics').env('METRICS_PORT').argParser(port))
    .action(async (opts: { metricsPort?: number }) => {
      const { loadConfig, createLogger, openDatabase, secureEngineSecrets, Journal, createWorker, createAutoContinuer, createDriftSweeper, createWebhookDeliverer, engineFactory, ProvisionerMetrics, serveMetrics } = await server();
      // a worker signs and checks no token: it needs no PROVISIONER_JWT_SECRET
      const config = loadConfig(process.env, { signsTokens: false });
      const logger = createLogger({ level: config.logLevel, pretty: config.logPretty });
      logEnvFile(logger);
      const db = await openDatabase(config, logger);
      try {
        await secureEngineSecrets(db.store, logger);
      } catch (e) {
        await db.close();
        throw e;
      }
      const journal = new Journal(db.store, logger);
      const engineFor = engineFactory(config, db, logger);
      const worker = createWorker(config, db, journal, engineFor, logger);
      const autoContinuer = createAutoContinuer(config, db, journal, engineFor, logger);
      const driftSweeper = createDriftSweeper(config, db, journal, engineFor, logger, worker.workerId);
      const webhookDeliverer = createWebhookDeliverer(config, db, logger, worker.workerId);
      // step and engine-call metrics of this worker; the database gauges are on the API's /metrics
      const metrics = new ProvisionerMetrics({ store: db.store, logger, databaseGauges: false });
      metrics.observe(journal.bus);
      let metricsServer: Awaited<ReturnType<typeof serveMetrics>> | null = null;
      // before the worker starts: a SIGTERM right after "worker started" must hand runs back, not kill
      onShutdown(async () => {
        await webhookDeliverer.stop();
        await driftSweeper.stop();
        await autoContinuer.stop();
        await worker.stop();
        await journal.flushEngineCalls();
        await engineFor.close();
        await metricsServer?.close();
        await db.close();
      });
      worker.start();
      autoContinuer.start();
      driftSweeper.start();
      webhookDeliverer.start();
      metricsServer = opts.metricsPort === undefined ? null : await serveMetrics(metrics, { port: opts.metricsPort, host: config.host });
      if (metricsServer) logger.info({ url: metricsServer.url }, `worker metrics on ${metricsServer.url}`);
    });

  program
    .command('migrate')
    .description('Apply database migrations and exit (serve and worker also do it at start). Needs DATABASE_URL, not PROVISIONER_JWT_SECRET.')
    .action(async () => {
      const { loadConfig, openDatabase, createLogger } = await server();
      const config = loadConfig(process.env, { signsTokens: false });
      const db = await openDatabase(config, createLogger({ level: config.logLevel }));
      await db.close();
    });

  const engines = program.command('engines').description('Engines (ERPNext sites): list, health and delete through the API (platform admins); reencrypt in the database');
  engines
    .command('reencrypt')
    .description(
      'Encrypt every engine API key and secret, and every webhook signing secret, in the database named by DATABASE_URL again with PROVISIONER_ENCRYPTION_KEY, after a key rotation ' +
        '(the old key still in PROVISIONER_ENCRYPTION_KEY_PREVIOUS); then the old key can be dropped. One engine (webhook) per statement: safe to stop and run again. ' +
        'Exit 1 when an engine or webhook could not be decrypted (named, with why), 3 without a key.',
    )
    .action(async () => {
      const { loadConfig, openDatabase, createLogger, EncryptionKeyMissingError } = await server();
      const config = loadConfig(process.env, { signsTokens: false });
      if (!config.encryptionKeys) throw new EncryptionKeyMissingError('engines reencrypt needs PROVISIONER_ENCRYPTION_KEY (the new key) and, for rows of an older key, PROVISIONER_ENCRYPTION_KEY_PREVIOUS');
      const db = await openDatabase(config, createLogger({ level: 'warn' }));
      try {
        const keyId = db.store.engineSecrets.currentKeyId;
        const outcome = await db.store.resealEngineSecrets({ clearTextOnly: false });
        for (const id of outcome.resealed) process.stdout.write(`re-encrypted engine ${id} with key ${keyId}\n`);
        for (const { error } of outcome.unreadable) process.stderr.write(`error [${error.code}]: ${error.message}\nhint: ${error.hint}\n`);
        process.stdout.write(`${outcome.resealed.length} re-encrypted, ${outcome.current.length} already with key ${keyId}, ${outcome.unreadable.length} not readable\n`);
        const hooks = await db.store.resealWebhookSecrets({ clearTextOnly: false });
        for (const id of hooks.resealed) process.stdout.write(`re-encrypted webhook ${id} with key ${keyId}\n`);
        for (const { error } of hooks.unreadable) process.stderr.write(`error [${error.code}]: ${error.message}\nhint: ${error.hint}\n`);
        process.stdout.write(`webhooks: ${hooks.resealed.length} re-encrypted, ${hooks.current.length} already with key ${keyId}, ${hooks.unreadable.length} not readable\n`);
        if (outcome.unreadable.length > 0 || hooks.unreadable.length > 0) process.exitCode = EXIT.failure;
      } finally {
        await db.close();
      }
    });

  const users = program.command('users').description('Manage users directly in the database (for the first platform admin).');
  users
    .command('create')
    .description('Create a user in the database named by DATABASE_URL (PROVISIONER_JWT_SECRET is not needed); the password is read from PROVISIONER_NEW_PASSWORD or --password')
    .requiredOption('--email <email>', 'login email')
    .option('--password <password>', 'password (prefer PROVISIONER_NEW_PASSWORD: arguments show in ps)')
    .option('--role <role>', 'platform_admin | platform_viewer | tenant_admin | tenant_user', 'platform_admin')
    .option('--tenant <id>', 'tenant id for tenant users')
    .action(async (opts: { email: string; password?: string; role: string; tenant?: string }) => {
      const password = opts.password ?? process.env.PROVISIONER_NEW_PASSWORD;
      if (!password) throw new InvalidArgumentError('a password is needed (--password or PROVISIONER_NEW_PASSWORD)');
      if (!(ROLES as readonly string[]).includes(opts.role)) throw new InvalidArgumentError(`unknown role ${opts.role}`);
      if (opts.tenant !== undefined && !UUID.test(opts.tenant)) throw new InvalidArgumentError(`--tenant must be a tenant id (UUID), not ${JSON.stringify(opts.tenant)}`);
      const { createAccount, loadConfig, openDatabase, createLogger } = await server();
      // writes the user straight to the database: no token, so no PROVISIONER_JWT_SECRET needed;
      // checked as POST /api/users checks it (role and tenant fit, tenant exists, strong password)
      const config = loadConfig(process.env, { signsTokens: false });
      const db = await openDatabase(config, createLogger({ level: 'warn' }));
      try {
        // no API caller to name: the actor is null, as for the server's own changes
        const user = await createAccount(db.store, { email: opts.email, password, role: opts.role as Role, tenantId: opts.tenant?.toLowerCase() ?? null }, (u) => ({
          actorId: null,
          actorEmail: null,
          action: 'user.create',
          targetType: 'user',
          targetId: u.id,
          details: { email: u.email, role: u.role, tenant_id: u.tenantId, via: 'provisioner users create' },
          ip: null,
        }));
        process.stdout.write(`created ${user.role} ${user.email} (${user.id})\n`);
      } finally {
        await db.close();
      }
    });
}
