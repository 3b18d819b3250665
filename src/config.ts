import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import path from 'node:path';
import { ProvisionerError } from './domain/errors.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './domain/retry-policy.ts';
import { DEFAULT_AUTO_CONTINUE_POLICY, type AutoContinuePolicy } from './domain/auto-continue.ts';
import { DEFAULT_READINESS_CACHE_MS } from './application/readiness.ts';
import { DEFAULT_TENANT_SCAN_LIMIT } from './application/provisioning-service.ts';
import { DEFAULT_DRIFT_SWEEP_POLICY, type DriftSweepPolicy } from './runner/drift-sweeper.ts';
import { DEFAULT_WEBHOOK_POLICY, type WebhookPolicy } from './runner/webhook-deliverer.ts';
import { DEFAULT_RESUME_SETTLE_MS } from './runner/run-executor.ts';
import { ALLOWED_HOSTS_VARIABLE, parseAllowedHost, type EngineUrlPolicy } from './adapters/engine-url-policy.ts';
import { DEFAULT_ENGINE_TIME_BUDGETS, type EngineTimeBudgets } from './ports/engine.ts';
import { EncryptionKeyInvalidError, KEY_BYTES, parseEncryptionKey, type EncryptionKeys } from './adapters/engine-secrets.ts';

export class ConfigError extends ProvisionerError {
  constructor(message: string, hint: string) {
    super('CONFIG_INVALID', message, hint, { httpStatus: 500 });
  }
}

export interface Config {
  /** HTTP port of the API. (Default: 4000; env PORT) */
  port: number;
  /** Listen address. (Default: 127.0.0.1 in demo mode, 0.0.0.0 otherwise; env HOST) */
  host: string;
  /** A PostgreSQL server; null = embedded PostgreSQL in dataDir. (env DATABASE_URL) */
  databaseUrl: string | null;
  /** Where the embedded PostgreSQL and demo secrets live. (Default: ./.data; env PROVISIONER_DATA_DIR) */
  dataDir: string;
  /** Port of the embedded PostgreSQL; never 5432, which real servers own. (Default: 54329; env PROVISIONER_PG_PORT) */
  embeddedPgPort: number;
  /** Connections in this process's pool, at least 5. (Default: 10; env DATABASE_POOL_MAX) */
  databasePoolMax: number;
  /** Start on a database that has migrations this code does not know (older code, newer schema). (Default: false; env PROVISIONER_ALLOW_NEWER_SCHEMA) */
  allowNewerSchema: boolean;
  /** Local demo: the guide's account exists and the server listens on localhost only. (Default: on when DATABASE_URL is unset; env PROVISIONER_DEMO) */
  demo: boolean;
  /** Signs access tokens; at least 32 characters outside demo mode. Only `serve` needs it: '' for the commands that sign no token. (env PROVISIONER_JWT_SECRET) */
  jwtSecret: string;
  /** Which proxies' X-Forwarded-* headers the API believes: false, true (any peer), or addresses/CIDRs. (Default: false; env TRUST_PROXY) */
  trustProxy: TrustProxy;
  /**
   * Encrypts engine API keys and secrets in the database (AES-256-GCM): the current key, and older
   * ones still accepted for reading during a rotation. null: none set; outside demo mode serve and
   * worker then refuse to start while any engine is registered, and no engine can be registered.
   * (env PROVISIONER_ENCRYPTION_KEY or PROVISIONER_ENCRYPTION_KEY_FILE, PROVISIONER_ENCRYPTION_KEY_PREVIOUS
   * or PROVISIONER_ENCRYPTION_KEY_PREVIOUS_FILE; demo mode: random, kept in the data folder)
   */
  encryptionKeys: EncryptionKeys | null;
  /** The default ERPNext engine; null = the built-in simulator (demo mode only). (env ERPNEXT_URL, ERPNEXT_API_KEY, ERPNEXT_API_SECRET) */
  erpnext: { url: string; apiKey: string; apiSecret: string } | null;
  /**
   * Engine hosts that may be called although they are (or resolve to) loopback, private or
   * link-local addresses, and over http: "host" (any port) or "host:port". (Default: none; env
   * PROVISIONER_ENGINE_ALLOWED_HOSTS, comma-separated) Demo mode also allows loopback and http.
   */
  engineAllowedHosts: string[];
  /** Port of the built-in simulator in demo mode, where the README's failure demo sends its faults. (Default: 8000; 0 = any free port; env SIMULATOR_PORT) */
  simulatorPort: number;
  /**
   * Demo mode only: the built-in Odoo simulator's port, registered as engine `odoo-demo`; null = no
   * Odoo engine. (Default: null; env PROVISIONER_DEMO_ODOO=true turns it on, ODOO_SIMULATOR_PORT
   * moves it from 8070; 0 = any free port)
   */
  odooDemoPort: number | null;
  /** Run a worker inside the API process. (Default: true; env PROVISIONER_WORKER=false to disable) */
  workerInProcess: boolean;
  /** Lease of a claimed run. (Default: 30000 ms; env PROVISIONER_LEASE_MS) */
  leaseMs: number;
  /** A step a dead worker left in flight waits this long before it runs again (run-executor.ts). (Default: DEFAULT_RESUME_SETTLE_MS) */
  resumeSettleMs: number;
  /** How long engine calls may take: reads, writes, the Company insert. (env ENGINE_TIMEOUT_MS, ENGINE_WRITE_TIMEOUT_MS, ENGINE_COMPANY_TIMEOUT_MS) */
  engineBudgets: EngineTimeBudgets;
  /** Concurrent requests to one engine from the whole fleet (slots in PostgreSQL, fewer while it is overloaded). (Default: 8; env ENGINE_MAX_CONCURRENCY) */
  engineMaxConcurrency: number;
  /** Open event streams (SSE) per user, in this API process. (Default: 10; env EVENT_STREAMS_PER_USER) */
  eventStreamsPerUser: number;
  /** Open event streams (SSE) of all users, in this API process. (Default: 500; env EVENT_STREAMS_MAX) */
  eventStreamsMax: number;
  retryPolicy: RetryPolicy;
  /** Login throttling, per account and per client address. (env LOGIN_MAX_FAILURES, LOGIN_MAX_FAILURES_PER_ADDRESS, LOGIN_LOCKOUT_BASE_MS, LOGIN_LOCKOUT_MAX_MS) */
  loginThrottle: LoginThrottle;
  /** How often open event streams re-check their tokens against the users table. (Default: 5000 ms; env EVENT_STREAM_TOKEN_CHECK_MS) */
  eventStreamTokenCheckMs: number;
  /** How long one round of engine checks answers GET /api/ready, whoever asks. (Default: 5000 ms; env READINESS_CACHE_MS) */
  readinessCacheMs: number;
  /** Tenants one page of GET /api/tenants looks at, at most, however few its status or drifted filter matches (never fewer than its limit). (Default: 2000; env TENANT_FILTER_SCAN_LIMIT) */
  tenantFilterScanLimit: number;
  /**
   * Continue FAILED/PARTIAL tenants whose failure was transient once the engine answers again.
   * (Defaults: on, 5 a day, 30 s doubling to 15 min, a sweep every 5 s; env PROVISIONER_AUTO_CONTINUE,
   * AUTO_CONTINUE_MAX_PER_DAY, AUTO_CONTINUE_BACKOFF_MS, AUTO_CONTINUE_MAX_BACKOFF_MS, AUTO_CONTINUE_INTERVAL_MS)
   */
  autoContinue: AutoContinuePolicy & { intervalMs: number };
  /**
   * Verify every COMPLETED tenant again, each a sweep interval after its last verification, at
   * most so many a minute across the fleet. (Defaults: on, every 24 h, 30 a minute; env
   * PROVISIONER_DRIFT_SWEEP, DRIFT_SWEEP_INTERVAL_MS, DRIFT_SWEEP_RATE_PER_MINUTE)
   */
  driftSweep: DriftSweepPolicy;
  /**
   * Webhook deliveries, sent by every worker from the outbox. (Defaults: on, 10 s timeout, retries
   * from 10 s doubling to 1 h, given up after 24 h, woken by NOTIFY and the outbox read every 30 s
   * anyway, settled deliveries kept 14 days, a changed secret signed with too for 24 h; env
   * PROVISIONER_WEBHOOKS, WEBHOOK_TIMEOUT_MS, WEBHOOK_RETRY_BASE_MS, WEBHOOK_RETRY_MAX_MS,
   * WEBHOOK_RETRY_FOR_MS, WEBHOOK_POLL_MS, WEBHOOK_RETENTION_MS, WEBHOOK_SECRET_OVERLAP_MS)
   */
  webhooks: WebhookPolicy;
  logLevel: string;
  /** Pretty log lines on a terminal in demo mode; JSON otherwise. (env LOG_PRETTY=true|false) */
  logPretty: boolean;
}

export interface LoginThrottle {
  /** Failed logins of one account (known or not) before it is locked out. */
  perAccount: number;
  /** Failed logins from one address (request.ip) before it is locked out. */
  perAddress: number;
  /** The first lockout; each further failure doubles it. */
  baseMs: number;
  /** The longest lockout; failures older than this are forgotten. */
  maxMs: number;
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottle = { perAccount: 5, perAddress: 20, baseMs: 30_000, maxMs: 900_000 };
export const DEFAULT_EVENT_STREAM_TOKEN_CHECK_MS = 5_000;

/**
 * Bits of entropy a secret seems to carry, estimated from below: characters that repeat an
 * earlier substring of 3 or more, or continue a run (abcd, 1234), add nothing; each other
 * character adds the Shannon entropy per character of the whole string. `openssl rand -hex 32`
 * scores about 240, `changeme-changeme-…` and `abcdefgh`×4 well under 100.
 */
export function secretEntropyBits(secret: string): number {
  const chars = [...secret];
  const counts = new Map<string, number>();
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
  let perChar = 0;
  for (const n of counts.values()) perChar -= (n / chars.length) * Math.log2(n / chars.length);
  let novel = 0;
  for (let i = 0; i < chars.length; ) {
    const prefix = chars.slice(0, i).join('');
    let repeat = 0;
    while (i + repeat < chars.length && prefix.includes(chars.slice(i, i + repeat + 1).join(''))) repeat += 1;
    if (repeat >= 3) {
      i += repeat;
      continue;
    }
    const step = i > 0 ? chars[i]!.codePointAt(0)! - chars[i - 1]!.codePointAt(0)! : 0;
    if (i === 0 || (step !== 1 && step !== -1)) novel += 1;
    i += 1;
  }
  return novel * perChar;
}

/** A signing secret must be long and look random: 128 bits by secretEntropyBits. */
export const MIN_SECRET_BITS = 128;

/**
 * Fastify's trustProxy: false, true (any peer), or the proxies' addresses and CIDRs. No hop
 * count: Fastify 5 trusts nothing for a number, since a hop count cannot tell a proxy from a
 * client that sends the header itself.
 */
export type TrustProxy = boolean | string[];

/**
 * The worker runs up to 4 runs at once and each holds one pooled connection for its tenant's
 * advisory lock while it executes: a smaller pool would leave its state writes nothing to use.
 */
export const MIN_DATABASE_POOL = 5;
export const DEFAULT_DATABASE_POOL = 10;

/**
 * Open event streams per API process. A stream costs a socket and a subscriber of the one
 * event feed, no database connection; the caps keep one user (or a flood) from taking them all.
 */
export const DEFAULT_EVENT_STREAM_LIMITS = { perUser: 10, total: 500 };

/** The README's failure demo posts its faults to http://127.0.0.1:8000. */
export const DEFAULT_SIMULATOR_PORT = 8000;
/** The demo's Odoo simulator: beside a real Odoo's usual 8069, not on it. */
export const DEFAULT_ODOO_SIMULATOR_PORT = 8070;

/** A port this process was told to listen on is taken. */
export class PortInUseError extends ProvisionerError {
  constructor(what: string, host: string, port: number, variable: string) {
    super('PORT_IN_USE', `${what} cannot listen on ${host}:${port}: the port is in use`, `Stop what listens there (ss -ltnp 'sport = :${port}'), or set ${variable} to another port (0: any free port).`, { httpStatus: 500 });
  }
}

const isAddressInUse = (e: unknown) => (e as { code?: string } | null)?.code === 'EADDRINUSE';

/** Runs listen(); a taken port becomes a PortInUseError that says which setting moves it. */
export async function listenOrExplain<T>(listen: () => Promise<T>, what: string, host: string, port: number, variable: string): Promise<T> {
  try {
    return await listen();
  } catch (e) {
    if (isAddressInUse(e)) throw new PortInUseError(what, host, port, variable);
    throw e;
  }
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1)$/;

function int(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${name}=${raw} is not a non-negative integer`, `Set ${name} to a whole number.`);
  return n;
}

/** The demo's Odoo simulator is opt-in: the guide's demo, its scripts and readiness see one engine unless asked. */
function odooDemoPort(env: NodeJS.ProcessEnv, demo: boolean): number | null {
  if (!bool(env, 'PROVISIONER_DEMO_ODOO', false)) return null;
  if (!demo) throw new ConfigError('PROVISIONER_DEMO_ODOO=true needs demo mode', 'The built-in Odoo simulator is for demos: unset PROVISIONER_DEMO_ODOO, or register a real Odoo with POST /api/engines (kind "odoo").');
  return int(env, 'ODOO_SIMULATOR_PORT', DEFAULT_ODOO_SIMULATOR_PORT);
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name}=${env[name]} is not a boolean`, `Set ${name} to true or false.`);
}

/** proxy-addr's names for address ranges, accepted in TRUST_PROXY besides addresses and CIDRs. */
const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

function trustProxy(env: NodeJS.ProcessEnv): TrustProxy {
  const raw = env.TRUST_PROXY?.trim() ?? '';
  if (raw === '' || ['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  const entries = raw.split(',').map((e) => e.trim()).filter(Boolean);
  for (const entry of entries) {
    const [address, prefix, ...rest] = entry.split('/');
    const version = isIP(address ?? '');
    const validPrefix = prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= (version === 6 ? 128 : 32));
    if (!PROXY_RANGES.includes(entry) && (version === 0 || !validPrefix || rest.length > 0)) {
      throw new ConfigError(`TRUST_PROXY has "${entry}", which is not an address, a CIDR range or one of ${PROXY_RANGES.join(', ')}`, 'Set TRUST_PROXY to the reverse proxy\'s addresses (e.g. 127.0.0.1 or 10.0.0.0/8, comma-separated), or true when only the proxy can reach the API.');
    }
  }
  return entries;
}

function engineAllowedHosts(env: NodeJS.ProcessEnv): string[] {
  const entries = (env[ALLOWED_HOSTS_VARIABLE] ?? '').split(',').map((e) => e.trim()).filter(Boolean);
  return entries.map((entry) => {
    const host = parseAllowedHost(entry);
    if (host === null) throw new ConfigError(`${ALLOWED_HOSTS_VARIABLE} has "${entry}", which is not a host or host:port`, `Set ${ALLOWED_HOSTS_VARIABLE} to host names or addresses, each with an optional port, comma-separated (e.g. "erp.internal,127.0.0.1:8000"); no scheme or path.`);
    return host;
  });
}

/** Which engine URLs this process may call (src/adapters/engine-url-policy.ts). */
export const engineUrlPolicyOf = (config: Pick<Config, 'demo' | 'engineAllowedHosts'>): EngineUrlPolicy => ({ demo: config.demo, allowedHosts: config.engineAllowedHosts });

/**
 * A demo secret: random once, then kept in the data folder (mode 0600) so that it survives
 * restarts. Created exclusively: of two processes starting at once, both use the first's.
 */
function demoSecretFile(dataDir: string, name: string, make: () => string): string {
  const file = path.join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = make();
  try {
    writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return readFileSync(file, 'utf8').trim();
  }
  return secret;
}

/** The demo signing secret: tokens survive restarts. */
const demoSecret = (dataDir: string) => demoSecretFile(dataDir, 'demo-jwt-secret', () => randomBytes(32).toString('hex'));

/** A key file (PROVISIONER_ENCRYPTION_KEY_FILE, a Docker or Kubernetes secret): its text, or why not. */
function keyFile(variable: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new EncryptionKeyInvalidError(`${variable}=${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`, `Point ${variable} at a file this process can read, holding the key (openssl rand -base64 32 > file; chmod 600 file).`);
  }
}

/**
 * The engine-secret keys: the current one from PROVISIONER_ENCRYPTION_KEY or its _FILE (one of
 * them), the previous ones (a rotation) from PROVISIONER_ENCRYPTION_KEY_PREVIOUS (comma-separated)
 * or its _FILE (one a line). Demo mode without one: random, kept in the data folder, so that
 * `npm start` needs no setup and its engine survives restarts.
 */
function encryptionKeys(env: NodeJS.ProcessEnv, demo: boolean, dataDir: string): EncryptionKeys | null {
  const inline = env.PROVISIONER_ENCRYPTION_KEY?.trim() ?? '';
  const file = env.PROVISIONER_ENCRYPTION_KEY_FILE?.trim() ?? '';
  if (inline && file) {
    throw new EncryptionKeyInvalidError('PROVISIONER_ENCRYPTION_KEY and PROVISIONER_ENCRYPTION_KEY_FILE are both set', 'Set one of them: the key itself, or the file that holds it.');
  }
  let current: Buffer | null = null;
  if (inline) current = parseEncryptionKey(inline, 'PROVISIONER_ENCRYPTION_KEY');
  else if (file) current = parseEncryptionKey(keyFile('PROVISIONER_ENCRYPTION_KEY_FILE', file), `The key in PROVISIONER_ENCRYPTION_KEY_FILE (${file})`);
  const previousInline = env.PROVISIONER_ENCRYPTION_KEY_PREVIOUS?.trim() ?? '';
  const previousFile = env.PROVISIONER_ENCRYPTION_KEY_PREVIOUS_FILE?.trim() ?? '';
  const previous = [
    ...previousInline.split(',').map((k) => k.trim()).filter(Boolean).map((k, i) => parseEncryptionKey(k, `PROVISIONER_ENCRYPTION_KEY_PREVIOUS (key ${i + 1})`)),
    ...(previousFile ? keyFile('PROVISIONER_ENCRYPTION_KEY_PREVIOUS_FILE', previousFile).split('\n').map((k) => k.trim()).filter(Boolean) : []).map((k, i) => parseEncryptionKey(k, `PROVISIONER_ENCRYPTION_KEY_PREVIOUS_FILE (line ${i + 1})`)),
  ];
  if (!current && previous.length > 0) {
    throw new EncryptionKeyInvalidError('PROVISIONER_ENCRYPTION_KEY_PREVIOUS is set without PROVISIONER_ENCRYPTION_KEY', 'A previous key is only read with a current one: set PROVISIONER_ENCRYPTION_KEY to the new key (docs/operations.md, "Engine credentials at rest").');
  }
  if (!current && demo) current = parseEncryptionKey(demoSecretFile(dataDir, 'demo-encryption-key', () => randomBytes(KEY_BYTES).toString('base64')), `The demo key in ${path.join(dataDir, 'demo-encryption-key')}`);
  return current ? { current, previous } : null;
}

/**
 * The settings of this process from its environment. `signsTokens: false` is for the commands
 * that never issue or check a token (worker, migrate, users create): they start without
 * PROVISIONER_JWT_SECRET and ignore it.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, opts: { signsTokens?: boolean } = {}): Config {
  const signsTokens = opts.signsTokens ?? true;
  const databaseUrl = env.DATABASE_URL || null;
  const demo = bool(env, 'PROVISIONER_DEMO', databaseUrl === null);
  const dataDir = path.resolve(env.PROVISIONER_DATA_DIR || '.data');
  const host = env.HOST || (demo ? '127.0.0.1' : '0.0.0.0');
  if (demo && !LOOPBACK.test(host)) {
    throw new ConfigError(`Demo mode listens on localhost only, not ${host}`, 'Unset HOST, or leave demo mode (PROVISIONER_DEMO=false with PROVISIONER_JWT_SECRET and DATABASE_URL).');
  }
  let jwtSecret = signsTokens ? (env.PROVISIONER_JWT_SECRET ?? '') : '';
  if (!signsTokens) {
    // nothing to sign: the secret is neither required nor read
  } else if (!jwtSecret) {
    if (!demo) throw new ConfigError('PROVISIONER_JWT_SECRET is not set', 'Set PROVISIONER_JWT_SECRET to a random string of at least 32 characters (openssl rand -hex 32): `serve` signs access tokens with it (worker, migrate and users create do not need it).');
    jwtSecret = demoSecret(dataDir);
  } else if (jwtSecret.length < 32 || new Set(jwtSecret).size < 8) {
    throw new ConfigError('PROVISIONER_JWT_SECRET is too weak', 'Use a random string of at least 32 characters (openssl rand -hex 32).');
  } else if (!demo && secretEntropyBits(jwtSecret) < MIN_SECRET_BITS) {
    // a guessable secret lets anyone sign a platform admin token
    throw new ConfigError(
      `PROVISIONER_JWT_SECRET is too weak: it looks like about ${Math.round(secretEntropyBits(jwtSecret))} bits of randomness (repeated or sequential characters), ${MIN_SECRET_BITS} are needed`,
      'Make one with `openssl rand -hex 32` (or `openssl rand -base64 32`) and set PROVISIONER_JWT_SECRET to it on every API process.',
    );
  }
  const databasePoolMax = int(env, 'DATABASE_POOL_MAX', DEFAULT_DATABASE_POOL);
  if (databasePoolMax < MIN_DATABASE_POOL) {
    throw new ConfigError(`DATABASE_POOL_MAX=${databasePoolMax} is too small`, `Set DATABASE_POOL_MAX to ${MIN_DATABASE_POOL} or more: a worker's 4 concurrent runs hold one connection each for their tenant lock, and everything else needs at least one more.`);
  }
  const erpnext = env.ERPNEXT_URL ? { url: env.ERPNEXT_URL, apiKey: env.ERPNEXT_API_KEY ?? '', apiSecret: env.ERPNEXT_API_SECRET ?? '' } : null;
  if (erpnext && (!erpnext.apiKey || !erpnext.apiSecret)) {
    throw new ConfigError('ERPNEXT_URL is set without ERPNEXT_API_KEY and ERPNEXT_API_SECRET', 'Set both to the API key and secret of an ERPNext user (User > API Access).');
  }
  return {
    port: int(env, 'PORT', 4000),
    host,
    databaseUrl,
    dataDir,
    embeddedPgPort: int(env, 'PROVISIONER_PG_PORT', 54329),
    databasePoolMax,
    allowNewerSchema: bool(env, 'PROVISIONER_ALLOW_NEWER_SCHEMA', false),
    demo,
    jwtSecret,
    encryptionKeys: encryptionKeys(env, demo, dataDir),
    trustProxy: trustProxy(env),
    erpnext,
    engineAllowedHosts: engineAllowedHosts(env),
    simulatorPort: int(env, 'SIMULATOR_PORT', DEFAULT_SIMULATOR_PORT),
    odooDemoPort: odooDemoPort(env, demo),
    workerInProcess: bool(env, 'PROVISIONER_WORKER', true),
    leaseMs: int(env, 'PROVISIONER_LEASE_MS', 30_000),
    resumeSettleMs: int(env, 'PROVISIONER_RESUME_SETTLE_MS', DEFAULT_RESUME_SETTLE_MS),
    engineBudgets: {
      readMs: int(env, 'ENGINE_TIMEOUT_MS', DEFAULT_ENGINE_TIME_BUDGETS.readMs),
      writeMs: int(env, 'ENGINE_WRITE_TIMEOUT_MS', DEFAULT_ENGINE_TIME_BUDGETS.writeMs),
      companyInsertMs: int(env, 'ENGINE_COMPANY_TIMEOUT_MS', DEFAULT_ENGINE_TIME_BUDGETS.companyInsertMs),
    },
    engineMaxConcurrency: Math.max(1, int(env, 'ENGINE_MAX_CONCURRENCY', 8)),
    eventStreamsPerUser: Math.max(1, int(env, 'EVENT_STREAMS_PER_USER', DEFAULT_EVENT_STREAM_LIMITS.perUser)),
    eventStreamsMax: Math.max(1, int(env, 'EVENT_STREAMS_MAX', DEFAULT_EVENT_STREAM_LIMITS.total)),
    retryPolicy: {
      maxAttempts: int(env, 'STEP_MAX_ATTEMPTS', DEFAULT_RETRY_POLICY.maxAttempts),
      baseDelayMs: int(env, 'STEP_RETRY_BASE_MS', DEFAULT_RETRY_POLICY.baseDelayMs),
      maxDelayMs: int(env, 'STEP_RETRY_MAX_MS', DEFAULT_RETRY_POLICY.maxDelayMs),
    },
    loginThrottle: {
      perAccount: Math.max(1, int(env, 'LOGIN_MAX_FAILURES', DEFAULT_LOGIN_THROTTLE.perAccount)),
      perAddress: Math.max(1, int(env, 'LOGIN_MAX_FAILURES_PER_ADDRESS', DEFAULT_LOGIN_THROTTLE.perAddress)),
      baseMs: int(env, 'LOGIN_LOCKOUT_BASE_MS', DEFAULT_LOGIN_THROTTLE.baseMs),
      maxMs: int(env, 'LOGIN_LOCKOUT_MAX_MS', DEFAULT_LOGIN_THROTTLE.maxMs),
    },
    eventStreamTokenCheckMs: Math.max(100, int(env, 'EVENT_STREAM_TOKEN_CHECK_MS', DEFAULT_EVENT_STREAM_TOKEN_CHECK_MS)),
    readinessCacheMs: int(env, 'READINESS_CACHE_MS', DEFAULT_READINESS_CACHE_MS),
    tenantFilterScanLimit: Math.max(1, int(env, 'TENANT_FILTER_SCAN_LIMIT', DEFAULT_TENANT_SCAN_LIMIT)),
    autoContinue: {
      enabled: bool(env, 'PROVISIONER_AUTO_CONTINUE', DEFAULT_AUTO_CONTINUE_POLICY.enabled),
      maxPerDay: int(env, 'AUTO_CONTINUE_MAX_PER_DAY', DEFAULT_AUTO_CONTINUE_POLICY.maxPerDay),
      backoffMs: int(env, 'AUTO_CONTINUE_BACKOFF_MS', DEFAULT_AUTO_CONTINUE_POLICY.backoffMs),
      maxBackoffMs: int(env, 'AUTO_CONTINUE_MAX_BACKOFF_MS', DEFAULT_AUTO_CONTINUE_POLICY.maxBackoffMs),
      intervalMs: Math.max(100, int(env, 'AUTO_CONTINUE_INTERVAL_MS', 5_000)),
    },
    driftSweep: {
      enabled: bool(env, 'PROVISIONER_DRIFT_SWEEP', DEFAULT_DRIFT_SWEEP_POLICY.enabled),
      intervalMs: Math.max(1_000, int(env, 'DRIFT_SWEEP_INTERVAL_MS', DEFAULT_DRIFT_SWEEP_POLICY.intervalMs)),
      ratePerMinute: Math.max(1, int(env, 'DRIFT_SWEEP_RATE_PER_MINUTE', DEFAULT_DRIFT_SWEEP_POLICY.ratePerMinute)),
    },
    webhooks: {
      enabled: bool(env, 'PROVISIONER_WEBHOOKS', DEFAULT_WEBHOOK_POLICY.enabled),
      timeoutMs: Math.max(100, int(env, 'WEBHOOK_TIMEOUT_MS', DEFAULT_WEBHOOK_POLICY.timeoutMs)),
      retryBaseMs: Math.max(10, int(env, 'WEBHOOK_RETRY_BASE_MS', DEFAULT_WEBHOOK_POLICY.retryBaseMs)),
      retryMaxMs: Math.max(10, int(env, 'WEBHOOK_RETRY_MAX_MS', DEFAULT_WEBHOOK_POLICY.retryMaxMs)),
      retryForMs: Math.max(0, int(env, 'WEBHOOK_RETRY_FOR_MS', DEFAULT_WEBHOOK_POLICY.retryForMs)),
      pollMs: Math.max(10, int(env, 'WEBHOOK_POLL_MS', DEFAULT_WEBHOOK_POLICY.pollMs)),
      retentionMs: Math.max(60_000, int(env, 'WEBHOOK_RETENTION_MS', DEFAULT_WEBHOOK_POLICY.retentionMs)),
      secretOverlapMs: Math.max(0, int(env, 'WEBHOOK_SECRET_OVERLAP_MS', DEFAULT_WEBHOOK_POLICY.secretOverlapMs)),
    },
    logLevel: env.LOG_LEVEL || 'info',
    logPretty: bool(env, 'LOG_PRETTY', demo && Boolean(process.stdout.isTTY)),
  };
}
