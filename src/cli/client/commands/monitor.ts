import { InvalidArgumentError, type Command } from 'commander';
import { STEPS } from '../../../domain/steps/catalogue.ts';
import { ApiProblemError, ApiUnreachableError, type ApiClient } from '../api-client.ts';
import type { LogEntry, StatusView, TenantRow } from '../api-types.ts';
import { clientAction, clientCommand, positiveInt, tenantId, type ClientContext } from '../context.ts';
import { followEventStream, pause } from '../events.ts';
import { CLIENT_EXIT, STATUS_EXIT, statusExitCode } from '../exit-codes.ts';
import { resolutionCommands } from '../render.ts';
import { summarizeTenants } from '../reports.ts';
import { fit, progressBar, type Style } from '../terminal.ts';
import { cliCommand } from '../invocation.ts';

const label = (id: string | null) => STEPS.find((s) => s.id === id)?.label ?? '';
const clock = () => new Date().toISOString().slice(11, 19);

interface Watched {
  view: StatusView | null;
  /** The last notable event (retries, failures) the stream brought, for the screen. */
  lastEvent: string | null;
  /** What the plain output printed last, to print changes only. */
  printed: string | null;
  /** With --wait-next: the run that had ended when we started; only a later run's end counts. */
  pastRun?: string | null;
}

/** This tenant's watch is over: no run is active, and (with --wait-next) a new run has come and gone. */
const isSettled = (w: Watched) => w.view !== null && w.view.status !== 'IN_PROGRESS' && (w.pastRun === undefined || (w.view.run?.id ?? null) !== w.pastRun);

/**
 * Follows tenants until none is IN_PROGRESS: a redrawn screen with a progress bar per tenant on a
 * terminal; one line per change otherwise; one status document per change with --json. The event
 * stream of every visible tenant wakes it up at once; without one it polls every second.
 * Answers the exit code of the worst final status.
 */
export async function watchTenants(opts: { ctx: ClientContext; api: ApiClient; ids: string[] | null; timeoutMs?: number; waitNext?: boolean }): Promise<number> {
  const { ctx, api } = opts;
  const tty = process.stdout.isTTY === true && !ctx.json;
  let ids = opts.ids;
  if (!ids && opts.waitNext) throw new InvalidArgumentError('--wait-next needs the tenant ids to wait for');
  if (!ids) {
    const { tenants } = await api.getAll<'tenants', TenantRow>('/tenants', 'tenants');
    ids = tenants.filter((t) => t.status === 'IN_PROGRESS').map((t) => t.id);
    if (ids.length === 0) {
      // a run may have ended before we looked: say where every tenant stands
      const open = tenants.filter((t) => t.status !== 'COMPLETED');
      if (!ctx.json) {
        ctx.out(`No tenant is IN_PROGRESS at ${ctx.apiUrl}; nothing to monitor. ${summarizeTenants(tenants)}.`);
        for (const t of open) ctx.out(`  ${t.name} (${t.id}): ${ctx.style.status(t.status)}`);
        if (open.length) ctx.out(`Details and resolving commands: ${cliCommand('status')}`);
      }
      return CLIENT_EXIT.ok;
    }
  }
  const watched = new Map<string, Watched>(ids.map((id) => [id, { view: null, lastEvent: null, printed: null }]));

  const stop = new AbortController();
  let wake: (() => void) | null = null;
  let streaming = false;
  const onEvent = (e: LogEntry) => {
    const w = e.tenant_id ? watched.get(e.tenant_id) : undefined;
    if (!w) return;
    if (e.level === 'warn' || e.level === 'error' || e.type === 'step_retrying') {
      w.lastEvent = `${e.type}${e.step ? ` ${e.step}` : ''}${e.code ? ` [${e.code}]` : ''}: ${e.message}`;
      if (!tty && !ctx.json) ctx.out(`${clock()}  ${w.view?.tenant_name ?? e.tenant_id}  ${w.lastEvent}`);
    }
    wake?.();
  };
  streaming = true;
  const streamEnded = () => {
    streaming = false; // polling carries on (refusals show up there too)
    wake?.();
  };
  const stream = followEventStream({ api, path: '/provisioning/events', lastEventId: null, onEvent, signal: stop.signal }).then(streamEnded, streamEnded);

  const restore = () => tty && process.stdout.write('\x1b[?25h');
  const onSignal = (signal: NodeJS.Signals) => {
    restore(); // never leave the terminal without a cursor
    if (tty) process.stdout.write('\n');
    process.exit(signal === 'SIGINT' ? CLIENT_EXIT.interrupted : CLIENT_EXIT.terminated);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  if (tty) process.stdout.write('\x1b[?25l');

  const deadline = opts.timeoutMs ? Date.now() + opts.timeoutMs : Infinity;
  let trouble: string | null = null;
  try {
    for (;;) {
      try {
        const views = await Promise.all([...watched.keys()].map((id) => api.get<StatusView>(`/provisioning/tenants/${id}/status`)));
        for (const v of views) watched.get(v.tenant_id)!.view = v;
        trouble = null;
      } catch (e) {
        if (e instanceof ApiProblemError) throw e;
        // an API that never answered is a wrong address (exit 8); one that stops answering may be restarting
        if (e instanceof ApiUnreachableError && [...watched.values()].every((w) => w.view === null)) throw e;
        trouble = e instanceof Error ? e.message : String(e);
      }
      if (opts.waitNext) noteWaiting(ctx, watched);
      const settled = [...watched.values()].every(isSettled);
      if (tty) drawScreen(ctx, watched, streaming, trouble, settled);
      else printChanges(ctx, watched, trouble);
      if (settled) break;
      if (Date.now() >= deadline) {
        if (!ctx.json) ctx.out(`Timed out; still waiting for: ${[...watched.values()].filter((w) => !isSettled(w)).map((w) => w.view?.tenant_name ?? '?').join(', ')}`);
        return STATUS_EXIT.IN_PROGRESS;
      }
      // woken by an event of a watched tenant, or at the latest after 1 s (5 s while streaming)
      await Promise.race([pause(streaming ? 5000 : 1000), new Promise<void>((r) => (wake = r))]);
      wake = null;
      if (streaming) await pause(100); // let a burst of events settle into one refresh
    }
  } finally {
    stop.abort();
    await stream;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    restore();
  }

  const views = [...watched.values()].map((w) => w.view!);
  if (!ctx.json) printSummary(ctx, views);
  return statusExitCode(views.map((v) => v.status));
}

/**
 * --wait-next: a tenant with no active run at the first look waits for its next one (a Continue
 * pressed after the monitor started); says so once, with the command that starts it.
 */
function noteWaiting(ctx: ClientContext, watched: Map<string, Watched>): void {
  for (const w of watched.values()) {
    if (w.pastRun !== undefined || !w.view) continue;
    if (w.view.status === 'IN_PROGRESS') {
      w.pastRun = null; // the active run is the one to follow
      continue;
    }
    w.pastRun = w.view.run?.id ?? null;
    const fix = resolutionCommands(w.view, ctx.apiUrl);
    if (!ctx.json && process.stdout.isTTY !== true) ctx.out(`${clock()}  ${w.view.tenant_name}  ${w.view.status}: waiting for its next run${fix ? ` (${fix.cli[0]})` : ''}`);
  }
}

function tenantLine(w: Watched, s: Style, width: number): string {
  const v = w.view;
  if (!v) return 'loading…';
  if (w.pastRun !== undefined && v.status !== 'IN_PROGRESS' && (v.run?.id ?? null) === w.pastRun) return `${s.bold(v.tenant_name)}  ${s.status(v.status)}: waiting for its next run`;
  const nameWidth = Math.max(12, Math.min(32, width - 70));
  const step = v.status === 'COMPLETED' ? '' : v.current_step ? `${v.current_step} (${label(v.current_step)})` : '';
  return `${s.bold(fit(v.tenant_name, nameWidth))}  ${progressBar(v.progress, 20, s, v.status)}  ${s.status(v.status, v.status.padEnd(11))}  ${step}`;
}

function drawScreen(ctx: ClientContext, watched: Map<string, Watched>, streaming: boolean, trouble: string | null, settled: boolean): void {
  const s = ctx.style;
  const width = process.stdout.columns ?? 100;
  const counts = new Map<string, number>();
  for (const w of watched.values()) if (w.view) counts.set(w.view.status, (counts.get(w.view.status) ?? 0) + 1);
  const lines = [
    `${s.bold('Provisioner monitor')}  ${ctx.apiUrl}  ${clock()}  ${s.dim(streaming ? 'live events' : 'polling every second')}${settled ? '' : s.dim('  (Ctrl-C to stop)')}`,
    `${watched.size} tenant(s): ${[...counts].map(([st, n]) => `${n} ${s.status(st)}`).join(', ')}`,
    '',
  ];
  for (const w of watched.values()) {
    lines.push(tenantLine(w, s, width));
    if (w.view && w.view.status !== 'COMPLETED' && w.lastEvent) lines.push(s.dim(`    ${fit(w.lastEvent, Math.max(10, width - 5)).trimEnd()}`));
  }
  if (trouble) lines.push('', s.yellow(`API trouble: ${trouble}; retrying`));
  process.stdout.write('\x1b[H\x1b[2J' + lines.map((l) => l + '\x1b[K').join('\n') + '\n');
}

function printChanges(ctx: ClientContext, watched: Map<string, Watched>, trouble: string | null): void {
  if (trouble && !ctx.json) ctx.out(`${clock()}  API trouble: ${trouble}; retrying`);
  for (const w of watched.values()) {
    const v = w.view;
    if (!v) continue;
    const key = `${v.status}|${v.current_step}|${v.progress}`;
    if (key === w.printed) continue;
    w.printed = key;
    if (ctx.json) process.stdout.write(JSON.stringify(v) + '\n');
    else ctx.out(`${clock()}  ${v.tenant_name}  ${v.status}  ${v.progress}%  ${v.status === 'COMPLETED' ? '' : (v.current_step ?? '')}`.trimEnd());
  }
}

function printSummary(ctx: ClientContext, views: StatusView[]): void {
  const s = ctx.style;
  ctx.out('');
  for (const v of views) {
    ctx.out(`${v.tenant_name} (${v.tenant_id}): ${s.status(v.status)}, ${v.steps_completed}/${v.total_steps} steps completed`);
    for (const e of v.errors) {
      ctx.out(`  ${s.red('error')} [${e.code ?? 'UNKNOWN'}] ${e.step}: ${e.error}`);
      if (e.hint) ctx.out(`    hint: ${e.hint}`);
    }
    const fix = resolutionCommands(v, ctx.apiUrl);
    if (fix && v.status !== 'IN_PROGRESS') ctx.out(`  resolve: ${fix.cli.join('   or   ')}`);
  }
}

/** monitor. */
export function registerMonitorCommand(program: Command): void {
  clientCommand(program, 'monitor', 'Follow provisioning live until it settles: by default every tenant IN_PROGRESS. Progress bars on a terminal, one line per change otherwise', [
    'provisioner monitor                       # every tenant IN_PROGRESS',
    'provisioner monitor ID1 ID2',
    'provisioner monitor --timeout 600 ID      # give up after 10 minutes (exit 10)',
    'provisioner monitor --json ID             # one status document per change',
    'provisioner monitor --wait-next ID        # a FAILED tenant: wait for the continue, follow it to its end',
  ])
    .argument('[ids...]', 'tenant ids (default: every tenant IN_PROGRESS now)', (v: string, prev: string[] = []) => [...prev, tenantId(v)])
    .option('--timeout <seconds>', 'stop waiting after this many seconds', positiveInt(86_400))
    .option('--wait-next', 'a tenant with no active run (FAILED, PARTIAL, COMPLETED…) waits for its next run (a continue or retry started later) and follows it to its end')
    .action(
      clientAction(async (ctx, ids: string[] = [], opts: { timeout?: number; waitNext?: boolean }) => {
        const api = await ctx.api();
        return watchTenants({ ctx, api, ids: ids.length ? ids : null, timeoutMs: opts.timeout ? opts.timeout * 1000 : undefined, waitNext: opts.waitNext });
      }),
    );
}
