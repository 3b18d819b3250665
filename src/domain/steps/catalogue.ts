/**
 * The 11 provisioning steps of product.md §2, in execution order.
 * `critical`: a failure stops the run and makes the tenant FAILED.
 * `skippable`: an operator may skip it (skip-step); only optional steps qualify.
 */
export const STEP_IDS = [
  'step_0_engine_check',
  'step_1_platform_setup',
  'step_2_company',
  'step_3_chart_of_accounts',
  'step_4_warehouses',
  'step_5_settings',
  'step_6_items',
  'step_7_customer',
  'step_8_pos_profile',
  'step_9_pos_session',
  'step_10_post_sale_updates',
] as const;

export type StepId = (typeof STEP_IDS)[number];

export interface StepDefinition {
  id: StepId;
  ordinal: number;
  label: string;
  critical: boolean;
  skippable: boolean;
}

const definitions: Record<StepId, Omit<StepDefinition, 'id' | 'ordinal'>> = {
  step_0_engine_check: { label: 'Check engine', critical: true, skippable: false },
  step_1_platform_setup: { label: 'Platform setup', critical: false, skippable: false },
  step_2_company: { label: 'Create company', critical: true, skippable: false },
  step_3_chart_of_accounts: { label: 'Chart of accounts', critical: true, skippable: false },
  step_4_warehouses: { label: 'Warehouses', critical: false, skippable: false },
  step_5_settings: { label: 'Selling & stock settings', critical: false, skippable: false },
  step_6_items: { label: 'Demo items', critical: false, skippable: true },
  step_7_customer: { label: 'Default customer', critical: false, skippable: false },
  step_8_pos_profile: { label: 'POS profile', critical: true, skippable: false },
  step_9_pos_session: { label: 'Open POS session', critical: false, skippable: true },
  step_10_post_sale_updates: { label: 'Final validation', critical: false, skippable: false },
};

export const STEPS: readonly StepDefinition[] = STEP_IDS.map((id, ordinal) => ({ id, ordinal, ...definitions[id] }));

export const TOTAL_STEPS = STEPS.length;

export function stepDefinition(id: StepId): StepDefinition {
  return STEPS[STEP_IDS.indexOf(id)]!;
}

export function isStepId(value: unknown): value is StepId {
  return typeof value === 'string' && (STEP_IDS as readonly string[]).includes(value);
}
