import { useEffect, useRef, useState } from 'preact/hooks';
import { isRunAllowed, type RunKind } from '../../../src/domain/plan.ts';
import { STEPS } from '../../../src/domain/steps/catalogue.ts';
import { api, subscribe, unwrap, type LogEntry, type Session, type Status, type StepId, type Tenant } from '../api/client.ts';
import { ConfirmDialog, DriftBadge, duration, ErrorNote, Loading, Progress, StatusBadge, time } from '../components/ui.tsx';
import { LogsView } from './logs.tsx';
import { DriftCard, PlanCard } from './tenant-drift.tsx';

type Action = { kind: RunKind; step?: StepId | null; label: string; explain: string } | { kind: 'skip'; step: StepId; label: string; explain: string };

/** May this user start, continue, retry or skip for the tenant? (canOperate of the API) */
const mayOperate = (s: Session, tenantId: string) => s.user.role === 'platform_admin' || (s.user.role === 'tenant_admin' && s.user.tenant_id === tenantId);

/**
 * One tenant: its live step timeline, errors with code and hint, the operations the API allows
 * now (each after a confirmation), the plan of a run before it, drift (verify, heal), run history,
 * engine facts and logs.
 */
export function TenantPage({ id, session }: { id: string; session: Session }) {
  const [tenant, setTenant] = useState<Tenant | null>(null);
  const [status, setStatus] = useState<Status | null>(null);
  const [history, setHistory] = useState<LogEntry[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [pending, setPending] = useState<Action | null>(null);
  const [retryFrom, setRetryFrom] = useState<StepId>(STEPS[0]!.id);
  const [logsVersion, setLogsVersion] = useState(0);
  const [notice, setNotice] = useState('');
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  const load = async () => {
    try {
      const path = { id };
      const [t, s, h] = await Promise.all([
        unwrap(api.GET('/api/tenants/{id}', { params: { path } })),
        unwrap(api.GET('/api/provisioning/tenants/{id}/status', { params: { path } })),
        unwrap(api.GET('/api/provisioning/tenants/{id}/logs', { params: { path, query: { limit: 1000 } } })),
      ]);
      setTenant(t);
      setStatus(s);
      setHistory(h.logs.filter((e) => e.type === 'run_queued' || e.type === 'run_finished' || e.type === 'run_refused'));
      setError(null);
    } catch (e) {
      setError(e);
    }
  };

  useEffect(() => {
    setTenant(null);
    setStatus(null);
    void load();
    const close = subscribe(id, () => {
      timer.current ??= setTimeout(() => {
        timer.current = null;
        void load();
        setLogsVersion((v) => v + 1);
      }, 150);
    });
    return () => {
      close();
      if (timer.current) clearTimeout(timer.current);
    };
  }, [id]);

  if (error && !status) return <ErrorNote error={error} />;
  if (!status || !tenant) return <Loading />;

  const operate = mayOperate(session, id);
  const active = status.status === 'IN_PROGRESS';
  const allowed = (kind: RunKind) => operate && isRunAllowed(kind, status.status);
  const why = (kind: RunKind) => (!operate ? 'Your role may not change provisioning' : active ? 'A run is active' : !isRunAllowed(kind, status.status) ? `Not from ${status.status}` : '');

  const run = async (a: Action) => {
    setPending(null);
    setActionError(null);
    const path = { id };
    try {
      if (a.kind === 'skip') await unwrap(api.POST('/api/provisioning/tenants/{id}/skip-step', { params: { path }, body: { step: a.step } }));
      else if (a.kind === 'start') await unwrap(api.POST('/api/provisioning/tenants/{id}/start', { params: { path }, body: {} }));
      else if (a.kind === 'continue') await unwrap(api.POST('/api/provisioning/tenants/{id}/continue', { params: { path } }));
      else await unwrap(api.POST('/api/provisioning/tenants/{id}/retry', { params: { path }, body: { step: a.step ?? null } }));
      setNotice(`${a.label}: requested`);
      // the buttons disable while the run is active: the focus goes to the tenant's name, above its live status
      heading.current?.focus();
      await load();
    } catch (e) {
      setActionError(e);
    }
  };

  const facts = tenant.tenant.engine_facts;
  const factRows: Array<[string, string | null | undefined]> = [
    ['Engine', tenant.tenant.engine_id],
    ['Company', facts.company],
    ['Abbreviation', facts.abbr],
    ['POS profile', facts.posProfile],
    ['POS session', facts.posSession],
    ['Main warehouse', facts.mainWarehouse],
    ['POS warehouse', facts.posWarehouse],
    ['Cash account', facts.cashAccount],
    ['Cost centre', facts.costCenter],
    ['Customer', facts.customer],
    ['Engine versions', facts.engineVersions ? Object.entries(facts.engineVersions).map(([k, v]) => `${k} ${v}`).join(', ') : null],
    ['Verified', facts.verifiedAt ? time(facts.verifiedAt) : null],
  ];

  return (
    <section class="tenant">
      <p class="crumbs">
        <a href="/">Fleet</a> / <span>{status.tenant_name}</span>
      </p>
      <div class="page-head">
        <h1 ref={heading} tabIndex={-1}>
          {status.tenant_name}
        </h1>
        <span data-testid="tenant-status">
          <StatusBadge status={status.status} />
        </span>
        {status.drift.drifted ? <DriftBadge /> : null}
      </div>
      <div class="summary">
        <Progress value={status.progress} label="Provisioning progress" />
        <span>
          {status.steps_completed} of {status.total_steps} steps
        </span>
        <span>
          Current step: <strong>{status.current_step ?? '—'}</strong>
        </span>
        {status.estimated_completion ? <span>Estimated completion: {time(status.estimated_completion)}</span> : null}
        <span class="muted">
          {tenant.tenant.country} · {tenant.tenant.currency}
        </span>
      </div>
      {status.message ? <p class="muted">{status.message}</p> : null}

      <section aria-labelledby="actions-title" class="card">
        <h2 id="actions-title">Actions</h2>
        <div class="actions">
          <button type="button" disabled={!allowed('start')} title={why('start')} onClick={() => setPending({ kind: 'start', label: 'Start', explain: 'Start provisioning every step.' })}>
            Start
          </button>
          <button type="button" class="primary" disabled={!allowed('continue')} title={why('continue')} onClick={() => setPending({ kind: 'continue', label: 'Continue', explain: 'Resume from the first failed or pending step; completed steps are kept.' })}>
            Continue
          </button>
          <button type="button" disabled={!allowed('retry')} title={why('retry')} onClick={() => setPending({ kind: 'retry', step: null, label: 'Retry all', explain: 'Re-run every step; records that exist are kept, none is duplicated.' })}>
            Retry all
          </button>
          <span class="retry-from">
            <label>
              From step
              <select value={retryFrom} onChange={(e) => setRetryFrom((e.target as HTMLSelectElement).value as StepId)}>
                {STEPS.map((s) => (
                  <option value={s.id}>{s.id}</option>
                ))}
              </select>
            </label>
            <button type="button" disabled={!allowed('retry')} title={why('retry')} onClick={() => setPending({ kind: 'retry', step: retryFrom, label: `Retry from ${retryFrom}`, explain: `Re-run ${retryFrom} and every step after it.` })}>
              Retry from step
            </button>
          </span>
        </div>
        {!operate ? <p class="muted small">Your role may look but not change provisioning.</p> : null}
        <p class="sr-only" role="status">
          {notice}
        </p>
        <ErrorNote error={actionError} />
      </section>

      <PlanCard tenantId={id} status={status} />

      {status.errors.length ? (
        <section aria-labelledby="errors-title" class="card errors">
          <h2 id="errors-title">Errors</h2>
          <ul>
            {status.errors.map((e) => (
              <li data-step={e.step}>
                <strong>{e.step}</strong> {e.code ? <code class="code">{e.code}</code> : null}
                <div>{e.error}</div>
                {e.hint ? <div class="hint">Hint: {e.hint}</div> : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <DriftCard tenantId={id} status={status} operate={operate} onChanged={load} />

      <section aria-labelledby="timeline-title" class="card">
        <h2 id="timeline-title">Steps</h2>
        <ol class="timeline">
          {status.steps.map((s) => {
            const skippable = STEPS.find((d) => d.id === s.id)?.skippable ?? false;
            return (
              <li class={`step step-${s.status} ${status.current_step === s.id ? 'current' : ''}`} data-step={s.id} data-status={s.status} aria-current={status.current_step === s.id ? 'step' : undefined}>
                <div class="step-head">
                  <StatusBadge status={s.status} />
                  <span class="step-label">
                    {s.label} <span class="muted small">{s.id}</span>
                    {s.critical ? <span class="tag">critical</span> : null}
                  </span>
                </div>
                <div class="step-meta small">
                  <span>Attempts: {s.attempts}</span>
                  <span>Duration: {duration(s.duration_ms)}</span>
                  {s.skip_reason ? <span>Skipped: {s.skip_reason}</span> : null}
                  {skippable ? (
                    <button
                      type="button"
                      class="link"
                      aria-label={`Skip ${s.id}`}
                      disabled={!operate || active}
                      title={!operate ? 'Your role may not change provisioning' : active ? 'A run is active' : ''}
                      onClick={() => setPending({ kind: 'skip', step: s.id, label: `Skip ${s.id}`, explain: `Mark ${s.id} skipped; it is optional. Continue then goes on without it.` })}
                    >
                      Skip
                    </button>
                  ) : null}
                </div>
                {s.message ? <div class="small">{s.message}</div> : null}
                {s.error ? (
                  <div class="small step-error">
                    {s.code ? <code class="code">{s.code}</code> : null} {s.error}
                  </div>
                ) : null}
              </li>
            );
          })}
        </ol>
      </section>

      <div class="two-col">
        <section aria-labelledby="facts-title" class="card">
          <h2 id="facts-title">Engine facts</h2>
          <dl class="facts">
            {factRows.map(([k, v]) => (
              <>
                <dt>{k}</dt>
                <dd>{v || '—'}</dd>
              </>
            ))}
          </dl>
        </section>
        <section aria-labelledby="history-title" class="card">
          <h2 id="history-title">Run history</h2>
          {history.length === 0 ? (
            <p class="muted">No run yet.</p>
          ) : (
            <ul class="history">
              {history
                .slice()
                .reverse()
                .map((e) => (
                  <li>
                    <time dateTime={e.ts}>{time(e.ts)}</time> {e.status ? <StatusBadge status={e.status} /> : null} {e.message}
                  </li>
                ))}
            </ul>
          )}
        </section>
      </div>

      <LogsView tenantId={id} version={logsVersion} />

      <ConfirmDialog open={pending !== null} title={pending ? `${pending.label}?` : ''} confirmLabel={pending?.label ?? 'Confirm'} onCancel={() => setPending(null)} onConfirm={() => pending && void run(pending)}>
        <p>{pending?.explain}</p>
        <p class="muted small">Tenant: {status.tenant_name}</p>
      </ConfirmDialog>
    </section>
  );
}
