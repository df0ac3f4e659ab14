// npm run content:check — tells a trainer, in plain French, what is wrong in content/modules/.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkModules } from '../src/lib/modules/content-check.ts';
import { activityProblems, knownActivityIds } from '../src/lib/modules/activities.ts';

const dir = join(process.cwd(), 'content/modules');
const files = (await readdir(dir)).filter((f) => f.endsWith('.mdx')).sort();
const sources = await Promise.all(files.map(async (file) => ({ file, text: await readFile(join(dir, file), 'utf8') })));
const ids = await knownActivityIds();
const problemsById = new Map(await Promise.all(ids.map(async (id) => [id, await activityProblems(id)] as const)));

// Activities uploaded from the interface live in the database. It is read only on a PostgreSQL
// server: an embedded database may be open in a running server, and must not be opened twice.
let uploaded: Set<string> | undefined;
if (process.env.DATABASE_URL) {
  const { db, closeDb } = await import('../src/lib/db/index.ts');
  uploaded = new Set((await db().selectFrom('h5p_package').select('id').execute()).map((r) => r.id));
  await closeDb();
}
const unverified = new Set<string>();
const problems = checkModules(sources, {
  has: (id) => {
    if (problemsById.has(id) || uploaded?.has(id)) return true;
    if (uploaded) return false;
    unverified.add(id);
    return true;
  },
  problemsOf: (id) => problemsById.get(id) ?? [],
});
if (unverified.size)
  console.log(
    `À vérifier : ${[...unverified].join(', ')} n’est dans aucun dossier content/activities/. S’il s’agit d’activités téléversées, ` +
      'elles sont vérifiées quand DATABASE_URL désigne la base de la plateforme ; sinon, corrigez l’identifiant.\n',
  );

if (problems.length === 0) {
  console.log(`Tout est en ordre : ${files.length} module${files.length > 1 ? 's' : ''}, ${ids.length} activité${ids.length > 1 ? 's' : ''}.`);
} else {
  console.log(`${problems.length} problème${problems.length > 1 ? 's' : ''} à corriger :\n`);
  for (const p of problems) console.log(`content/modules/${p.file}${p.line ? `, ligne ${p.line}` : ''} : ${p.message}`);
  process.exitCode = 1;
}
