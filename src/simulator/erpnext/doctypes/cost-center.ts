/**
 * Cost Center (erpnext.md §2 create_default_cost_center, §14.3): "<name> - ABBR"; the root is
 * named after the company, every other cost centre needs a group parent [M: messages from memory].
 */
import { bold, frappeThrow } from '../errors.ts';
import { cint, cstr, sameText, type DocTypeDef } from '../meta.ts';
import { check, data, link, nameWithNumberAndAbbr, validateIfChildExists } from './shared.ts';

export const costCenterDoctype: DocTypeDef = {
  name: 'Cost Center',
  module: 'Accounts',
  naming: { by: 'controller', autoname: (doc, ctx) => nameWithNumberAndAbbr(ctx, doc.cost_center_number, doc.cost_center_name, doc.company) },
  fields: [
    data('cost_center_name', 'Cost Center Name', { reqd: true }),
    data('cost_center_number', 'Cost Center Number'),
    link('parent_cost_center', 'Parent Cost Center', 'Cost Center'),
    link('company', 'Company', 'Company', { reqd: true }),
    check('is_group', 'Is Group'),
    check('disabled', 'Disabled'),
  ],
  validate(doc, ctx) {
    // cost_center.py validate_mandatory
    if (cstr(doc.cost_center_name) !== cstr(doc.company) && !cstr(doc.parent_cost_center)) frappeThrow('Please enter parent cost center');
    if (cstr(doc.cost_center_name) === cstr(doc.company) && cstr(doc.parent_cost_center)) frappeThrow('Root cannot have a parent cost center');
    // validate_parent_cost_center
    const parent = ctx.tx.get('Cost Center', doc.parent_cost_center);
    if (parent && !cint(parent.is_group)) {
      frappeThrow(`${bold(doc.parent_cost_center)} is not a group node. Please select a group node as parent cost center`);
    }
    if (parent && !sameText(parent.company, doc.company)) frappeThrow(`${doc.parent_cost_center} does not belong to Company ${doc.company}`); // [M]
  },
  // NestedSet.on_trash, not overridden [V thimphutpl/erpnext-V15:erpnext/accounts/doctype/cost_center/cost_center.py@097d8e2]
  onTrash: (doc, ctx) => validateIfChildExists(ctx, doc, 'parent_cost_center'),
  businessKey: (doc) => `${cstr(doc.company)}|${cstr(doc.cost_center_name)}`,
};
