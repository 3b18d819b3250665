/**
 * The table of environment variables in docs/operations.md cannot drift: every variable read
 * anywhere in the repository is a row, every row is read somewhere, the defaults it gives are the
 * app's, and the shorter lists (README, docs/cli.md, .env.example) name only its variables.
 */
import { TEST_JWT_SECRET } from '../support/secrets.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config.ts';
import { CLI, run } from '../cli/support.ts';

const root = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(path.join(root, dir)).flatMap((entry) => {
    const rel = path.join(dir, entry);
    if (statSync(path.join(root, rel)).isDirectory()) return entry === 'node_modules' ? [] : files(rel, ext);
    return ext.test(entry) ? [rel] : [];
  });
}

const NAME = '[A-Z][A-Z0-9_]*';
/** How code reads the environment: process.env.X, env.X, env['X'], int(env, 'X'), bool(env, 'X'), commander's .env('X'), destructuring. */
const CODE_READS = [
  new RegExp(`process\\.env\\.(${NAME})`, 'g'),
  new RegExp(`process\\.env\\[['"](${NAME})['"]\\]`, 'g'),
  new RegExp(`\\benv\\.(${NAME})`, 'g'),
  new RegExp(`\\benv\\[['"](${NAME})['"]\\]`, 'g'),
  new RegExp(`\\b\\w+\\(env, '(${NAME})'`, 'g'),
  new RegExp(`\\.env\\('(${NAME})'\\)`, 'g'),
];
/** Under `set -u`, a variable the script takes from its environment is read as ${X:-…} or ${X:?…}. */
const SHELL_READS = new RegExp(`\\$\\{(${NAME}):[-?]`, 'g');
/** Compose interpolates ${X}, ${X:-…} and ${X:?…} from the shell. */
const COMPOSE_READS = new RegExp(`\\$\\{(${NAME})`, 'g');

/** Every variable read in the repository, with the files that read it. */
function variablesRead(): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  const add = (name: string, file: string) => found.set(name, (found.get(name) ?? new Set()).add(file));
  // this file's own patterns and comments are not reads
  const self = path.relative(root, import.meta.filename);
  const code = [...['src', 'bin', 'scripts', 'bench', 'test'].flatMap((d) => files(d, /\.(ts|js|mjs)$/)), 'docker-compose.yml', 'Dockerfile'].filter((f) => f !== self);
  for (const file of code) {
    const text = read(file);
    for (const re of CODE_READS) for (const m of text.matchAll(re)) add(m[1]!, file);
    for (const m of text.matchAll(/const \{([^}]*)\} = process\.env/g)) {
      for (const part of m[1]!.split(',')) {
        const name = part.split(':')[0]!.trim();
        if (new RegExp(`^${NAME}$`).test(name)) add(name, file);
      }
    }
  }
  for (const file of ['check_provisioning_status.sh', 'monitor_provisioning.sh', ...files('scripts', /\.sh$/)]) {
    for (const m of read(file).matchAll(SHELL_READS)) add(m[1]!, file);
  }
  for (const m of read('docker-compose.yml').matchAll(COMPOSE_READS)) add(m[1]!, 'docker-compose.yml');
  return found;
}

interface Row {
  names: string[];
  defaults: string;
  readBy: string;
}

/** The rows of the first table after `heading` in a markdown file. */
function tableAfter(file: string, heading: string): string[][] {
  const text = read(file);
  const at = text.indexOf(`\n${heading}\n`);
  assert.ok(at >= 0, `${file} has "${heading}"`);
  const lines = text.slice(at).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.slice(1, -1).split(' | ').map((c) => c.trim()));
  }
  return rows;
}

const names = (cell: string) => [...cell.matchAll(new RegExp(`\`(${NAME})\``, 'g'))].map((m) => m[1]!);

const table: Row[] = tableAfter('docs/operations.md', '## Environment variables').map(([variable, defaults, readBy]) => ({ names: names(variable!), defaults: defaults!, readBy: readBy! }));
const documented = new Set(table.flatMap((r) => r.names));
/** Rows for variables that libraries read, not this repository's code. */
const byLibrary = (r: Row) => /node-postgres|Node\.js/.test(r.readBy);

test('every environment variable read in src/, bin/, scripts, bench/, test/ and the compose file has a row in docs/operations.md', () => {
  assert.ok(table.length > 40, 'the table was found');
  const missing = [...variablesRead()].filter(([name]) => !documented.has(name)).map(([name, where]) => `${name} (${[...where].join(', ')})`);
  assert.deepEqual(missing, []);
});

test('every row of the table is a variable read somewhere (library rows aside)', () => {
  const read = variablesRead();
  const unread = table.filter((r) => !byLibrary(r)).flatMap((r) => r.names).filter((name) => !read.has(name));
  assert.deepEqual(unread, []);
  for (const row of table) assert.ok(row.names.length > 0 && row.readBy !== '', `a row names its variables and who reads them: ${JSON.stringify(row)}`);
});

test('the defaults the table gives for the server settings are loadConfig\'s', () => {
  const config = loadConfig({ DATABASE_URL: 'postgres://p@db/provisioner', PROVISIONER_JWT_SECRET: TEST_JWT_SECRET });
  const expected: Record<string, (c: Config) => number | string> = {
    PORT: (c) => c.port,
    DATABASE_POOL_MAX: (c) => c.databasePoolMax,
    PROVISIONER_PG_PORT: (c) => c.embeddedPgPort,
    SIMULATOR_PORT: (c) => c.simulatorPort,
    PROVISIONER_LEASE_MS: (c) => c.leaseMs,
    PROVISIONER_RESUME_SETTLE_MS: (c) => c.resumeSettleMs,
    ENGINE_TIMEOUT_MS: (c) => c.engineBudgets.readMs,
    ENGINE_WRITE_TIMEOUT_MS: (c) => c.engineBudgets.writeMs,
    ENGINE_COMPANY_TIMEOUT_MS: (c) => c.engineBudgets.companyInsertMs,
    ENGINE_MAX_CONCURRENCY: (c) => c.engineMaxConcurrency,
    EVENT_STREAMS_PER_USER: (c) => c.eventStreamsPerUser,
    EVENT_STREAMS_MAX: (c) => c.eventStreamsMax,
    TENANT_FILTER_SCAN_LIMIT: (c) => c.tenantFilterScanLimit,
    STEP_MAX_ATTEMPTS: (c) => c.retryPolicy.maxAttempts,
    STEP_RETRY_BASE_MS: (c) => c.retryPolicy.baseDelayMs,
    STEP_RETRY_MAX_MS: (c) => c.retryPolicy.maxDelayMs,
    LOG_LEVEL: (c) => c.logLevel,
  };
  for (const [name, value] of Object.entries(expected)) {
    const row = table.find((r) => r.names.includes(name));
    assert.ok(row, name);
    assert.equal(/^[\w.]+/.exec(row.defaults)?.[0], String(value(config)), `${name}: the table says "${row.defaults}"`);
  }
  assert.match(table.find((r) => r.names.includes('PROVISIONER_ALLOW_NEWER_SCHEMA'))!.defaults, /^false/);
  assert.equal(config.allowNewerSchema, false);
  assert.match(table.find((r) => r.names.includes('PROVISIONER_WORKER'))!.defaults, /^true/);
  assert.equal(config.workerInProcess, true);
  assert.match(table.find((r) => r.names.includes('TRUST_PROXY'))!.defaults, /^unset/);
  assert.equal(config.trustProxy, false);
});

test('the README, docs/cli.md and .env.example name only variables of the table', () => {
  const readme = tableAfter('README.md', '## Configuration').flatMap(([variable]) => names(variable!));
  const cliDoc = tableAfter('docs/cli.md', '## Environment variables').flatMap(([variable]) => names(variable!));
  const example = [...read('.env.example').matchAll(new RegExp(`^#?(${NAME})=`, 'gm'))].map((m) => m[1]!);
  for (const [where, list] of [['README.md', readme], ['docs/cli.md', cliDoc], ['.env.example', example]] as const) {
    assert.ok(list.length > 5, `${where}: its variables were found`);
    assert.deepEqual(list.filter((n) => !documented.has(n)), [], where);
  }
});

test('.env.example lists every setting of the server commands and the CLI, and loads once uncommented', async () => {
  const example = read('.env.example');
  const listed = new Set([...example.matchAll(new RegExp(`^#?(${NAME})=`, 'gm'))].map((m) => m[1]!));
  // what a deployment or a shell sets; not the system's variables or the file's own name
  const notSettings = new Set(['PROVISIONER_ENV_FILE', 'XDG_CONFIG_HOME', 'LC_ALL', 'LC_CTYPE', 'LANG', 'PATH']);
  const settings = table.filter((r) => /serve|worker|migrate|users create|CLI/.test(r.readBy) && !byLibrary(r)).flatMap((r) => r.names).filter((n) => !notSettings.has(n));
  assert.deepEqual(settings.filter((n) => !listed.has(n)), []);

  // every example value, uncommented, is valid syntax for the start's loader
  const dir = await mkdtemp(path.join(tmpdir(), 'provisioner-env-example-'));
  try {
    const file = path.join(dir, 'all.env');
    await writeFile(file, example.replace(new RegExp(`^#(${NAME}=)`, 'gm'), '$1'));
    const r = await run(process.execPath, [CLI, '--version'], { PROVISIONER_ENV_FILE: file });
    assert.equal(r.code, 0, r.stderr);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
