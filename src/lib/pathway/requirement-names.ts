import type { Database } from '../db/index.ts';
import { allModules } from '../modules/collection.ts';
import type { RequirementNames } from './requirements.ts';
import { stageTexts } from './stage-texts.ts';

/** The titles the checklists print: modules from the content, trainings from the catalogue (one query). */
export async function requirementNames(db: Database): Promise<RequirementNames> {
  const [modules, trainings] = await Promise.all([allModules(), db
      .selectFrom('training')
      .select(['id', 'title', 'slug'])
      // Only the trainings a rule names, whether in force or retired: not the whole catalogue.
      .where('id', 'in', (eb) => eb.selectFrom('pathway_requirement').select('training_id').where('training_id', 'is not', null).$narrowType<{ training_id: string }>())
      .execute()]);
  const moduleTitles = new Map(modules.map((m) => [m.slug, m.title]));
  const byId = new Map(trainings.map((t) => [t.id, { title: t.title, slug: t.slug }]));
  return { moduleTitle: (slug) => moduleTitles.get(slug), training: (id) => byId.get(id) };
}

/** A stage's title, from its text in content/parcours. */
export async function stageTitles(): Promise<(stage: number) => string> {
  const texts = await stageTexts();
  return (stage) => texts.find((t) => t.stage === stage)?.title ?? `Étape ${stage}`;
}
