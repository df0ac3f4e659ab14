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
const problems = checkModules(sources, { has: (id) => problemsById.has(id), problemsOf: (id) => problemsById.get(id) ?? [] });

if (problems.length === 0) {
  console.log(`Tout est en ordre : ${files.length} module${files.length > 1 ? 's' : ''}, ${ids.length} activité${ids.length > 1 ? 's' : ''}.`);
} else {
  console.log(`${problems.length} problème${problems.length > 1 ? 's' : ''} à corriger :\n`);
  for (const p of problems) console.log(`content/modules/${p.file}${p.line ? `, ligne ${p.line}` : ''} : ${p.message}`);
  process.exitCode = 1;
}
