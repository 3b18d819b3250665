import { InvalidArgumentError, type Command } from 'commander';
import type { FaultSpec, LatencySpec, ScenarioSpec } from '../../simulator/erpnext/index.ts';
import { RATE_ERROR_STATUSES, SCENARIOS, type ScenarioName } from '../../simulator/erpnext/names.ts';
import { onShutdown, port } from '../shared.ts';
import { ERPNEXT_ONLY_OPTIONS, runOdooSimulator } from './odoo-simulator.ts';

type Selector = { method?: 'GET' | 'POST' | 'PUT' | 'DELETE'; doctype?: string };
const METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE']);

/** "[METHOD] [Doctype]=value" or "value": the selector of a per-method/doctype option. */
function selected(raw: string): { selector: Selector; value: string } {
  const eq = raw.lastIndexOf('=');
  if (eq < 0) return { selector: {}, value: raw.trim() };
  const words = raw.slice(0, eq).trim().split(/\s+/).filter(Boolean);
  const selector: Selector = {};
  if (words[0] && METHODS.has(words[0])) selector.method = words.shift() as Selector['method'];
  if (words.length) selector.doctype = words.join(' ');
  if (!selector.method && !selector.doctype) throw new InvalidArgumentError(`"${raw}": expected [METHOD] [Doctype]=value`);
  return { selector, value: raw.slice(eq + 1).trim() };
}

const integer = (v: string, min: number, max: number, what: string): number => {
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new InvalidArgumentError(`${what} must be an integer from ${min} to ${max}, got "${v}"`);
  return Number(v);
};

const rateOf = (v: string): number => {
  const n = Number(v);
  if (v === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`a rate is a number from 0 to 1 (0.05 = 5%), got "${v}"`);
  return n;
};

/** --latency 50 | 20-80 | "POST Company=200-400" (repeatable). */
function latencyOption(raw: string, previous: LatencySpec[] = []): LatencySpec[] {
  const { selector, value } = selected(raw);
  const range = /^(\d+)-(\d+)$/.exec(value);
  if (range) {
    const [min, max] = [integer(range[1]!, 0, 600_000, 'latency'), integer(range[2]!, 0, 600_000, 'latency')];
    if (min > max) throw new InvalidArgumentError(`latency range "${value}": min must not exceed max`);
    return [...previous, { ...selector, min, max }];
  }
  return [...previous, { ...selector, ms: integer(value, 0, 600_000, 'latency (ms, or min-max)') }];
}

type RateRule = Selector & { rate: number };
const rateOption = (raw: string, previous: RateRule[] = []): RateRule[] => {
  const { selector, value } = selected(raw);
  return [...previous, { ...selector, rate: rateOf(value) }];
};

const scenarioOption = (raw: string, previous: ScenarioName[] = []): ScenarioName[] => {
  if (!(SCENARIOS as readonly string[]).includes(raw)) throw new InvalidArgumentError(`unknown scenario "${raw}"; one of ${SCENARIOS.join(', ')}`);
  return [...previous, raw as ScenarioName];
};

const engineKind = (v: string): 'erpnext' | 'odoo' => {
  if (v !== 'erpnext' && v !== 'odoo') throw new InvalidArgumentError(`must be erpnext or odoo, got "${v}"`);
  return v;
};

const errorStatus = (v: string): number => {
  const n = Number(v);
  if (!(RATE_ERROR_STATUSES as readonly number[]).includes(n)) throw new InvalidArgumentError(`must be one of ${RATE_ERROR_STATUSES.join(', ')}, got "${v}"`);
  return n;
};

interface SimulatorCliOptions {
  engine: 'erpnext' | 'odoo';
  db: string;
  login: string;
  port: number;
  host: string;
  apiKey: string;
  apiSecret: string;
  setup: boolean;
  seed?: number;
  latency?: LatencySpec[];
  errorRate?: RateRule[];
  errorRateStatus: number;
  retryAfter?: number;
  timeoutRate?: RateRule[];
  resetRate?: RateRule[];
  lostResponseRate?: RateRule[];
  scenario?: ScenarioName[];
  down?: boolean;
  updating?: boolean;
  dataFile?: string;
  companyInsertMs?: number;
}

const EXAMPLES = `
Faults are deterministic for a given --seed: the same seed and the same requests give the same faults.
Rates and latencies apply to every request, or to "[METHOD] [Doctype]=value" (repeat the option).

Examples:
  $ provisioner simulator --port 8000
  $ provisioner simulator --port 8000 --seed 42 --latency 20-80 --error-rate 0.05 --error-rate-status 503
  $ provisioner simulator --error-rate "POST Company=0.05" --error-rate-status 429 --retry-after 2
  $ provisioner simulator --lost-response-rate 0.02 --timeout-rate 0.01 --reset-rate "POST POS Profile=0.1"
  $ provisioner simulator --latency 50 --latency "POST Company=500-1500"
  $ provisioner simulator --scenario abbreviation_taken --scenario warehouse_missing
  $ provisioner simulator --down                       # engine down until POST /__simulator/down {"down":false}
  $ provisioner simulator --no-setup --data-file .data/erpnext-sim.json
  $ provisioner simulator --company-insert-ms 3000     # Company inserts take 3 s, as on a real site: races happen
  $ provisioner simulator --engine odoo --port 8069    # Odoo 17 JSON-RPC, database odoo, login admin, API key sim-odoo-key
  $ provisioner simulator --engine odoo --error-rate "res.company create=0.1" --latency "account.chart.template try_loading=1000"

Scenarios (the guide's errors): ${SCENARIOS.join(', ')}.
Control API while it runs: http://HOST:PORT/__simulator/state, /calls/stats, /faults, /scenarios ... (docs/simulator.md)
`;

/** `provisioner simulator`: the built-in ERPNext simulator, standalone. */
export function registerSimulatorCommand(program: Command): void {
  program
    .command('simulator')
    .description('Run the built-in ERPNext or Odoo simulator standalone (Frappe REST API or Odoo JSON-RPC; control API under /__simulator).')
    .option('--engine <kind>', 'which engine to simulate: erpnext or odoo', engineKind, 'erpnext')
    .option('--port <port>', 'port to listen on (default 8000; 8069 with --engine odoo)', port, 8000)
    .option('--db <name>', 'Odoo: the database name it accepts', 'odoo')
    .option('--login <login>', 'Odoo: the login of its administrator (uid 2)', 'admin')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--api-key <key>', 'API key it accepts (default sim-key; sim-odoo-key with --engine odoo)', 'sim-key')
    .option('--api-secret <secret>', 'API secret it accepts', 'sim-secret')
    .option('--no-setup', 'start as a site whose setup wizard never ran')
    .option('--data-file <path>', 'keep the documents in this JSON file across restarts')
    .option('--seed <n>', 'seed of the fault sequence (default: random, printed at start)', (v) => integer(v, 0, 0xffff_ffff, 'seed'))
    .option('--latency <ms|min-max>', 'delay before each answer, fixed or random (repeatable, "[METHOD] [Doctype]=...")', latencyOption)
    .option('--error-rate <rate>', 'share of requests answering an error, 0..1 (repeatable, "[METHOD] [Doctype]=...")', rateOption)
    .option('--error-rate-status <status>', `status of --error-rate errors: ${RATE_ERROR_STATUSES.join(', ')}`, errorStatus, 503)
    .option('--retry-after <seconds>', 'Retry-After of 429/503 errors (default 1)', (v) => integer(v, 0, 86_400, 'retry-after'))
    .option('--timeout-rate <rate>', 'share of requests held unanswered and not applied', rateOption)
    .option('--reset-rate <rate>', 'share of connections reset before the request is applied', rateOption)
    .option('--lost-response-rate <rate>', 'share of requests applied whose answer is dropped', rateOption)
    .option('--scenario <name>', `one of the guide's errors (repeatable): ${SCENARIOS.join(', ')}`, scenarioOption)
    .option('--down', 'start with the engine down (connections dropped)')
    .option('--updating', 'start in maintenance mode (503 SessionStopped, as during bench migrate)')
    .option(
      '--company-insert-ms <ms>',
      'time a Company insert takes between its validation and its chart of accounts (default 0); concurrent inserts with one abbreviation then race as on a real site',
      (v) => integer(v, 0, 600_000, 'company insert time (ms)'),
    )
    .addHelpText('after', EXAMPLES)
    .action(async function (this: Command, opts: SimulatorCliOptions) {
      if (opts.engine === 'odoo') {
        const given = (name: string) => this.getOptionValueSource(name) !== 'default' && this.getOptionValueSource(name) !== undefined;
        const erpnextOnly = ERPNEXT_ONLY_OPTIONS.filter(given);
        if (erpnextOnly.length) throw new InvalidArgumentError(`--engine odoo does not take ${erpnextOnly.map((o) => `--${o.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')}`);
        return runOdooSimulator({ ...opts, port: given('port') ? opts.port : 8069, apiKey: given('apiKey') ? opts.apiKey : 'sim-odoo-key' });
      }
      const faults: FaultSpec[] = [
        ...(opts.errorRate ?? []).map((r) => ({ ...r, kind: 'error' as const, status: opts.errorRateStatus, ...(opts.retryAfter !== undefined ? { retryAfter: opts.retryAfter } : {}) })),
        ...(opts.timeoutRate ?? []).map((r) => ({ ...r, kind: 'timeout' as const })),
        ...(opts.resetRate ?? []).map((r) => ({ ...r, kind: 'reset' as const })),
        ...(opts.lostResponseRate ?? []).map((r) => ({ ...r, kind: 'lost' as const })),
      ];
      const scenarios: ScenarioSpec[] = (opts.scenario ?? []).map((name) => ({ name }));
      if (opts.updating) scenarios.push({ name: 'engine_updating' });
      // the simulator itself only now: the other commands start without it
      const { startErpnextSimulator, DataFileError } = await import('../../simulator/erpnext/index.ts');
      let sim;
      try {
        sim = await startErpnextSimulator({
          port: opts.port,
          host: opts.host,
          apiKey: opts.apiKey,
          apiSecret: opts.apiSecret,
          setupComplete: opts.setup,
          seed: opts.seed,
          dataFile: opts.dataFile,
          latency: opts.latency,
          faults,
          scenarios,
          down: opts.down ?? false,
          companyInsertMs: opts.companyInsertMs,
        });
      } catch (e) {
        if (e instanceof DataFileError) throw new InvalidArgumentError(`--data-file: ${e.message}`);
        throw e;
      }
      const state = sim.sim.faultState();
      process.stdout.write(`ERPNext simulator listening on ${sim.url} (token ${opts.apiKey}:<secret>)\n`);
      process.stdout.write(
        `seed ${state.seed}; ${state.faults.length} fault rule(s), ${state.latency.length} latency rule(s), ${state.armedScenarios.length} armed scenario(s)` +
          `${state.down ? '; engine DOWN' : ''}${state.updating ? '; maintenance mode' : ''}${opts.dataFile ? `; data in ${opts.dataFile}` : ''}` +
          `${state.companyInserts.ms ? `; Company inserts take ${state.companyInserts.ms} ms` : ''}\n`,
      );
      onShutdown(sim.close);
    });
}
