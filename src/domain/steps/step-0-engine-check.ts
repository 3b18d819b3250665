import type { EngineHandle, EngineHealth } from '../../ports/engine.ts';
import { EngineHealthCheckError, isProvisionerError } from '../errors.ts';
import { RECENT_HEALTH_CHECK_MS, type Step } from './step.ts';

/**
 * step_0_engine_check, the same for every engine kind: the engine is reachable, our credentials
 * work, and its POS application is installed (ERPNext: erpnext; Odoo: `common.version`, a uid
 * from `common.login` — a wrong key answers false, not an error, odoo.md Part C — and
 * point_of_sale). Each adapter's checkHealth tells the causes apart (unreachable, timeout, bad
 * credentials, not the engine we expect, updating); transient ones are retried by the runner
 * before the step fails. A check made moments ago by the start request is taken as is.
 */
export const engineCheck: Step<EngineHandle> = {
  id: 'step_0_engine_check',
  async run(ctx) {
    let health: EngineHealth;
    try {
      health = await ctx.engine.checkHealth({ maxAgeMs: RECENT_HEALTH_CHECK_MS });
    } catch (e) {
      throw isProvisionerError(e) ? new EngineHealthCheckError(e) : e;
    }
    const versions = Object.entries(health.versions).map(([app, v]) => `${app} ${v}`).join(', ');
    return {
      outcome: 'completed',
      message: `Engine reachable as ${health.authenticatedAs} in ${health.latencyMs} ms (${versions})${health.ageMs === undefined ? '' : `, checked ${health.ageMs} ms ago`}`,
      facts: { engineUser: health.authenticatedAs, engineVersions: health.versions },
    };
  },
};
