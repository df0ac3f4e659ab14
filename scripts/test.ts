// npm test — every test: unit, integration (PGlite, and PostgreSQL when one is reachable), and
// end-to-end in Chromium. Ends with one line "N passed, N failed" over the whole run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM_MISSING, findChromium, findTestPostgres, POSTGRES_MISSING } from './support/environment.ts';

const root = new URL('..', import.meta.url).pathname;
const reports = join(root, 'test-results');
mkdirSync(reports, { recursive: true });

// Check the machine before running anything, so a missing piece is said first and plainly.
if (!(await findChromium())) {
  console.error(CHROMIUM_MISSING);
  process.exit(1);
}
const postgres = await findTestPostgres();
if (!postgres) {
  console.error(POSTGRES_MISSING);
  process.exit(1);
}
const env = { ...process.env, TEST_DATABASE_URL: postgres, ASTRO_TELEMETRY_DISABLED: '1' };
console.log(`Integration tests run on PGlite and on PostgreSQL (${new URL(postgres).host}).`);

const vitestReport = join(reports, 'vitest.json');
const e2eReport = join(reports, 'e2e.json');
rmSync(vitestReport, { force: true });
rmSync(e2eReport, { force: true });

const vitest = spawnSync(
  process.execPath,
  [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestReport}`],
  { stdio: 'inherit', cwd: root, env },
);
const e2e = spawnSync(process.execPath, [join(root, 'scripts/e2e.ts')], {
  stdio: 'inherit',
  cwd: root,
  env: { ...env, E2E_JSON_REPORT: e2eReport },
});

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(vitestReport)) {
  const report = JSON.parse(readFileSync(vitestReport, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
} else failed += 1;
if (existsSync(e2eReport)) {
  const { stats } = JSON.parse(readFileSync(e2eReport, 'utf8'));
  passed += stats.expected + stats.flaky;
  failed += stats.unexpected;
  skipped += stats.skipped;
} else failed += 1;
// A runner that crashed before writing its report counts as a failure above.
if (vitest.status !== 0 || e2e.status !== 0) failed = Math.max(failed, 1);

console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
