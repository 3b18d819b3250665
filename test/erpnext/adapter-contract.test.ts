/** The ERPNext adapter's contract (test/support/erpnext-contract.ts) against a real ERPNext site. */
import { test } from 'node:test';
import { adapterContract } from '../support/erpnext-contract.ts';
import { realErpnext, SKIP_REASON } from './support.ts';

const site = realErpnext();
if (site) adapterContract(`real ERPNext at ${site.url}`, async () => site);
else test('ERPNext adapter contract (real ERPNext)', { skip: SKIP_REASON }, () => {});
