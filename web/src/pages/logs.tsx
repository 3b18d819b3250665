import { useEffect, useState } from 'preact/hooks';
import { STEPS } from '../../../src/domain/steps/catalogue.ts';
import { api, unwrap, type LogEntry, type StepId } from '../api/client.ts';
import { duration, ErrorNote } from '../components/ui.tsx';
import { DataTable, type Column } from '../components/table.tsx';
import { SelectField } from '../components/field.tsx';

type Level = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Level[] = ['debug', 'info', 'warn', 'error'];
const PAGE = 200;

const columns: Array<Column<LogEntry>> = [
  { header: 'Time', cell: (e) => <time dateTime={e.ts}>{new Date(e.ts).toLocaleTimeString()}</time> },
  { header: 'Level', cell: (e) => e.level },
  { header: 'Step', cell: (e) => e.step ?? '—' },
  { header: 'Event', cell: (e) => e.type },
  {
    header: 'Message',
    cell: (e) => (
      <>
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
      </>
    ),
  },
];

/** A tenant's step logs (oldest first) with filters by step and level (that level and above), and the engine calls. */
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
        <SelectField label="Step" value={step} options={[{ value: '', label: 'Every step' }, ...STEPS.map((s) => s.id)]} onChange={setStep} />
        <SelectField label="Level" value={level} options={[{ value: '', label: 'Any' }, ...LEVELS.map((l) => ({ value: l, label: l === 'error' ? 'error' : `${l} and above` }))]} onChange={setLevel} />
        <label class="check">
          <input type="checkbox" checked={engineCalls} onChange={(e) => setEngineCalls((e.target as HTMLInputElement).checked)} /> Engine calls
        </label>
      </div>
      <ErrorNote error={error} />
      <DataTable caption={`Log entries (${logs.length})`} class="logs" columns={columns} rows={logs} rowProps={(e) => ({ class: `level-${e.level}` })} />
      {next !== null ? (
        <button type="button" onClick={more}>
          Load more
        </button>
      ) : null}
    </section>
  );
}
