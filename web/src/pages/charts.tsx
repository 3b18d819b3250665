import type { TenantRow } from '../api/client.ts';

/** Runs over time by outcome and failures by step and code (filled in by a later commit). */
export function FleetCharts(_: { tenants: TenantRow[] }) {
  return null;
}
