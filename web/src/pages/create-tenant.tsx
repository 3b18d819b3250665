import { useEffect, useRef, useState } from 'preact/hooks';
import { api, unwrap } from '../api/client.ts';
import { ErrorNote } from '../components/ui.tsx';

/** POST /api/tenants with the provisioning options, in a modal dialog. */
export function CreateTenantDialog({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: (id: string) => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const d = ref.current;
    if (open && d && !d.open) d.showModal();
    if (!open && d?.open) d.close();
    if (open) setError(null);
  }, [open]);

  const submit = async (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const text = (k: string) => {
      const v = String(f.get(k) ?? '').trim();
      return v === '' ? undefined : v;
    };
    const methods = text('payment_methods')
      ?.split(',')
      .map((m) => m.trim())
      .filter(Boolean);
    setBusy(true);
    setError(null);
    try {
      const created = await unwrap(
        api.POST('/api/tenants', {
          body: {
            name: text('name') ?? '',
            country_code: text('country_code') ?? '',
            currency: text('currency'),
            engine_id: text('engine_id'),
            admin_email: text('admin_email'),
            admin_password: text('admin_password'),
            provisioning: {
              auto_start: f.get('auto_start') === 'on',
              include_demo_data: f.get('include_demo_data') === 'on',
              pos_store_enabled: f.get('pos_store_enabled') === 'on',
              auto_continue: f.get('auto_continue') === 'on',
              country_template: text('country_template') ?? null,
              ...(methods?.length ? { payment_methods: methods } : {}),
            },
          },
        }),
      );
      (e.target as HTMLFormElement).reset();
      onClose();
      onCreated(created.tenant.id);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog ref={ref} aria-labelledby="create-title" onCancel={(e) => (e.preventDefault(), onClose())} class="wide">
      <form onSubmit={submit} class="stack">
        <h2 id="create-title">New tenant</h2>
        <div class="grid2">
          <label>
            Name
            <input name="name" required minLength={2} maxLength={100} autofocus />
          </label>
          <label>
            Country code
            <input name="country_code" required pattern="[A-Za-z]{2}" maxLength={2} placeholder="KE" aria-describedby="cc-help" />
            <span id="cc-help" class="small muted">
              Two letters (ISO 3166)
            </span>
          </label>
          <label>
            Currency <span class="muted small">(optional)</span>
            <input name="currency" pattern="[A-Za-z]{3}" maxLength={3} placeholder="from the country" />
          </label>
          <label>
            Engine <span class="muted small">(optional)</span>
            <input name="engine_id" placeholder="default" />
          </label>
          <label>
            Admin email <span class="muted small">(optional)</span>
            <input name="admin_email" type="email" autocomplete="off" />
          </label>
          <label>
            Admin password <span class="muted small">(optional)</span>
            <input name="admin_password" type="password" autocomplete="new-password" />
          </label>
          <label>
            Country template <span class="muted small">(optional)</span>
            <input name="country_template" />
          </label>
          <label>
            Payment methods <span class="muted small">(comma-separated, optional)</span>
            <input name="payment_methods" placeholder="Cash, M-Pesa" />
          </label>
        </div>
        <fieldset>
          <legend>Provisioning</legend>
          <label class="check">
            <input type="checkbox" name="auto_start" defaultChecked /> Start provisioning now
          </label>
          <label class="check">
            <input type="checkbox" name="pos_store_enabled" defaultChecked /> POS store warehouse
          </label>
          <label class="check">
            <input type="checkbox" name="include_demo_data" /> Demo items
          </label>
          <label class="check">
            <input type="checkbox" name="auto_continue" defaultChecked /> Continue automatically after a transient failure
          </label>
        </fieldset>
        <ErrorNote error={error} />
        <div class="dialog-buttons">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create tenant'}
          </button>
        </div>
      </form>
    </dialog>
  );
}
