// Module progress for the benchmark: the signed-in person is part-way through a module, and a third
// of the other people have progress in two modules, so the progress tables are not empty.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { load as parseYaml } from 'js-yaml';
import type { Database } from '../../src/lib/db/index.ts';
import { isComplete, markSectionRead, recordPosition, type ModuleRules } from '../../src/lib/modules/progress.ts';
import { moduleFrontmatter, sectionsOf } from '../../src/lib/modules/schema.ts';

export interface ProgressOptions {
  /** The module the signed-in person is reading (its page is measured). */
  moduleSlug: string;
  /** How many of its first sections the signed-in person has read; the next one is their position. */
  sectionsRead: number;
  /** Every n-th other person has progress in `modulesEach` published modules. */
  every?: number;
  modulesEach?: number;
  /** Rows per INSERT. */
  batchSize?: number;
}

export interface SeededProgress {
  /** People with at least one module_progress row (the signed-in person included). */
  people: number;
  modules: number;
  sectionsRead: number;
  completed: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The published modules of content/modules/, read as the build reads them (frontmatter + `<Section>`s).
 * The bench cannot import astro:content; a file that does not parse (being edited) is left out.
 */
export async function publishedModules(root: string): Promise<ModuleRules[]> {
  const dir = join(root, 'content/modules');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.mdx')).sort();
  const modules: ModuleRules[] = [];
  for (const file of files) {
    const text = await readFile(join(dir, file), 'utf8');
    const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(text);
    if (!match) continue;
    let data: unknown;
    try {
      data = parseYaml(match[1] ?? '');
    } catch {
      continue;
    }
    const frontmatter = moduleFrontmatter.safeParse(data);
    if (!frontmatter.success || frontmatter.data.status !== 'published') continue;
    const sections = sectionsOf(text.slice(match[0].length));
    if (!sections.length) continue;
    modules.push({
      slug: file.replace(/\.mdx$/, ''),
      sections,
      activities: frontmatter.data.activities,
      passingScore: frontmatter.data.passingScore,
    });
  }
  return modules;
}

export async function seedModuleProgress(
  db: Database,
  signedInId: string,
  modules: ModuleRules[],
  options: ProgressOptions,
): Promise<SeededProgress> {
  const every = options.every ?? 3;
  const modulesEach = Math.min(options.modulesEach ?? 2, modules.length);
  const batchSize = options.batchSize ?? 1000;
  const now = Date.now();

  // The signed-in person, through the application's own code: a few sections read, then the
  // position on the next one (where "Reprendre" takes them back).
  const target = modules.find((m) => m.slug === options.moduleSlug);
  if (!target) throw new Error(`Module "${options.moduleSlug}" is not a published module of content/modules/ (or does not parse).`);
  if (target.sections.length <= options.sectionsRead)
    throw new Error(`Module "${target.slug}" has ${target.sections.length} sections; the bench reads ${options.sectionsRead} and needs one more.`);
  const read = target.sections.slice(0, options.sectionsRead);
  for (const [i, section] of read.entries())
    await markSectionRead(db, signedInId, target, section.id, new Date(now - (read.length - i) * 60 * 60 * 1000));
  await recordPosition(db, signedInId, target.slug, target.sections[options.sectionsRead]!.id, new Date(now - 10 * 60 * 1000));
  const seeded: SeededProgress = { people: 1, modules: 1, sectionsRead: read.length, completed: 0 };

  // The others, in bulk and deterministically by their place in the seeded list (the bench's own
  // people: the large world beside them has its progress already).
  const others = await db
    .selectFrom('person')
    .select('id')
    .where('id', '!=', signedInId)
    .where('email', 'like', '%@bench.esper-parcours.test')
    .orderBy('email')
    .execute();
  const progressRows: { person_id: string; module_id: string; started_at: Date; last_section_id: string; updated_at: Date; completed_at: Date | null }[] = [];
  const readRows: { person_id: string; module_id: string; section_id: string; read_at: Date }[] = [];
  for (const [i, { id }] of others.entries()) {
    if (i % every !== 0) continue;
    seeded.people++;
    const n = i / every;
    for (let k = 0; k < modulesEach; k++) {
      const module = modules[(n + k * 3) % modules.length]!;
      const sections = module.sections;
      // From the first section only up to all of them, varying with the person.
      const readCount = 1 + ((n + k) % sections.length);
      const startedAt = new Date(now - (1 + (n % 60)) * DAY_MS);
      const readSections = new Set<string>();
      for (let s = 0; s < readCount; s++) {
        readSections.add(sections[s]!.id);
        readRows.push({ person_id: id, module_id: module.slug, section_id: sections[s]!.id, read_at: new Date(startedAt.getTime() + (s + 1) * 15 * 60 * 1000) });
      }
      const updatedAt = new Date(startedAt.getTime() + readCount * 15 * 60 * 1000);
      // No activity results are seeded: only a module without a required activity can be complete.
      const complete = isComplete(module, { readSections, activities: new Map() });
      progressRows.push({
        person_id: id,
        module_id: module.slug,
        started_at: startedAt,
        last_section_id: sections[Math.min(readCount, sections.length - 1)]!.id,
        updated_at: updatedAt,
        completed_at: complete ? updatedAt : null,
      });
      seeded.modules++;
      seeded.sectionsRead += readCount;
      if (complete) seeded.completed++;
    }
  }
  await db.transaction().execute(async (trx) => {
    for (let start = 0; start < progressRows.length; start += batchSize)
      await trx.insertInto('module_progress').values(progressRows.slice(start, start + batchSize)).execute();
    for (let start = 0; start < readRows.length; start += batchSize)
      await trx.insertInto('module_section_read').values(readRows.slice(start, start + batchSize)).execute();
  });
  return seeded;
}
