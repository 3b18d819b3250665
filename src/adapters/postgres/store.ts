import type pg from 'pg';
import { randomUUID } from 'node:crypto';
import { STEPS, type StepId } from '../../domain/steps/catalogue.ts';
import type { RunKind } from '../../domain/plan.ts';
import type { SettledRun } from '../../domain/auto-continue.ts';
import type { EngineFacts, RunConfig } from '../../domain/steps/step.ts';
import { RunConflictError, StateChangedError, toProvisionerError, type ProvisionerError } from '../../domain/errors.ts';
import type {
  AuditEntry,
  AuditRecord,
  DriftRecord,
  EngineRecord,
  EventRecord,
  NewEvent,
  Page,
  PageKey,
  Role,
  RunRecord,
  RunStatus,
  StepFailure,
  StepRecord,
  TenantRecord,
  TokenState,
  UserRecord,
  WebhookDeliveryRecord,
  WebhookRecord,
} from '../../ports/store.ts';

/** A delivery claimed for sending, with what it is sent to and signed with (sealed values). */
export type ClaimedWebhookDelivery = WebhookDeliveryRecord & { url: string; secret: string; previousSecret: string | null };
import type { EngineKind } from '../../ports/engine.ts';
import { inTransaction, isUniqueViolation, type Queryable } from './database.ts';
import { sealedKeyId, webhookSlot, type EngineSecrets } from '../engine-secrets.ts';

type Row = Record<string, any>;

const toUser = (r: Row): UserRecord => ({
  id: r.id,
  email: r.email,
  name: r.name,
  role: r.role,
  tenantId: r.tenant_id,
  passwordHash: r.password_hash,
  tokenVersion: r.token_version,
  disabledAt: r.disabled_at,
  disabledReason: r.disabled_reason,
  createdAt: r.created_at,
});
const toAudit = (r: Row): AuditRecord => ({
  id: Number(r.id),
  at: r.at,
  actorId: r.actor_id,
  actorEmail: r.actor_email,
  action: r.action,
  targetType: r.target_type,
  targetId: r.target_id,
  details: r.details,
  ip: r.ip,
});

/** What a re-encryption of engine credentials (or webhook secrets) did, by engine (webhook) id. */
export interface ResealOutcome {
  /** Sealed with the current key now. */
  resealed: string[];
  /** Nothing to do (already the current key; with clearTextOnly, also an older key this process reads). */
  current: string[];
  /** Not opened by this process's keys: left as they were. */
  unreadable: Array<{ id: string; error: ProvisionerError }>;
}

/** A change of a user by a platform admin (PATCH /api/users/:id, the demo account at start). */
export interface UserChange {
  role?: Role;
  tenantId?: string | null;
  /** true: disabled (with `disabledReason`); false: enabled again. */
  disabled?: boolean;
  disabledReason?: string | null;
  passwordHash?: string;
}

/** Why a user change was refused; the routes turn it into their error. */
export type UserChangeRefusal = 'not_found' | 'last_platform_admin';

/** The lockout a series of failed logins earns: none below `maxFailures`, then base × 2^(excess), capped. */
/** Thrown inside claimLoginAttempt's transaction to roll it back when a key is locked. */
const LOCKED = Symbol('login key locked');

export interface LockoutPolicy {
  maxFailures: number;
  baseMs: number;
  maxMs: number;
}
const toWebhook = (r: Row): WebhookRecord => ({
  id: r.id,
  url: r.url,
  events: r.events,
  secret: r.secret,
  enabled: r.enabled,
  previousSecret: r.previous_secret,
  previousSecretUntil: r.previous_secret_until,
  createdBy: r.created_by,
  createdAt: r.created_at,
});
const toDelivery = (r: Row): WebhookDeliveryRecord => ({
  id: r.id,
  webhookId: r.webhook_id,
  event: r.event,
  eventId: r.event_id === null ? null : Number(r.event_id),
  tenantId: r.tenant_id,
  runId: r.run_id,
  data: r.data,
  createdAt: r.created_at,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastStatus: r.last_status,
  lastError: r.last_error,
  deliveredAt: r.delivered_at,
  givenUpAt: r.given_up_at,
});
const toTenant = (r: Row): TenantRecord => ({
  id: r.id,
  name: r.name,
  countryCode: r.country_code,
  country: r.country,
  currency: r.currency,
  engineId: r.engine_id,
  adminEmail: r.admin_email,
  config: r.config,
  engineFacts: r.engine_facts,
  note: r.note,
  createdAt: r.created_at,
});
const toRun = (r: Row): RunRecord => ({
  id: r.id,
  tenantId: r.tenant_id,
  kind: r.kind,
  status: r.status,
  plan: r.plan,
  config: r.config,
  idempotencyKey: r.idempotency_key,
  requestedBy: r.requested_by,
  lockedBy: r.locked_by,
  leaseUntil: r.lease_until,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});
const toStep = (r: Row): StepRecord => ({
  tenantId: r.tenant_id,
  id: r.step_id,
  ordinal: r.ordinal,
  status: r.status,
  skipReason: r.skip_reason,
  attempts: r.attempts,
  runId: r.run_id,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  durationMs: r.duration_ms,
  message: r.message,
  errorCode: r.error_code,
  errorMessage: r.error_message,
  errorHint: r.error_hint,
});
const toEvent = (r: Row): EventRecord => ({
  id: r.id,
  tenantId: r.tenant_id,
  runId: r.run_id,
  stepId: r.step_id,
  attempt: r.attempt,
  type: r.type,
  level: r.level,
  status: r.status,
  message: r.message,
  code: r.code,
  hint: r.hint,
  error: r.error,
  durationMs: r.duration_ms,
  engine: r.engine,
  createdAt: r.created_at,
});

/** An event's 13 column values, in the order of the events table's insert. */
const eventParams = (e: NewEvent): unknown[] => [
  e.tenantId,
  e.runId ?? null,
  e.stepId ?? null,
  e.attempt ?? null,
  e.type,
  e.level,
  e.status ?? null,
  e.message,
  e.code ?? null,
  e.hint ?? null,
  e.error ?? null,
  e.durationMs ?? null,
  e.engine ? JSON.stringify(e.engine) : null,
];

/**
 * A tenant's step rows (json array, in order) and its latest run (json or null), for the tenant
 * `t.id`: the status reads fetch them with the tenant, in one statement. Through the indexes
 * provisioning_steps_pkey and runs_by_tenant.
 */
const STATUS_RECORDS = `coalesce((select json_agg(s order by s.ordinal) from onboarding.provisioning_steps s where s.tenant_id = t.id), '[]'::json) as steps,
  (select row_to_json(r) from onboarding.provisioning_runs r where r.tenant_id = t.id order by r.created_at desc limit 1) as run,
  (select json_build_object('verified_at', d.verified_at, 'drifted_at', d.drifted_at, 'first_step', d.first_step, 'findings', d.findings)
     from onboarding.tenant_drift d where d.tenant_id = t.id) as drift`;
/**
 * The columns toTenant reads, for statements prepared once per connection (named): a prepared
 * `t.*` would fail ("cached plan must not change result type") once a migration adds a column
 * while this version runs.
 */
const TENANT_COLUMNS = ['id', 'name', 'country_code', 'country', 'currency', 'engine_id', 'admin_email', 'config', 'engine_facts', 'note', 'created_at'].map((c) => `t.${c}`).join(', ');
/** Timestamps arrive as ISO strings in json: Dates again, as pg gives them for columns. */
const withDates = (r: Row, columns: readonly string[]): Row => {
  for (const c of columns) if (typeof r[c] === 'string') r[c] = new Date(r[c]);
  return r;
};
const STEP_TIMESTAMPS = ['started_at', 'finished_at', 'updated_at'] as const;
const RUN_TIMESTAMPS = ['created_at', 'started_at', 'finished_at', 'lease_until', 'locked_at'] as const;
const statusSteps = (r: Row): StepRecord[] => (r.steps as Row[]).map((s) => toStep(withDates(s, STEP_TIMESTAMPS)));
const statusRun = (r: Row): RunRecord | null => (r.run ? toRun(withDates(r.run, RUN_TIMESTAMPS)) : null);
const toDrift = (d: Row): DriftRecord => {
  withDates(d, ['verified_at', 'drifted_at']);
  return { verifiedAt: d.verified_at, driftedAt: d.drifted_at, firstStep: d.first_step, findings: d.findings };
};
const statusDrift = (r: Row): DriftRecord | null => (r.drift ? toDrift(r.drift) : null);

/** Serialises the drift sweep's claims across the fleet, so that its rate is counted exactly. */
export const DRIFT_SWEEP_LOCK = 7_402_114;

/** created_at in UTC to the microsecond: a page key that casts back to the same timestamptz. */
const PAGE_KEY_TIME = `to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Channel on which a new runnable run is announced to idle workers. */
export const RUNS_CHANNEL = 'provisioner_runs';
/** Channel on which every new event is announced as "<tenant_id>:<event id>". */
export const EVENTS_CHANNEL = 'provisioner_events';
/** Notified at the commit of every statement that writes webhook deliveries (migration 015's trigger); the deliverers listen. */
export const WEBHOOK_DELIVERIES_CHANNEL = 'webhook_deliveries';

/**
 * Every read and state change of Provisioner's data, one SQL statement each (or one
 * transaction where a change must be atomic), in the style of graphile-worker's sql/ folder.
 * Step state changes are guarded by the run's lease: a worker that lost its lease changes nothing.
 */
export class PostgresStore {
  /** `engineSecrets`: seals engine credentials on write and opens them when a record's credentials() is called. */
  constructor(
    readonly pool: pg.Pool,
    readonly engineSecrets: EngineSecrets,
  ) {}

  private readonly toEngine = (r: Row): EngineRecord => {
    const { id, api_key: storedKey, api_secret: storedSecret } = r as { id: string; api_key: string; api_secret: string };
    // opened when called: listing engines needs no key, and a wrong one fails where it is used, naming the engine
    return { id, kind: r.kind, baseUrl: r.base_url, apiKeySet: storedKey.length > 0, credentials: () => this.engineSecrets.credentials(id, storedKey, storedSecret), database: r.database ?? null, login: r.login ?? null, createdAt: r.created_at };
  };

  // ---- users -------------------------------------------------------------------------------

  /** Inserts a user and, in the same transaction, the audit line `audit` makes of it: neither without the other. */
  async createUser(u: { email: string; name?: string | null; passwordHash: string; role: Role; tenantId?: string | null }, audit: ((user: UserRecord) => AuditEntry) | null = null): Promise<UserRecord> {
    return inTransaction(this.pool, async (c) => {
      const { rows } = await c.query(
        `insert into onboarding.users (email, name, password_hash, role, tenant_id) values (lower($1), $2, $3, $4, $5) returning *`,
        [u.email, u.name ?? null, u.passwordHash, u.role, u.tenantId ?? null],
      );
      const user = toUser(rows[0]!);
      if (audit) await this.recordAudit(audit(user), c);
      return user;
    });
  }

  async findUserByEmail(email: string): Promise<UserRecord | null> {
    const { rows } = await this.pool.query(`select * from onboarding.users where lower(email) = lower($1)`, [email]);
    return rows[0] ? toUser(rows[0]) : null;
  }

  async getUser(id: string): Promise<UserRecord | null> {
    const { rows } = await this.pool.query(`select * from onboarding.users where id = $1`, [id]);
    return rows[0] ? toUser(rows[0]) : null;
  }

  /** One page of users, oldest first. */
  listUsersPage(page: { after: PageKey | null; limit: number }): Promise<Page<UserRecord>> {
    return this.page('onboarding.users', 'uuid', 'true', [], page, toUser);
  }

  /**
   * Rows of a table in (created_at, id) order after `page.after`: one more than the limit is
   * read to tell whether more follow. `where` may use $1..$n of `params`.
   */
  private async page<T>(table: string, idType: 'uuid' | 'text', where: string, params: unknown[], page: { after: PageKey | null; limit: number }, map: (r: Row) => T): Promise<Page<T>> {
    const n = params.length;
    const { rows } = await this.pool.query(
      `select *, ${PAGE_KEY_TIME} as page_key_time from ${table}
       where (${where}) and ($${n + 1}::timestamptz is null or (created_at, id) > ($${n + 1}::timestamptz, $${n + 2}::${idType}))
       order by created_at, id limit $${n + 3}`,
      [...params, page.after?.createdAt ?? null, page.after?.id ?? null, page.limit + 1],
    );
    const kept = rows.slice(0, page.limit);
    return { items: kept.map(map), keys: kept.map((r) => ({ createdAt: r.page_key_time, id: String(r.id) })), more: rows.length > page.limit };
  }

  async listUsers(): Promise<UserRecord[]> {
    const { rows } = await this.pool.query(`select * from onboarding.users order by created_at`);
    return rows.map(toUser);
  }

  /** The token checks' read: one primary-key lookup per request (prepared: parsed and planned once per connection). */
  async tokenStates(ids: string[]): Promise<Map<string, TokenState>> {
    const { rows } = await this.pool.query({ name: 'token-states', text: `select id, email, role, tenant_id, token_version, disabled_at from onboarding.users where id = any($1::uuid[])`, values: [ids] });
    return new Map(rows.map((r) => [r.id as string, { id: r.id, email: r.email, role: r.role, tenantId: r.tenant_id, tokenVersion: r.token_version, disabled: r.disabled_at !== null }]));
  }

  /**
   * The active platform admins, their rows locked: taken before the changed user's own row, always
   * in this order, so that two admins demoting each other at the same moment neither both succeed
   * nor deadlock.
   */
  private async lockActivePlatformAdmins(c: pg.PoolClient): Promise<string[]> {
    const { rows } = await c.query(`select id from onboarding.users where role = 'platform_admin' and disabled_at is null order by id for update`);
    return rows.map((r) => r.id as string);
  }

  /**
   * Changes a user and writes the audit line, in one transaction. A change of role, tenant,
   * password or a disable bumps token_version: every token issued before is revoked.
   */
  async updateUser(id: string, change: UserChange, audit: AuditEntry | null, opts: { keepAPlatformAdmin?: boolean } = {}): Promise<UserRecord | UserChangeRefusal> {
    return inTransaction(this.pool, async (c) => {
      const admins = await this.lockActivePlatformAdmins(c);
      const current = (await c.query(`select * from onboarding.users where id = $1 for update`, [id])).rows[0];
      if (!current) return 'not_found';
      const role = change.role ?? current.role;
      const disabled = change.disabled ?? current.disabled_at !== null;
      const staysActiveAdmin = role === 'platform_admin' && !disabled;
      if ((opts.keepAPlatformAdmin ?? true) && !staysActiveAdmin && admins.length === 1 && admins[0] === id) return 'last_platform_admin';
      const tenantId = change.tenantId !== undefined ? change.tenantId : current.tenant_id;
      const revokes =
        role !== current.role || tenantId !== current.tenant_id || change.passwordHash !== undefined || (disabled && current.disabled_at === null);
      const { rows } = await c.query(
        `update onboarding.users set role = $2, tenant_id = $3, password_hash = coalesce($4, password_hash),
           disabled_at = case when $5 then coalesce(disabled_at, now()) else null end,
           disabled_reason = case when $5 then coalesce($6, disabled_reason) else null end,
           token_version = token_version + $7, updated_at = now()
         where id = $1 returning *`,
        [id, role, tenantId, change.passwordHash ?? null, disabled, change.disabledReason ?? null, revokes ? 1 : 0],
      );
      if (audit) await this.recordAudit(audit, c);
      return toUser(rows[0]!);
    });
  }

  /** Deletes a user (its tokens die with the row) and writes the audit line, in one transaction. */
  async deleteUser(id: string, audit: AuditEntry | null): Promise<UserRecord | UserChangeRefusal> {
    return inTransaction(this.pool, async (c) => {
      const admins = await this.lockActivePlatformAdmins(c);
      const current = (await c.query(`select * from onboarding.users where id = $1 for update`, [id])).rows[0];
      if (!current) return 'not_found';
      if (admins.length === 1 && admins[0] === id) return 'last_platform_admin';
      await c.query(`delete from onboarding.users where id = $1`, [id]);
      if (audit) await this.recordAudit(audit, c);
      return toUser(current);
    });
  }

  // ---- login throttling ----------------------------------------------------------------------

  /** Milliseconds until every one of these keys may log in again (0: none is locked). */
  async loginLockedForMs(keys: string[]): Promise<number> {
    const { rows } = await this.pool.query(
      `select coalesce(max(greatest(0, ceil(extract(epoch from locked_until - now()) * 1000))), 0)::bigint as ms from onboarding.login_failures where key = any($1::text[])`,
      [keys],
    );
    return Number(rows[0]!.ms);
  }

  /**
   * Counts a login attempt as a failure *before* its password is checked, for all its keys in one
   * transaction, and answers 0; or, when a key is locked, counts nothing and answers the
   * milliseconds until it unlocks. Counting first is what bounds a burst: concurrent attempts take
   * the key's row lock in turn and those past the threshold see the lock (a check before and a
   * count after the password let a whole burst through). A count whose last failure is older than
   * the longest lockout starts again; from `maxFailures` on, each failure locks the key for
   * base × 2^(failures - maxFailures), at most maxMs. Keys come in one fixed order (account, then
   * address), so two attempts never wait on each other's rows in a cycle.
   */
  async claimLoginAttempt(keys: Array<{ key: string; policy: LockoutPolicy }>): Promise<number> {
    const n = `(case when f.last_failure < now() - make_interval(secs => $4::float8 / 1000) then 1 else f.failures + 1 end)`;
    const lock = (failures: string) =>
      `case when ${failures} >= $2::int then now() + make_interval(secs => least($4::float8, $3::float8 * power(2, least(${failures} - $2::int, 40))) / 1000) end`;
    const counted = await inTransaction(this.pool, async (client) => {
      for (const { key, policy } of keys) {
        const { rowCount } = await client.query(
          `insert into onboarding.login_failures as f (key, failures, last_failure, locked_until) values ($1, 1, now(), ${lock('1')})
           on conflict (key) do update set failures = ${n}, last_failure = now(), locked_until = ${lock(n)}
           where f.locked_until is null or f.locked_until <= now()`,
          [key, policy.maxFailures, policy.baseMs, policy.maxMs],
        );
        // no row: the key is locked; the rollback forgets what the earlier keys counted
        if (rowCount === 0) throw LOCKED;
      }
      return true;
    }).catch((e: unknown) => {
      if (e === LOCKED) return false;
      throw e;
    });
    if (counted) return 0;
    // at least 1 ms: the lock may have just ended, but this attempt was refused under it
    return Math.max(1, await this.loginLockedForMs(keys.map((k) => k.key)));
  }

  /**
   * The password was right: the attempt claimLoginAttempt counted up front is taken back, with the
   * lock it alone may have caused; `forgetKey` (the account, on a successful login) loses all its
   * failures. A disabled account's right password passes null: nothing is forgotten.
   */
  async settleGoodLogin(keys: Array<{ key: string; policy: LockoutPolicy }>, opts: { forgetKey: string | null }): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      for (const { key, policy } of keys) {
        if (key === opts.forgetKey) await client.query(`delete from onboarding.login_failures where key = $1`, [key]);
        else
          await client.query(
            `update onboarding.login_failures set failures = greatest(failures - 1, 0),
               locked_until = case when failures - 1 >= $2::int then locked_until end
             where key = $1`,
            [key, policy.maxFailures],
          );
      }
    });
  }

  // ---- audit log -----------------------------------------------------------------------------

  /** Appends one audit line; pass a transaction's client to write it with the change itself. */
  async recordAudit(e: AuditEntry, q: Queryable = this.pool): Promise<void> {
    await q.query(`insert into onboarding.audit_log (actor_id, actor_email, action, target_type, target_id, details, ip) values ($1, $2, $3, $4, $5, $6, $7)`, [
      e.actorId,
      e.actorEmail,
      e.action,
      e.targetType,
      e.targetId,
      JSON.stringify(e.details ?? {}),
      e.ip ?? null,
    ]);
  }

  /** Audit lines newest first, `limit` of them with an id below `beforeId` (keyset paging). */
  async listAudit(q: { limit: number; beforeId?: number | null }): Promise<AuditRecord[]> {
    const { rows } = await this.pool.query(`select * from onboarding.audit_log where ($1::bigint is null or id < $1) order by id desc limit $2`, [q.beforeId ?? null, q.limit]);
    return rows.map(toAudit);
  }

  // ---- engines -----------------------------------------------------------------------------

  async upsertEngine(e: { id: string; kind: EngineKind; baseUrl: string; apiKey: string; apiSecret: string; database?: string | null; login?: string | null }): Promise<EngineRecord> {
    const { rows } = await this.pool.query(
      `insert into onboarding.engines (id, kind, base_url, api_key, api_secret, database, login) values ($1, $2, $3, $4, $5, $6, $7)
       on conflict (id) do update set kind = excluded.kind, base_url = excluded.base_url, api_key = excluded.api_key,
         api_secret = excluded.api_secret, database = excluded.database, login = excluded.login, updated_at = now()
       returning *`,
      [e.id, e.kind, e.baseUrl, this.engineSecrets.seal(e.id, 'api_key', e.apiKey), this.engineSecrets.seal(e.id, 'api_secret', e.apiSecret), e.database ?? null, e.login ?? null],
    );
    return this.toEngine(rows[0]!);
  }

  async getEngine(id: string): Promise<EngineRecord | null> {
    const { rows } = await this.pool.query(`select * from onboarding.engines where id = $1`, [id]);
    return rows[0] ? this.toEngine(rows[0]) : null;
  }

  /** One page of engines, oldest first. */
  listEnginesPage(page: { after: PageKey | null; limit: number }): Promise<Page<EngineRecord>> {
    return this.page('onboarding.engines', 'text', 'true', [], page, this.toEngine);
  }

  /**
   * Deletes an engine no tenant uses, with its audit line, in one transaction: the engine, or
   * how many tenants still use it, or 'not_found'. The row lock makes a tenant created at the
   * same moment wait, then fail its foreign key rather than lose its engine.
   */
  async deleteEngine(id: string, audit: (engine: EngineRecord) => AuditEntry): Promise<EngineRecord | { tenants: number } | 'not_found'> {
    return inTransaction(this.pool, async (c) => {
      const current = (await c.query(`select * from onboarding.engines where id = $1 for update`, [id])).rows[0];
      if (!current) return 'not_found';
      const { rows } = await c.query(`select count(*)::int as n from onboarding.tenants where engine_id = $1`, [id]);
      if (rows[0].n > 0) return { tenants: rows[0].n as number };
      await c.query(`delete from onboarding.engines where id = $1`, [id]);
      await c.query(`delete from onboarding.engine_limits where engine_id = $1`, [id]);
      const engine = this.toEngine(current);
      await this.recordAudit(audit(engine), c);
      return engine;
    });
  }

  async listEngines(): Promise<EngineRecord[]> {
    const { rows } = await this.pool.query(`select * from onboarding.engines order by created_at`);
    return rows.map(this.toEngine);
  }

  async countEngines(): Promise<number> {
    const { rows } = await this.pool.query(`select count(*)::int as n from onboarding.engines`);
    return rows[0].n;
  }

  /**
   * Seals engine credentials again with the current key: `clearTextOnly`, the rows from before
   * encryption (every start); else also those of older keys (`provisioner engines reencrypt`).
   * One engine per statement, each a compare-and-set on the values read: a registration at the
   * same moment wins, and a process killed halfway leaves every engine either as it was or done,
   * so running it again finishes the job. Rows this process cannot open are reported, not touched.
   */
  async resealEngineSecrets(opts: { clearTextOnly: boolean }): Promise<ResealOutcome> {
    const { rows } = await this.pool.query<{ id: string; api_key: string; api_secret: string }>(`select id, api_key, api_secret from onboarding.engines order by id`);
    const outcome: ResealOutcome = { resealed: [], current: [], unreadable: [] };
    for (const row of rows) {
      const stored = [row.api_key, row.api_secret];
      if (stored.every((v) => this.engineSecrets.isCurrent(v))) {
        outcome.current.push(row.id);
        continue;
      }
      if (opts.clearTextOnly && stored.every((v) => sealedKeyId(v) !== null)) {
        // sealed with an older key: left to `engines reencrypt`, only checked that it can be read
        if (stored.every((v) => this.engineSecrets.canOpen(v))) outcome.current.push(row.id);
        else outcome.unreadable.push({ id: row.id, error: this.unreadable(row) });
        continue;
      }
      let credentials;
      try {
        credentials = this.engineSecrets.credentials(row.id, row.api_key, row.api_secret);
      } catch (e) {
        outcome.unreadable.push({ id: row.id, error: toProvisionerError(e) });
        continue;
      }
      const { rowCount } = await this.pool.query(
        `update onboarding.engines set api_key = $2, api_secret = $3 where id = $1 and api_key = $4 and api_secret = $5`,
        [row.id, this.engineSecrets.seal(row.id, 'api_key', credentials.apiKey), this.engineSecrets.seal(row.id, 'api_secret', credentials.apiSecret), row.api_key, row.api_secret],
      );
      // 0 rows: registered again (with the current key) or deleted since the read; nothing to do
      if (rowCount === 1) outcome.resealed.push(row.id);
      else outcome.current.push(row.id);
    }
    return outcome;
  }

  /**
   * Webhook signing secrets (and the previous ones of a rotation's overlap), as
   * resealEngineSecrets does engine credentials: one webhook per statement, a compare-and-set on
   * the values read; rows this process cannot open are reported.
   */
  async resealWebhookSecrets(opts: { clearTextOnly: boolean }): Promise<ResealOutcome> {
    const { rows } = await this.pool.query<{ id: string; secret: string; previous_secret: string | null }>(`select id, secret, previous_secret from onboarding.webhooks order by id`);
    const outcome: ResealOutcome = { resealed: [], current: [], unreadable: [] };
    const upToDate = (stored: string) => this.engineSecrets.isCurrent(stored) || (opts.clearTextOnly && sealedKeyId(stored) !== null && this.engineSecrets.canOpen(stored));
    for (const row of rows) {
      if (upToDate(row.secret) && (row.previous_secret === null || upToDate(row.previous_secret))) {
        outcome.current.push(row.id);
        continue;
      }
      let secret;
      let previous = null;
      try {
        secret = this.engineSecrets.openIn(webhookSlot(row.id), row.secret);
        if (row.previous_secret !== null) previous = this.engineSecrets.openIn(webhookSlot(row.id, 'previous_secret'), row.previous_secret);
      } catch (e) {
        outcome.unreadable.push({ id: row.id, error: toProvisionerError(e) });
        continue;
      }
      const { rowCount } = await this.pool.query(
        `update onboarding.webhooks set secret = $2, previous_secret = $3 where id = $1 and secret = $4 and previous_secret is not distinct from $5`,
        [row.id, this.engineSecrets.sealIn(webhookSlot(row.id), secret), previous === null ? null : this.engineSecrets.sealIn(webhookSlot(row.id, 'previous_secret'), previous), row.secret, row.previous_secret],
      );
      // 0 rows: changed or deleted since the read (sealed with the current key then); nothing to do
      if (rowCount === 1) outcome.resealed.push(row.id);
      else outcome.current.push(row.id);
    }
    return outcome;
  }

  /** Why a row cannot be opened, as opening it would say. */
  private unreadable(row: { id: string; api_key: string; api_secret: string }): ProvisionerError {
    try {
      this.engineSecrets.credentials(row.id, row.api_key, row.api_secret);
    } catch (e) {
      return toProvisionerError(e);
    }
    return toProvisionerError(new Error(`engine "${row.id}" could not be read`));
  }

  // ---- tenants -----------------------------------------------------------------------------

  /** The tenant and its 11 pending step rows, atomically. */
  async createTenant(t: { name: string; countryCode: string; country: string; currency: string; engineId: string; adminEmail: string | null; config: RunConfig }): Promise<TenantRecord> {
    return inTransaction(this.pool, async (c) => {
      const { rows } = await c.query(
        `insert into onboarding.tenants (name, country_code, country, currency, engine_id, admin_email, config) values ($1, $2, $3, $4, $5, $6, $7) returning *`,
        [t.name, t.countryCode, t.country, t.currency, t.engineId, t.adminEmail, JSON.stringify(t.config)],
      );
      const tenant = toTenant(rows[0]!);
      await c.query(
        `insert into onboarding.provisioning_steps (tenant_id, step_id, ordinal) select $1, s.id, s.ordinal from unnest($2::text[], $3::int[]) as s(id, ordinal)`,
        [tenant.id, STEPS.map((s) => s.id), STEPS.map((s) => s.ordinal)],
      );
      return tenant;
    });
  }

  async getTenant(id: string): Promise<TenantRecord | null> {
    const { rows } = await this.pool.query(`select * from onboarding.tenants where id = $1`, [id]);
    return rows[0] ? toTenant(rows[0]) : null;
  }

  async listTenants(filter: { ids?: string[] } = {}): Promise<TenantRecord[]> {
    const { rows } = await this.pool.query(`select * from onboarding.tenants where ($1::uuid[] is null or id = any($1)) order by created_at`, [filter.ids ?? null]);
    return rows.map(toTenant);
  }

  /** One page of tenants (only `ids` when given), oldest first. */
  listTenantsPage(filter: { ids?: string[] }, page: { after: PageKey | null; limit: number }): Promise<Page<TenantRecord>> {
    return this.page('onboarding.tenants', 'uuid', '$1::uuid[] is null or id = any($1)', [filter.ids ?? null], page, toTenant);
  }

  /** The automatic start was refused: the note says why; the cause lets auto-continue start it later. */
  async recordRefusedStart(id: string, note: string, code: string): Promise<void> {
    await this.pool.query(`update onboarding.tenants set note = $2, start_refused_code = $3, start_refused_at = now() where id = $1`, [id, note, code]);
  }

  // ---- steps -------------------------------------------------------------------------------

  async listSteps(tenantId: string): Promise<StepRecord[]> {
    const { rows } = await this.pool.query(`select * from onboarding.provisioning_steps where tenant_id = $1 order by ordinal`, [tenantId]);
    return rows.map(toStep);
  }

  /**
   * Steps and latest run of some tenants in one statement, so from one snapshot: the derived status
   * never mixes a run that just ended with steps read before it did.
   */
  async provisioningSnapshot(tenantIds: string[]): Promise<{ steps: Map<string, StepRecord[]>; runs: Map<string, RunRecord>; drift: Map<string, DriftRecord> }> {
    const { rows } = await this.pool.query({ name: 'provisioning-snapshot', text: `select t.id as tenant_id, ${STATUS_RECORDS} from unnest($1::uuid[]) as t(id)`, values: [tenantIds] });
    const steps = new Map<string, StepRecord[]>(tenantIds.map((id) => [id, []]));
    const runs = new Map<string, RunRecord>();
    const drift = new Map<string, DriftRecord>();
    for (const r of rows) {
      steps.set(r.tenant_id, statusSteps(r));
      if (r.run) runs.set(r.tenant_id, statusRun(r)!);
      if (r.drift) drift.set(r.tenant_id, statusDrift(r)!);
    }
    return { steps, runs, drift };
  }

  /**
   * A tenant, its steps and its latest run, in one statement (one round trip, one snapshot); null
   * when there is no such tenant. Prepared: GET …/status's statement, whose planning cost as much
   * as its execution.
   */
  async tenantStatusRecords(tenantId: string): Promise<{ tenant: TenantRecord; steps: StepRecord[]; run: RunRecord | null; drift: DriftRecord | null } | null> {
    const { rows } = await this.pool.query({ name: 'tenant-status-records', text: `select ${TENANT_COLUMNS}, ${STATUS_RECORDS} from onboarding.tenants t where t.id = $1`, values: [tenantId] });
    return rows[0] ? { tenant: toTenant(rows[0]), steps: statusSteps(rows[0]), run: statusRun(rows[0]), drift: statusDrift(rows[0]) } : null;
  }

  private static readonly LEASE_HELD = `exists (select 1 from onboarding.provisioning_runs r where r.id = $3 and r.locked_by = $4 and r.status = 'running')`;

  /**
   * A state change and the event that tells it, in one statement: the event is inserted (and
   * announced) only when the guarded update changed a row, so a worker killed between the two
   * cannot leave a transition without its event. `changed` is a CTE returning one row on success;
   * `attemptSql` gives the event's attempt (e.g. the attempt counter the update returned).
   */
  private async changeWithEvent(changed: string, params: unknown[], e: NewEvent, attemptSql?: string, before?: string): Promise<EventRecord | null> {
    const n = params.length;
    const p = (i: number) => `$${n + i}`;
    const { rows } = await this.pool.query(
      `with ${before ? `${before},` : ''} changed as (${changed}),
       e as (
         insert into onboarding.provisioning_events (tenant_id, run_id, step_id, attempt, type, level, status, message, code, hint, error, duration_ms, engine)
         select ${p(1)}::uuid, ${p(2)}::uuid, ${p(3)}, ${attemptSql ? `coalesce(${attemptSql}, ${p(4)}::int)` : `${p(4)}::int`}, ${p(5)}, ${p(6)}, ${p(7)}, ${p(8)}, ${p(9)}, ${p(10)}, ${p(11)}, ${p(12)}::int, ${p(13)}::jsonb from changed
         returning *)
       select e.*, pg_notify('${EVENTS_CHANNEL}', e.tenant_id::text || ':' || e.id) from e`,
      [...params, ...eventParams(e)],
    );
    return rows[0] ? toEvent(rows[0]) : null;
  }

  /** step → running, one more attempt, with its step_started event; null when the worker no longer holds the run. */
  async markStepRunning(tenantId: string, stepId: StepId, runId: string, workerId: string, e: NewEvent): Promise<EventRecord | null> {
    return this.changeWithEvent(
      `update onboarding.provisioning_steps set status = 'running', skip_reason = null, attempts = attempts + 1, run_id = $3,
         started_at = now(), finished_at = null, duration_ms = null, error_code = null, error_message = null, error_hint = null, updated_at = now()
       where tenant_id = $1 and step_id = $2 and ${PostgresStore.LEASE_HELD}
       returning attempts`,
      [tenantId, stepId, runId, workerId],
      e,
      '(select attempts from changed)',
    );
  }

  /** step → completed, the facts it learned merged into the tenant, and its event, in one statement. */
  async markStepCompleted(tenantId: string, stepId: StepId, runId: string, workerId: string, message: string, facts: Partial<EngineFacts>, e: NewEvent): Promise<EventRecord | null> {
    return this.changeWithEvent(
      `update onboarding.tenants set engine_facts = engine_facts || $6::jsonb where id in (select tenant_id from s) returning id`,
      [tenantId, stepId, runId, workerId, message, JSON.stringify(facts)],
      e,
      undefined,
      `s as (
         update onboarding.provisioning_steps set status = 'completed', message = $5, finished_at = now(),
           duration_ms = (extract(epoch from now() - started_at) * 1000)::int, updated_at = now()
         where tenant_id = $1 and step_id = $2 and ${PostgresStore.LEASE_HELD}
         returning tenant_id)`,
    );
  }

  async markStepSkipped(tenantId: string, stepId: StepId, runId: string, workerId: string, reason: 'config' | 'failure', message: string, e: NewEvent): Promise<EventRecord | null> {
    return this.changeWithEvent(
      `update onboarding.provisioning_steps set status = 'skipped', skip_reason = $5, message = $6, finished_at = now(),
         duration_ms = coalesce((extract(epoch from now() - started_at) * 1000)::int, 0), updated_at = now()
       where tenant_id = $1 and step_id = $2 and ${PostgresStore.LEASE_HELD}
       returning step_id`,
      [tenantId, stepId, runId, workerId, reason, message],
      e,
    );
  }

  async markStepFailed(tenantId: string, stepId: StepId, runId: string, workerId: string, failure: StepFailure, e: NewEvent): Promise<EventRecord | null> {
    return this.changeWithEvent(
      `update onboarding.provisioning_steps set status = 'failed', error_code = $5, error_message = $6, error_hint = $7, message = $6,
         finished_at = now(), duration_ms = (extract(epoch from now() - started_at) * 1000)::int, updated_at = now()
       where tenant_id = $1 and step_id = $2 and ${PostgresStore.LEASE_HELD}
       returning step_id`,
      [tenantId, stepId, runId, workerId, failure.code, failure.message, failure.hint],
      e,
    );
  }

  /** An operator skips an optional step; only when no run is active. */
  async skipStepByOperator(tenantId: string, stepId: StepId): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `update onboarding.provisioning_steps set status = 'skipped', skip_reason = 'operator', message = 'Skipped by an operator',
         error_code = null, error_message = null, error_hint = null, finished_at = now(), updated_at = now()
       where tenant_id = $1 and step_id = $2
         and not exists (select 1 from onboarding.provisioning_runs r where r.tenant_id = $1 and r.status in ('queued', 'running'))`,
      [tenantId, stepId],
    );
    return rowCount === 1;
  }

  // ---- runs --------------------------------------------------------------------------------

  /**
   * Records a new run and resets the steps it plans to pending, atomically, then wakes the
   * workers. The partial unique index turns a second active run into a RunConflictError; the
   * same Idempotency-Key returns the run it created before.
   */
  async createRun(r: {
    tenantId: string;
    kind: RunKind;
    plan: StepId[];
    config: RunConfig;
    idempotencyKey: string | null;
    requestedBy: string | null;
    /** The latest run the caller's decision was based on (null: none); another one since is a conflict. */
    expectedLatestRunId: string | null;
  }): Promise<{ run: RunRecord; created: boolean }> {
    try {
      return await inTransaction(this.pool, async (c) => {
        // the caller checked the status against the latest run; a run created (and perhaps
        // already finished) since then makes that check stale: the tenant row lock orders
        // concurrent creators, the comparison refuses the stale ones
        await c.query(`select 1 from onboarding.tenants where id = $1 for update`, [r.tenantId]);
        if (r.idempotencyKey) {
          // under the lock, so two requests with one key never make two runs
          const prior = await this.findRunByIdempotencyKey(r.tenantId, r.idempotencyKey, c);
          if (prior) return { run: prior, created: false };
        }
        const latest = await c.query(`select id, status from onboarding.provisioning_runs where tenant_id = $1 order by created_at desc limit 1`, [r.tenantId]);
        const current = latest.rows[0] as { id: string; status: string } | undefined;
        if ((current?.id ?? null) !== r.expectedLatestRunId) {
          if (current && (current.status === 'queued' || current.status === 'running')) throw new RunConflictError(current.id);
          throw new StateChangedError(current?.id ?? null);
        }
        const { rows } = await c.query(
          `insert into onboarding.provisioning_runs (tenant_id, kind, plan, config, idempotency_key, requested_by) values ($1, $2, $3, $4, $5, $6) returning *`,
          [r.tenantId, r.kind, r.plan, JSON.stringify(r.config), r.idempotencyKey, r.requestedBy],
        );
        await c.query(
          `update onboarding.provisioning_steps set status = 'pending', skip_reason = null, attempts = 0, run_id = null, started_at = null,
             finished_at = null, duration_ms = null, message = null, error_code = null, error_message = null, error_hint = null, updated_at = now()
           where tenant_id = $1 and step_id = any($2::text[])`,
          [r.tenantId, r.plan],
        );
        await c.query(`update onboarding.tenants set config = $2, note = null, start_refused_code = null, start_refused_at = null where id = $1`, [r.tenantId, JSON.stringify(r.config)]);
        await c.query(`select pg_notify($1, $2)`, [RUNS_CHANNEL, rows[0]!.id]);
        return { run: toRun(rows[0]!), created: true };
      });
    } catch (e) {
      if (isUniqueViolation(e, 'one_active_run_per_tenant')) {
        const active = await this.findActiveRun(r.tenantId);
        throw new RunConflictError(active?.id ?? 'unknown');
      }
      throw e;
    }
  }

  async findRunByIdempotencyKey(tenantId: string, key: string, q: Queryable = this.pool): Promise<RunRecord | null> {
    const { rows } = await q.query(`select * from onboarding.provisioning_runs where tenant_id = $1 and idempotency_key = $2`, [tenantId, key]);
    return rows[0] ? toRun(rows[0]) : null;
  }

  async findActiveRun(tenantId: string): Promise<RunRecord | null> {
    const { rows } = await this.pool.query(`select * from onboarding.provisioning_runs where tenant_id = $1 and status in ('queued', 'running')`, [tenantId]);
    return rows[0] ? toRun(rows[0]) : null;
  }

  async getRun(id: string): Promise<RunRecord | null> {
    const { rows } = await this.pool.query(`select * from onboarding.provisioning_runs where id = $1`, [id]);
    return rows[0] ? toRun(rows[0]) : null;
  }

  /**
   * Claims the oldest runnable run: queued, running under an expired lease, or running under a
   * live lease whose tenant lock nobody holds (its worker died: PostgreSQL ended the worker's
   * session and released the lock at once, so the run resumes without waiting for the lease).
   * SKIP LOCKED lets any number of workers claim concurrently without waiting.
   *
   * Run it on the connection that will hold the tenant lock for the run: the statement takes
   * that lock itself, before it commits, so no other claimant ever sees this run running without
   * its lock (and mistakes it for an orphan). `locked` is false when the previous worker still
   * holds the lock (alive, but its lease expired): the caller hands the run back. A lock taken
   * before the server's last start was lost to the restart, not to a dead worker, and its
   * worker may still be inside a step: then only the lease lets another worker in.
   */
  async claimRun(workerId: string, leaseMs: number, q: Queryable = this.pool): Promise<{ run: RunRecord; locked: boolean } | null> {
    const { rows } = await q.query(
      `with pick as (
         select r.id, r.tenant_id from onboarding.provisioning_runs r
         where r.status = 'queued'
            or (r.status = 'running' and (r.lease_until < now()
                or (r.locked_at > pg_postmaster_start_time()
                    and onboarding.tenant_lock_key(r.tenant_id) not in (
                      select (l.classid::bigint << 32) | l.objid::bigint from pg_locks l
                      where l.locktype = 'advisory' and l.objsubid = 1 and l.granted
                        and l.database = (select oid from pg_database where datname = current_database())))))
         order by r.created_at
         for update of r skip locked
         limit 1),
       lock as (select id, pg_try_advisory_lock(onboarding.tenant_lock_key(tenant_id)) as locked from pick)
       update onboarding.provisioning_runs r set status = 'running', locked_by = $1, lease_until = now() + make_interval(secs => $2::float8 / 1000),
         started_at = coalesce(started_at, now()), locked_at = case when lock.locked then now() end
       from lock
       where r.id = lock.id
       returning r.*, lock.locked`,
      [workerId, leaseMs],
    );
    return rows[0] ? { run: toRun(rows[0]), locked: rows[0].locked } : null;
  }

  /** Releases a tenant lock claimRun took on this connection; false when it was not held. */
  async unlockTenant(tenantId: string, q: Queryable): Promise<boolean> {
    const { rows } = await q.query<{ ok: boolean }>(`select pg_advisory_unlock(onboarding.tenant_lock_key($1)) as ok`, [tenantId]);
    return rows[0]!.ok;
  }

  /** Milliseconds until the earliest lease of a running run expires (null when none runs). */
  async msUntilNextLeaseExpiry(): Promise<number | null> {
    const { rows } = await this.pool.query(
      `select greatest(0, extract(epoch from min(lease_until) - now()) * 1000)::int as ms from onboarding.provisioning_runs where status = 'running'`,
    );
    return rows[0]?.ms ?? null;
  }

  /** Heartbeat: false when the lease was lost (expired and claimed by another worker). */
  async extendLease(runId: string, workerId: string, leaseMs: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `update onboarding.provisioning_runs set lease_until = now() + make_interval(secs => $3::float8 / 1000)
       where id = $1 and locked_by = $2 and status = 'running'`,
      [runId, workerId, leaseMs],
    );
    return rowCount === 1;
  }

  /**
   * The run ends, with its run_finished event; null when the worker no longer holds it. A run that
   * completed ran final validation: the tenant's drift is cleared in the same statement, and it
   * counts as verified (its next sweep is due a sweep interval from now).
   */
  async finishRun(runId: string, workerId: string, status: Exclude<RunStatus, 'queued' | 'running'>, e: NewEvent): Promise<EventRecord | null> {
    return this.changeWithEvent(
      `select id from r`,
      [runId, workerId, status],
      e,
      undefined,
      `r as (
         update onboarding.provisioning_runs set status = $3, finished_at = now(), lease_until = null
         where id = $1 and locked_by = $2 and status = 'running'
         returning id, tenant_id),
       verified as (
         insert into onboarding.tenant_drift (tenant_id, verified_at)
         select tenant_id, now() from r where $3::text = 'completed'
         on conflict (tenant_id) do update set verified_at = now(), drifted_at = null, first_step = null, findings = '[]'
         returning 1)`,
    );
  }

  /** Hands a run back: any worker may claim it again after `delayMs` (0 = at once, on shutdown). */
  async releaseRun(runId: string, workerId: string, delayMs = 0): Promise<void> {
    await this.pool.query(
      `update onboarding.provisioning_runs set lease_until = now() + make_interval(secs => $3::float8 / 1000) - interval '1 millisecond'
       where id = $1 and locked_by = $2 and status = 'running'`,
      [runId, workerId, delayMs],
    );
  }

  // ---- events ------------------------------------------------------------------------------

  async appendEvent(e: NewEvent): Promise<EventRecord> {
    // the notification lets live views in any process (SSE) read the new event at once
    const { rows } = await this.pool.query(
      `with e as (
         insert into onboarding.provisioning_events (tenant_id, run_id, step_id, attempt, type, level, status, message, code, hint, error, duration_ms, engine)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) returning *)
       select e.*, pg_notify('${EVENTS_CHANNEL}', e.tenant_id::text || ':' || e.id) from e`,
      eventParams(e),
    );
    return toEvent(rows[0]!);
  }

  /** Events in one INSERT, in order, and one notification for all of them. */
  async appendEvents(es: NewEvent[]): Promise<EventRecord[]> {
    if (es.length === 0) return [];
    const width = 13;
    const values = es.map((_, i) => `(${Array.from({ length: width }, (_, k) => `$${i * width + k + 1}`).join(', ')})`).join(', ');
    const { rows } = await this.pool.query(
      `with e as (
         insert into onboarding.provisioning_events (tenant_id, run_id, step_id, attempt, type, level, status, message, code, hint, error, duration_ms, engine)
         values ${values} returning *),
       n as (select pg_notify('${EVENTS_CHANNEL}', count(*)::text) from e)
       select e.* from e, n order by e.id`,
      es.flatMap(eventParams),
    );
    return rows.map(toEvent);
  }

  async listEvents(tenantId: string, q: { stepId?: string; level?: string; since?: Date; afterId?: number; limit: number; offset: number; includeEngineCalls?: boolean }): Promise<EventRecord[]> {
    const levels = { debug: 0, info: 1, warn: 2, error: 3 } as const;
    const minLevel = q.level ? Object.entries(levels).filter(([, v]) => v >= levels[q.level as keyof typeof levels]).map(([k]) => k) : null;
    const { rows } = await this.pool.query(
      `select * from onboarding.provisioning_events
       where tenant_id = $1 and ($2::text is null or step_id = $2) and ($3::text[] is null or level = any($3))
         and ($4::timestamptz is null or created_at >= $4) and ($5::bigint is null or id > $5) and ($6 or type <> 'engine_call')
       order by id limit $7 offset $8`,
      [tenantId, q.stepId ?? null, minLevel, q.since ?? null, q.afterId ?? null, q.includeEngineCalls ?? false, q.limit, q.offset],
    );
    return rows.map(toEvent);
  }

  /**
   * Events of some tenants (null = every tenant) with afterId < id <= upToId, oldest first: the
   * live event feed reads every new event with it, and SSE replays what a client missed.
   */
  async listEventsBetween(q: { tenantIds: string[] | null; afterId: number; upToId?: number | null; includeEngineCalls?: boolean; limit: number }): Promise<EventRecord[]> {
    const { rows } = await this.pool.query(
      `select * from onboarding.provisioning_events
       where id > $1 and ($2::bigint is null or id <= $2) and ($3::uuid[] is null or tenant_id = any($3)) and ($4 or type <> 'engine_call')
       order by id limit $5`,
      [q.afterId, q.upToId ?? null, q.tenantIds, q.includeEngineCalls ?? false, q.limit],
    );
    return rows.map(toEvent);
  }

  /** The newest event id (0 when there is none): where a live feed starts. */
  async lastEventId(): Promise<number> {
    const { rows } = await this.pool.query(`select coalesce(max(id), 0) as id from onboarding.provisioning_events`);
    return rows[0]!.id;
  }

  // ---- fleet statistics (the dashboard's charts) ---------------------------------------------

  /**
   * Runs that ended since `since`, counted by bucket of `bucketSeconds` (its start) and final status.
   * The whole fleet's from the hourly counts (run_outcome_counts, kept by a trigger), so `since`
   * must fall on a whole hour and the bucket be whole hours; some tenants' from their runs
   * (runs_by_tenant: a tenant has few).
   */
  async runOutcomes(tenantIds: string[] | null, since: Date, bucketSeconds: number): Promise<Array<{ bucket: Date; status: 'completed' | 'partial' | 'failed'; runs: number }>> {
    if (tenantIds === null) {
      if (since.getTime() % 3_600_000 !== 0 || bucketSeconds % 3_600 !== 0) throw new Error('runOutcomes: the fleet is counted by whole hours');
      const { rows } = await this.pool.query(
        `select to_timestamp(floor(extract(epoch from hour) / $2) * $2) as bucket, status, sum(runs)::int as runs
         from onboarding.run_outcome_counts
         where hour >= $1
         group by 1, 2 having sum(runs) > 0 order by 1`,
        [since, bucketSeconds],
      );
      return rows;
    }
    const { rows } = await this.pool.query(
      `select to_timestamp(floor(extract(epoch from finished_at) / $2) * $2) as bucket, status, count(*)::int as runs
       from onboarding.provisioning_runs
       where tenant_id = any($3) and finished_at >= $1 and status in ('completed', 'partial', 'failed')
       group by 1, 2 order by 1`,
      [since, bucketSeconds, tenantIds],
    );
    return rows;
  }

  /** Step failures since `since`, by step and code, most frequent first. */
  async stepFailures(tenantIds: string[] | null, since: Date, limit: number): Promise<Array<{ step: string; code: string | null; failures: number }>> {
    const { rows } = await this.pool.query(
      `select step_id as step, code, count(*)::int as failures
       from onboarding.provisioning_events
       where type = 'step_failed' and step_id is not null and created_at >= $1 and ($2::uuid[] is null or tenant_id = any($2))
       group by 1, 2 order by 3 desc, 1, 2 limit $3`,
      [since, tenantIds, limit],
    );
    return rows;
  }

  // ---- drift -------------------------------------------------------------------------------

  /**
   * Records what a verification found, only when the tenant's latest run is still `latestRunId`
   * (the one the verification read the engine after): a run made since then may have changed
   * the engine, and its own end says what is true now. Answers null then. A tenant that drifts
   * gets a `tenant_drifted` event, one whose drift is gone a `tenant_drift_cleared` one, written
   * in the same statement (and announced); a verification that finds what the last one found
   * writes no event.
   */
  async recordVerification(
    tenantId: string,
    latestRunId: string | null,
    found: { firstStep: StepId | null; findings: DriftRecord['findings'] },
    events: { drifted: NewEvent; cleared: NewEvent },
  ): Promise<{ drift: DriftRecord; event: EventRecord | null } | null> {
    const drifted = found.firstStep !== null;
    const e = drifted ? events.drifted : events.cleared;
    const { rows } = await this.pool.query(
      `with latest as (
         select id from onboarding.provisioning_runs where tenant_id = $1 order by created_at desc limit 1),
       prev as (select drifted_at from onboarding.tenant_drift where tenant_id = $1),
       up as (
         insert into onboarding.tenant_drift as d (tenant_id, verified_at, drifted_at, first_step, findings)
         select $1::uuid, now(), case when $3::text is not null then now() end, $3::text, $4::jsonb
         where (select id from latest) is not distinct from $2::uuid
         on conflict (tenant_id) do update set verified_at = now(),
           drifted_at = case when $3::text is not null then coalesce(d.drifted_at, now()) end, first_step = $3::text, findings = $4::jsonb
         returning verified_at, drifted_at, first_step, findings),
       e as (
         insert into onboarding.provisioning_events (tenant_id, run_id, step_id, attempt, type, level, status, message, code, hint, error, duration_ms, engine)
         select $5::uuid, $6::uuid, $7, $8::int, $9, $10, $11, $12, $13, $14, $15, $16::int, $17::jsonb from up
         -- drifted now (its drifted_at is this statement's), or cleared now (drifted before)
         where case when $3::text is not null then up.drifted_at = now() else (select drifted_at from prev) is not null end
         returning *),
       n as (select pg_notify('${EVENTS_CHANNEL}', e.tenant_id::text || ':' || e.id) from e)
       select up.verified_at, up.drifted_at, up.first_step, up.findings, row_to_json(e) as event, (select count(*) from n) as notified
       from up left join e on true`,
      [tenantId, latestRunId, found.firstStep, JSON.stringify(found.findings), ...eventParams(e)],
    );
    const r = rows[0];
    if (!r) return null;
    const event = r.event ? toEvent(withDates(r.event, ['created_at'])) : null;
    return { drift: { verifiedAt: r.verified_at, driftedAt: r.drifted_at, firstStep: r.first_step, findings: r.findings }, event };
  }

  /**
   * The drift sweep takes one tenant due for verification (its last sweep claim and its last
   * verification, by the API or a completed run, at least `intervalMs` ago; not claimed by a live
   * sweep), unless the fleet's sweeps have taken `ratePerMinute` in the last minute. Claims are serialised by a transaction-scoped advisory
   * lock, so no two workers take one tenant, and the rate holds across them. Answers its id.
   */
  async claimDriftSweep(workerId: string, o: { intervalMs: number; ratePerMinute: number; claimMs: number }): Promise<string | null> {
    return inTransaction(this.pool, async (c) => {
      await c.query(`select pg_advisory_xact_lock($1)`, [DRIFT_SWEEP_LOCK]);
      const { rows: recent } = await c.query(`select count(*)::int as n from onboarding.tenant_drift where swept_at > now() - interval '1 minute'`);
      if (recent[0]!.n >= o.ratePerMinute) return null;
      const { rows } = await c.query(
        `update onboarding.tenant_drift set swept_at = now(), claimed_by = $1, claim_until = now() + make_interval(secs => $3::float8 / 1000)
         where tenant_id = (
           select tenant_id from onboarding.tenant_drift
           where greatest(swept_at, verified_at) <= now() - make_interval(secs => $2::float8 / 1000) and (claim_until is null or claim_until < now())
           order by greatest(swept_at, verified_at) limit 1)
         returning tenant_id`,
        [workerId, o.intervalMs, o.claimMs],
      );
      return (rows[0]?.tenant_id as string | undefined) ?? null;
    });
  }

  /** The sweep is done with the tenant. */
  async releaseDriftSweep(tenantId: string, workerId: string): Promise<void> {
    await this.pool.query(`update onboarding.tenant_drift set claimed_by = null, claim_until = null where tenant_id = $1 and claimed_by = $2`, [tenantId, workerId]);
  }

  /** Tenants whose last verification found drift, for /metrics. */
  async driftedTenantCount(): Promise<number> {
    const { rows } = await this.pool.query(`select count(*)::int as n from onboarding.tenant_drift where drifted_at is not null`);
    return rows[0]!.n;
  }

  // ---- auto-continue -----------------------------------------------------------------------

  /**
   * Tenants whose latest run ended FAILED or PARTIAL, oldest first, with what auto-continue
   * decides on: the first failed step and its code, the tenant's switch, and how many runs
   * auto-continue made for the tenant in the last 24 hours (counted from the runs themselves,
   * so a process dying between the run and its event cannot undercount).
   */
  async settledRuns(limit: number, requester: string): Promise<Array<SettledRun & { exhaustionNoted: boolean }>> {
    const { rows } = await this.pool.query(
      `select r.tenant_id, r.id as run_id, t.engine_id, r.finished_at, f.step_id as failed_step, f.error_code as cause,
         coalesce((t.config ->> 'autoContinue')::boolean, true) as tenant_allows,
         (select count(*)::int from onboarding.provisioning_runs a
           where a.tenant_id = r.tenant_id and a.requested_by = $2 and a.created_at > now() - interval '1 day') as continues_today,
         exists (select 1 from onboarding.provisioning_events e
           where e.tenant_id = r.tenant_id and e.run_id = r.id and e.type = 'auto_continue_exhausted') as exhaustion_noted
       from onboarding.provisioning_runs r
       join onboarding.tenants t on t.id = r.tenant_id
       left join lateral (
         select s.step_id, s.error_code from onboarding.provisioning_steps s
         where s.tenant_id = r.tenant_id and s.run_id = r.id and s.error_code is not null and (s.status = 'failed' or s.skip_reason = 'failure')
         order by s.ordinal limit 1) f on true
       where r.status in ('failed', 'partial')
         and not exists (select 1 from onboarding.provisioning_runs n where n.tenant_id = r.tenant_id and n.created_at > r.created_at)
       union all
       -- tenants whose automatic start was refused, and that nobody started since
       select t.id, null, t.engine_id, t.start_refused_at, null, t.start_refused_code,
         coalesce((t.config ->> 'autoContinue')::boolean, true),
         (select count(*)::int from onboarding.provisioning_runs a
           where a.tenant_id = t.id and a.requested_by = $2 and a.created_at > now() - interval '1 day'),
         false
       from onboarding.tenants t
       where t.start_refused_code is not null
         and not exists (select 1 from onboarding.provisioning_runs n where n.tenant_id = t.id)
       order by finished_at
       limit $1`,
      [limit, requester],
    );
    return rows.map((r) => ({
      tenantId: r.tenant_id,
      runId: r.run_id,
      engineId: r.engine_id,
      finishedAt: r.finished_at,
      failedStep: r.failed_step,
      cause: r.cause,
      tenantAllows: r.tenant_allows,
      continuesToday: r.continues_today,
      exhaustionNoted: r.exhaustion_noted,
    }));
  }

  // ---- metrics -----------------------------------------------------------------------------

  /** Runs by status, runnable runs (queued, or running under an expired lease) and held leases, for /metrics. */
  async runCounts(): Promise<{ byStatus: Partial<Record<RunStatus, number>>; runnable: number; activeLeases: number }> {
    const { rows } = await this.pool.query(
      `select status, count(*)::int as runs,
         count(*) filter (where status = 'queued' or (status = 'running' and lease_until < now()))::int as runnable,
         count(*) filter (where status = 'running' and lease_until >= now())::int as leased
       from onboarding.provisioning_runs group by status`,
    );
    return {
      byStatus: Object.fromEntries(rows.map((r) => [r.status, r.runs])),
      runnable: rows.reduce((n, r) => n + r.runnable, 0),
      activeLeases: rows.reduce((n, r) => n + r.leased, 0),
    };
  }

  // ---- webhooks (their deliveries are written by a trigger with the events they announce: migration 014) ----

  async createWebhook(w: { url: string; events: string[]; secret: string; createdBy: string | null }, audit: (w: WebhookRecord) => AuditEntry): Promise<WebhookRecord> {
    return inTransaction(this.pool, async (c) => {
      // the id is chosen here: the sealed secret is bound to it (never stored in clear text)
      const id = randomUUID();
      const sealed = this.engineSecrets.sealIn(webhookSlot(id), w.secret);
      const { rows } = await c.query(`insert into onboarding.webhooks (id, url, events, secret, created_by) values ($1, $2, $3, $4, $5) returning *`, [id, w.url, w.events, sealed, w.createdBy]);
      const hook = toWebhook(rows[0]!);
      await this.recordAudit(audit(hook), c);
      return hook;
    });
  }

  /** One page of webhooks, oldest first. */
  listWebhooksPage(page: { after: PageKey | null; limit: number }): Promise<Page<WebhookRecord>> {
    return this.page('onboarding.webhooks', 'uuid', 'true', [], page, toWebhook);
  }

  /**
   * Changes a webhook in one transaction with its audit line; null when there is none. A new
   * secret moves the current one to previous_secret (sealed for that column), signed with too
   * for `overlapMs`; a previous one still in its overlap is dropped (two at most). A current
   * secret this process cannot open is dropped: nobody could have verified with it lately.
   */
  async updateWebhook(
    id: string,
    change: { url?: string; events?: string[]; enabled?: boolean; secret?: string },
    overlapMs: number,
    audit: (w: WebhookRecord, o: { previousKept: boolean }) => AuditEntry,
  ): Promise<WebhookRecord | null> {
    return inTransaction(this.pool, async (c) => {
      const current = (await c.query(`select * from onboarding.webhooks where id = $1 for update`, [id])).rows[0];
      if (!current) return null;
      let secret: string = current.secret;
      let previous: string | null = current.previous_secret;
      let previousUntilMs: number | null = null;
      let previousKept = false;
      if (change.secret !== undefined) {
        secret = this.engineSecrets.sealIn(webhookSlot(id), change.secret);
        previous = null;
        if (overlapMs > 0) {
          try {
            previous = this.engineSecrets.sealIn(webhookSlot(id, 'previous_secret'), this.engineSecrets.openIn(webhookSlot(id), current.secret));
            previousUntilMs = overlapMs;
            previousKept = true;
          } catch {
            previous = null;
          }
        }
      }
      const { rows } = await c.query(
        `update onboarding.webhooks set url = coalesce($2, url), events = coalesce($3, events), enabled = coalesce($4, enabled), secret = $5,
           previous_secret = $6,
           previous_secret_until = case when not $8 then previous_secret_until when $6::text is null then null else now() + make_interval(secs => $7::float8 / 1000) end
         where id = $1 returning *`,
        [id, change.url ?? null, change.events ?? null, change.enabled ?? null, secret, previous, previousUntilMs, change.secret !== undefined],
      );
      const hook = toWebhook(rows[0]!);
      await this.recordAudit(audit(hook, { previousKept }), c);
      // enabled again: its waiting deliveries go out now, not at the deliverers' next poll
      if (change.enabled === true && !current.enabled) await c.query(`select pg_notify('${WEBHOOK_DELIVERIES_CHANNEL}', '')`);
      return hook;
    });
  }

  async getWebhook(id: string): Promise<WebhookRecord | null> {
    const { rows } = await this.pool.query(`select * from onboarding.webhooks where id = $1`, [id]);
    return rows[0] ? toWebhook(rows[0]) : null;
  }

  /** Deletes the webhook and its deliveries (pending ones are not sent); null when there is none. */
  async deleteWebhook(id: string, audit: (w: WebhookRecord) => AuditEntry): Promise<WebhookRecord | null> {
    return inTransaction(this.pool, async (c) => {
      const { rows } = await c.query(`delete from onboarding.webhooks where id = $1 returning *`, [id]);
      if (!rows[0]) return null;
      const hook = toWebhook(rows[0]);
      await this.recordAudit(audit(hook), c);
      return hook;
    });
  }

  /** One page of a webhook's deliveries, newest first: (created_at, id) descending, before `after`. */
  async listWebhookDeliveriesPage(webhookId: string, page: { after: PageKey | null; limit: number }): Promise<Page<WebhookDeliveryRecord>> {
    const { rows } = await this.pool.query(
      `select *, ${PAGE_KEY_TIME} as page_key_time from onboarding.webhook_deliveries
       where webhook_id = $1 and ($2::timestamptz is null or (created_at, id) < ($2::timestamptz, $3::uuid))
       order by created_at desc, id desc limit $4`,
      [webhookId, page.after?.createdAt ?? null, page.after?.id ?? null, page.limit + 1],
    );
    const kept = rows.slice(0, page.limit);
    return { items: kept.map(toDelivery), keys: kept.map((r) => ({ createdAt: r.page_key_time, id: String(r.id) })), more: rows.length > page.limit };
  }

  /** Deliveries not delivered yet (the outbox's depth) and given up, for /metrics. */
  async webhookDeliveryCounts(): Promise<{ pending: number; failed: number }> {
    const { rows } = await this.pool.query(
      `select (select count(*)::int from onboarding.webhook_deliveries where delivered_at is null and given_up_at is null) as pending,
              (select count(*)::int from onboarding.webhook_deliveries where given_up_at is not null) as failed`,
    );
    return rows[0]!;
  }

  /** A `ping` delivery through the outbox, as `webhooks test` sends it; null when the webhook is gone. */
  async queueWebhookPing(webhookId: string, data: Record<string, unknown>): Promise<WebhookDeliveryRecord | null> {
    const { rows } = await this.pool.query(
      `insert into onboarding.webhook_deliveries (webhook_id, event, data) select id, 'ping', $2::jsonb from onboarding.webhooks where id = $1 returning *`,
      [webhookId, JSON.stringify(data)],
    );
    return rows[0] ? toDelivery(rows[0]) : null;
  }

  /**
   * Claims up to `limit` due deliveries of enabled webhooks for `workerId` until the lease ends
   * (a killed worker's claims are taken again after it), counting the attempt; with the
   * webhook's URL, secret, and previous secret while its overlap lasts.
   */
  async claimWebhookDeliveries(workerId: string, limit: number, leaseMs: number): Promise<ClaimedWebhookDelivery[]> {
    const { rows } = await this.pool.query(
      `update onboarding.webhook_deliveries d
       set claimed_by = $1, claim_until = now() + make_interval(secs => $3::float8 / 1000), attempts = d.attempts + 1
       from onboarding.webhooks w
       where w.id = d.webhook_id and d.id in (
         select p.id from onboarding.webhook_deliveries p join onboarding.webhooks pw on pw.id = p.webhook_id
         where p.delivered_at is null and p.given_up_at is null and p.next_attempt_at <= now() and (p.claim_until is null or p.claim_until < now()) and pw.enabled
         order by p.next_attempt_at limit $2 for update of p skip locked)
       returning d.*, w.url, w.secret, case when w.previous_secret_until > now() then w.previous_secret end as signing_previous_secret`,
      [workerId, limit, leaseMs],
    );
    return rows.map((r) => ({ ...toDelivery(r), url: r.url, secret: r.secret, previousSecret: r.signing_previous_secret }));
  }

  /** Milliseconds until a pending delivery of an enabled webhook is due (or its claim ends); null: none pending. */
  async msUntilNextWebhookDelivery(): Promise<number | null> {
    const { rows } = await this.pool.query(
      `select greatest(0, extract(epoch from min(greatest(d.next_attempt_at, coalesce(d.claim_until, d.next_attempt_at))) - now()) * 1000)::float8 as ms
       from onboarding.webhook_deliveries d join onboarding.webhooks w on w.id = d.webhook_id
       where d.delivered_at is null and d.given_up_at is null and w.enabled`,
    );
    return rows[0]?.ms ?? null;
  }

  /**
   * Deletes up to `batch` delivered or given-up deliveries settled more than `retentionMs` ago;
   * answers how many. Rows another deliverer is deleting are skipped, not waited for.
   */
  async pruneWebhookDeliveries(retentionMs: number, batch: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      `delete from onboarding.webhook_deliveries where id in (
         select id from onboarding.webhook_deliveries
         where delivered_at < now() - make_interval(secs => $1::float8 / 1000) or given_up_at < now() - make_interval(secs => $1::float8 / 1000)
         limit $2 for update skip locked)`,
      [retentionMs, batch],
    );
    return rowCount ?? 0;
  }

  /** Drops the previous secrets whose overlap has ended; answers the webhooks' ids. */
  async dropExpiredWebhookSecrets(): Promise<string[]> {
    const { rows } = await this.pool.query(
      `update onboarding.webhooks set previous_secret = null, previous_secret_until = null where previous_secret_until <= now() returning id`,
    );
    return rows.map((r) => r.id as string);
  }

  /**
   * The outcome of a claimed attempt: delivered (2xx), or failed with the next attempt after
   * `retryInMs`, or given up (retryInMs null). Only while this worker still holds the claim.
   */
  async settleWebhookDelivery(id: string, workerId: string, o: { status: number | null; error: string | null; delivered: boolean; retryInMs: number | null }): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `update onboarding.webhook_deliveries
       set claimed_by = null, claim_until = null, last_status = $3, last_error = $4,
         delivered_at = case when $5 then now() end,
         given_up_at = case when not $5 and $6::float8 is null then now() end,
         next_attempt_at = case when not $5 and $6::float8 is not null then now() + make_interval(secs => $6::float8 / 1000) else next_attempt_at end
       where id = $1 and claimed_by = $2 and delivered_at is null and given_up_at is null`,
      [id, workerId, o.status, o.error, o.delivered, o.retryInMs],
    );
    return rowCount === 1;
  }
}
