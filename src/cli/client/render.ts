import { STEPS } from '../../domain/steps/catalogue.ts';
import type { LogEntry, StatusView } from './api-types.ts';
import { formatDuration, progressBar, stepMark, type Style } from './terminal.ts';
import { cliCommand } from './invocation.ts';

const label = (id: string | null) => STEPS.find((s) => s.id === id)?.label ?? '';

/**
 * The commands that resolve a status, as the guide writes them (curl against the API in use,
 * with the real tenant id) and as CLI commands.
 */
export function resolutionCommands(view: Pick<StatusView, 'tenant_id' | 'status' | 'steps'>, apiUrl: string): { action: string; cli: string[]; curl: string[] } | null {
  const id = view.tenant_id;
  const curl = (op: string, body?: string) =>
    [`curl -X POST "${apiUrl}/provisioning/tenants/${id}/${op}" \\`, `  -H "Authorization: Bearer $TOKEN" \\`, `  -H "Content-Type: application/json"${body ? ' \\' : ''}`, ...(body ? [body] : [])].join('\n');
  switch (view.status) {
    case 'NOT_STARTED':
      return {
        action: 'Start provisioning (guide: Option 3)',
        cli: [cliCommand(`start ${id}`)],
        curl: [curl('start', `  -d '{\n    "include_demo_data": false,\n    "pos_store_enabled": true,\n    "country_template": null\n  }'`)],
      };
    case 'IN_PROGRESS':
      return { action: 'Wait: a run is active (guide: Monitor in Real-Time)', cli: [cliCommand(`monitor ${id}`), `./monitor_provisioning.sh ${id}`], curl: [] };
    case 'PARTIAL':
    case 'FAILED': {
      const skippable = view.steps.filter((s) => s.status === 'failed' && STEPS.find((d) => d.id === s.id)?.skippable).map((s) => cliCommand(`skip-step ${id} ${s.id}`));
      return {
        action: 'Continue from the failed step (guide: Option 1); if the workspace is inconsistent, Retry all steps (Option 2)',
        cli: [cliCommand(`continue ${id}`), cliCommand(`retry ${id}`), ...skippable],
        curl: [curl('continue'), curl('retry')],
      };
    }
    default:
      return null;
  }
}

/** The human status report: status, progress, current step, every step, errors with hints, the resolving commands. */
export function renderStatus(view: StatusView, apiUrl: string, s: Style): string {
  const lines: string[] = [];
  lines.push(`${s.bold(view.tenant_name)} ${s.dim(`(${view.tenant_id})`)}`);
  lines.push(`  Status:        ${s.bold(s.status(view.status))}`);
  lines.push(`  Progress:      ${progressBar(view.progress, 30, s, view.status)}  ${view.steps_completed}/${view.total_steps} steps completed`);
  lines.push(`  Current step:  ${view.current_step ? `${view.current_step} (${label(view.current_step)})` : '-'}`);
  if (view.run) lines.push(`  Run:           ${view.run.kind} ${view.run.id} ${view.run.status}, created ${view.run.created_at}`);
  if (view.started_at) lines.push(`  Started:       ${view.started_at}${view.completed_at ? `, finished ${view.completed_at}` : ''}${view.estimated_completion ? `, estimated completion ${view.estimated_completion}` : ''}`);
  if (view.engine.company) lines.push(`  Engine:        ${view.engine.id}: company ${view.engine.company}${view.engine.abbr ? ` (${view.engine.abbr})` : ''}${view.engine.pos_profile ? `, POS profile ${view.engine.pos_profile}` : ''}`);
  if (view.message) lines.push(`  Message:       ${view.message}`);
  // an older server's status has no drift
  const drift = (view as { drift?: StatusView['drift'] }).drift;
  if (drift?.drifted) lines.push(`  Drift:         ${s.yellow(`the engine differs since ${drift.drifted_at}, first at ${drift.first_step}`)} (heal: ${cliCommand(`heal ${view.tenant_id}`)})`);
  lines.push('', '  Steps:');
  for (const step of view.steps) {
    const outcome = step.status === 'skipped' && step.skip_reason ? `skipped (${step.skip_reason})` : step.status;
    const attempts = step.attempts ? `${step.attempts} attempt${step.attempts === 1 ? '' : 's'}` : '';
    const extra = [attempts, formatDuration(step.duration_ms), step.critical ? 'critical' : '', step.code ? `[${step.code}]` : ''].filter(Boolean).join(', ');
    lines.push(`   ${stepMark(step.status, s)} ${step.id.padEnd(26)} ${s.status(step.status, outcome.padEnd(18))} ${extra}`.trimEnd());
  }
  if (view.errors.length) {
    lines.push('', '  Errors:');
    for (const e of view.errors) {
      lines.push(`   ${s.red('error')} [${e.code ?? 'UNKNOWN'}] ${e.step}: ${e.error}`);
      if (e.hint) lines.push(`     hint: ${e.hint}`);
    }
  }
  const problems = (view as { consistency?: { problems: Array<{ code: string; message: string }> } }).consistency?.problems ?? [];
  if (problems.length) {
    lines.push('', '  Consistency problems (stored state contradicts the status):');
    for (const p of problems) lines.push(`   ${s.yellow('warning')} [${p.code}] ${p.message}`);
  }
  const fix = resolutionCommands(view, apiUrl);
  if (fix) {
    lines.push('', `  Resolve: ${fix.action}`);
    for (const c of fix.cli) lines.push(`    $ ${c}`);
    if (fix.curl.length) {
      lines.push(`    # or with curl, TOKEN from the guide's login command:`);
      for (const c of fix.curl) lines.push(c.split('\n').map((l, i) => `    ${i === 0 ? '$ ' : '  '}${l}`).join('\n'));
    }
  }
  return lines.join('\n');
}

/** One log entry on one line (and its hint on the next). */
export function renderLogEntry(e: LogEntry, s: Style, withTenant = false): string {
  const level = e.level === 'error' ? s.red(e.level.padEnd(5)) : e.level === 'warn' ? s.yellow(e.level.padEnd(5)) : s.dim(e.level.padEnd(5));
  const details = [e.attempt ? `attempt ${e.attempt}` : '', formatDuration(e.duration_ms)].filter(Boolean).join(', ');
  const parts = [s.dim(e.ts), level, withTenant && e.tenant_id ? e.tenant_id.slice(0, 8) : '', (e.step ?? '-').padEnd(26), e.type.padEnd(15), e.code ? `[${e.code}] ` + e.message : e.message, details ? s.dim(`(${details})`) : ''];
  const line = parts.filter(Boolean).join('  ');
  return e.hint && (e.level === 'error' || e.level === 'warn' || e.code) ? `${line}\n${' '.repeat(4)}hint: ${e.hint}` : line;
}
