import { useEffect, useMemo, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { listAllTenants, PROVISIONING_STATUSES as STATUSES, subscribe, type ProvisioningStatus, type Session, type TenantRow } from '../api/client.ts';
import { age, DriftBadge, ErrorNote, Loading, Progress, StatusBadge } from '../components/ui.tsx';
import { DataTable, type Column } from '../components/table.tsx';
import { Field, SelectField } from '../components/field.tsx';
import { CreateTenantDialog } from './create-tenant.tsx';
import { FleetCharts } from './charts.tsx';
import { BulkActionPanel } from './bulk-actions.tsx';

const PAGE_SIZE = 25;

/**
 * The fleet: counts by status, every tenant the caller may see with its progress, current step
 * and last error code and drift flag (all from the tenant list: one request per refresh, whatever
 * the number of tenants); filters, search and paging; refreshed live from the event stream. Platform
 * admins also get the bulk Continue/Retry panel.
 */
export function FleetPage({ session }: { session: Session }) {
  const [tenants, setTenants] = useState<TenantRow[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [live, setLive] = useState(false);
  const [creating, setCreating] = useState(false);
  const [, setTick] = useState(0);
  const { query, route } = useLocation();
  const status = (STATUSES as string[]).includes(query.status ?? '') ? (query.status as ProvisioningStatus) : null;
  const search = query.q ?? '';
  const driftedOnly = query.drifted === 'true';
  const page = Math.max(0, Number(query.page ?? 0) || 0);

  const setQuery = (next: Record<string, string | null>) => {
    const params = new URLSearchParams({ ...query });
    for (const [k, v] of Object.entries(next)) v === null || v === '' ? params.delete(k) : params.set(k, v);
    if (!('page' in next)) params.delete('page');
    const qs = params.toString();
    route(`/${qs ? `?${qs}` : ''}`, true);
  };

  const load = async () => {
    try {
      const rows = await listAllTenants();
      setTenants(rows);
      setError(null);
    } catch (e) {
      setError(e);
    }
  };

  useEffect(() => {
    void load();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const close = subscribe(
      null,
      () => {
        timer ??= setTimeout(() => {
          timer = null;
          void load();
        }, 250);
      },
      setLive,
    );
    const ticking = setInterval(() => setTick((n) => n + 1), 30_000);
    return () => {
      close();
      clearInterval(ticking);
      if (timer) clearTimeout(timer);
    };
  }, []);

  const counts = useMemo(() => Object.fromEntries(STATUSES.map((s) => [s, (tenants ?? []).filter((t) => t.status === s).length])) as Record<ProvisioningStatus, number>, [tenants]);
  const shown = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return (tenants ?? [])
      .filter((t) => !status || t.status === status)
      .filter((t) => !driftedOnly || t.provisioning.drift.drifted)
      .filter((t) => !needle || [t.name, t.id, t.country, t.country_code, t.engine_id, t.provisioning.last_error_code ?? ''].some((v) => v.toLowerCase().includes(needle)))
      .sort((a, b) => b.created_at.localeCompare(a.created_at));
  }, [tenants, status, search, driftedOnly]);
  const driftedCount = useMemo(() => (tenants ?? []).filter((t) => t.provisioning.drift.drifted).length, [tenants]);
  const pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
  const visible = shown.slice(page * PAGE_SIZE, page * PAGE_SIZE + PAGE_SIZE);
  const platformAdmin = session.user.role === 'platform_admin';
  const columns: Array<Column<TenantRow>> = [
    {
      header: 'Tenant',
      cell: (t) => (
        <>
          <a href={`/tenants/${t.id}`}>{t.name}</a>
          <span class="muted small"> {t.country_code}</span>
        </>
      ),
    },
    {
      header: 'Status',
      cell: (t) => (
        <>
          <StatusBadge status={t.status} /> {t.provisioning.drift.drifted ? <DriftBadge /> : null}
        </>
      ),
    },
    { header: 'Progress', cell: (t) => <Progress value={t.provisioning.progress} label={`${t.name} progress`} /> },
    { header: 'Current step', cell: (t) => t.provisioning.current_step ?? '—' },
    { header: 'Last error', cell: (t) => (t.provisioning.last_error_code ? <code class="code">{t.provisioning.last_error_code}</code> : '—') },
    { header: 'Engine', cell: (t) => t.engine_id },
    {
      header: 'Age',
      cell: (t) => (
        <time dateTime={t.created_at} title={new Date(t.created_at).toLocaleString()}>
          {age(t.created_at)}
        </time>
      ),
    },
  ];

  return (
    <section>
      <div class="page-head">
        <h1>Fleet</h1>
        <span class={`live ${live ? 'on' : ''}`} role="status">
          {live ? 'Live' : 'Connecting…'}
        </span>
        {platformAdmin ? (
          <button type="button" class="primary" onClick={() => setCreating(true)}>
            New tenant
          </button>
        ) : null}
      </div>
      <ErrorNote error={error} />
      <div class="tiles" role="group" aria-label="Tenants by status">
        <button type="button" class="tile" aria-pressed={status === null} onClick={() => setQuery({ status: null })}>
          <span class="tile-count">{tenants?.length ?? '–'}</span>
          <span class="tile-label">All</span>
        </button>
        {STATUSES.map((s) => (
          <button type="button" class={`tile tile-${s.toLowerCase()}`} aria-pressed={status === s} onClick={() => setQuery({ status: status === s ? null : s })} data-status={s}>
            <span class="tile-count">{tenants ? counts[s] : '–'}</span>
            <span class="tile-label">{s.replace('_', ' ')}</span>
          </button>
        ))}
      </div>

      {session.user.role.startsWith('platform_') ? <FleetCharts tenants={tenants ?? []} /> : null}

      <div class="filters">
        <Field label="Search">
          <input type="search" value={search} placeholder="Name, id, country, engine, error code" onInput={(e) => setQuery({ q: (e.target as HTMLInputElement).value })} />
        </Field>
        <SelectField label="Status" value={status ?? ''} options={[{ value: '', label: 'Any' }, ...STATUSES.map((s) => ({ value: s, label: s.replace('_', ' ') }))]} onChange={(v) => setQuery({ status: v || null })} />
        <label class="check">
          <input type="checkbox" checked={driftedOnly} onChange={(e) => setQuery({ drifted: (e.target as HTMLInputElement).checked ? 'true' : null })} /> Drifted only ({tenants ? driftedCount : '–'})
        </label>
      </div>

      {tenants === null && !error ? (
        <Loading />
      ) : (
        <DataTable caption={`Tenants (${shown.length})`} class="tenants" columns={columns} rows={visible} rowProps={(t) => ({ 'data-tenant': t.id })} empty="No tenant matches." />
      )}
      {pages > 1 ? (
        <nav class="pager" aria-label="Pages">
          <button type="button" disabled={page === 0} onClick={() => setQuery({ page: String(page - 1) })}>
            Previous
          </button>
          <span>
            Page {page + 1} of {pages}
          </span>
          <button type="button" disabled={page + 1 >= pages} onClick={() => setQuery({ page: String(page + 1) })}>
            Next
          </button>
        </nav>
      ) : null}
      {platformAdmin && tenants ? <BulkActionPanel tenants={tenants} /> : null}
      {platformAdmin ? <CreateTenantDialog open={creating} onClose={() => setCreating(false)} onCreated={(id) => route(`/tenants/${id}`)} /> : null}
    </section>
  );
}
