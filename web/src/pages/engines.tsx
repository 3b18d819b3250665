import { useEffect, useState } from 'preact/hooks';
import { api, listAllTenants, unwrap, type Engine, type EngineHealth, type Session } from '../api/client.ts';
import { duration, ErrorNote, Loading, time } from '../components/ui.tsx';

type Row = { engine: Engine; health: EngineHealth | null; checking: boolean; load: number; tenants: number };

/** Every registered engine: a live health check (reachable, authenticated, latency) and its current load. */
export function EnginesPage(_: { session: Session }) {
  const [rows, setRows] = useState<Row[] | null>(null);
  const [error, setError] = useState<unknown>(null);

  const check = async (engine: Engine) => {
    setRows((r) => r?.map((x) => (x.engine.id === engine.id ? { ...x, checking: true } : x)) ?? r);
    try {
      const { health } = await unwrap(api.POST('/api/engines/{id}/health', { params: { path: { id: engine.id } } }));
      setRows((r) => r?.map((x) => (x.engine.id === engine.id ? { ...x, health, checking: false } : x)) ?? r);
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
            load: tenants.filter((t) => t.engine_id === engine.id && t.status === 'IN_PROGRESS').length,
          })),
        );
        await Promise.all(engines.map(check));
      } catch (e) {
        setError(e);
      }
    })();
  }, []);

  return (
    <section>
      <h1>Engines</h1>
      <ErrorNote error={error} />
      {rows === null ? (
        <Loading />
      ) : (
        <div class="cards">
          {rows.map(({ engine, health, checking, load, tenants }) => (
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
                <dd>
                  {load} running of {tenants} tenants
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
