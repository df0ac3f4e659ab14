// npm run seed:large — fills a database with the large world (scripts/seed/large-world.ts):
// ten years of activity, 10,000 people, 1,000 sessions, a million rows of progress and
// attendance, 10,000 attestations. The database is the one the application uses (DATABASE_URL,
// else PGlite under PGLITE_DIR, ./data/pglite by default), or the PGlite folder given by --into.
//
//   npm run seed:large                         the whole world, seed « esper », ending now
//   npm run seed:large -- --scale 0.1          a tenth of it
//   npm run seed:large -- --seed autre --into /tmp/grand-monde
//   npm run seed:large -- --force              add it to a database that already has people
//
// It migrates first. It refuses a database that already has people unless --force (or
// SEED_FORCE=1): then it adds the world without touching what is there, and still refuses when
// this seed's world is already in it. Nothing is ever deleted. With PGlite, stop the server
// first: one process at a time may open its folder.
import { parseArgs } from 'node:util';
import { ConfigError, config } from '../src/lib/config.ts';
import { configuredTarget, openDatabase, type DatabaseTarget } from '../src/lib/db/index.ts';
import { migrateToLatest } from '../src/lib/db/migrate.ts';
import { SEED_PATTERN, formatCounts, seedLargeWorld } from './seed/large-world.ts';

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

let args;
try {
  args = parseArgs({
    options: {
      seed: { type: 'string', default: 'esper' },
      scale: { type: 'string', default: '1' },
      into: { type: 'string' },
      force: { type: 'boolean', default: false },
    },
  }).values;
} catch (error) {
  fail(`Option inconnue ou incomplète : ${(error as Error).message}\nUsage : npm run seed:large -- [--seed esper] [--scale 1] [--into <dossier PGlite>] [--force]`);
}
const scale = Number(args.scale);
if (!(scale > 0 && scale <= 2)) fail(`--scale : un nombre entre 0 (exclu) et 2, par exemple 1 ou 0.1 (reçu « ${args.scale} »).`);
if (!SEED_PATTERN.test(args.seed)) fail(`--seed : des minuscules, des chiffres et des tirets, 32 caractères au plus (reçu « ${args.seed} »).`);
const force = args.force || process.env.SEED_FORCE === '1';

let target: DatabaseTarget;
let publicUrl: string;
try {
  target = args.into ? { kind: 'pglite', dataDir: args.into } : configuredTarget();
  publicUrl = config().PUBLIC_URL;
} catch (error) {
  fail(error instanceof ConfigError ? error.message : (error as Error).message);
}
const where = target.kind === 'postgres' ? 'la base PostgreSQL de DATABASE_URL' : `la base PGlite du dossier ${target.dataDir}`;
console.log(`Grand monde : graine « ${args.seed} », échelle ${scale}, dans ${where}.`);

const db = openDatabase(target);
let exitCode = 0;
try {
  const applied = await migrateToLatest(db);
  if (applied.length) console.log(`Migrations appliquées : ${applied.join(', ')}`);
  const people = Number((await db.selectFrom('person').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const sameWorld = await db
    .selectFrom('person')
    .select('id')
    .where('email', 'like', `%@${args.seed}.exemple.test`)
    .limit(1)
    .executeTakeFirst();
  if (sameWorld) {
    console.error(`Ce grand monde (graine « ${args.seed} ») est déjà dans ${where} : rien n’a été ajouté. Choisissez une autre graine (--seed) ou une autre base.`);
    exitCode = 1;
  } else if (people > 0 && !force) {
    console.error(
      `${where[0]!.toUpperCase()}${where.slice(1)} contient déjà ${people.toLocaleString('fr-FR')} personne${people > 1 ? 's' : ''} : le grand monde se sème dans une base vide.\n` +
        'Pour l’ajouter quand même, sans rien effacer ni modifier, relancez avec --force (ou SEED_FORCE=1) ; ou choisissez un autre dossier avec --into.',
    );
    exitCode = 1;
  } else {
    const world = await seedLargeWorld(db, { seed: args.seed, scale, now: new Date(), publicUrl, log: (line) => console.log(line) });
    console.log('\nLignes par table :');
    console.log(formatCounts(world.counts).join('\n'));
    console.log(
      `\nSemé en ${(world.ms / 1000).toFixed(0)} s : ${world.people.toLocaleString('fr-FR')} personnes, ${world.sessions.toLocaleString('fr-FR')} séances, ` +
        `${world.activityRows.toLocaleString('fr-FR')} lignes de progression et de présence, ${world.attestations.toLocaleString('fr-FR')} attestations.`,
    );
    console.log('Ses comptes n’ont pas de mot de passe : connectez-vous avec les comptes de démonstration (créés par npm start sur PGlite, ou avec DEMO_ACCOUNTS=on).');
  }
} catch (error) {
  console.error(`Le grand monde n’a pas pu être semé : ${(error as Error).message}`);
  exitCode = 1;
} finally {
  await db.destroy();
}
process.exit(exitCode);
