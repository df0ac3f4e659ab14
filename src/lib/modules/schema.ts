import { z } from 'zod';

/** Topics of the training offer, with their French names. */
export const TOPICS = {
  'pair-aidance': 'Pair-aidance et métier de MSP',
  integration: 'Intégration d’un travailleur pair',
  pssm: 'Premiers secours en santé mentale',
  retablissement: 'Rétablissement',
  ips: 'Emploi accompagné (IPS)',
  wrap: 'WRAP',
  'chez-soi-d-abord': 'Un chez soi d’abord',
  droits: 'Droits des usagers',
} as const;
export type Topic = keyof typeof TOPICS;

/** The seven stages of the professionalisation pathway. */
export const STAGES = {
  1: 'Programme découverte',
  2: 'Initiation au métier',
  3: 'Pôle de formation continue',
  4: 'Montée en compétence',
  5: 'Contribution aux contenus pédagogiques',
  6: 'Analyse de la pratique',
  7: 'Supervision',
} as const;
export type Stage = keyof typeof STAGES;

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** A module's frontmatter, checked at build time and by `npm run content:check` (French messages for trainers). */
export const moduleFrontmatter = z.object({
  title: z.string({ error: 'title : le titre est obligatoire.' }).min(3).max(120),
  summary: z.string({ error: 'summary : le résumé est obligatoire.' }).min(10).max(300, { error: 'summary : 300 caractères au plus.' }),
  topic: z.enum(Object.keys(TOPICS) as [Topic, ...Topic[]], {
    error: `topic : choisissez parmi ${Object.keys(TOPICS).join(', ')}.`,
  }),
  stages: z
    .array(z.number().int().min(1).max(7), { error: 'stages : une liste d’étapes du parcours, de 1 à 7.' })
    .min(1, { error: 'stages : au moins une étape.' }),
  audiences: z
    .array(z.enum(['trainee', 'professional'], { error: 'audiences : trainee ou professional.' }))
    .min(1, { error: 'audiences : au moins un public.' }),
  durationMinutes: z
    .number({ error: 'durationMinutes : une durée en minutes.' })
    .int()
    .min(5)
    .max(600, { error: 'durationMinutes : 600 minutes au plus.' }),
  objectives: z.array(z.string().min(3)).min(1, { error: 'objectives : au moins un objectif.' }),
  keyPoints: z.array(z.string().min(3)).min(1, { error: 'keyPoints : au moins un point à retenir.' }),
  activities: z
    .array(
      z.object({
        id: z.string().regex(SLUG, { error: 'activities : un identifiant en minuscules et tirets.' }),
        required: z.boolean().default(true),
      }),
    )
    .default([]),
  passingScore: z.number().min(0).max(1, { error: 'passingScore : une proportion entre 0 et 1, par exemple 0.8.' }).default(0.8),
  status: z.enum(['draft', 'published'], { error: 'status : draft ou published.' }).default('draft'),
});

export type ModuleFrontmatter = z.infer<typeof moduleFrontmatter>;

export interface ModuleSection {
  id: string;
  title: string;
}

/**
 * The sections of a module, read from its MDX source: each `<Section id="…" title="…">`.
 * A section is one screen of reading, and the unit of progress.
 */
export function sectionsOf(body: string): ModuleSection[] {
  const sections: ModuleSection[] = [];
  for (const match of body.matchAll(/<Section\s+([^>]*)>/g)) {
    const attributes = match[1] ?? '';
    const id = /\bid="([^"]*)"/.exec(attributes)?.[1];
    const title = /\btitle="([^"]*)"/.exec(attributes)?.[1];
    if (id !== undefined && title !== undefined) sections.push({ id, title });
  }
  return sections;
}

/** The activities placed in a module's MDX source: each `<Activity id="…" />`. */
export function activitiesPlaced(body: string): string[] {
  return [...body.matchAll(/<Activity\s+[^>]*\bid="([^"]*)"/g)].map((m) => m[1]!);
}
