import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { Database } from '../db/index.ts';
import type { PracticeKind, TrainingAudience } from '../db/schema.ts';
import { PRACTICE_KINDS, TRAINING_AUDIENCES } from '../db/schema.ts';
import { TOPICS, type Topic } from '../modules/schema.ts';
import { field } from '../forms.ts';
import { recordAudit } from '../audit/index.ts';
import type { Outcome } from '../accounts/registration.ts';
import { isUuid } from '../ids.ts';

export const AUDIENCE_LABELS: Record<TrainingAudience, string> = {
  professionals: 'Professionnel·les',
  trainees: 'Stagiaires du parcours',
  everyone: 'Stagiaires et professionnel·les',
};

/** The training form, shared by creation and edition (French messages); a linked module must be one of `moduleSlugs`. */
export function trainingFields(moduleSlugs: readonly string[]) {
  return z.object({
    title: field.text('Intitulé', { min: 3, max: 120 }),
    topic: field.choice('Thème', Object.keys(TOPICS) as [Topic, ...Topic[]]),
    audience: field.choice('Public', TRAINING_AUDIENCES),
    durationHours: z
      .string({ error: 'Durée : ce champ est obligatoire.' })
      .trim()
      .transform((v) => Number(v.replace(',', '.')))
      .pipe(
        z
          .number({ error: 'Durée : un nombre d’heures, par exemple 14.' })
          .min(0.5, { error: 'Durée : au moins une demi-heure.' })
          .max(300, { error: 'Durée : 300 heures au plus.' }),
      ),
    summary: field.text('Présentation', { min: 10, max: 600 }),
    objectives: field
      .text('Objectifs', { min: 3, max: 2000 })
      .refine((v) => v.split('\n').some((line) => line.trim().length >= 3), { error: 'Objectifs : au moins un objectif, un par ligne.' }),
    moduleId: field
      .optionalText('Module associé', 80)
      .refine((v) => v === undefined || moduleSlugs.includes(v), { error: 'Module en ligne associé : choisissez un module publié.' }),
    attendancePercent: z
      .string()
      .trim()
      .optional()
      .transform((v) => v || String(DEFAULT_ATTENDANCE_PERCENT))
      .pipe(field.integer('Seuil d’assiduité', { min: 0, max: 100 })),
    // Analyse de la pratique and supervision sessions count towards stages 6 and 7 of the pathway.
    practiceKind: z
      .enum(['', ...PRACTICE_KINDS], { error: 'Type de séances : choisissez une des options proposées.' })
      .optional()
      .transform((v) => (v ? v : undefined)),
  });
}

export const PRACTICE_KIND_LABELS: Record<PracticeKind, string> = {
  practice_analysis: 'Analyse de la pratique (intervision)',
  supervision: 'Supervision',
};

/** The attendance rate an end-of-training attestation asks for, unless the training says otherwise. */
export const DEFAULT_ATTENDANCE_PERCENT = 80;
type TrainingForm = z.output<ReturnType<typeof trainingFields>>;
export type TrainingInput = Omit<TrainingForm, 'attendancePercent' | 'practiceKind'> & { attendancePercent?: number | undefined; practiceKind?: PracticeKind | undefined };

export interface Training {
  id: string;
  slug: string;
  title: string;
  topic: string;
  audience: TrainingAudience;
  durationHours: number;
  summary: string;
  objectives: string[];
  moduleId: string | null;
  /** Between 0 and 1. */
  attendanceThreshold: number;
  practiceKind: PracticeKind | null;
}

type TrainingRow = {
  id: string;
  slug: string;
  title: string;
  topic: string;
  audience: TrainingAudience;
  duration_hours: number;
  summary: string;
  objectives: string;
  module_id: string | null;
  attendance_threshold: number;
  practice_kind: PracticeKind | null;
};

const TRAINING_COLUMNS = ['id', 'slug', 'title', 'topic', 'audience', 'duration_hours', 'summary', 'objectives', 'module_id', 'attendance_threshold', 'practice_kind'] as const;

function toTraining(row: TrainingRow): Training {
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    topic: row.topic,
    audience: row.audience,
    durationHours: Number(row.duration_hours),
    summary: row.summary,
    objectives: splitObjectives(row.objectives),
    moduleId: row.module_id,
    attendanceThreshold: Number(row.attendance_threshold),
    practiceKind: row.practice_kind,
  };
}

export function splitObjectives(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/^\s*[-•*]\s*/, '').trim())
    .filter((line) => line.length > 0);
}

/** Latin letters that carry no combining accent, so NFD leaves them whole. */
const PLAIN_LETTERS: Record<string, string> = { œ: 'oe', æ: 'ae', ł: 'l', ø: 'o', đ: 'd', ß: 'ss' };

/** « Premiers secours en santé mentale » → « premiers-secours-en-sante-mentale »; « Łukasz » → « lukasz ». */
export function slugify(title: string): string {
  return (
    title
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[œæłøđß]/g, (letter) => PLAIN_LETTERS[letter]!)
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60)
      .replace(/-+$/, '') || 'formation'
  );
}

/** The columns a training's form sets, the same for creation and edition. */
function trainingValues(input: TrainingInput, now: Date) {
  return {
    title: input.title,
    topic: input.topic,
    audience: input.audience,
    duration_hours: input.durationHours,
    summary: input.summary,
    objectives: splitObjectives(input.objectives).join('\n'),
    module_id: input.moduleId ?? null,
    attendance_threshold: (input.attendancePercent ?? DEFAULT_ATTENDANCE_PERCENT) / 100,
    practice_kind: input.practiceKind ?? null,
    updated_at: now,
  };
}

export async function listTrainings(db: Database): Promise<Training[]> {
  const rows = await db.selectFrom('training').select(TRAINING_COLUMNS).orderBy('title').execute();
  return rows.map(toTraining);
}

/** Several trainings by id, in one query (the sessions' overviews name their training). */
export async function trainingsByIds(db: Database, ids: readonly string[]): Promise<Map<string, Training>> {
  const wanted = [...new Set(ids)].filter(isUuid);
  if (wanted.length === 0) return new Map();
  const rows = await db.selectFrom('training').select(TRAINING_COLUMNS).where('id', 'in', wanted).execute();
  return new Map(rows.map((row) => [row.id, toTraining(row)]));
}

export async function findTraining(db: Database, by: { id: string } | { slug: string }): Promise<Training | undefined> {
  let query = db.selectFrom('training').select(TRAINING_COLUMNS);
  if ('id' in by) {
    if (!isUuid(by.id)) return undefined;
    query = query.where('id', '=', by.id);
  } else {
    // A slug is what slugify writes: anything else (a NUL byte from the address, say) finds nothing without a query.
    if (!/^[a-z0-9-]{1,100}$/.test(by.slug)) return undefined;
    query = query.where('slug', '=', by.slug);
  }
  const row = await query.executeTakeFirst();
  return row ? toTraining(row) : undefined;
}

export async function createTraining(ctx: AppContext, input: { actorId: string } & TrainingInput): Promise<Outcome<{ training: Training }>> {
  const base = slugify(input.title);
  return ctx.db.transaction().execute(async (trx) => {
    const taken = new Set(
      (await trx.selectFrom('training').select('slug').where('slug', 'like', `${base}%`).execute()).map((r) => r.slug),
    );
    let slug = base;
    for (let n = 2; taken.has(slug); n++) slug = `${base}-${n}`;
    const row = await trx
      .insertInto('training')
      .values({ ...trainingValues(input, ctx.now()), slug, created_by: input.actorId })
      .returning(TRAINING_COLUMNS)
      .executeTakeFirstOrThrow();
    await recordAudit(trx, { actorId: input.actorId, action: 'training.created', details: { trainingId: row.id, title: row.title } });
    return { ok: true, training: toTraining(row) } as const;
  });
}

/** Edits a training; its address (slug) stays, so links already sent keep working. */
export async function updateTraining(
  ctx: AppContext,
  input: { actorId: string; trainingId: string } & TrainingInput,
): Promise<Outcome<{ training: Training }>> {
  if (!isUuid(input.trainingId)) return { ok: false, status: 404, message: 'Cette formation n’existe pas.' };
  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('training')
      .set(trainingValues(input, ctx.now()))
      .where('id', '=', input.trainingId)
      .returning(TRAINING_COLUMNS)
      .executeTakeFirst();
    if (!row) return { ok: false, status: 404, message: 'Cette formation n’existe pas.' } as const;
    await recordAudit(trx, { actorId: input.actorId, action: 'training.updated', details: { trainingId: row.id, title: row.title } });
    return { ok: true, training: toTraining(row) } as const;
  });
}

export function topicLabel(topic: string): string {
  return (TOPICS as Record<string, string>)[topic] ?? topic;
}
