/**
 * The signing secret of the servers the tests start: made as the docs say (openssl rand -hex 32),
 * since anything guessable is refused outside demo mode (src/config.ts, secretEntropyBits).
 */
export const TEST_JWT_SECRET = 'a29d6b968ba10d357845a371045d82161d1d0935bb675328db67c6f0634f6760';

/**
 * The engine-credential key of the servers and workers the tests start (in process through the
 * harness's config, in spawned processes through PROVISIONER_ENCRYPTION_KEY): one key, so that
 * every process of a test reads what another sealed. Made with `openssl rand -base64 32`.
 */
export const TEST_ENCRYPTION_KEY = 'XCISCMBD7wU9q5SiLdNs4l/HCG4hJBLFTkjj0SpKRB8=';
export const TEST_ENCRYPTION_KEYS = { current: Buffer.from(TEST_ENCRYPTION_KEY, 'base64'), previous: [] as Buffer[] };
