// npm run test:e2e — the browser tests: Debian's Chromium, driven by Playwright, against the
// production build of the platform on a fresh PostgreSQL database made for this run.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase } from '../src/lib/db/index.ts';
import { migrateToLatest } from '../src/lib/db/migrate.ts';
import { CHROMIUM_MISSING, findChromium, findTestPostgres, POSTGRES_MISSING, withDatabase } from './support/environment.ts';

const root = new URL('..', import.meta.url).pathname;

const chromium = await findChromium();
if (!chromium) {
  console.error(CHROMIUM_MISSING);
  process.exit(1);
}
const server = await findTestPostgres();
if (!server) {
  console.error(POSTGRES_MISSING);
  process.exit(1);
}

if (process.env.SKIP_BUILD !== '1') {
  const build = spawnSync(process.execPath, [join(root, 'node_modules/astro/bin/astro.mjs'), 'build'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    cwd: root,
    env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' },
  });
  if (build.status !== 0) {
    console.error('The platform could not be built; see the errors above.');
    process.exit(build.status ?? 1);
  }
}

const name = `esper_e2e_${Date.now()}`;
const admin = new pg.Client({ connectionString: server });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const url = withDatabase(server, name);
const db = openDatabase({ kind: 'postgres', url, maxConnections: 1 });
await migrateToLatest(db);
await db.destroy();

let status = 1;
try {
  console.log(`Browser tests: ${chromium}, database ${name}`);
  const run = spawnSync(process.execPath, [join(root, 'node_modules/@playwright/test/cli.js'), 'test', ...process.argv.slice(2)], {
    stdio: 'inherit',
    cwd: root,
    env: { ...process.env, E2E_DATABASE_URL: url, E2E_CHROMIUM: chromium },
  });
  status = run.status ?? 1;
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
process.exit(status);
