// npm run db:migrate — brings the configured database (DATABASE_URL, else PGlite under PGLITE_DIR) to the latest schema.
import { ConfigError } from '../src/lib/config.ts';
import { closeDb, db } from '../src/lib/db/index.ts';
import { migrateToLatest } from '../src/lib/db/migrate.ts';

try {
  const applied = await migrateToLatest(db());
  console.log(applied.length ? `Migrations applied: ${applied.join(', ')}` : 'The database schema is up to date.');
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `Migration failed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await closeDb();
}
