import { useEffect, useState } from 'preact/hooks';
import { api, unwrap, type TenantRow } from '../api/client.ts';
import { ErrorNote } from '../components/ui.tsx';

type Stats = Awaited<ReturnType<typeof loadStats>>;
type Window = '24h' | '7d';
const loadStats = (window: Window) => unwrap(api.GET('/api/provisioning/stats', { params: { query: { window } } }));

const OUTCOMES = [
  { key: 'completed', label: 'Completed', color: 'var(--ok)' },
  { key: 'partial', label: 'Partial', color: 'var(--warn)' },
  { key: 'failed', label: 'Failed', color: 'var(--bad)' },
] as const;

/**
 * Runs over time by outcome (stacked bars, one per bucket) and failures by step and code, for
 * the last 24 h or 7 d (GET /api/provisioning/stats). Plain SVG and lists; each chart has a text
 * summary for screen readers. Refreshed when the fleet changes.
 */
export function FleetCharts({ tenants }: { tenants: TenantRow[] }) {
  const [window, setWindow] = useState<Window>('24h');
  const [stats, setStats] = useState<Stats | null>(null);
  const [error, setError] = useState<unknown>(null);
  // the fleet's statuses change when runs end: a cheap key to refetch on
  const key = tenants.map((t) => `${t.id}:${t.status}`).join(',');
  useEffect(() => {
    let cancelled = false;
    loadStats(window).then(
      (s) => !cancelled && (setStats(s), setError(null)),
      (e) => !cancelled && setError(e),
    );
    return () => void (cancelled = true);
  }, [window, key]);

  const max = Math.max(1, ...(stats?.runs ?? []).map((b) => b.completed + b.partial + b.failed));
  const maxFailures = Math.max(1, ...(stats?.failures ?? []).map((f) => f.failures));
  const W = 480;
  const H = 120;
  const n = stats?.runs.length ?? 1;
  const bw = W / n;
  const label = (iso: string) => {
    const d = new Date(iso);
    return window === '24h' ? `${String(d.getHours()).padStart(2, '0')}:00` : d.toLocaleDateString(undefined, { weekday: 'short' });
  };

  return (
    <div class="charts">
      <section class="card chart" aria-labelledby="runs-chart-title">
        <div class="page-head">
          <h2 id="runs-chart-title">Runs by outcome</h2>
          <label class="check">
            <span class="sr-only">Window</span>
            <select value={window} onChange={(e) => setWindow((e.target as HTMLSelectElement).value as Window)} aria-label="Chart window">
              <option value="24h">Last 24 h</option>
              <option value="7d">Last 7 days</option>
            </select>
          </label>
        </div>
        <ErrorNote error={error} />
        {stats ? (
          <>
            <p class="small muted" data-testid="runs-totals">
              {stats.totals.completed} completed, {stats.totals.partial} partial, {stats.totals.failed} failed
            </p>
            <svg viewBox={`0 0 ${W} ${H + 16}`} role="img" aria-label={`Runs per ${stats.bucket_seconds / 3600} h: ${stats.totals.completed} completed, ${stats.totals.partial} partial, ${stats.totals.failed} failed`}>
              <line x1={0} y1={H} x2={W} y2={H} stroke="var(--border)" />
              {stats.runs.map((b, i) => {
                let y = H;
                return (
                  <g>
                    <title>
                      {new Date(b.start).toLocaleString()}: {b.completed} completed, {b.partial} partial, {b.failed} failed
                    </title>
                    {OUTCOMES.map((o) => {
                      const h = (b[o.key] / max) * (H - 4);
                      y -= h;
                      return h > 0 ? <rect x={i * bw + 1} y={y} width={Math.max(1, bw - 2)} height={h} fill={o.color} /> : null;
                    })}
                    {i % Math.ceil(n / 6) === 0 ? (
                      <text x={i * bw + 1} y={H + 13} font-size="10" fill="var(--muted)">
                        {label(b.start)}
                      </text>
                    ) : null}
                  </g>
                );
              })}
            </svg>
            <ul class="legend">
              {OUTCOMES.map((o) => (
                <li>
                  <span class="swatch" style={{ background: o.color }} />
                  {o.label}
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </section>
      <section class="card chart" aria-labelledby="failures-chart-title">
        <h2 id="failures-chart-title">Failures by step and code</h2>
        {stats && stats.failures.length === 0 ? <p class="muted">No step failed in this window.</p> : null}
        <ul class="bars">
          {(stats?.failures ?? []).map((f) => (
            <li data-step={f.step}>
              <span>
                {f.step} <code class="code">{f.code ?? 'no code'}</code>
              </span>
              <span class="bar" style={{ width: `${(f.failures / maxFailures) * 100}%` }} aria-hidden="true" />
              <span>{f.failures}</span>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
