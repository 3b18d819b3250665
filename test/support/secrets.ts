/**
 * The signing secret of the servers the tests start: made as the docs say (openssl rand -hex 32),
 * since anything guessable is refused outside demo mode (src/config.ts, secretEntropyBits).
 */
export const TEST_JWT_SECRET = 'a29d6b968ba10d357845a371045d82161d1d0935bb675328db67c6f0634f6760';
