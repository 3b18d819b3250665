/**
 * The SQL a piece of the application sends, caught on its way to PostgreSQL, and each statement's
 * plan (EXPLAIN (ANALYZE, BUFFERS)) in one line: the benchmarks show the plans of the very
 * statements the store runs, not copies of them that could drift.
 */
import type pg from 'pg';

export interface Statement {
  text: string;
  values: unknown[];
}

/** A pool that records every statement sent through it (also inside transactions) and runs it. */
export function recordingPool(pool: pg.Pool): { pool: pg.Pool; statements: Statement[] } {
  const statements: Statement[] = [];
  const record = (args: unknown[]) => {
    const [q, v] = args as [string | { text: string; values?: unknown[] }, unknown[] | undefined];
    const text = typeof q === 'string' ? q : q.text;
    if (!/^\s*(begin|commit|rollback)\b/i.test(text)) statements.push({ text, values: (typeof q === 'string' ? v : q.values) ?? [] });
  };
  const wrapped = new Proxy(pool, {
    get(target, prop, receiver) {
      if (prop === 'query') return (...args: unknown[]) => (record(args), (target.query as (...a: unknown[]) => unknown)(...args));
      if (prop === 'connect')
        return async () => {
          const client = await target.connect();
          return new Proxy(client, {
            get(c, p) {
              if (p === 'query') return (...args: unknown[]) => (record(args), (c.query as (...a: unknown[]) => unknown).apply(c, args));
              const v = Reflect.get(c, p);
              return typeof v === 'function' ? v.bind(c) : v;
            },
          });
        };
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { pool: wrapped, statements };
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

export interface PlanSummary {
  /** The scans, outermost first: "Index Scan events_by_tenant (provisioning_events)". */
  scans: string[];
  /** Relations read by a sequential scan. */
  seqScans: string[];
  ms: number;
  sharedHit: number;
  sharedRead: number;
}

/** EXPLAIN (ANALYZE, BUFFERS) of one statement, with its parameters, summarised. */
export async function explain(pool: pg.Pool, s: Statement): Promise<PlanSummary> {
  const { rows } = await pool.query(`explain (analyze, buffers, format json) ${s.text}`, s.values);
  const top = rows[0]['QUERY PLAN'][0] as { Plan: PlanNode; 'Execution Time': number };
  const scans: string[] = [];
  const seqScans: string[] = [];
  const walk = (n: PlanNode) => {
    if (n['Relation Name'] || n['Index Name']) {
      scans.push(`${n['Node Type']}${n['Index Name'] ? ` ${n['Index Name']}` : ''} (${n['Relation Name'] ? `${n['Relation Name']}, ` : ''}${n['Actual Rows']} rows × ${n['Actual Loops']})`);
      if (n['Node Type'] === 'Seq Scan' && n['Relation Name']) seqScans.push(n['Relation Name']);
    }
    n.Plans?.forEach(walk);
  };
  walk(top.Plan);
  return { scans, seqScans, ms: top['Execution Time'], sharedHit: top.Plan['Shared Hit Blocks'] ?? 0, sharedRead: top.Plan['Shared Read Blocks'] ?? 0 };
}

/** The database's own time for one statement (EXPLAIN (ANALYZE, TIMING OFF): execution and planning, no round trip). */
export async function databaseMs(pool: pg.Pool, s: Statement): Promise<number> {
  const { rows } = await pool.query(`explain (analyze, timing off, format json) ${s.text}`, s.values);
  const top = rows[0]['QUERY PLAN'][0] as { 'Execution Time': number; 'Planning Time': number };
  return top['Execution Time'] + top['Planning Time'];
}

/** p-th percentile (nearest rank) of sorted numbers. */
export const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
