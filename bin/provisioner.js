#!/usr/bin/env node
// The `provisioner` command: the CLI compiled to dist/ by `npm run build`, which `npm ci` runs
// (the `prepare` script). Nothing is compiled at start.
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('error: dist/ is missing (the compiled CLI)\nhint: run `npm run build` in the repository (npm ci runs it)\n');
  process.exit(1);
}
await import(main.href);
