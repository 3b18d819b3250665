import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliInvocation } from '../../src/cli/client/invocation.ts';

/** Hints print the command that works where the user stands (`npm ci` puts no `provisioner` on the PATH). */
let dir: string;
let project: string;
before(async () => {
  dir = realpathSync(await mkdtemp(path.join(tmpdir(), 'provisioner-invocation-')));
  project = path.join(dir, 'provisioner');
  await mkdir(path.join(project, 'bin'), { recursive: true });
  await writeFile(path.join(project, 'bin/provisioner.js'), '');
  await mkdir(path.join(dir, 'elsewhere'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('inside the project: npx provisioner', () => {
  assert.equal(cliInvocation({ root: project, cwd: project, env: { PATH: '/usr/bin:/bin' } }), 'npx provisioner');
  assert.equal(cliInvocation({ root: project, cwd: path.join(project, 'bin'), env: { PATH: '/usr/bin' } }), 'npx provisioner');
});

test('installed globally (provisioner on the PATH is this program): provisioner', async () => {
  const globalBin = path.join(dir, 'global-bin');
  await mkdir(globalBin);
  await symlink(path.join(project, 'bin/provisioner.js'), path.join(globalBin, 'provisioner'));
  assert.equal(cliInvocation({ root: project, cwd: path.join(dir, 'elsewhere'), env: { PATH: `/usr/bin:${globalBin}` } }), 'provisioner');
  await rm(globalBin, { recursive: true });
});

test('the node_modules/.bin that npm puts on the PATH of npx and npm run does not count as installed', async () => {
  const npmBin = path.join(project, 'node_modules/.bin');
  await mkdir(npmBin, { recursive: true });
  await symlink('../../bin/provisioner.js', path.join(npmBin, 'provisioner'));
  assert.equal(cliInvocation({ root: project, cwd: project, env: { PATH: `${npmBin}:/usr/bin` } }), 'npx provisioner');
});

test('a dependency of another project, from that project: npx provisioner', async () => {
  const app = path.join(dir, 'shop-app');
  const dependency = path.join(app, 'node_modules/provisioner');
  await mkdir(path.join(dependency, 'bin'), { recursive: true });
  await writeFile(path.join(dependency, 'bin/provisioner.js'), '');
  await mkdir(path.join(app, 'node_modules/.bin'));
  await symlink('../provisioner/bin/provisioner.js', path.join(app, 'node_modules/.bin/provisioner'));
  await mkdir(path.join(app, 'src'));
  assert.equal(cliInvocation({ root: dependency, cwd: path.join(app, 'src'), env: { PATH: '/usr/bin' } }), 'npx provisioner');
});

test('anywhere else: node and the path of the program; PROVISIONER_CLI overrides all', () => {
  assert.equal(cliInvocation({ root: project, cwd: path.join(dir, 'elsewhere'), env: { PATH: '/usr/bin' } }), `node ${path.join(project, 'bin/provisioner.js')}`);
  assert.equal(cliInvocation({ root: project, cwd: project, env: { PROVISIONER_CLI: 'prov' } }), 'prov');
});
