/** Every doctype the simulator knows; anything else is 404 "DocType X not found". */
import type { DocTypeDef } from '../meta.ts';
import { accountDoctype } from './account.ts';
import { companyDoctype } from './company.ts';
import { costCenterDoctype } from './cost-center.ts';
import { customerDoctype } from './customer.ts';
import { itemDefaultDoctype, itemDoctype, itemPriceDoctype } from './item.ts';
import {
  countryDoctype, currencyDoctype, customerGroupDoctype, itemGroupDoctype, priceListDoctype, territoryDoctype, uomDoctype,
  userDoctype, warehouseTypeDoctype,
} from './masters.ts';
import { modeOfPaymentAccountDoctype, modeOfPaymentDoctype } from './mode-of-payment.ts';
import { posOpeningEntryDetailDoctype, posOpeningEntryDoctype } from './pos-opening-entry.ts';
import { posPaymentMethodDoctype, posProfileDoctype, posProfileUserDoctype } from './pos-profile.ts';
import { sellingSettingsDoctype, stockSettingsDoctype, systemSettingsDoctype } from './settings.ts';
import { warehouseDoctype } from './warehouse.ts';

export const DOCTYPES: readonly DocTypeDef[] = [
  currencyDoctype, countryDoctype, userDoctype, warehouseTypeDoctype, uomDoctype, itemGroupDoctype, customerGroupDoctype,
  territoryDoctype, priceListDoctype, companyDoctype, accountDoctype, costCenterDoctype, warehouseDoctype,
  modeOfPaymentDoctype, modeOfPaymentAccountDoctype, posProfileDoctype, posPaymentMethodDoctype, posProfileUserDoctype,
  posOpeningEntryDoctype, posOpeningEntryDetailDoctype, customerDoctype, itemDoctype, itemDefaultDoctype, itemPriceDoctype,
  sellingSettingsDoctype, stockSettingsDoctype, systemSettingsDoctype,
];

const BY_NAME = new Map(DOCTYPES.map((d) => [d.name.toLowerCase(), d]));

/** Doctype names are matched case-insensitively, like the tabDocType lookup on MariaDB. */
export function getDocType(name: string): DocTypeDef | undefined {
  return BY_NAME.get(name.toLowerCase());
}
