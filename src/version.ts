import { readFileSync } from 'node:fs';

/**
 * The package's version. Its own module, with nothing else imported, so that `provisioner
 * --version` and the client commands start without loading the server. The same relative path
 * works from src/ and from the compiled dist/: both sit next to package.json.
 */
export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
