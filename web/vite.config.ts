import path from 'node:path';
import { defineConfig } from 'vite';

/** The dashboard (web/) into dist/web/, which the API serves at / (src/api/routes/dashboard.ts). */
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: path.resolve(import.meta.dirname, '../dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
  },
});
