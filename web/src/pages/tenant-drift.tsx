import { useEffect, useState } from 'preact/hooks';
import { isRunAllowed, type RunKind } from '../../../src/domain/plan.ts';
import { STEPS } from '../../../src/domain/steps/catalogue.ts';
import { api, unwrap, type DriftFinding, type RunPlan, type Status, type StepId, type Verification } from '../api/client.ts';
import { ConfirmDialog, DriftBadge, ErrorNote, time } from '../components/ui.tsx';
import { DataTable } from '../components/table.tsx';
import { SelectField } from '../components/field.tsx';

function Findings({ findings }: { findings: readonly DriftFinding[] }) {
  return (
    <ul class="findings">
      {findings.map((f) => (
        <li data-step={f.step}>
          <strong>{f.step}</strong> {f.doctype ? <span class="muted">{f.doctype}</span> : null} {f.record ? <code>{f.record}</code> : null}
          <div>{f.problem}</div>
        </li>
      ))}
    </ul>
  );
}

/**
 * The tenant's drift: the flag and findings of its last verification, Verify (COMPLETED tenants:
 * re-reads the engine, writes nothing) and Heal (a drifted tenant: Retry from the first broken
 * step, confirmed first), each enabled exactly when the API allows it.
 */
export function DriftCard({ tenantId, status, operate, onChanged }: { tenantId: string; status: Status; operate: boolean; onChanged: () => Promise<void> }) {
  const [verification, setVerification] = useState<Verification | null>(null);
  const [busy, setBusy] = useState(false);
  const [healing, setHealing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const path = { id: tenantId };
  const active = status.status === 'IN_PROGRESS';
  // the newer of the verification just made and the recorded one (the sweep may have verified since)
  const fresh = verification && (!status.drift.verified_at || verification.verified_at >= status.drift.verified_at);
  const drift = fresh ? { drifted: verification.drifted, first_step: verification.first_step, findings: verification.findings, verified_at: verification.verified_at } : status.drift;
  const canVerify = operate && status.status === 'COMPLETED';
  const canHeal = operate && drift.drifted && !active && isRunAllowed('retry', status.status);
  const why = (can: boolean, rule: string) => (can ? '' : !operate ? 'Your role may not change provisioning' : active ? 'A run is active' : rule);

  const verify = async () => {
    setBusy(true);
    setError(null);
    try {
      const v = await unwrap(api.POST('/api/provisioning/tenants/{id}/verify', { params: { path } }));
      setVerification(v);
      setNotice(v.drifted ? `Drift found: ${v.findings.length} record(s) differ` : 'No drift: every record the steps ensure is in place');
      await onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const heal = async () => {
    setHealing(false);
    setError(null);
    try {
      await unwrap(api.POST('/api/provisioning/tenants/{id}/heal', { params: { path } }));
      setVerification(null);
      setNotice(`Heal: retry from ${drift.first_step} requested`);
      await onChanged();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <section aria-labelledby="drift-title" class="card drift">
      <h2 id="drift-title">Drift</h2>
      <p data-testid="drift-state">
        {drift.drifted ? (
          <>
            <DriftBadge /> {drift.findings.length} record(s) differ from what the steps ensure; first broken step <strong>{drift.first_step}</strong>.
          </>
        ) : drift.verified_at ? (
          'No drift: every record the steps ensure was in place.'
        ) : (
          'Not verified yet.'
        )}{' '}
        <span class="muted small">Last verified: {time(drift.verified_at)}</span>
      </p>
      {drift.drifted ? <Findings findings={drift.findings} /> : null}
      <div class="actions">
        <button type="button" disabled={!canVerify || busy} title={why(canVerify, 'Only a COMPLETED tenant is verified')} onClick={() => void verify()}>
          {busy ? 'Verifying…' : 'Verify'}
        </button>
        <button type="button" class="primary" disabled={!canHeal} title={why(canHeal, 'No drift to heal: verify first')} onClick={() => setHealing(true)}>
          Heal
        </button>
      </div>
      <p class="sr-only" role="status">
        {notice}
      </p>
      <ErrorNote error={error} />
      <ConfirmDialog open={healing} title="Heal?" confirmLabel="Heal" onCancel={() => setHealing(false)} onConfirm={() => void heal()}>
        <p>Retry from {drift.first_step}: recreates what is missing, and re-checks every step after it. Records that exist are kept, none is duplicated.</p>
        <p class="muted small">Tenant: {status.tenant_name}</p>
      </ConfirmDialog>
    </section>
  );
}

const ACTION_BADGE: Record<RunPlan['operations'][number]['action'], string> = { create: 'queued', update: 'partial', exists: 'completed', skip: 'skipped' };
const KINDS: RunKind[] = ['start', 'continue', 'retry'];

/**
 * What a Start, Continue or Retry would do now (GET …/plan, reads only): the steps, and each
 * record it would create or update or find in place; offered for the runs the status allows.
 */
export function PlanCard({ tenantId, status }: { tenantId: string; status: Status }) {
  const allowedKinds = KINDS.filter((k) => isRunAllowed(k, status.status));
  const [asked, setAsked] = useState<RunKind>('continue');
  const [fromStep, setFromStep] = useState<StepId | ''>('');
  const [plan, setPlan] = useState<RunPlan | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const kind = allowedKinds.includes(asked) ? asked : allowedKinds[0];
  const active = status.status === 'IN_PROGRESS';
  // a plan says what a run would do from the state it was read in: a new run or status outdates it
  useEffect(() => setPlan(null), [status.status, status.run?.id]);

  const show = async () => {
    if (!kind) return;
    setBusy(true);
    setError(null);
    setPlan(null);
    try {
      const query = kind === 'retry' && fromStep ? { kind, step: fromStep } : { kind };
      setPlan(await unwrap(api.GET('/api/provisioning/tenants/{id}/plan', { params: { path: { id: tenantId }, query } })));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const count = (a: string) => plan?.operations.filter((o) => o.action === a).length ?? 0;
  return (
    <section aria-labelledby="plan-title" class="card plan">
      <h2 id="plan-title">Plan</h2>
      <p class="muted small">What a run would do now, read from the engine; nothing is written.</p>
      <div class="actions">
        {kind ? (
          <SelectField
            label="Run to plan"
            value={kind}
            options={allowedKinds}
            onChange={(k) => {
              setAsked(k);
              setPlan(null);
            }}
          />
        ) : null}
        {kind === 'retry' ? (
          <SelectField label="Retry starting at" value={fromStep} options={[{ value: '', label: 'every step' }, ...STEPS.map((s) => s.id)]} onChange={(s) => (setFromStep(s), setPlan(null))} />
        ) : null}
        <button type="button" disabled={!kind || busy} title={!kind ? (active ? 'A run is active' : `No run from ${status.status}`) : ''} onClick={() => void show()}>
          {busy ? 'Planning…' : 'Show plan'}
        </button>
      </div>
      <ErrorNote error={error} />
      {plan ? (
        <div data-testid="plan">
          <p role="status">
            {plan.kind}: {plan.steps.length} step(s); {count('create')} to create, {count('update')} to update, {count('exists')} in place.
          </p>
          <DataTable
            caption={`Operations of the ${plan.kind} plan`}
            class="plan-operations"
            columns={[
              { header: 'Step', cell: (o) => o.step },
              { header: 'Action', cell: (o) => <span class={`badge badge-${ACTION_BADGE[o.action]}`}>{o.action}</span> },
              { header: 'DocType', cell: (o) => o.doctype ?? '—' },
              { header: 'Name', cell: (o) => o.name ?? '—' },
              { header: 'Changes', cell: (o) => o.detail ?? '' },
            ]}
            rows={plan.operations}
            rowProps={(o) => ({ 'data-action': o.action })}
            empty="No record to write or check."
          />
          {plan.problems.length ? (
            <>
              <h3>Where it would stop</h3>
              <Findings findings={plan.problems} />
            </>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
