// Brings the configured database to the latest schema and, on the embedded database, creates the
// demo accounts. Shared by `npm start` and `npm run dev`.
import { DEMO_ACCOUNTS, DEMO_PASSWORD, seedDemoAccounts } from '../../src/lib/accounts/demo.ts';
import { ROLE_LABELS } from '../../src/lib/accounts/roles.ts';
import { ConfigError, config } from '../../src/lib/config.ts';
import { closeDb, db } from '../../src/lib/db/index.ts';
import { migrateToLatest } from '../../src/lib/db/migrate.ts';
import { createMailer } from '../../src/lib/mail/outbox.ts';
import { seedDemoTrainings } from '../../src/lib/sessions/demo.ts';
import { seedDemoPathway } from '../../src/lib/pathway/demo.ts';

export async function prepareDatabase(): Promise<{ embedded: boolean; demo: boolean }> {
  let settings;
  try {
    settings = config();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const embedded = !settings.DATABASE_URL;
  const demo = settings.DEMO_ACCOUNTS === 'on' || (settings.DEMO_ACCOUNTS === 'auto' && embedded);
  try {
    const applied = await migrateToLatest(db());
    if (applied.length) console.log(`Database migrations applied: ${applied.join(', ')}`);
    if (demo) {
      await seedDemoAccounts(db());
      // Its own context, not appContext(): that one keeps its handle, and this one is closed below.
      const database = db();
      const demoContext = {
        db: database,
        mail: createMailer(database, { from: settings.MAIL_FROM }),
        publicUrl: settings.PUBLIC_URL,
        sessionDays: settings.SESSION_DAYS,
        now: () => new Date(),
      };
      await seedDemoTrainings(demoContext);
      await seedDemoPathway(demoContext);
    }
  } catch (error) {
    console.error(`The database could not be prepared: ${(error as Error).message}`);
    process.exit(1);
  } finally {
    // PGlite allows one process-wide instance per folder: the server opens its own afterwards.
    await closeDb();
  }
  console.log(`\nESPER Parcours — ${settings.PUBLIC_URL}`);
  console.log(embedded ? `Database: embedded PostgreSQL (PGlite) in ${settings.PGLITE_DIR}` : 'Database: PostgreSQL (DATABASE_URL)');
  if (demo) {
    console.log(`Demo accounts (password for all: ${DEMO_PASSWORD}):`);
    for (const account of DEMO_ACCOUNTS)
      console.log(`  ${account.roles.map((r) => ROLE_LABELS[r]).join(', ').padEnd(24)} ${account.email}`);
  }
  console.log('');
  return { embedded, demo };
}

// Run directly (npm run dev), it prepares the database and ends.
if (import.meta.url === `file://${process.argv[1]}`) await prepareDatabase();
