import type { Command } from 'commander';
import { startErpnextSimulator } from '../../simulator/erpnext/index.ts';
import { onShutdown, port } from '../shared.ts';

/** `provisioner simulator`: the built-in ERPNext simulator, standalone. */
export function registerSimulatorCommand(program: Command): void {
  program
    .command('simulator')
    .description('Run the built-in ERPNext simulator standalone (Frappe REST API; control API under /__simulator).')
    .option('--port <port>', 'port to listen on', port, 8000)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--api-key <key>', 'API key it accepts', 'sim-key')
    .option('--api-secret <secret>', 'API secret it accepts', 'sim-secret')
    .option('--no-setup', 'start as a site whose setup wizard never ran')
    .action(async (opts: { port: number; host: string; apiKey: string; apiSecret: string; setup: boolean }) => {
      const sim = await startErpnextSimulator({ port: opts.port, host: opts.host, apiKey: opts.apiKey, apiSecret: opts.apiSecret, setupComplete: opts.setup });
      process.stdout.write(`ERPNext simulator listening on ${sim.url} (token ${opts.apiKey}:<secret>)\n`);
      onShutdown(sim.close);
    });
}
