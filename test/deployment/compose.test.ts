/**
 * No Docker engine runs here: these tests check that docker-compose.yml and the Dockerfile refer
 * to what really exists (CLI commands and options, settings read by loadConfig, routes, files),
 * and run their health checks against a real API, worker metrics endpoint and simulator.
 */
import { TEST_ENCRYPTION_KEY, TEST_JWT_SECRET } from '../support/secrets.ts';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { loadConfig } from '../../src/config.ts';
import { ProvisionerMetrics, serveMetrics } from '../../src/observability/metrics.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startHarness, type Harness } from '../support/harness.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const compose = YAML.parse(read('docker-compose.yml'), { merge: true });
const services = compose.services as Record<string, any>;

/** Compose's interpolation of ${VAR}, ${VAR:-default} and ${VAR:?error}. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?:(:-|:\?)([^}]*))?\}/g, (_m, name: string, op: string | undefined, arg: string | undefined) => {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (op === ':?') throw new Error(`${name}: ${arg}`);
    return op === ':-' ? (arg ?? '') : '';
  });
}

const environmentOf = (service: string, env: Record<string, string>) =>
  Object.fromEntries(Object.entries(services[service].environment as Record<string, unknown>).map(([k, v]) => [k, interpolate(String(v), env)]));

const operatorEnv = {
  PROVISIONER_JWT_SECRET: TEST_JWT_SECRET,
  PROVISIONER_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
  ERPNEXT_URL: 'http://simulator:8000',
  ERPNEXT_API_KEY: 'sim-key',
  ERPNEXT_API_SECRET: 'sim-secret',
};

/** The image's ENTRYPOINT, bin/provisioner.js (the compiled CLI), run here. */
const cli = (...args: string[]) => run(process.execPath, ['bin/provisioner.js', ...args], { cwd: root, env: { ...process.env, NODE_NO_WARNINGS: '1' } });

/** Every file under src/, to check that an environment variable is really read. */
const sourceText = (() => {
  const walk = (dir: string): string[] => readdirSync(dir).flatMap((e) => (statSync(path.join(dir, e)).isDirectory() ? walk(path.join(dir, e)) : e.endsWith('.ts') ? [path.join(dir, e)] : []));
  return walk(path.join(root, 'src')).map((f) => readFileSync(f, 'utf8')).join('\n');
})();

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

test('compose has api, worker and postgres, and the simulator only under its profile', () => {
  assert.deepEqual(Object.keys(services).sort(), ['api', 'postgres', 'simulator', 'worker']);
  assert.deepEqual(services.simulator.profiles, ['simulator']);
  for (const s of ['api', 'worker', 'postgres']) assert.equal(services[s].profiles, undefined, `${s} runs by default`);
  assert.equal(services.postgres.image, 'postgres:16');
  assert.ok(compose.volumes.pgdata !== undefined && services.postgres.volumes.includes('pgdata:/var/lib/postgresql/data'));
  assert.equal(services.api.ports[0], '${API_PORT:-4000}:4000');
  // the simulator's control API has no authentication: published on the host's loopback only
  assert.deepEqual(services.simulator.ports, ['127.0.0.1:${SIMULATOR_PORT:-8000}:8000']);
  // scalable: no fixed container name or host port on the worker
  assert.equal(services.worker.container_name, undefined);
  assert.equal(services.worker.ports, undefined);
  for (const [name, s] of Object.entries(services)) {
    for (const dep of Object.keys(s.depends_on ?? {})) {
      assert.ok(services[dep], `${name} depends on an existing service`);
      if (s.depends_on[dep].condition === 'service_healthy') assert.ok(services[dep].healthcheck, `${dep} has a health check`);
    }
  }
});

test('every service command is a real CLI command with real options', async () => {
  assert.deepEqual(services.api.command, ['serve']);
  assert.deepEqual(services.worker.command, ['worker']);
  assert.equal(services.simulator.command[0], 'simulator');
  for (const service of ['api', 'worker', 'simulator']) {
    const [command, ...args] = services[service].command as string[];
    const { stdout } = await cli(command!, '--help');
    for (const option of args.filter((a) => a.startsWith('--'))) assert.ok(stdout.includes(option), `${command} ${option}`);
  }
  const { stdout } = await cli('worker', '--help');
  assert.match(stdout, /--metrics-port/);
  assert.match(stdout, /METRICS_PORT/);
});

test('the api and worker settings load with loadConfig as their commands read them, leave every default to the app, and each variable is one the app reads', () => {
  assert.match(String(services.api.environment.PROVISIONER_JWT_SECRET), /^\$\{PROVISIONER_JWT_SECRET:\?/);
  assert.throws(() => environmentOf('api', { PROVISIONER_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY }), /PROVISIONER_JWT_SECRET/, 'no secret, no start');
  for (const service of ['api', 'worker']) {
    assert.throws(() => environmentOf(service, { PROVISIONER_JWT_SECRET: TEST_JWT_SECRET }), /PROVISIONER_ENCRYPTION_KEY/, `${service}: no engine-credential key, no start`);
  }

  const api = loadConfig(environmentOf('api', operatorEnv));
  assert.equal(api.demo, false);
  assert.equal(api.workerInProcess, false, 'workers run as their own service');
  assert.equal(api.port, 4000);
  assert.equal(api.host, '0.0.0.0');
  assert.deepEqual(api.erpnext, { url: 'http://simulator:8000', apiKey: 'sim-key', apiSecret: 'sim-secret' });
  assert.equal(api.logPretty, false);
  const db = new URL(api.databaseUrl!);
  assert.equal(db.hostname, 'postgres', 'the postgres service');
  assert.equal(db.username, services.postgres.environment.POSTGRES_USER);
  assert.equal(db.pathname, `/${services.postgres.environment.POSTGRES_DB}`);
  assert.equal(decodeURIComponent(db.password), interpolate(services.postgres.environment.POSTGRES_PASSWORD, {}));
  assert.match(services.postgres.healthcheck.test[1], new RegExp(`pg_isready -U ${db.username} -d ${db.pathname.slice(1)}`));

  // as `provisioner worker` reads them: no token secret, no engine settings
  const worker = loadConfig(environmentOf('worker', operatorEnv), { signsTokens: false });
  assert.equal(worker.databaseUrl, api.databaseUrl);
  assert.equal(services.worker.environment.PROVISIONER_JWT_SECRET, undefined);
  assert.equal(services.worker.environment.ERPNEXT_URL, undefined);
  assert.deepEqual(worker.engineBudgets, api.engineBudgets);
  assert.deepEqual(worker.encryptionKeys, api.encryptionKeys, 'the workers read what the api encrypted');

  for (const service of ['api', 'worker']) {
    for (const name of Object.keys(services[service].environment)) {
      const read = sourceText.includes(`env.${name}`) || sourceText.includes(`'${name}'`) || sourceText.includes(`env['${name}']`);
      assert.ok(read, `${service}: ${name} is read somewhere in src/`);
    }
  }
  // every tuning variable left unset falls back to the app's own default, not one of compose's
  const defaults = loadConfig({ DATABASE_URL: 'postgres://p@db/provisioner', PROVISIONER_JWT_SECRET: operatorEnv.PROVISIONER_JWT_SECRET });
  for (const key of ['databasePoolMax', 'leaseMs', 'engineBudgets', 'engineMaxConcurrency', 'retryPolicy', 'logLevel', 'trustProxy'] as const) {
    assert.deepEqual(api[key], defaults[key], `compose's ${key} is the app's default`);
    assert.deepEqual(worker[key], defaults[key], `compose's ${key} is the app's default`);
  }
  assert.equal(loadConfig(environmentOf('api', { ...operatorEnv, STEP_MAX_ATTEMPTS: '3' })).retryPolicy.maxAttempts, 3, 'an operator value goes through');
  // no ERPNext given: the api still starts (register engines with POST /api/engines)
  assert.equal(loadConfig(environmentOf('api', { PROVISIONER_JWT_SECRET: operatorEnv.PROVISIONER_JWT_SECRET, PROVISIONER_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY })).erpnext, null);
});

/** Runs a compose/Dockerfile health check command (node -e ...) with the given environment. */
async function healthCheck(testCommand: string[], env: Record<string, string>, replace: [string, string] = ['', '']): Promise<number> {
  assert.equal(testCommand[0], 'CMD');
  assert.equal(testCommand[1], 'node');
  const args = testCommand.slice(2).map((a) => (replace[0] ? a.replace(replace[0], replace[1]) : a));
  try {
    await run(process.execPath, args, { env: { ...process.env, ...env }, timeout: 60_000 });
    return 0;
  } catch (e) {
    return (e as { code?: number }).code ?? 1;
  }
}

test('the health checks pass against a running API, worker metrics endpoint and simulator, and fail when they are down', async () => {
  const apiPort = new URL(h.api).port;
  assert.equal(await healthCheck(services.api.healthcheck.test, { PORT: apiPort }), 0);
  assert.equal(await healthCheck(services.api.healthcheck.test, { PORT: '9' }), 1);

  const logger = createLogger({ level: 'silent' });
  const metrics = new ProvisionerMetrics({ store: h.provisioner.db.store, logger, databaseGauges: false });
  const server = await serveMetrics(metrics, { port: 0, host: '127.0.0.1' });
  try {
    assert.equal(await healthCheck(services.worker.healthcheck.test, { METRICS_PORT: new URL(server.url).port }), 0);
  } finally {
    await server.close();
  }
  assert.equal(services.worker.environment.METRICS_PORT, '9464');

  const simPort = new URL(h.simulator.url).port;
  assert.equal(await healthCheck(services.simulator.healthcheck.test, {}, ['127.0.0.1:8000', `127.0.0.1:${simPort}`]), 0);
  assert.ok(services.simulator.command.includes('8000') && services.simulator.ports[0].endsWith(':8000'));

  // the image's own HEALTHCHECK is the api's
  const dockerfile = read('Dockerfile');
  const instruction = /^HEALTHCHECK .*?CMD (\[.*\])$/m.exec(dockerfile.replace(/\\\n\s*/g, ''));
  assert.ok(instruction, 'HEALTHCHECK CMD [...]');
  assert.equal(await healthCheck(['CMD', ...JSON.parse(instruction[1]!)], { PORT: apiPort }), 0);
});

test('the Dockerfile compiles in a build stage, installs production dependencies on node:24-bookworm-slim and runs the compiled CLI as a non-root user', () => {
  const dockerfile = read('Dockerfile').replace(/\\\n\s*/g, '');
  const instructions = dockerfile.split('\n').filter((l) => /^[A-Z]+ /.test(l));
  const from = instructions.filter((l) => l.startsWith('FROM '));
  assert.ok(from.length >= 2, 'multi-stage');
  assert.ok(from.every((l) => l.startsWith('FROM node:24-bookworm-slim')));
  // the build stage: all dependencies, and npm ci runs `prepare` (the build) with the sources copied in
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const build = stages.find((st) => / AS build\b/.test(st.split('\n')[0]!));
  assert.ok(build, 'a build stage');
  assert.match(build, /^RUN npm ci( |$)/m);
  assert.doesNotMatch(build, /--omit=dev/);
  assert.match(build, /^COPY src \.\/src$/m);
  const pkg = JSON.parse(read('package.json'));
  assert.equal(pkg.scripts.prepare, 'node scripts/build.mjs', 'npm ci builds dist/');
  // production dependencies without the build (its typescript is a dev dependency)
  assert.ok(instructions.some((l) => /^RUN npm pkg delete scripts\.prepare && npm ci --omit=dev/.test(l)));
  assert.equal(pkg.dependencies.tsx, undefined, 'nothing compiles TypeScript at run time');
  assert.ok(instructions.includes('COPY --from=build /app/dist ./dist'));
  const user = instructions.filter((l) => l.startsWith('USER ')).at(-1);
  assert.ok(user && !/USER (root|0)\b/.test(user), 'runs as a non-root user');
  assert.equal(instructions.find((l) => l.startsWith('ENTRYPOINT ')), 'ENTRYPOINT ["node", "bin/provisioner.js"]');
  assert.equal(instructions.find((l) => l.startsWith('CMD ')), 'CMD ["serve"]');
  assert.match(read('bin/provisioner.js'), /\.\.\/dist\/cli\/main\.js/, 'the bin runs the compiled CLI');
  assert.ok(instructions.includes('EXPOSE 4000'));

  const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const needed of ['node_modules', '.data', '.git', 'dist']) assert.ok(ignored.includes(needed), `.dockerignore keeps ${needed} out of the context`);
  // .dockerignore's rules in order, the last match deciding ("!" re-includes); enough for its plain names
  const excluded = (source: string) =>
    ignored.reduce((out, rule) => {
      const negated = rule.startsWith('!');
      const name = negated ? rule.slice(1) : rule;
      return source === name || source.startsWith(`${name}/`) ? !negated : out;
    }, false);
  for (const copy of instructions.filter((l) => l.startsWith('COPY ') && !l.includes('--from'))) {
    const sources = copy.split(/\s+/).slice(1, -1);
    for (const source of sources) {
      assert.ok(existsSync(path.join(root, source)), `COPY ${source} exists`);
      assert.ok(!excluded(source), `COPY ${source} is not excluded by .dockerignore`);
    }
  }
});
