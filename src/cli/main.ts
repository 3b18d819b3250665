import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config.ts';
import { createLogger } from '../observability/logger.ts';
import { isProvisionerError } from '../domain/errors.ts';
import { openDatabase, startProvisioner, VERSION } from '../provisioner.ts';
import { assertStrongPassword, hashPassword } from '../application/passwords.ts';
import { Journal } from '../observability/journal.ts';
import { Worker } from '../runner/worker.ts';
import { createEngine } from '../adapters/engine-factory.ts';
import { startErpnextSimulator } from '../simulator/erpnext/index.ts';

/** Exit codes of every command. */
export const EXIT = { ok: 0, failure: 1, usage: 2, config: 3 } as const;

const port = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
};

/** Stops on SIGINT/SIGTERM: finish or hand back the current step, then exit. */
function onShutdown(close: () => Promise<void>): void {
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    process.stderr.write(`${signal}: shutting down\n`);
    close().then(
      () => process.exit(EXIT.ok),
      () => process.exit(EXIT.failure),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

const program = new Command()
  .name('provisioner')
  .description('Provision POS workspaces inside ERPNext: durable, idempotent, observable.')
  .version(VERSION)
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage));

program
  .command('serve')
  .description('Run the HTTP API on :4000 (with an in-process worker). Without DATABASE_URL: embedded PostgreSQL, built-in ERPNext simulator, demo account.')
  .action(async () => {
    const running = await startProvisioner(loadConfig());
    onShutdown(running.close);
  });

program
  .command('worker')
  .description('Run a provisioning worker only (any number of them may share one PostgreSQL).')
  .action(async () => {
    const config = loadConfig();
    const logger = createLogger({ level: config.logLevel, pretty: config.logPretty });
    const db = await openDatabase(config, logger);
    const journal = new Journal(db.store, logger);
    const worker = new Worker({
      store: db.store,
      journal,
      engineFor: (record, onCall) => createEngine(record, { timeoutMs: config.engineTimeoutMs, onCall }),
      retryPolicy: config.retryPolicy,
      databaseUrl: db.url,
      logger,
      leaseMs: config.leaseMs,
    });
    worker.start();
    onShutdown(async () => {
      await worker.stop();
      await db.close();
    });
  });

program
  .command('migrate')
  .description('Apply database migrations and exit (serve and worker also do it at start).')
  .action(async () => {
    const config = loadConfig();
    const db = await openDatabase(config, createLogger({ level: config.logLevel }));
    await db.close();
  });

program
  .command('simulator')
  .description('Run the built-in ERPNext simulator standalone (Frappe REST API; control API under /__simulator).')
  .option('--port <port>', 'port to listen on', port, 8000)
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--api-key <key>', 'API key it accepts', 'sim-key')
  .option('--api-secret <secret>', 'API secret it accepts', 'sim-secret')
  .option('--no-setup', 'start as a site whose setup wizard never ran')
  .action(async (opts: { port: number; host: string; apiKey: string; apiSecret: string; setup: boolean }) => {
    const sim = await startErpnextSimulator({ port: opts.port, host: opts.host, apiKey: opts.apiKey, apiSecret: opts.apiSecret, setupComplete: opts.setup });
    process.stdout.write(`ERPNext simulator listening on ${sim.url} (token ${opts.apiKey}:<secret>)\n`);
    onShutdown(sim.close);
  });

const users = program.command('users').description('Manage users directly in the database (for the first platform admin).');
users
  .command('create')
  .description('Create a user; the password is read from PROVISIONER_NEW_PASSWORD or --password')
  .requiredOption('--email <email>', 'login email')
  .option('--password <password>', 'password (prefer PROVISIONER_NEW_PASSWORD: arguments show in ps)')
  .option('--role <role>', 'platform_admin | tenant_admin | tenant_user', 'platform_admin')
  .option('--tenant <id>', 'tenant id for tenant users')
  .action(async (opts: { email: string; password?: string; role: string; tenant?: string }) => {
    const password = opts.password ?? process.env.PROVISIONER_NEW_PASSWORD;
    if (!password) throw new InvalidArgumentError('a password is needed (--password or PROVISIONER_NEW_PASSWORD)');
    if (!['platform_admin', 'tenant_admin', 'tenant_user'].includes(opts.role)) throw new InvalidArgumentError(`unknown role ${opts.role}`);
    assertStrongPassword(password, opts.email);
    const config = loadConfig();
    const db = await openDatabase(config, createLogger({ level: 'warn' }));
    try {
      const user = await db.store.createUser({ email: opts.email, passwordHash: await hashPassword(password), role: opts.role as 'platform_admin', tenantId: opts.tenant ?? null });
      process.stdout.write(`created ${user.role} ${user.email} (${user.id})\n`);
    } finally {
      await db.close();
    }
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof InvalidArgumentError) {
    process.stderr.write(`error: ${e.message}\n`);
    process.exit(EXIT.usage);
  }
  if (isProvisionerError(e)) {
    process.stderr.write(`error [${e.code}]: ${e.message}\nhint: ${e.hint}\n`);
    process.exit(e.code === 'CONFIG_INVALID' ? EXIT.config : EXIT.failure);
  }
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(EXIT.failure);
});
