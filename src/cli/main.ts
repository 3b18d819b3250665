import { Command, InvalidArgumentError } from 'commander';
import { isProvisionerError } from '../domain/errors.ts';
import { VERSION } from '../version.ts';
import { EXIT } from './shared.ts';
import { registerServerCommands } from './commands/server.ts';
import { registerSimulatorCommand } from './commands/simulator.ts';
import { registerClientCommands } from './client/index.ts';

/** Errors of the settings, not of the work: exit 3. */
const CONFIG_CODES = new Set(['CONFIG_INVALID', 'ENCRYPTION_KEY_INVALID', 'ENCRYPTION_KEY_MISSING']);

const program = new Command()
  .name('provisioner')
  .description('Provision POS workspaces inside ERPNext: durable, idempotent, observable.')
  .version(VERSION)
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage));

registerServerCommands(program);
registerSimulatorCommand(program);
registerClientCommands(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof InvalidArgumentError) {
    process.stderr.write(`error: ${e.message}\n`);
    process.exit(EXIT.usage);
  }
  if (isProvisionerError(e)) {
    process.stderr.write(`error [${e.code}]: ${e.message}\nhint: ${e.hint}\n`);
    process.exit(CONFIG_CODES.has(e.code) ? EXIT.config : EXIT.failure);
  }
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(EXIT.failure);
});
