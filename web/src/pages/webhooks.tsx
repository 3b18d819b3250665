import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { api, listAllWebhooks, unwrap, type Webhook, type WebhookChange, type WebhookDelivery, type WebhookEvent } from '../api/client.ts';
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

/** Deliveries a page of the log holds (the API's default page). */
const DELIVERY_PAGE = 100;

/** A change waiting for its confirmation. */
type Pending = { kind: 'edit' | 'rotate' | 'disable' | 'enable' | 'delete'; webhook: Webhook };
/** The changes that need no more than a yes (the others ask for a URL, events or a secret). */
type Confirmation = Pending & { kind: 'disable' | 'enable' | 'delete' };
const isConfirmation = (p: Pending): p is Confirmation => p.kind === 'disable' || p.kind === 'enable' || p.kind === 'delete';

/** A signing secret made in the browser, as `provisioner webhooks update --rotate-secret` makes one: 24 random bytes in hex. */
function generateSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return `whsec_${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** Until when the webhook's previous secret still signs, when a rotation's overlap is running. */
const overlapUntil = (w: Webhook): string | null => (w.previous_secret_expires_at && Date.parse(w.previous_secret_expires_at) > Date.now() ? w.previous_secret_expires_at : null);

/**
 * Webhooks (platform admins only, as the API): every webhook (every page of the list) with its
 * events and state, adding one (the secret is sent once and never shown again), changing its URL
 * and events, disabling and enabling it, rotating its secret, deleting it (each confirmed), its
 * delivery log (older pages on demand) and a signed test ping.
 */
export function WebhooksPage() {
  const [hooks, setHooks] = useState<Webhook[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const [rotated, setRotated] = useState<Webhook | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
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

  /** A new action: the outcome of the last one is no longer news. */
  const starting = () => {
    setActionError(null);
    setRotated(null);
  };

  /** PATCH /api/webhooks/:id; throws the API's refusal (the dialog that asked shows it). */
  const update = async (w: Webhook, change: WebhookChange): Promise<Webhook> => {
    const { webhook } = await unwrap(api.PATCH('/api/webhooks/{id}', { params: { path: { id: w.id } }, body: change }));
    setShown((s) => (s?.id === webhook.id ? webhook : s));
    await load();
    return webhook;
  };

  /** Delete, disable or enable, once confirmed; a refusal shows above the list. */
  const confirm = async (p: Confirmation) => {
    setPending(null);
    starting();
    const w = p.webhook;
    try {
      if (p.kind === 'delete') {
        await unwrap(api.DELETE('/api/webhooks/{id}', { params: { path: { id: w.id } } }));
        setShown((s) => (s?.id === w.id ? null : s));
        setNotice(`Webhook ${w.url} deleted`);
        await load();
      } else {
        await update(w, { enabled: p.kind === 'enable' });
        setNotice(`Webhook ${w.url} ${p.kind}d`);
      }
    } catch (e) {
      setActionError(e);
    }
  };

  const sendTest = async (w: Webhook) => {
    starting();
    try {
      await unwrap(api.POST('/api/webhooks/{id}/test', { params: { path: { id: w.id } } }));
      setNotice(`Test ping queued for ${w.url}`);
      setShown(w);
      setLogVersion((v) => v + 1);
    } catch (e) {
      setActionError(e);
    }
  };

  const ask = (kind: Pending['kind'], webhook: Webhook) => {
    starting();
    setPending({ kind, webhook });
  };

  const columns: Array<Column<Webhook>> = [
    { header: 'URL', cell: (w) => <code>{w.url}</code> },
    { header: 'Events', cell: (w) => w.events.join(', ') },
    { header: 'State', cell: (w) => (w.enabled ? <span class="badge badge-completed">Enabled</span> : <span class="badge badge-failed">Disabled</span>) },
    {
      header: 'Secret',
      cell: (w) => {
        const until = overlapUntil(w);
        return w.secret_set ? (until ? `set; the previous one also signs until ${time(until)}` : 'set') : 'none';
      },
    },
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
          <button type="button" aria-label={`Edit ${w.url}`} onClick={() => ask('edit', w)}>
            Edit
          </button>
          <button type="button" aria-label={`${w.enabled ? 'Disable' : 'Enable'} ${w.url}`} onClick={() => ask(w.enabled ? 'disable' : 'enable', w)}>
            {w.enabled ? 'Disable' : 'Enable'}
          </button>
          <button type="button" aria-label={`Rotate secret of ${w.url}`} onClick={() => ask('rotate', w)}>
            Rotate secret
          </button>
          <button type="button" class="danger" aria-label={`Delete ${w.url}`} onClick={() => ask('delete', w)}>
            Delete
          </button>
        </span>
      ),
    },
  ];

  const until = rotated?.previous_secret_expires_at ?? null;
  const simple = pending && isConfirmation(pending) ? pending : null;
  return (
    <section>
      <h1>Webhooks</h1>
      <p class="muted small">Events are POSTed to each URL, signed with its secret (X-Provisioner-Signature), and retried until the receiver answers 2xx.</p>
      <ErrorNote error={error} />
      <ErrorNote error={actionError} />
      <p class="sr-only" role="status">
        {notice}
      </p>
      {rotated ? (
        <p class="card" data-testid="secret-rotated">
          New secret set for <code>{rotated.url}</code>.{' '}
          {until ? (
            <>
              The old secret also signs every delivery until <strong>{time(until)}</strong> (two v1 signatures, the new one first): give the receiver the new secret before then.
            </>
          ) : (
            <>The old secret no longer signs: the receiver needs the new secret now.</>
          )}
        </p>
      ) : null}
      {hooks === null && !error ? (
        <Loading />
      ) : (
        <DataTable caption={`Webhooks (${hooks?.length ?? 0})`} columns={columns} rows={hooks ?? []} rowProps={(w) => ({ 'data-webhook': w.id, 'data-enabled': String(w.enabled) })} empty="No webhook yet." />
      )}
      {shown ? <DeliveryLog key={shown.id} webhook={shown} version={logVersion} /> : null}
      <AddWebhook
        onAdded={async (w) => {
          starting();
          setNotice(`Webhook ${w.url} added`);
          await load();
        }}
      />
      <EditDialog
        webhook={pending?.kind === 'edit' ? pending.webhook : null}
        onCancel={() => setPending(null)}
        onSave={async (w, change) => {
          await update(w, change);
          setPending(null);
          setNotice(`Webhook ${change.url ?? w.url} changed`);
        }}
      />
      <RotateDialog
        webhook={pending?.kind === 'rotate' ? pending.webhook : null}
        onCancel={() => setPending(null)}
        onSave={async (w, secret) => {
          const after = await update(w, { secret });
          setPending(null);
          setNotice(`New secret set for ${after.url}; ${after.previous_secret_expires_at ? `the old one also signs until ${time(after.previous_secret_expires_at)}` : 'the old one no longer signs'}`);
          setRotated(after);
        }}
      />
      <ConfirmDialog open={simple !== null} title={simple ? `${verb(simple.kind)} ${simple.webhook.url}?` : ''} confirmLabel={simple ? verb(simple.kind) : 'Confirm'} onCancel={() => setPending(null)} onConfirm={() => simple && void confirm(simple)}>
        <p>{simple ? explain(simple.kind) : null}</p>
      </ConfirmDialog>
    </section>
  );
}

const verb = (k: Confirmation['kind']) => ({ delete: 'Delete', disable: 'Disable', enable: 'Enable' })[k];
const explain = (k: Confirmation['kind']) =>
  ({
    delete: 'The webhook is removed for good; its pending deliveries are not sent.',
    disable: 'No delivery is written for its events while it is disabled, and none of its pending deliveries (test pings too) is sent: they wait, and go out once it is enabled again unless past their retry window. Enable it to undo.',
    enable: 'Deliveries are written for its events again, and its waiting deliveries go out now.',
  })[k];

/** The events a webhook may ask for, as checkboxes named "events" (read with FormData). */
function EventChoices({ checked }: { checked: readonly WebhookEvent[] }) {
  return (
    <fieldset>
      <legend>Events</legend>
      {EVENTS.map(({ event, explain }) => (
        <label class="check">
          <input type="checkbox" name="events" value={event} defaultChecked={checked.includes(event)} /> <code>{event}</code> <span class="muted small">{explain}</span>
        </label>
      ))}
    </fieldset>
  );
}

/**
 * A new URL and events, confirmed in a modal dialog; only what changed is sent. A refusal
 * (WEBHOOK_URL_FORBIDDEN…) shows in the dialog, which keeps what was typed.
 */
function EditDialog({ webhook, onCancel, onSave }: { webhook: Webhook | null; onCancel: () => void; onSave: (w: Webhook, change: WebhookChange) => Promise<void> }) {
  const form = useRef<HTMLFormElement>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setError(null), [webhook]);
  const save = async () => {
    if (!webhook || !form.current) return;
    const f = new FormData(form.current);
    const url = String(f.get('url') ?? '').trim();
    const events = f.getAll('events').map(String) as WebhookEvent[];
    const change: WebhookChange = {
      ...(url !== webhook.url && { url }),
      ...((events.length !== webhook.events.length || events.some((e) => !webhook.events.includes(e))) && { events }),
    };
    if (Object.keys(change).length === 0) return onCancel();
    setBusy(true);
    setError(null);
    try {
      await onSave(webhook, change);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <ConfirmDialog open={webhook !== null} title={`Change ${webhook?.url ?? ''}?`} confirmLabel="Save changes" busy={busy} onCancel={onCancel} onConfirm={() => void save()}>
      {webhook ? (
        <form ref={form} class="stack" onSubmit={(e) => (e.preventDefault(), void save())}>
          <Field label="URL">
            <input name="url" type="url" required maxLength={2000} defaultValue={webhook.url} autocomplete="off" autofocus />
          </Field>
          <EventChoices checked={webhook.events} />
          <p class="muted small">Pending deliveries go to the new URL; events from now on follow the new list.</p>
          <ErrorNote error={error} />
        </form>
      ) : null}
    </ConfirmDialog>
  );
}

/**
 * A new signing secret, typed or generated in the browser (crypto.getRandomValues), confirmed in
 * a modal dialog: sent once, then forgotten. The old secret keeps signing for the server's overlap,
 * whose end the API's answer gives (shown on the page afterwards).
 */
function RotateDialog({ webhook, onCancel, onSave }: { webhook: Webhook | null; onCancel: () => void; onSave: (w: Webhook, secret: string) => Promise<void> }) {
  const [secret, setSecret] = useState('');
  const [reveal, setReveal] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const helpId = useId();
  // the secret lives only while the dialog is open
  useEffect(() => {
    setSecret('');
    setReveal(false);
    setError(null);
  }, [webhook]);
  const save = async () => {
    if (!webhook) return;
    setBusy(true);
    setError(null);
    try {
      await onSave(webhook, secret);
      setSecret('');
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const running = webhook ? overlapUntil(webhook) : null;
  return (
    <ConfirmDialog open={webhook !== null} title={`Rotate the secret of ${webhook?.url ?? ''}?`} confirmLabel="Rotate secret" busy={busy} onCancel={onCancel} onConfirm={() => void save()}>
      {webhook ? (
        <form class="stack" onSubmit={(e) => (e.preventDefault(), void save())}>
          <label>
            New signing secret
            <input
              name="secret"
              type={reveal ? 'text' : 'password'}
              required
              minLength={16}
              maxLength={200}
              autocomplete="new-password"
              spellcheck={false}
              value={secret}
              onInput={(e) => setSecret((e.target as HTMLInputElement).value)}
              aria-describedby={helpId}
              autofocus
            />
            <span id={helpId} class="small muted">
              At least 16 characters. Sent once: it is never shown again, give it to the receiver.
            </span>
          </label>
          <div class="actions">
            <button
              type="button"
              onClick={() => {
                setSecret(generateSecret());
                setReveal(true);
              }}
            >
              Generate
            </button>
            <label class="check">
              <input type="checkbox" checked={reveal} onChange={(e) => setReveal((e.target as HTMLInputElement).checked)} /> Show the secret
            </label>
          </div>
          <p class="small">
            The old secret keeps signing too, for the overlap the server is set to (<code>WEBHOOK_SECRET_OVERLAP_MS</code>): every delivery carries a v1 signature with each secret, so the receiver may move to the new one at any time before the overlap ends. Its end is shown once the secret is rotated.
          </p>
          {running ? <p class="small">The overlap of the last rotation runs until {time(running)}: that older secret stops signing now, and the one this rotation replaces signs with the new one instead.</p> : null}
          <ErrorNote error={error} />
        </form>
      ) : null}
    </ConfirmDialog>
  );
}

/**
 * The webhook's deliveries, newest first, a page at a time ("Older deliveries" follows
 * next_cursor); read again, as far as the reader had gone, while one of them is pending.
 */
function DeliveryLog({ webhook, version }: { webhook: Webhook; version: number }) {
  const [deliveries, setDeliveries] = useState<WebhookDelivery[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [reload, setReload] = useState(0);
  /** How many deliveries the reader has asked to see: the pages read again reach that far. */
  const reach = useRef(DELIVERY_PAGE);

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const read = async () => {
      try {
        const rows: WebhookDelivery[] = [];
        let cursor: string | null = null;
        do {
          const page: { deliveries: WebhookDelivery[]; next_cursor: string | null } = await unwrap(
            api.GET('/api/webhooks/{id}/deliveries', { params: { path: { id: webhook.id }, query: { limit: DELIVERY_PAGE, ...(cursor ? { cursor } : {}) } } }),
          );
          rows.push(...page.deliveries);
          cursor = page.next_cursor;
        } while (cursor && rows.length < reach.current);
        if (!live) return;
        setDeliveries(rows);
        setNext(cursor);
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

  const older = () => {
    reach.current = (deliveries?.length ?? 0) + DELIVERY_PAGE;
    setReload((n) => n + 1);
  };

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
      {deliveries === null && !error ? (
        <Loading />
      ) : (
        <DataTable
          caption={`Deliveries (${deliveries?.length ?? 0}${next ? ', older ones not shown' : ''})`}
          class="deliveries"
          columns={columns}
          rows={deliveries ?? []}
          rowProps={(d) => ({ 'data-delivery': d.id, 'data-state': d.state })}
          empty="No delivery yet."
        />
      )}
      {next ? (
        <button type="button" onClick={older}>
          Older deliveries
        </button>
      ) : null}
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
        <EventChoices checked={['run.failed']} />
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
