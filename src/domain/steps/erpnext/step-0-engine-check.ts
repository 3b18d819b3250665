import { EngineHealthCheckError, isProvisionerError } from '../errors.ts';
import type { EngineHealth } from '../../ports/engine.ts';
import type { Step } from './step.ts';

/**
 * How old a successful health check of the engine may be for this step to take its answer: the
 * start request's pre-flight check (ProvisioningService) ran the same three calls a moment ago,
 * and any engine error since then forgets it (SiteCache).
 */
export const RECENT_HEALTH_CHECK_MS = 10_000;

/**
 * step_0_engine_check: the engine is reachable, our credentials work, and ERPNext is installed.
 * The adapter tells the causes apart (unreachable, timeout, bad credentials, not ERPNext,
 * updating); transient ones are retried by the runner before the step fails.
 */
export const engineCheck: Step = {
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
