import type { OdooPort } from '../../../ports/odoo.ts';
import type { StepId } from '../catalogue.ts';
import type { Step } from '../step.ts';
// the health check is the same for every kind
import { engineCheck } from '../step-0-engine-check.ts';
import { platformSetup } from './step-1-platform-setup.ts';
import { company } from './step-2-company.ts';
import { chartOfAccounts } from './step-3-chart-of-accounts.ts';
import { warehouses } from './step-4-warehouses.ts';
import { settings } from './step-5-settings.ts';
import { items } from './step-6-items.ts';
import { customer } from './step-7-customer.ts';
import { posProfile } from './step-8-pos-profile.ts';
import { posSession } from './step-9-pos-session.ts';
import { postSaleUpdates } from './step-10-post-sale-updates.ts';

/** Every step's Odoo logic, by id. */
export const ODOO_STEPS: Record<StepId, Step<OdooPort>> = Object.fromEntries(
  [engineCheck, platformSetup, company, chartOfAccounts, warehouses, settings, items, customer, posProfile, posSession, postSaleUpdates].map((s) => [s.id, s]),
) as Record<StepId, Step<OdooPort>>;
