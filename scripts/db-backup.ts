// npm run db:backup — writes the configured database (DATABASE_URL, else PGlite under PGLITE_DIR)
// to one file that `npm run db:restore` reads back, on PGlite as on PostgreSQL (src/lib/db/backup.ts).
//
//   npm run db:backup                                   backups/esper-2026-05-04T03-15-00Z.esperdump
//   npm run db:backup -- /srv/sauvegardes/esper.esperdump
//
// On PostgreSQL the server may keep running (the backup reads one snapshot). On PGlite, stop it
// first: one process at a time may open its folder.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../src/lib/config.ts';
import { BackupError, backupDatabase, defaultBackupPath, describeTarget, formatBytes, formatCount, formatSeconds } from '../src/lib/db/backup.ts';
import { configuredTarget, openDatabase, type DatabaseTarget } from '../src/lib/db/index.ts';

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

let path: string;
try {
  const { positionals } = parseArgs({ allowPositionals: true, options: {} });
  if (positionals.length > 1) throw new Error('un seul fichier à la fois');
  path = positionals[0] ?? defaultBackupPath(new Date());
} catch (error) {
  fail(`Option inconnue ou en trop : ${(error as Error).message}\nUsage : npm run db:backup -- [fichier.esperdump]`);
}

let target: DatabaseTarget;
try {
  target = configuredTarget();
} catch (error) {
  fail(error instanceof ConfigError ? error.message : (error as Error).message);
}
// Opening an absent PGlite folder would create an empty database, and back that up.
if (target.kind === 'pglite' && !existsSync(join(target.dataDir!, 'PG_VERSION')))
  fail(`Aucune base PGlite dans le dossier ${target.dataDir} : rien à sauvegarder. Vérifiez PGLITE_DIR.`);

console.log(`Sauvegarde de ${describeTarget(target)} dans ${path}…`);
const db = openDatabase(target);
let exitCode = 0;
try {
  const summary = await backupDatabase(db, path, {
    source: target.kind,
    onTable: (table, rows) => {
      if (rows) console.log(`  ${table.padEnd(28)} ${formatCount(rows).padStart(11)} ligne${rows > 1 ? 's' : ''}`);
    },
  });
  console.log(
    `Sauvegarde terminée : ${summary.tables} tables, ${formatCount(summary.rows)} lignes, ${formatBytes(summary.bytes)}, en ${formatSeconds(summary.ms)}.\n` +
      `Fichier : ${summary.path}`,
  );
} catch (error) {
  console.error(error instanceof BackupError ? error.message : `La sauvegarde a échoué : ${(error as Error).message}`);
  exitCode = 1;
} finally {
  await db.destroy();
}
process.exit(exitCode);
