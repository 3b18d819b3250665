import type { StepId } from './catalogue.ts';
import type { StepContext, StepResult } from './step.ts';
import { ERPNEXT_STEPS } from './erpnext/index.ts';
import { ODOO_STEPS } from './odoo/index.ts';

/**
 * Every step's logic, by engine kind and id: the catalogue (catalogue.ts) is one, what a step
 * ensures is its engine's (docs/architecture.md, "The engine seam").
 */
export const STEP_LOGIC = { erpnext: ERPNEXT_STEPS, odoo: ODOO_STEPS } as const;

/** Runs step `id` with the implementation of the context's engine kind. */
export function runStep(id: StepId, ctx: StepContext): Promise<StepResult> {
  const engine = ctx.engine;
  switch (engine.kind) {
    case 'erpnext':
      return ERPNEXT_STEPS[id].run({ ...ctx, engine });
    case 'odoo':
      return ODOO_STEPS[id].run({ ...ctx, engine });
  }
}
