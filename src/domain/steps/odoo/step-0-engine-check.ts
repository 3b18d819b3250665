import { EngineHealthCheckError, isProvisionerError } from '../../errors.ts';
import type { EngineHealth } from '../../../ports/engine.ts';
import type { OdooPort } from '../../../ports/odoo.ts';
import { RECENT_HEALTH_CHECK_MS, type Step } from '../step.ts';

/**
 * step_0_engine_check (Odoo): `common.version` answers (no credentials needed), `common.login`
 * gives a uid (a wrong key answers false, not an error: odoo.md Part C), and point_of_sale is
 * installed. A check made moments ago by the start request is taken as is.
 */
export const engineCheck: Step<OdooPort> = {
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
