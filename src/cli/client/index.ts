import type { Command } from 'commander';
import { registerSessionCommands } from './commands/session.ts';
import { registerTenantCommands } from './commands/tenants.ts';
import { registerProvisioningCommands } from './commands/provisioning.ts';
import { registerBulkCommands } from './commands/bulk.ts';
import { registerDriftCommands } from './commands/drift.ts';
import { registerMonitorCommand } from './commands/monitor.ts';
import { registerDiagnoseCommand } from './commands/diagnose.ts';
import { registerAdminCommands } from './commands/admin.ts';
import { registerWebhookCommands } from './commands/webhooks.ts';

/** The commands that talk to a running Provisioner through its HTTP API (docs/cli.md). */
export function registerClientCommands(program: Command): void {
  registerSessionCommands(program);
  registerTenantCommands(program);
  registerProvisioningCommands(program);
  registerBulkCommands(program);
  registerDriftCommands(program);
  registerMonitorCommand(program);
  registerDiagnoseCommand(program);
  registerAdminCommands(program);
  registerWebhookCommands(program);
}
