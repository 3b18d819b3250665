/**
 * API benchmark (issue 13 item 2): the server runs as its own process, as `npm start` runs it
 * (`node bin/provisioner.js serve`, demo mode: built-in simulator, in-process worker), on a
 * scratch database holding 10,000 generated tenants (bench/volume.ts) and one provisioned through
 * the API; this process is the load generator (autocannon).
 *
 * 1. GET /api/provisioning/tenants/{id}/status with a valid token, on random tenants, against
 *    GET /api/health (no token, no database) of the same server, both at 50 connections, in
 *    alternating rounds of one run: the ratio of their throughputs (target ≥ 0.5), p50 and p99.
 * 2. GET /api/tenants paged with limit and cursor: every page of the 10,000 tenants walked in turn
 *    (one request at a time), then random pages at 10 connections: p50 and p99.
 *
 *   npm run bench:api -- [--tenants 10000] [--seconds 8] [--rounds 3] [--connections 50] [--cpu-prof DIR] [--no-write]
 *
 * --cpu-prof DIR runs the server with node --cpu-prof (a .cpuprofile in DIR when it exits).
 * Only 127.0.0.1 is ever a target.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { root, scratchDatabase, writeBenchmarkSection } from './support.ts';
import { generateVolume, volumeTenantId } from './volume.ts';
import { percentile } from './plans.ts';
import { createPool } from '../src/adapters/postgres/database.ts';
import { DEMO_ADMIN } from '../src/provisioner.ts';

const { values: opt } = parseArgs({
  options: {
    tenants: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    'cpu-prof': { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (opt.help) {
  process.stdout.write('usage: npm run bench:api -- [--tenants 10000] [--seconds 8] [--rounds 3] [--connections 50] [--cpu-prof DIR] [--no-write]\n');
  process.exit(0);
}
const TENANTS = Number(opt.tenants);
const SECONDS = Number(opt.seconds);
const ROUNDS = Number(opt.rounds);
const CONNECTIONS = Number(opt.connections);
const TARGET_RATIO = 0.5;
const log = (msg: string) => process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

const started = Date.now();
const loadStart = os.loadavg().map((x) => x.toFixed(2)).join(' ');
const scratch = await scratchDatabase('api', 54353);
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'provisioner-bench-api-'));
const serverLog = path.join(dataDir, 'server.log');
let server: ReturnType<typeof spawn> | null = null;
let cleaning: Promise<void> | null = null;
const cleanUp = () =>
  (cleaning ??= (async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      server.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      if (server.exitCode === null) server.kill('SIGKILL');
    }
    await scratch.drop().catch((e) => log(`could not drop the scratch database: ${e}`));
    rmSync(dataDir, { recursive: true, force: true });
  })());
// interrupted (Ctrl-C, kill): the server and the scratch database go too
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanUp().then(() => process.exit(130)));

try {
  // ---- the server, as npm start runs it, on the scratch database ---------------------------------
  const nodeArgs = opt['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(opt['cpu-prof'])] : [];
  server = spawn(process.execPath, [...nodeArgs, path.join(root, 'bin/provisioner.js'), 'serve'], {
    cwd: dataDir,
    env: {
      ...process.env,
      DATABASE_URL: scratch.url,
      PROVISIONER_DEMO: 'true',
      PROVISIONER_DATA_DIR: dataDir,
      PROVISIONER_ENV_FILE: '/dev/null',
      SIMULATOR_PORT: '0',
      PORT: '0',
      LOG_PRETTY: 'false',
    },
    // its log lines go to a file, as to a log shipper, not through this process (the client)
    stdio: ['ignore', openSync(serverLog, 'w'), 'inherit'],
  });
  let url = '';
  while (!url) {
    if (server.exitCode !== null) throw new Error(`the server exited (${server.exitCode}) before listening: ${readFileSync(serverLog, 'utf8').slice(-2000)}`);
    url = /Provisioner API listening on (\S+?)"/.exec(readFileSync(serverLog, 'utf8'))?.[1]?.replace('localhost', '127.0.0.1') ?? '';
    if (!url) await sleep(100);
  }
  log(`server pid ${server.pid} listening on ${url}`);

  const call = async (method: string, p: string, body?: unknown, token?: string) => {
    const res = await fetch(`${url}${p}`, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };
  const expect = (r: { status: number; body: any }, status: number, what: string) => {
    if (r.status !== status) throw new Error(`${what} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const token = expect(await call('POST', '/api/auth/login', DEMO_ADMIN), 200, 'login').access_token as string;

  // ---- tenants: one provisioned through the API, the others generated ----------------------------
  const real = expect(await call('POST', '/api/tenants', { name: 'Bench Api Shop', country_code: 'KE' }, token), 201, 'tenant creation').tenant.id as string;
  for (;;) {
    const s = await call('GET', `/api/provisioning/tenants/${real}/status`, undefined, token);
    if (s.body.status !== 'IN_PROGRESS') {
      log(`tenant provisioned through the API: ${s.body.status}`);
      break;
    }
    await sleep(200);
  }
  const pool = createPool(scratch.url, { max: 2, applicationName: 'bench-api' });
  const engineId = (await pool.query(`select engine_id from onboarding.tenants where id = $1`, [real])).rows[0].engine_id as string;
  await generateVolume(pool, { tenants: TENANTS, eventsPerTenant: 30, engineId });
  await pool.end();
  log(`${TENANTS} tenants generated`);

  // ---- 1. status with a token against the liveness route, alternating rounds ---------------------
  const statusPath = () => `/api/provisioning/tenants/${volumeTenantId(Math.floor(Math.random() * TENANTS))}/status`;
  const auth = { authorization: `Bearer ${token}` };
  const load = (o: { path?: string; setup?: () => string; headers?: Record<string, string>; connections: number; seconds: number }) =>
    autocannon({
      url,
      connections: o.connections,
      duration: o.seconds,
      headers: o.headers,
      requests: [{ method: 'GET', path: o.path ?? '/', ...(o.setup ? { setupRequest: (req: any) => ({ ...req, path: o.setup!() }) } : {}) }],
    });
  type Round = { rps: number; p50: number; p99: number; non2xx: number; errors: number };
  const round = (r: autocannon.Result): Round => ({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts });
  // warm both (JIT, pool connections), then alternate so that the machine's noise falls on both
  await load({ path: '/api/health', connections: CONNECTIONS, seconds: 2 });
  await load({ setup: statusPath, headers: auth, connections: CONNECTIONS, seconds: 2 });
  const health: Round[] = [];
  const status: Round[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    health.push(round(await load({ path: '/api/health', connections: CONNECTIONS, seconds: SECONDS })));
    status.push(round(await load({ setup: statusPath, headers: auth, connections: CONNECTIONS, seconds: SECONDS })));
    log(`round ${i + 1}: health ${health.at(-1)!.rps.toFixed(0)} req/s (p50 ${health.at(-1)!.p50} ms, p99 ${health.at(-1)!.p99} ms), status ${status.at(-1)!.rps.toFixed(0)} req/s (p50 ${status.at(-1)!.p50} ms, p99 ${status.at(-1)!.p99} ms)`);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const ratios = health.map((h, i) => status[i]!.rps / h.rps);
  const ratio = median(ratios);
  const bad = [...health, ...status].reduce((n, r) => n + r.non2xx + r.errors, 0);

  // ---- 2. the tenants list, paged -------------------------------------------------------------
  const pageMs: number[] = [];
  const cursors: string[] = [];
  let cursor: string | null = null;
  let listed = 0;
  do {
    const t0 = performance.now();
    const r = await call('GET', `/api/tenants?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, undefined, token);
    pageMs.push(performance.now() - t0);
    if (r.status !== 200) throw new Error(`GET /api/tenants answered ${r.status}: ${JSON.stringify(r.body)}`);
    listed += r.body.tenants.length;
    cursor = r.body.next_cursor;
    if (cursor) cursors.push(cursor);
  } while (cursor);
  pageMs.sort((a, b) => a - b);
  const pagesLoaded = round(
    await load({ setup: () => `/api/tenants?limit=50&cursor=${encodeURIComponent(cursors[Math.floor(Math.random() * cursors.length)]!)}`, headers: auth, connections: 10, seconds: SECONDS }),
  );

  // ---- the figures -----------------------------------------------------------------------------
  const fmt = (r: Round) => `${r.rps.toFixed(0)} | ${r.p50} | ${r.p99}`;
  const table = [
    '| round | GET /api/health req/s | p50 ms | p99 ms | GET …/status req/s | p50 ms | p99 ms | ratio |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...health.map((h, i) => `| ${i + 1} | ${fmt(h)} | ${fmt(status[i]!)} | ${ratios[i]!.toFixed(2)} |`),
  ];
  const verdict = `Ratio of throughputs (median of the rounds) ${ratio.toFixed(2)}, target ≥ ${TARGET_RATIO}: ${ratio >= TARGET_RATIO ? 'met' : 'not met'}${bad ? `; ${bad} answers were not 2xx or failed` : ''}.`;
  const list = [
    '| tenants list (10,000 tenants, limit 50) | requests | p50 ms | p99 ms | max ms |',
    '|---|---:|---:|---:|---:|',
    `| every page in turn, one request at a time (${listed} tenants listed) | ${pageMs.length} | ${percentile(pageMs, 50).toFixed(1)} | ${percentile(pageMs, 99).toFixed(1)} | ${pageMs.at(-1)!.toFixed(1)} |`,
    `| random pages by cursor, 10 connections, ${SECONDS} s (${pagesLoaded.rps.toFixed(0)} req/s) | ${Math.round(pagesLoaded.rps * SECONDS)} | ${pagesLoaded.p50} | ${pagesLoaded.p99} | |`,
  ];
  process.stdout.write(`\n${table.join('\n')}\n\n${verdict}\n\n${list.join('\n')}\n`);
  const cpu = os.cpus();
  if (!opt['no-write'])
    writeBenchmarkSection('api', [
      '## API: status with a token, tenants list',
      '',
      `\`npm run bench:api\` on ${new Date().toISOString().slice(0, 10)}: ${cpu.length} CPUs (${cpu[0]?.model ?? '?'}), Node ${process.version}, load average ${loadStart} at the start and ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} at the end`,
      `(${((Date.now() - started) / 1000).toFixed(0)} s; other engineers' tests ran on the machine meanwhile). The server runs as its own process as \`npm start\` runs it (demo mode, in-process worker, info logs),`,
      `on a scratch database of ${TENANTS.toLocaleString('en')} generated tenants and one provisioned through the API; autocannon in the benchmark's process is the client, on the same 2 CPUs as the server and PostgreSQL.`,
      `${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s each route, alternating; the status requests name a random tenant each and carry the demo admin's token.`,
      '',
      ...table,
      '',
      verdict,
      '',
      ...list,
    ]);
} finally {
  await cleanUp();
}
