import type { StatusView } from '../../application/status-view.ts';

/** The API's answers as the client reads them (the server's own view types where they exist). */
export type { StatusView };

export interface ProvisioningSummary {
  status: StatusView['status'];
  progress: number;
  current_step: string | null;
  steps_completed: number;
  total_steps: number;
  message: string | null;
}

export interface TenantRow {
  id: string;
  name: string;
  country_code: string;
  currency: string;
  engine_id: string;
  admin_email: string | null;
  created_at: string;
  status: StatusView['status'];
  message: string | null;
  provisioning?: ProvisioningSummary;
}

/** A step log entry (GET …/logs) and the data of an event-stream frame (which adds tenant_id). */
export interface LogEntry {
  id: number;
  ts: string;
  tenant_id?: string;
  run_id: string | null;
  step: string | null;
  type: string;
  status: string | null;
  level: string;
  message: string;
  error?: string | null;
  code: string | null;
  hint: string | null;
  attempt: number | null;
  duration_ms: number | null;
}

export interface LogsAnswer {
  tenant_id: string;
  logs: LogEntry[];
  paging: { limit: number; offset: number; next_offset: number | null };
}

export interface RunAnswer {
  tenant_id: string;
  status: string;
  message: string;
  run: { id: string; kind: string; status: string; plan: string[]; created_at: string };
}
