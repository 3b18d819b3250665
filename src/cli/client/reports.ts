import type { ApiClient } from './api-client.ts';
import type { StatusView, TenantRow } from './api-types.ts';

/** The status documents of the given tenants, or of every tenant that is not COMPLETED. */
export async function statusesToReport(api: ApiClient, ids: string[]): Promise<{ views: StatusView[]; all: TenantRow[] | null }> {
  if (ids.length) return { views: await Promise.all(ids.map((id) => api.get<StatusView>(`/provisioning/tenants/${id}/status`))), all: null };
  const { tenants } = await api.getAll<'tenants', TenantRow>('/tenants', 'tenants');
  const open = tenants.filter((t) => t.status !== 'COMPLETED');
  return { views: await Promise.all(open.map((t) => api.get<StatusView>(`/provisioning/tenants/${t.id}/status`))), all: tenants };
}

export function summarizeTenants(tenants: TenantRow[]): string {
  const counts = new Map<string, number>();
  for (const t of tenants) counts.set(t.status, (counts.get(t.status) ?? 0) + 1);
  return `${tenants.length} tenant(s)${tenants.length ? ': ' + [...counts].map(([s, n]) => `${n} ${s}`).join(', ') : ''}`;
}
