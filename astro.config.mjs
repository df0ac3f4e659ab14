// @ts-check
import { defineConfig } from 'astro/config';
import node from '@astrojs/node';
import mdx from '@astrojs/mdx';

export default defineConfig({
  output: 'server',
  // 'middleware': scripts/start.ts owns the HTTP server (static files without a disk probe per page request).
  adapter: node({ mode: 'middleware', bodySizeLimit: 60 * 1024 * 1024 }),
  integrations: [mdx()],
  // Runtime settings are read from process.env by src/lib/config.ts, never inlined at build time.
  server: { host: true, port: 4321 },
  security: {
    // Off: src/middleware.ts refuses every cross-site write (forms and JSON alike) with a French
    // message and the security headers; Astro's own check answered form posts first, in English.
    checkOrigin: false,
  },
  build: {
    // Styles and scripts are served as files so that the CSP can stay "'self'" without hashes.
    inlineStylesheets: 'never',
  },
  vite: {
    build: { assetsInlineLimit: 0 },
    // PGlite ships WebAssembly and data files it loads relative to itself: leave it unbundled.
    ssr: { external: ['@electric-sql/pglite', '@node-rs/argon2', 'pg', 'nodemailer', 'pdf-lib', '@pdf-lib/fontkit', 'qrcode', 'yazl'] },
    optimizeDeps: { exclude: ['@electric-sql/pglite'] },
  },
});
