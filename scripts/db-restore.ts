// npm run db:restore — restores a file of `npm run db:backup` into the configured database
// (DATABASE_URL, else PGlite under PGLITE_DIR), or into the PGlite folder given by --into.
//
//   npm run db:restore -- backups/esper-2026-05-04T03-15-00Z.esperdump
//   npm run db:restore -- backups/….esperdump --into /tmp/essai-restauration    (a trial restore)
//   npm run db:restore -- backups/….esperdump --remplacer                       (empties the target first)
//
// The target must be empty (a new PostgreSQL database, or a PGlite folder that does not exist
// yet); --remplacer erases what it holds instead, in the same transaction as the restore, so a
// failed restore leaves it as it was. Stop the server first.
import { parseArgs } from 'node:util';
import { ConfigError } from '../src/lib/config.ts';
import { BackupError, describeTarget, formatBytes, formatCount, formatSeconds, readBackupHeader, restoreDatabase } from '../src/lib/db/backup.ts';
import { configuredTarget, openDatabase, type DatabaseTarget } from '../src/lib/db/index.ts';

const USAGE = 'Usage : npm run db:restore -- <fichier.esperdump> [--remplacer] [--into <dossier PGlite>]';

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

let args: { remplacer: boolean; into?: string | undefined };
let path: string;
try {
  const parsed = parseArgs({ allowPositionals: true, options: { remplacer: { type: 'boolean', default: false }, into: { type: 'string' } } });
  args = parsed.values;
  if (parsed.positionals.length !== 1) throw new Error(parsed.positionals.length ? 'un seul fichier à la fois' : 'le fichier à restaurer manque');
  path = parsed.positionals[0]!;
} catch (error) {
  fail(`${(error as Error).message}.\n${USAGE}`);
}

let target: DatabaseTarget;
try {
  target = args.into ? { kind: 'pglite', dataDir: args.into } : configuredTarget();
} catch (error) {
  fail(error instanceof ConfigError ? error.message : (error as Error).message);
}

// The file first: a wrong path must not leave a new, empty PGlite folder behind.
try {
  await readBackupHeader(path);
} catch (error) {
  fail(error instanceof BackupError ? error.message : `La sauvegarde ${path} ne peut pas être lue : ${(error as Error).message}`);
}

console.log(`Restauration de ${path} dans ${describeTarget(target)}${args.remplacer ? ', en remplaçant son contenu' : ''}…`);
const db = openDatabase(target);
let exitCode = 0;
try {
  const summary = await restoreDatabase(db, path, {
    replace: args.remplacer,
    onTable: (table, rows) => {
      if (rows) console.log(`  ${table.padEnd(28)} ${formatCount(rows).padStart(11)} ligne${rows > 1 ? 's' : ''}`);
    },
  });
  const made = new Date(summary.header.createdAt).toLocaleString('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'long', timeStyle: 'short' });
  console.log(
    `Restauration terminée : ${summary.tables} tables, ${formatCount(summary.rows)} lignes, ${formatBytes(summary.bytes)} lus, en ${formatSeconds(summary.ms)}.\n` +
      `Sauvegarde du ${made} (base ${summary.header.source === 'pglite' ? 'PGlite' : 'PostgreSQL'}, ${summary.header.migrations.at(-1)}).`,
  );
  if (summary.laterMigrations.length) console.log(`Migrations appliquées ensuite : ${summary.laterMigrations.join(', ')}.`);
} catch (error) {
  if (error instanceof BackupError) {
    console.error(error.message);
    if (error.reason === 'not-empty') console.error('Pour la remplacer entièrement par la sauvegarde, relancez avec --remplacer ; ou restaurez dans une base neuve.');
  } else console.error(`La restauration a échoué : ${(error as Error).message}`);
  exitCode = 1;
} finally {
  await db.destroy();
}
process.exit(exitCode);
