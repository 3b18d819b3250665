import { useEffect, useState } from 'preact/hooks';
import { STEPS } from '../../../src/domain/steps/catalogue.ts';
import { api, unwrap, type LogEntry, type StepId } from '../api/client.ts';
import { duration, ErrorNote } from '../components/ui.tsx';

type Level = 'debug' | 'info' | 'warn' | 'error';
const PAGE = 200;

/** A tenant's step logs (oldest first) with filters by step and level, and the engine calls. */
export function LogsView({ tenantId, version }: { tenantId: string; version: number }) {
  const [step, setStep] = useState<StepId | ''>('');
  const [level, setLevel] = useState<Level | ''>('');
  const [engineCalls, setEngineCalls] = useState(false);
  const [logs, setLogs] = useState<LogEntry[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);

  const fetchPage = (offset: number) =>
    unwrap(
      api.GET('/api/provisioning/tenants/{id}/logs', {
        params: {
          path: { id: tenantId },
          query: { limit: PAGE, offset, include_engine_calls: engineCalls ? 'true' : 'false', ...(step ? { step } : {}), ...(level ? { level } : {}) },
        },
      }),
    );

  // the first pages again, as far as the reader had gone: new entries come at the end
  useEffect(() => {
    let cancelled = false;
    (async () => {
      try {
        const rows: LogEntry[] = [];
        let offset: number | null = 0;
        while (offset !== null && (offset === 0 || offset < Math.max(logs.length, PAGE))) {
          const page = await fetchPage(offset);
          rows.push(...page.logs);
          offset = page.paging.next_offset;
        }
        if (cancelled) return;
        setLogs(rows);
        setNext(offset);
        setError(null);
      } catch (e) {
        if (!cancelled) setError(e);
      }
    })();
    return () => void (cancelled = true);
  }, [tenantId, step, level, engineCalls, version]);

  const more = async () => {
    if (next === null) return;
    try {
      const page = await fetchPage(next);
      setLogs((l) => [...l, ...page.logs]);
      setNext(page.paging.next_offset);
    } catch (e) {
      setError(e);
    }
  };

  return (
    <section aria-labelledby="logs-title" class="card">
      <h2 id="logs-title">Logs</h2>
      <div class="filters">
        <label>
          Step
          <select value={step} onChange={(e) => setStep((e.target as HTMLSelectElement).value as StepId | '')}>
            <option value="">Every step</option>
            {STEPS.map((s) => (
              <option value={s.id}>{s.id}</option>
            ))}
          </select>
        </label>
        <label>
          Level
          <select value={level} onChange={(e) => setLevel((e.target as HTMLSelectElement).value as Level | '')}>
            <option value="">Any</option>
            <option value="debug">debug</option>
            <option value="info">info</option>
            <option value="warn">warn</option>
            <option value="error">error</option>
          </select>
        </label>
        <label class="check">
          <input type="checkbox" checked={engineCalls} onChange={(e) => setEngineCalls((e.target as HTMLInputElement).checked)} /> Engine calls
        </label>
      </div>
      <ErrorNote error={error} />
      <div class="table-wrap">
        <table class="logs">
          <caption class="sr-only">Log entries ({logs.length})</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Level</th>
              <th scope="col">Step</th>
              <th scope="col">Event</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {logs.map((e) => (
              <tr class={`level-${e.level}`}>
                <td data-label="Time">
                  <time dateTime={e.ts}>{new Date(e.ts).toLocaleTimeString()}</time>
                </td>
                <td data-label="Level">{e.level}</td>
                <td data-label="Step">{e.step ?? '—'}</td>
                <td data-label="Event">{e.type}</td>
                <td data-label="Message">
                  {e.engine ? (
                    <code>
                      {e.engine.method} {e.engine.path} → {e.engine.status ?? '—'} ({duration(e.engine.ms)})
                    </code>
                  ) : (
                    e.message
                  )}
                  {e.code ? (
                    <>
                      {' '}
                      <code class="code">{e.code}</code>
                    </>
                  ) : null}
                  {e.hint ? <div class="hint small">{e.hint}</div> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {next !== null ? (
        <button type="button" onClick={more}>
          Load more
        </button>
      ) : null}
    </section>
  );
}
