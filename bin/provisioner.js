#!/usr/bin/env node
// The `provisioner` command: the CLI compiled to dist/ by `npm run build`, which `npm ci` runs
// (the `prepare` script). Nothing is compiled at start.
import { existsSync } from 'node:fs';
import module from 'node:module';

// Node.js 22.1+: keep the compiled bytecode of the modules in the OS's temporary folder, so the
// next start skips parsing them (Node.js 20 has no such cache: nothing happens there)
module.enableCompileCache?.();

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('error: dist/ is missing (the compiled CLI)\nhint: run `npm run build` in the repository (npm ci runs it)\n');
  process.exit(1);
}
// settings from PROVISIONER_ENV_FILE or ./.env, before any module reads the environment
const { loadEnvFileOrExit } = await import(new URL('../dist/cli/env-file.js', import.meta.url).href);
loadEnvFileOrExit();
await import(main.href);
