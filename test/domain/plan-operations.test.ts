import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planOperations, type StepInspection } from '../../src/domain/inspection.ts';

const inspection = (over: Partial<StepInspection>): StepInspection => ({ step: 'step_3_chart_of_accounts', outcome: 'completed', intents: [], seen: [], problems: [], ...over });

test("a step's updates of one record are one operation whose detail lists each change once", () => {
  const ops = planOperations([
    inspection({
      intents: [
        { action: 'update', doctype: 'res.company', name: 'Duka', detail: 'chart of accounts generic_coa' },
        { action: 'update', doctype: 'res.company', name: 'DUKA', detail: 'currency' },
        { action: 'update', doctype: 'res.company', name: 'Duka', detail: 'currency' },
      ],
      seen: [{ doctype: 'res.company', name: 'Duka' }],
    }),
  ]);
  assert.deepEqual(ops, [{ step: 'step_3_chart_of_accounts', action: 'update', doctype: 'res.company', name: 'Duka', detail: 'chart of accounts generic_coa, currency' }]);
});

test('creates, records in place and skipped steps carry no detail', () => {
  const ops = planOperations([
    inspection({ step: 'step_2_company', intents: [{ action: 'create', doctype: 'Company', name: 'Duka', detail: 'abbreviation D' }], seen: [{ doctype: 'Currency', name: 'KES' }] }),
    inspection({ step: 'step_6_items', outcome: 'skipped' }),
  ]);
  assert.deepEqual(ops, [
    { step: 'step_2_company', action: 'exists', doctype: 'Currency', name: 'KES', detail: null },
    { step: 'step_2_company', action: 'create', doctype: 'Company', name: 'Duka', detail: null },
    { step: 'step_6_items', action: 'skip', doctype: null, name: null, detail: null },
  ]);
});
