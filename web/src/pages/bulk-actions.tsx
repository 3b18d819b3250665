import { useState } from 'preact/hooks';
import { STEPS } from '../../../src/domain/steps/catalogue.ts';
import { api, PROVISIONING_STATUSES as STATUSES, unwrap, type BulkFilter, type BulkOutcome, type TenantRow } from '../api/client.ts';
import { ConfirmDialog, ErrorNote } from '../components/ui.tsx';
import { Field, SelectField } from '../components/field.tsx';

type BulkAction = 'continue' | 'retry';
type Form = { action: BulkAction; status: string; engine: string; step: string; code: string; after: string; before: string };
const EMPTY: Form = { action: 'continue', status: '', engine: '', step: '', code: '', after: '', before: '' };

/** The form as the API's filter: empty fields left out, local date-times as instants. */
function filterOf(f: Form): BulkFilter {
  const at = (local: string) => (local ? new Date(local).toISOString() : undefined);
  return {
    status: (f.status || undefined) as BulkFilter['status'],
    engine_id: f.engine || undefined,
    step: (f.step || undefined) as BulkFilter['step'],
    code: f.code.trim() || undefined,
    created_after: at(f.after),
    created_before: at(f.before),
  };
}

/**
 * Continue or Retry every tenant a filter matches (POST /api/provisioning/bulk), for platform
 * admins: Preview is the dry run (the matched tenants, nothing queued); Queue, enabled once the
 * current filter was previewed, asks for a confirmation and shows what was queued and skipped.
 */
export function BulkActionPanel({ tenants }: { tenants: TenantRow[] }) {
  const [form, setForm] = useState<Form>(EMPTY);
  const [preview, setPreview] = useState<BulkOutcome | null>(null);
  const [outcome, setOutcome] = useState<BulkOutcome | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const names = new Map(tenants.map((t) => [t.id, t.name]));
  const engines = [...new Set(tenants.map((t) => t.engine_id))].sort();

  // a changed filter needs a new preview before anything is queued
  const set = (k: keyof Form) => (v: string) => {
    setForm((f) => ({ ...f, [k]: v }));
    setPreview(null);
  };
  const input = (k: keyof Form) => (e: Event) => set(k)((e.target as HTMLInputElement).value);

  const send = async (dryRun: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const answer = await unwrap(api.POST('/api/provisioning/bulk', { body: { action: form.action, filter: filterOf(form), dry_run: dryRun } }));
      if (dryRun) {
        setPreview(answer);
        setOutcome(null);
      } else {
        setOutcome(answer);
        setPreview(null);
      }
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const tenantLink = (id: string) => <a href={`/tenants/${id}`}>{names.get(id) ?? id}</a>;

  return (
    <section class="card" aria-labelledby="bulk-title">
      <h2 id="bulk-title">Bulk action</h2>
      <form
        class="grid2"
        onSubmit={(e) => {
          e.preventDefault();
          void send(true);
        }}
      >
        <SelectField label="Action" value={form.action} options={[{ value: 'continue', label: 'Continue' }, { value: 'retry', label: 'Retry' }]} onChange={set('action')} />
        <SelectField label="Status" value={form.status} options={[{ value: '', label: 'Any' }, ...STATUSES.map((s) => ({ value: s, label: s.replace('_', ' ') }))]} onChange={set('status')} />
        <SelectField label="Engine" value={form.engine} options={[{ value: '', label: 'Any' }, ...engines]} onChange={set('engine')} />
        <SelectField label="Failed or current step" value={form.step} options={[{ value: '', label: 'Any' }, ...STEPS.map((s) => s.id)]} onChange={set('step')} />
        <Field label="Error code" optional>
          <input value={form.code} pattern="[A-Z][A-Z0-9_]{0,63}" placeholder="ENGINE_TIMEOUT" onInput={input('code')} />
        </Field>
        <Field label="Created after" optional>
          <input type="datetime-local" value={form.after} onInput={input('after')} />
        </Field>
        <Field label="Created before" optional>
          <input type="datetime-local" value={form.before} onInput={input('before')} />
        </Field>
        <div class="actions">
          <button type="submit" disabled={busy}>
            Preview
          </button>
          <button type="button" class="primary" disabled={busy || !preview || preview.matched === 0} title={!preview ? 'Preview the filter first' : ''} onClick={() => setConfirming(true)}>
            Queue
          </button>
        </div>
      </form>
      <ErrorNote error={error} />
      <p class="sr-only" role="status">
        {preview ? `${preview.matched} matched` : outcome ? `${outcome.queued} queued, ${outcome.skipped.length} skipped` : ''}
      </p>
      <div>
        {preview ? (
          <div class="bulk-result" data-testid="bulk-preview">
            <p>
              <strong>{preview.matched}</strong> {preview.matched === 1 ? 'tenant matches' : 'tenants match'}; nothing is queued until you press Queue.
            </p>
            {preview.tenant_ids.length ? (
              <ul class="id-list">
                {preview.tenant_ids.map((id) => (
                  <li data-tenant={id}>{tenantLink(id)}</li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : null}
        {outcome ? (
          <div class="bulk-result" data-testid="bulk-outcome">
            <p>
              <strong>{outcome.queued}</strong> queued, <strong>{outcome.skipped.length}</strong> skipped of {outcome.matched} matched.
            </p>
            {outcome.runs.length ? (
              <>
                <h3>Queued</h3>
                <ul class="id-list">
                  {outcome.runs.map((r) => (
                    <li data-tenant={r.tenant_id}>{tenantLink(r.tenant_id)}</li>
                  ))}
                </ul>
              </>
            ) : null}
            {outcome.skipped.length ? (
              <>
                <h3>Skipped</h3>
                <ul class="id-list">
                  {outcome.skipped.map((s) => (
                    <li data-tenant={s.tenant_id}>
                      {tenantLink(s.tenant_id)} <code class="code">{s.reason}</code>
                    </li>
                  ))}
                </ul>
              </>
            ) : null}
          </div>
        ) : null}
      </div>
      <ConfirmDialog
        open={confirming}
        title={`${form.action === 'continue' ? 'Continue' : 'Retry'} ${preview?.matched ?? 0} ${preview?.matched === 1 ? 'tenant' : 'tenants'}?`}
        confirmLabel="Queue"
        onCancel={() => setConfirming(false)}
        onConfirm={() => {
          setConfirming(false);
          void send(false);
        }}
      >
        <p>
          {form.action === 'continue' ? 'Each resumes from its first failed or pending step.' : 'Each re-runs every step; records that exist are kept.'} The filter is applied again now: a tenant whose status no longer allows it, or
          whose run is active, is skipped with the reason.
        </p>
      </ConfirmDialog>
    </section>
  );
}
