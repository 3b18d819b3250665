/** The demo catalogue step_6_items makes when include_demo_data is on, whatever the engine. */
export const DEMO_ITEMS = [
  { code: 'COFFEE', itemName: 'Coffee', rate: 150 },
  { code: 'TEA', itemName: 'Tea', rate: 100 },
  { code: 'WATER', itemName: 'Bottled Water', rate: 60 },
  { code: 'SANDWICH', itemName: 'Sandwich', rate: 350 },
  { code: 'MUFFIN', itemName: 'Muffin', rate: 200 },
] as const;
