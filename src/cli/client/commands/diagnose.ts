import { open, writeFile } from 'node:fs/promises';
import { type Command } from 'commander';
import { VERSION } from '../../../version.ts';
import { redactTokens } from '../../../observability/redact.ts';
import { ApiProblemError, type ApiClient } from '../api-client.ts';
import type { LogEntry, StatusView } from '../api-types.ts';
import { clientAction, clientCommand, positiveInt, tenantId } from '../context.ts';
import { findInconsistencies, type Finding } from '../consistency.ts';
import { logsAfter } from '../events.ts';
import { renderLogEntry, renderStatus } from '../render.ts';
import { makeStyle, unicodeFor } from '../terminal.ts';
import { statusesToReport, summarizeTenants } from '../reports.ts';

/** What went wrong collecting one part: the bundle keeps going and says so. */
type Part<T> = T | { error: string; code?: string };

async function part<T>(collect: () => Promise<T>): Promise<Part<T>> {
  try {
    return await collect();
  } catch (e) {
    return e instanceof ApiProblemError ? { error: e.message, code: e.code } : { error: e instanceof Error ? e.message : String(e) };
  }
}

export interface DiagnosticBundle {
  generated_at: string;
  api_url: string;
  cli_version: string;
  user: Part<unknown>;
  readiness: Part<{ http_status: number; body: unknown }>;
  engines: Part<Array<{ id: string; health: Part<unknown> }>>;
  tenants_summary: string | null;
  tenants: Array<{ status: StatusView; consistency: Finding[]; logs: LogEntry[] }>;
  consistency: { ok: boolean; problems: Array<Finding & { tenant_id: string; tenant_name: string }> };
  server_log: { file: string; lines: string[] } | { file: string; error: string } | null;
}

/** Secrets never leave in a bundle meant to be sent around, even when a log line carries one. */
export function redactSecrets(line: string): string {
  return redactTokens(line).replace(/("(?:password|passwd|secret|api_secret|apiSecret|api_key|apiKey|token|access_token|authorization|jwt_secret)"\s*:\s*)"[^"]*"/gi, '$1"[redacted]"');
}

/** The last `count` lines of a (possibly large) log file. */
async function tailLines(file: string, count: number): Promise<string[]> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, 4 * 1024 * 1024);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n').filter((l) => l.trim() !== '');
    return lines.slice(-count).map(redactSecrets);
  } finally {
    await handle.close();
  }
}

export async function collectBundle(api: ApiClient, apiUrl: string, opts: { id?: string; serverLog?: string; logLines: number; logEntries: number }): Promise<DiagnosticBundle> {
  const [user, readiness, engines, report] = await Promise.all([
    part(() => api.get<unknown>('/auth/me')),
    part(async () => {
      const r = await api.request<unknown>('GET', '/ready', { accept: [503] });
      return { http_status: r.status, body: r.body };
    }),
    part(async () => {
      const { engines: list } = await api.getAll<'engines', { id: string }>('/engines', 'engines');
      return Promise.all(list.map(async (e) => ({ id: e.id, health: await part(() => api.post<unknown>(`/engines/${encodeURIComponent(e.id)}/health`)) })));
    }),
    statusesToReport(api, opts.id ? [opts.id] : []),
  ]);
  const tenants = await Promise.all(
    report.views.map(async (view) => ({ status: view, consistency: findInconsistencies(view), logs: (await logsAfter(api, view.tenant_id, 0)).slice(-opts.logEntries) })),
  );
  const problems = tenants.flatMap((t) => t.consistency.map((f) => ({ tenant_id: t.status.tenant_id, tenant_name: t.status.tenant_name, ...f })));
  let serverLog: DiagnosticBundle['server_log'] = null;
  if (opts.serverLog) {
    const file = opts.serverLog;
    serverLog = await tailLines(file, opts.logLines).then(
      (lines) => ({ file, lines }),
      (e: Error) => ({ file, error: e.message }),
    );
  }
  return {
    generated_at: new Date().toISOString(),
    api_url: apiUrl,
    cli_version: VERSION,
    user,
    readiness,
    engines,
    tenants_summary: report.all ? summarizeTenants(report.all) : null,
    tenants,
    consistency: { ok: problems.length === 0, problems },
    server_log: serverLog,
  };
}

/** The bundle as text for people (the file the guide's "Getting Help" asks for). */
export function renderBundle(b: DiagnosticBundle): string {
  const s = makeStyle(false, unicodeFor());
  const out: string[] = [];
  const section = (title: string) => out.push('', `=== ${title} ===`);
  const json = (v: unknown) => JSON.stringify(v, null, 2);
  out.push(`Provisioner diagnostic bundle, generated ${b.generated_at}`, `API: ${b.api_url}   CLI version: ${b.cli_version}`);
  section('Caller');
  out.push(json(b.user));
  section('Readiness (GET /api/ready)');
  out.push(json(b.readiness));
  section('Engine health (POST /api/engines/{id}/health)');
  out.push(json(b.engines));
  section('Consistency check (stored state against the derived status)');
  if (b.consistency.ok) out.push('No contradiction found.');
  for (const p of b.consistency.problems) out.push(`[${p.code}] ${p.tenant_name} (${p.tenant_id}): ${p.message} (${p.source} check)`);
  section(`Tenants${b.tenants_summary ? `: ${b.tenants_summary}` : ''}`);
  if (b.tenants.length === 0) out.push('Every tenant is COMPLETED.');
  for (const t of b.tenants) {
    out.push('', renderStatus(t.status, b.api_url, s), '', `  Last ${t.logs.length} log entries:`);
    for (const e of t.logs) out.push(renderLogEntry(e, s).replace(/^/gm, '    '));
  }
  section('Server log');
  if (!b.server_log) out.push('No server log file given (--server-log FILE or PROVISIONER_LOG_FILE). With Docker: docker-compose logs api --tail=200');
  else if ('error' in b.server_log) out.push(`Cannot read ${b.server_log.file}: ${b.server_log.error}`);
  else out.push(`Last ${b.server_log.lines.length} lines of ${b.server_log.file} (secrets redacted):`, ...b.server_log.lines);
  return out.join('\n') + '\n';
}

/** diagnose. */
export function registerDiagnoseCommand(program: Command): void {
  clientCommand(program, 'diagnose', 'Collect one diagnostic bundle: status and logs of the tenant(s) not COMPLETED, engine health, readiness, a consistency check, recent server log lines', [
    'provisioner diagnose --output provisioning_diagnostic.txt',
    'provisioner diagnose ID --server-log /var/log/provisioner/api.log',
    'provisioner diagnose --json > bundle.json',
  ])
    .argument('[id]', 'one tenant (default: every tenant that is not COMPLETED)', tenantId)
    .option('--output <file>', 'write the bundle to this file (mode 0600) instead of stdout')
    .option('--server-log <file>', 'include the last lines of this server log file (also env PROVISIONER_LOG_FILE)')
    .option('--log-lines <n>', 'server log lines to include', positiveInt(100_000), 200)
    .option('--log-entries <n>', 'step log entries per tenant to include', positiveInt(100_000), 200)
    .action(
      clientAction(async (ctx, id: string | undefined, opts: { output?: string; serverLog?: string; logLines: number; logEntries: number }) => {
        const bundle = await collectBundle(await ctx.api(), ctx.apiUrl, { id, serverLog: opts.serverLog ?? (process.env.PROVISIONER_LOG_FILE || undefined), logLines: opts.logLines, logEntries: opts.logEntries });
        const text = ctx.json ? JSON.stringify(bundle, null, 2) + '\n' : renderBundle(bundle);
        if (!opts.output) return void process.stdout.write(text);
        await writeFile(opts.output, text, { mode: 0o600 });
        process.stderr.write(`Diagnostic bundle written to ${opts.output}: ${bundle.tenants.length} tenant(s), ${bundle.consistency.problems.length} consistency problem(s).\n`);
      }),
    );
}
