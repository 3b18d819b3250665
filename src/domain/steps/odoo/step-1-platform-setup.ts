import { ProvisionerError } from '../../errors.ts';
import type { OdooPort } from '../../../ports/odoo.ts';
import type { Step } from '../step.ts';

/** The modules a POS workspace is made of (odoo.md A.3 step_1). */
export const REQUIRED_MODULES = ['base', 'account', 'stock', 'point_of_sale'] as const;

export class OdooModulesMissingError extends ProvisionerError {
  constructor(missing: readonly string[]) {
    super(
      'ENGINE_MODULES_MISSING',
      `Odoo modules not installed: ${missing.join(', ')}`,
      'Install them in Odoo (Apps) on this database, then use "Continue". Provisioner does not install modules itself: an install reloads the registry for every tenant of the database.',
      { httpStatus: 409 },
    );
  }
}

/**
 * step_1_platform_setup (Odoo): what is database-wide in Odoo are its modules. They are checked,
 * not installed: `button_immediate_install` holds the registry of the whole shared database for
 * minutes, an operator's decision, not a tenant's. Nothing else is database-wide: every record
 * the later steps make belongs to the tenant's company.
 */
export const platformSetup: Step<OdooPort> = {
  id: 'step_1_platform_setup',
  async run(ctx) {
    const modules = await ctx.engine.findModules(REQUIRED_MODULES);
    const missing = REQUIRED_MODULES.filter((name) => !modules.some((m) => m.name === name && m.state === 'installed'));
    if (missing.length) throw new OdooModulesMissingError(missing);
    return { outcome: 'completed', message: `Modules installed: ${REQUIRED_MODULES.join(', ')}` };
  },
};
