import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../config.ts';
import { createLogger } from '../../observability/logger.ts';
import { openDatabase, startProvisioner } from '../../provisioner.ts';
import { assertStrongPassword, hashPassword } from '../../application/passwords.ts';
import { Journal } from '../../observability/journal.ts';
import { Worker } from '../../runner/worker.ts';
import { createEngine } from '../../adapters/engine-factory.ts';
import { onShutdown } from '../shared.ts';

/** Commands that run Provisioner itself: serve, worker, migrate, users. */
export function registerServerCommands(program: Command): void {
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
}
