import { sql } from 'kysely';
import type { Database } from '../db/index.ts';
import type { ModuleFrontmatter, ModuleSection } from './schema.ts';

/** What progress needs to know of a module. */
export interface ModuleRules {
  slug: string;
  sections: ModuleSection[];
  activities: ModuleFrontmatter['activities'];
  passingScore: number;
}

export interface ActivityScores {
  /** Best and last scaled scores (0..1), or null when the activity reported no score. */
  best: number | null;
  last: number | null;
  attempts: number;
  lastAt: Date;
}

export interface ModuleProgress {
  started: boolean;
  readSections: Set<string>;
  lastSectionId: string | null;
  completedAt: Date | null;
  activities: Map<string, ActivityScores>;
}

/** The completion rule: every section read, and every required activity passed at the module's threshold. */
export function isComplete(rules: ModuleRules, progress: Pick<ModuleProgress, 'readSections' | 'activities'>): boolean {
  const allRead = rules.sections.every((s) => progress.readSections.has(s.id));
  const activitiesPassed = rules.activities
    .filter((a) => a.required)
    .every((a) => (progress.activities.get(a.id)?.best ?? -1) >= rules.passingScore);
  return allRead && activitiesPassed;
}

/** What remains to do, in French, for a module not yet complete. */
export function whatRemains(rules: ModuleRules, progress: Pick<ModuleProgress, 'readSections' | 'activities'>): string[] {
  const remaining: string[] = [];
  const unread = rules.sections.filter((s) => !progress.readSections.has(s.id));
  if (unread.length) remaining.push(`${unread.length} section${unread.length > 1 ? 's' : ''} à lire`);
  for (const activity of rules.activities.filter((a) => a.required)) {
    const best = progress.activities.get(activity.id)?.best;
    if ((best ?? -1) < rules.passingScore)
      remaining.push(`l’activité à réussir (${Math.round(rules.passingScore * 100)} % de bonnes réponses)`);
  }
  return remaining;
}

/** One person's progress in one module, in a single round trip to the database. */
export async function moduleProgress(db: Database, personId: string, moduleId: string): Promise<ModuleProgress> {
  const row = await db
    .selectNoFrom((eb) => [
      eb
        .selectFrom('module_progress')
        .select(sql<{ last: string | null; completed: string | null }>`json_build_object('last', last_section_id, 'completed', completed_at)`.as('p'))
        .where('person_id', '=', personId)
        .where('module_id', '=', moduleId)
        .as('progress'),
      eb
        .selectFrom('module_section_read')
        .select(sql<string[]>`coalesce(array_agg(section_id), '{}')`.as('s'))
        .where('person_id', '=', personId)
        .where('module_id', '=', moduleId)
        .as('read'),
      eb
        .selectFrom(scoreRows(db, personId, moduleId).as('a'))
        .select(sql<ScoreRow[] | null>`json_agg(a)`.as('j'))
        .as('scores'),
    ])
    .executeTakeFirstOrThrow();
  const activities = new Map((row.scores ?? []).map((score) => [score.activity_id, toScores(score)]));
  return {
    started: row.progress !== null,
    readSections: new Set(row.read ?? []),
    lastSectionId: row.progress?.last ?? null,
    completedAt: row.progress?.completed ? new Date(row.progress.completed) : null,
    activities,
  };
}

/**
 * One row per (module, activity) a person has a score in: best, last, attempts, last time.
 * Used on its own, and inside moduleProgress's single query.
 */
function scoreRows(db: Database, personId: string, moduleId?: string) {
  let query = db
    .selectFrom('activity_result')
    .select((eb) => [
      'module_id',
      'activity_id',
      eb.fn.max('score_scaled').as('best'),
      eb.fn.count<number>('id').as('attempts'),
      eb.fn.max('recorded_at').as('last_at'),
      sql<number | null>`(array_agg(score_scaled ORDER BY recorded_at DESC, id DESC))[1]`.as('last'),
    ])
    .where('person_id', '=', personId)
    .where('score_scaled', 'is not', null)
    .groupBy(['module_id', 'activity_id']);
  if (moduleId) query = query.where('module_id', '=', moduleId);
  return query;
}

type ScoreRow = { activity_id: string; best: number | null; last: number | null; attempts: number; last_at: Date | string };

function toScores(row: ScoreRow): ActivityScores {
  return {
    best: row.best === null ? null : Number(row.best),
    last: row.last === null ? null : Number(row.last),
    attempts: Number(row.attempts),
    lastAt: new Date(row.last_at),
  };
}

/** Best and last scores per module and activity, for one person (all modules when none is given). */
export async function activityScores(db: Database, personId: string, moduleId?: string): Promise<Map<string, Map<string, ActivityScores>>> {
  const byModule = new Map<string, Map<string, ActivityScores>>();
  for (const row of await scoreRows(db, personId, moduleId).execute()) {
    const scores = byModule.get(row.module_id) ?? new Map<string, ActivityScores>();
    scores.set(row.activity_id, toScores(row as ScoreRow));
    byModule.set(row.module_id, scores);
  }
  return byModule;
}

/** Remembers where the person is in a module, so that another device resumes there. */
export async function recordPosition(db: Database, personId: string, moduleId: string, sectionId: string, now: Date): Promise<void> {
  await db
    .insertInto('module_progress')
    .values({ person_id: personId, module_id: moduleId, last_section_id: sectionId, started_at: now, updated_at: now })
    .onConflict((oc) => oc.columns(['person_id', 'module_id']).doUpdateSet({ last_section_id: sectionId, updated_at: now }))
    .execute();
}

/** Marks a section read (once), then records completion if the module's rule is now met. */
export async function markSectionRead(
  db: Database,
  personId: string,
  rules: ModuleRules,
  sectionId: string,
  now: Date,
): Promise<{ completedNow: boolean }> {
  await db
    .insertInto('module_section_read')
    .values({ person_id: personId, module_id: rules.slug, section_id: sectionId, read_at: now })
    .onConflict((oc) => oc.doNothing())
    .execute();
  await recordPosition(db, personId, rules.slug, sectionId, now);
  return recordCompletionIfMet(db, personId, rules, now);
}

/** Sets the completion date the first time the rule is met; a completion is never taken back. */
export async function recordCompletionIfMet(db: Database, personId: string, rules: ModuleRules, now: Date): Promise<{ completedNow: boolean }> {
  const progress = await moduleProgress(db, personId, rules.slug);
  if (progress.completedAt || !isComplete(rules, progress)) return { completedNow: false };
  const updated = await db
    .insertInto('module_progress')
    .values({ person_id: personId, module_id: rules.slug, started_at: now, updated_at: now, completed_at: now })
    .onConflict((oc) =>
      oc.columns(['person_id', 'module_id']).doUpdateSet({ completed_at: now, updated_at: now }).where('module_progress.completed_at', 'is', null),
    )
    .returning('completed_at')
    .executeTakeFirst();
  return { completedNow: updated !== undefined };
}

export interface ProgressSummary {
  moduleId: string;
  startedAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
  lastSectionId: string | null;
  sectionsRead: number;
}

/** Every module a person has opened, most recent first (for their home page and their coordinator). */
export async function progressSummaries(db: Database, personId: string): Promise<ProgressSummary[]> {
  const rows = await db
    .selectFrom('module_progress as p')
    .select((eb) => [
      'p.module_id',
      'p.started_at',
      'p.updated_at',
      'p.completed_at',
      'p.last_section_id',
      eb
        .selectFrom('module_section_read as r')
        .whereRef('r.person_id', '=', 'p.person_id')
        .whereRef('r.module_id', '=', 'p.module_id')
        .select((e) => e.fn.countAll<number>().as('n'))
        .as('sections_read'),
    ])
    .where('p.person_id', '=', personId)
    .orderBy('p.updated_at', 'desc')
    .execute();
  return rows.map((r) => ({
    moduleId: r.module_id,
    startedAt: r.started_at,
    updatedAt: r.updated_at,
    completedAt: r.completed_at,
    lastSectionId: r.last_section_id,
    sectionsRead: Number(r.sections_read ?? 0),
  }));
}

export interface LearnerModuleReport {
  moduleId: string;
  status: 'not-started' | 'in-progress' | 'completed';
  sectionsRead: number;
  sectionsTotal: number;
  completedAt: Date | null;
  updatedAt: Date | null;
  activities: Array<{ id: string; required: boolean } & Partial<ActivityScores>>;
}

/** For a coordinator: every module, with one person's progress and their best and last scores. Two queries. */
export async function learnerReport(db: Database, personId: string, modules: ModuleRules[]): Promise<LearnerModuleReport[]> {
  const [summaries, scores] = await Promise.all([progressSummaries(db, personId), activityScores(db, personId)]);
  const byModule = new Map(summaries.map((s) => [s.moduleId, s]));
  return modules.map((module) => {
    const summary = byModule.get(module.slug);
    const moduleScores = scores.get(module.slug);
    return {
      moduleId: module.slug,
      status: summary?.completedAt ? 'completed' : summary ? 'in-progress' : 'not-started',
      sectionsRead: summary?.sectionsRead ?? 0,
      sectionsTotal: module.sections.length,
      completedAt: summary?.completedAt ?? null,
      updatedAt: summary?.updatedAt ?? null,
      activities: module.activities.map((a) => ({ id: a.id, required: a.required, ...moduleScores?.get(a.id) })),
    };
  });
}

/** A person's own records in the modules domain, for the download of all their data. */
export async function modulesPersonalData(db: Database, personId: string) {
  const [progress, sections, results] = await Promise.all([
    db.selectFrom('module_progress').select(['module_id', 'started_at', 'last_section_id', 'completed_at']).where('person_id', '=', personId).orderBy('started_at').execute(),
    db.selectFrom('module_section_read').select(['module_id', 'section_id', 'read_at']).where('person_id', '=', personId).orderBy('read_at').execute(),
    db
      .selectFrom('activity_result')
      .select(['module_id', 'activity_id', 'verb', 'score_raw', 'score_max', 'score_scaled', 'completion', 'success', 'duration', 'recorded_at'])
      .where('person_id', '=', personId)
      .orderBy('recorded_at')
      .execute(),
  ]);
  return {
    modules: progress.map((p) => ({ module: p.module_id, startedAt: p.started_at, lastSection: p.last_section_id, completedAt: p.completed_at })),
    sectionsRead: sections.map((s) => ({ module: s.module_id, section: s.section_id, readAt: s.read_at })),
    activityResults: results.map((r) => ({
      module: r.module_id,
      activity: r.activity_id,
      verb: r.verb,
      score: { raw: r.score_raw, max: r.score_max, scaled: r.score_scaled },
      completion: r.completion,
      success: r.success,
      duration: r.duration,
      recordedAt: r.recorded_at,
    })),
  };
}
