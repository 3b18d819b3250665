import { useEffect, useState } from 'preact/hooks';
import { api, listAllTenants, unwrap, type Engine, type EngineHealth, type Session } from '../api/client.ts';
import { duration, ErrorNote, Loading, time } from '../components/ui.tsx';

type Row = { engine: Engine; health: EngineHealth | null; checking: boolean; provisioning: number; tenants: number };

/** How often the current load is read again while the page is open. */
const LOAD_REFRESH_MS = 5_000;

/**
 * Every registered engine: a live health check (reachable, authenticated, latency) and its
 * current load: the requests in flight across the fleet against the limit now (the engine slots),
 * read again every few seconds; and how many tenants it serves.
 */
export function EnginesPage(_: { session: Session }) {
  const [rows, setRows] = useState<Row[] | null>(null);
  const [error, setError] = useState<unknown>(null);

  const setLoad = (id: string, load: Engine['load']) => setRows((r) => r?.map((x) => (x.engine.id === id ? { ...x, engine: { ...x.engine, load } } : x)) ?? r);

  const check = async (engine: Engine) => {
    setRows((r) => r?.map((x) => (x.engine.id === engine.id ? { ...x, checking: true } : x)) ?? r);
    try {
      const { health, load } = await unwrap(api.POST('/api/engines/{id}/health', { params: { path: { id: engine.id } } }));
      setRows((r) => r?.map((x) => (x.engine.id === engine.id ? { ...x, health, checking: false } : x)) ?? r);
      setLoad(engine.id, load);
    } catch (e) {
      setError(e);
      setRows((r) => r?.map((x) => (x.engine.id === engine.id ? { ...x, checking: false } : x)) ?? r);
    }
  };

  useEffect(() => {
    (async () => {
      try {
        const [{ engines }, tenants] = await Promise.all([unwrap(api.GET('/api/engines')), listAllTenants()]);
        setRows(
          engines.map((engine) => ({
            engine,
            health: null,
            checking: true,
            tenants: tenants.filter((t) => t.engine_id === engine.id).length,
            provisioning: tenants.filter((t) => t.engine_id === engine.id && t.status === 'IN_PROGRESS').length,
          })),
        );
        await Promise.all(engines.map(check));
      } catch (e) {
        setError(e);
      }
    })();
    const refresh = setInterval(async () => {
      try {
        const { engines } = await unwrap(api.GET('/api/engines'));
        for (const e of engines) setLoad(e.id, e.load);
      } catch {
        /* the next refresh tries again; a 401 has logged out already */
      }
    }, LOAD_REFRESH_MS);
    return () => clearInterval(refresh);
  }, []);

  return (
    <section>
      <h1>Engines</h1>
      <ErrorNote error={error} />
      {rows === null ? (
        <Loading />
      ) : (
        <div class="cards">
          {rows.map(({ engine, health, checking, provisioning, tenants }) => (
            <article class="card engine" data-engine={engine.id} aria-labelledby={`engine-${engine.id}`}>
              <h2 id={`engine-${engine.id}`}>
                {engine.id} <span class="muted small">{engine.kind}</span>
              </h2>
              <dl class="facts">
                <dt>URL</dt>
                <dd>{engine.base_url}</dd>
                <dt>Health</dt>
                <dd>
                  <span role="status">
                  {checking ? (
                    'Checking…'
                  ) : health ? (
                    <span class={`badge badge-${health.authenticated ? 'completed' : 'failed'}`}>{health.authenticated ? 'Healthy' : health.reachable ? 'Not authenticated' : 'Unreachable'}</span>
                  ) : (
                    '—'
                  )}
                  </span>
                </dd>
                <dt>Latency</dt>
                <dd data-testid="latency">{health ? duration(health.latency_ms) : '—'}</dd>
                <dt>Engine user</dt>
                <dd>{health?.user ?? '—'}</dd>
                <dt>Versions</dt>
                <dd>{health?.versions ? Object.entries(health.versions).map(([k, v]) => `${k} ${v}`).join(', ') : '—'}</dd>
                <dt>Current load</dt>
                <dd data-testid="load">
                  <Load load={engine.load} />
                </dd>
                <dt>Tenants</dt>
                <dd>
                  {tenants} ({provisioning} provisioning)
                </dd>
                <dt>Registered</dt>
                <dd>{time(engine.created_at)}</dd>
              </dl>
              {health?.code ? (
                <p class="error-note">
                  <code class="code">{health.code}</code> {health.error}
                  {health.hint ? <span class="hint">{health.hint}</span> : null}
                </p>
              ) : null}
              <button type="button" disabled={checking} onClick={() => void check(engine)}>
                Check again
              </button>
            </article>
          ))}
        </div>
      )}
    </section>
  );
}

/** In flight against the limit now, as a meter and in words; a lowered limit says why. */
function Load({ load }: { load: Engine['load'] }) {
  return (
    <span class="load">
      <meter min={0} max={load.limit} value={Math.min(load.in_flight, load.limit)} aria-hidden="true" />
      <span>
        {load.in_flight} in flight of {load.limit} allowed
      </span>
      {load.limit < load.max ? (
        <span class="muted small">
          {' '}
          (lowered from {load.max}
          {load.reason ? `: ${load.reason}` : ''})
        </span>
      ) : null}
    </span>
  );
}
