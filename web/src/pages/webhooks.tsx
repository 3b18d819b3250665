import { useEffect, useState } from 'preact/hooks';
import { api, listAllWebhooks, unwrap, type Webhook, type WebhookDelivery, type WebhookEvent } from '../api/client.ts';
import { ConfirmDialog, ErrorNote, Loading, time } from '../components/ui.tsx';
import { DataTable, type Column } from '../components/table.tsx';
import { Field } from '../components/field.tsx';

const EVENTS: Array<{ event: WebhookEvent; explain: string }> = [
  { event: 'run.failed', explain: 'a run ended FAILED' },
  { event: 'run.partial', explain: 'a run ended PARTIAL' },
  { event: 'run.completed', explain: 'a run ended COMPLETED' },
  { event: 'tenant.drifted', explain: 'a verification found drift' },
];

/** How often the delivery log is read again while a delivery shown is pending. */
const PENDING_REFRESH_MS = 2_000;

/**
 * Webhooks (platform admins only, as the API): every webhook with its events, adding one (the
 * secret is sent once and never shown again), deleting one (confirmed), its delivery log and a
 * signed test ping.
 */
export function WebhooksPage() {
  const [hooks, setHooks] = useState<Webhook[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const [deleting, setDeleting] = useState<Webhook | null>(null);
  const [shown, setShown] = useState<Webhook | null>(null);
  const [logVersion, setLogVersion] = useState(0);

  const load = async () => {
    try {
      setHooks(await listAllWebhooks());
      setError(null);
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => void load(), []);

  const remove = async (w: Webhook) => {
    setDeleting(null);
    setActionError(null);
    try {
      await unwrap(api.DELETE('/api/webhooks/{id}', { params: { path: { id: w.id } } }));
      if (shown?.id === w.id) setShown(null);
      setNotice(`Webhook ${w.url} deleted`);
      await load();
    } catch (e) {
      setActionError(e);
    }
  };

  const sendTest = async (w: Webhook) => {
    setActionError(null);
    try {
      await unwrap(api.POST('/api/webhooks/{id}/test', { params: { path: { id: w.id } } }));
      setNotice(`Test ping queued for ${w.url}`);
      setShown(w);
      setLogVersion((v) => v + 1);
    } catch (e) {
      setActionError(e);
    }
  };

  const columns: Array<Column<Webhook>> = [
    { header: 'URL', cell: (w) => <code>{w.url}</code> },
    { header: 'Events', cell: (w) => w.events.join(', ') },
    { header: 'Secret', cell: (w) => (w.secret_set ? 'set' : 'none') },
    { header: 'Created', cell: (w) => `${time(w.created_at)}${w.created_by ? ` by ${w.created_by}` : ''}` },
    {
      header: 'Actions',
      cell: (w) => (
        <span class="row-actions">
          <button type="button" aria-label={`Deliveries of ${w.url}`} aria-pressed={shown?.id === w.id} onClick={() => setShown(shown?.id === w.id ? null : w)}>
            Deliveries
          </button>
          <button type="button" aria-label={`Send test to ${w.url}`} onClick={() => void sendTest(w)}>
            Send test
          </button>
          <button type="button" class="danger" aria-label={`Delete ${w.url}`} onClick={() => setDeleting(w)}>
            Delete
          </button>
        </span>
      ),
    },
  ];

  return (
    <section>
      <h1>Webhooks</h1>
      <p class="muted small">Events are POSTed to each URL, signed with its secret (X-Provisioner-Signature), and retried until the receiver answers 2xx.</p>
      <ErrorNote error={error} />
      <ErrorNote error={actionError} />
      <p class="sr-only" role="status">
        {notice}
      </p>
      {hooks === null && !error ? (
        <Loading />
      ) : (
        <DataTable caption={`Webhooks (${hooks?.length ?? 0})`} columns={columns} rows={hooks ?? []} rowProps={(w) => ({ 'data-webhook': w.id })} empty="No webhook yet." />
      )}
      {shown ? <DeliveryLog webhook={shown} version={logVersion} /> : null}
      <AddWebhook
        onAdded={async (w) => {
          setNotice(`Webhook ${w.url} added`);
          await load();
        }}
      />
      <ConfirmDialog open={deleting !== null} title={`Delete ${deleting?.url ?? ''}?`} confirmLabel="Delete" onCancel={() => setDeleting(null)} onConfirm={() => deleting && void remove(deleting)}>
        <p>The webhook is removed for good; its pending deliveries are not sent.</p>
      </ConfirmDialog>
    </section>
  );
}

/** The webhook's deliveries, newest first; read again while one of them is pending. */
function DeliveryLog({ webhook, version }: { webhook: Webhook; version: number }) {
  const [deliveries, setDeliveries] = useState<WebhookDelivery[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const read = async () => {
      try {
        const { deliveries: rows } = await unwrap(api.GET('/api/webhooks/{id}/deliveries', { params: { path: { id: webhook.id }, query: { limit: 100 } } }));
        if (!live) return;
        setDeliveries(rows);
        setError(null);
        if (rows.some((d) => d.state === 'pending')) timer = setTimeout(() => void read(), PENDING_REFRESH_MS);
      } catch (e) {
        if (live) setError(e);
      }
    };
    void read();
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
  }, [webhook.id, version, reload]);

  const columns: Array<Column<WebhookDelivery>> = [
    { header: 'Event', cell: (d) => d.event },
    { header: 'State', cell: (d) => <span class={`badge badge-${d.state}`}>{d.state}</span> },
    { header: 'Attempts', cell: (d) => d.attempts },
    { header: 'Response', cell: (d) => (d.last_status !== null ? `HTTP ${d.last_status}` : d.last_error ? <span class="step-error">{d.last_error}</span> : '—') },
    { header: 'Next attempt', cell: (d) => time(d.next_attempt_at) },
    { header: 'Tenant', cell: (d) => (d.tenant_id ? <a href={`/tenants/${d.tenant_id}`}>{d.tenant_id.slice(0, 8)}</a> : '—') },
    { header: 'Created', cell: (d) => time(d.created_at) },
    { header: 'Delivered', cell: (d) => time(d.delivered_at) },
  ];

  return (
    <section class="card" aria-labelledby="deliveries-title">
      <div class="page-head">
        <h2 id="deliveries-title">Deliveries of {webhook.url}</h2>
        <button type="button" onClick={() => setReload((n) => n + 1)}>
          Refresh
        </button>
      </div>
      <ErrorNote error={error} />
      {deliveries === null && !error ? <Loading /> : <DataTable caption={`Deliveries (${deliveries?.length ?? 0})`} class="deliveries" columns={columns} rows={deliveries ?? []} rowProps={(d) => ({ 'data-delivery': d.id, 'data-state': d.state })} empty="No delivery yet." />}
    </section>
  );
}

/** POST /api/webhooks: the secret goes once, and the form forgets it. */
function AddWebhook({ onAdded }: { onAdded: (w: Webhook) => Promise<void> }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    setBusy(true);
    setError(null);
    try {
      const { webhook } = await unwrap(api.POST('/api/webhooks', { body: { url: String(f.get('url') ?? '').trim(), events: f.getAll('events').map(String) as WebhookEvent[], secret: String(f.get('secret') ?? '') } }));
      form.reset();
      await onAdded(webhook);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="add-webhook-title">
      <h2 id="add-webhook-title">Add a webhook</h2>
      <form class="stack" onSubmit={submit}>
        <div class="grid2">
          <Field label="URL">
            <input name="url" type="url" required maxLength={2000} placeholder="https://hooks.example.com/provisioner" autocomplete="off" />
          </Field>
          <label>
            Signing secret
            <input name="secret" type="password" required minLength={16} maxLength={200} autocomplete="new-password" aria-describedby="secret-help" />
            <span id="secret-help" class="small muted">
              At least 16 characters. Sent once: it is never shown again, keep it for the receiver.
            </span>
          </label>
        </div>
        <fieldset>
          <legend>Events</legend>
          {EVENTS.map(({ event, explain }) => (
            <label class="check">
              <input type="checkbox" name="events" value={event} defaultChecked={event === 'run.failed'} /> <code>{event}</code> <span class="muted small">{explain}</span>
            </label>
          ))}
        </fieldset>
        <ErrorNote error={error} />
        <div>
          <button type="submit" class="primary" disabled={busy}>
            Add webhook
          </button>
        </div>
      </form>
    </section>
  );
}
