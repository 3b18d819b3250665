import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, listAllTenants, subscribe, unwrap, type ProvisioningStatus, type Session, type TenantRow } from '../api/client.ts';
import { age, ErrorNote, Loading, Progress, StatusBadge } from '../components/ui.tsx';
import { CreateTenantDialog } from './create-tenant.tsx';
import { FleetCharts } from './charts.tsx';

const STATUSES: ProvisioningStatus[] = ['NOT_STARTED', 'IN_PROGRESS', 'COMPLETED', 'PARTIAL', 'FAILED'];
const PAGE_SIZE = 25;

/**
 * The fleet: counts by status, every tenant the caller may see with its progress, current step
 * and last error code; filters, search and paging; refreshed live from the event stream.
 */
export function FleetPage({ session }: { session: Session }) {
  const [tenants, setTenants] = useState<TenantRow[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [lastCodes, setLastCodes] = useState<Record<string, string | null>>({});
  const [live, setLive] = useState(false);
  const [creating, setCreating] = useState(false);
  const [, setTick] = useState(0);
  const { query, route } = useLocation();
  const status = (STATUSES as string[]).includes(query.status ?? '') ? (query.status as ProvisioningStatus) : null;
  const search = query.q ?? '';
  const page = Math.max(0, Number(query.page ?? 0) || 0);
  const codesFor = useRef(new Map<string, string>());

  const setQuery = (next: Record<string, string | null>) => {
    const params = new URLSearchParams({ ...query });
    for (const [k, v] of Object.entries(next)) v === null || v === '' ? params.delete(k) : params.set(k, v);
    if (!('page' in next)) params.delete('page');
    const qs = params.toString();
    route(`/${qs ? `?${qs}` : ''}`, true);
  };

  /** The last error code of each FAILED or PARTIAL tenant (from its status), fetched once per state. */
  const loadCodes = async (rows: TenantRow[]) => {
    const wanted = rows.filter((t) => t.status === 'FAILED' || t.status === 'PARTIAL');
    const stale = wanted.filter((t) => codesFor.current.get(t.id) !== `${t.status}:${t.provisioning.progress}`);
    for (const t of stale) {
      codesFor.current.set(t.id, `${t.status}:${t.provisioning.progress}`);
      try {
        const s = await unwrap(api.GET('/api/provisioning/tenants/{id}/status', { params: { path: { id: t.id } } }));
        setLastCodes((c) => ({ ...c, [t.id]: s.errors.at(-1)?.code ?? null }));
      } catch {
        codesFor.current.delete(t.id);
      }
    }
  };

  const load = async () => {
    try {
      const rows = await listAllTenants();
      setTenants(rows);
      setError(null);
      void loadCodes(rows);
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
      .filter((t) => !needle || [t.name, t.id, t.country, t.country_code, t.engine_id, lastCodes[t.id] ?? ''].some((v) => v.toLowerCase().includes(needle)))
      .sort((a, b) => b.created_at.localeCompare(a.created_at));
  }, [tenants, status, search, lastCodes]);
  const pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
  const visible = shown.slice(page * PAGE_SIZE, page * PAGE_SIZE + PAGE_SIZE);
  const canCreate = session.user.role === 'platform_admin';

  return (
    <section>
      <div class="page-head">
        <h1>Fleet</h1>
        <span class={`live ${live ? 'on' : ''}`} role="status">
          {live ? 'Live' : 'Connecting…'}
        </span>
        {canCreate ? (
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
        <label>
          Search
          <input type="search" value={search} placeholder="Name, id, country, engine, error code" onInput={(e) => setQuery({ q: (e.target as HTMLInputElement).value })} />
        </label>
        <label>
          Status
          <select value={status ?? ''} onChange={(e) => setQuery({ status: (e.target as HTMLSelectElement).value || null })}>
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option value={s}>{s.replace('_', ' ')}</option>
            ))}
          </select>
        </label>
      </div>

      {tenants === null && !error ? (
        <Loading />
      ) : (
        <div class="table-wrap">
          <table class="tenants">
            <caption class="sr-only">Tenants ({shown.length})</caption>
            <thead>
              <tr>
                <th scope="col">Tenant</th>
                <th scope="col">Status</th>
                <th scope="col">Progress</th>
                <th scope="col">Current step</th>
                <th scope="col">Last error</th>
                <th scope="col">Engine</th>
                <th scope="col">Age</th>
              </tr>
            </thead>
            <tbody>
              {visible.map((t) => (
                <tr data-tenant={t.id}>
                  <th scope="row" data-label="Tenant">
                    <a href={`/tenants/${t.id}`}>{t.name}</a>
                    <span class="muted small"> {t.country_code}</span>
                  </th>
                  <td data-label="Status">
                    <StatusBadge status={t.status} />
                  </td>
                  <td data-label="Progress">
                    <Progress value={t.provisioning.progress} label={`${t.name} progress`} />
                  </td>
                  <td data-label="Current step">{t.provisioning.current_step ?? '—'}</td>
                  <td data-label="Last error">{lastCodes[t.id] ? <code class="code">{lastCodes[t.id]}</code> : '—'}</td>
                  <td data-label="Engine">{t.engine_id}</td>
                  <td data-label="Age">
                    <time dateTime={t.created_at} title={new Date(t.created_at).toLocaleString()}>
                      {age(t.created_at)}
                    </time>
                  </td>
                </tr>
              ))}
              {visible.length === 0 ? (
                <tr>
                  <td colSpan={7} class="muted">
                    No tenant matches.
                  </td>
                </tr>
              ) : null}
            </tbody>
          </table>
        </div>
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
      {canCreate ? <CreateTenantDialog open={creating} onClose={() => setCreating(false)} onCreated={(id) => route(`/tenants/${id}`)} /> : null}
    </section>
  );
}
