import type { ErpnextPort } from '../../../ports/erpnext.ts';
import { EngineHealthCheckError, isProvisionerError } from '../../errors.ts';
import type { EngineHealth } from '../../../ports/engine.ts';
import { RECENT_HEALTH_CHECK_MS, type Step } from '../step.ts';

/**
 * step_0_engine_check: the engine is reachable, our credentials work, and ERPNext is installed.
 * The adapter tells the causes apart (unreachable, timeout, bad credentials, not ERPNext,
 * updating); transient ones are retried by the runner before the step fails.
 */
export const engineCheck: Step<ErpnextPort> = {
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
