import type { Selectable, Transaction } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Database } from '../db/index.ts';
import type { Outcome } from '../accounts/registration.ts';
import { recordAudit } from '../audit/index.ts';
import { isUuid } from '../ids.ts';
import { managesSessions } from '../sessions/training-sessions.ts';
import type { DB, PathwayRequirementTable, RequirementKind } from '../db/schema.ts';
import { attendanceRate, hoursAttended, slotHours } from '../attendance/hours.ts';
import { frenchHours, frenchPercent } from '../time.ts';
import { validatedMissionMinutes } from './missions.ts';

/**
 * What a stage asks, and whether a trainee has it. The rules are rows the coordination edits
 * (`pathway_requirement`); what the trainee has done is read in a fixed number of queries
 * (`pathwayFacts`), and the verdict is a pure function of the two (`evaluateRequirements`),
 * so it is unit-tested without a database and the pages cost the same whatever the history.
 */

export interface Requirement {
  id: string;
  stage: number;
  kind: RequirementKind;
  moduleSlug: string | null;
  trainingId: string | null;
  minAttendance: number | null;
  quantity: number | null;
  label: string | null;
  position: number;
}

/** What a trainee has done, as the requirements count it. */
export interface PathwayFacts {
  completedModules: ReadonlySet<string>;
  /** The best attendance rate of a finished session, per training. */
  bestAttendance: ReadonlyMap<string, number>;
  /** Finished sessions attended (at least one hour), per practice kind. */
  practiceAnalysisSessions: number;
  supervisionSessions: number;
  /** Validated mission minutes, per stage they were logged on. */
  missionMinutes: ReadonlyMap<number, number>;
  /** The free-text conditions a coordinator ticked. */
  checked: ReadonlySet<string>;
}

export interface RequirementStatus {
  requirement: Requirement;
  met: boolean;
  /** The requirement in the trainee's words (« Terminer le module … »). */
  title: string;
  /** Where they stand (« 12 h validées sur 20 h »), when there is something to count. */
  progress: string | null;
  /** Where to go to fulfil it, when the platform has a page for it. */
  link: { href: string; label: string } | null;
}

/** The names the requirements need: module titles and training titles and slugs. */
export interface RequirementNames {
  moduleTitle: (slug: string) => string | undefined;
  training: (id: string) => { title: string; slug: string } | undefined;
}

export const REQUIREMENT_KIND_LABELS: Record<RequirementKind, string> = {
  module_completed: 'Module en ligne terminé',
  training_attended: 'Formation suivie',
  mission_hours: 'Heures de missions en binôme validées',
  practice_analysis_sessions: 'Séances d’analyse de la pratique',
  supervision_sessions: 'Séances de supervision',
  coordinator_check: 'Condition validée par la coordination',
};

const plural = (n: number, word: string) => `${n} ${word}${n > 1 ? 's' : ''}`;

export function evaluateRequirements(requirements: readonly Requirement[], facts: PathwayFacts, names: RequirementNames): RequirementStatus[] {
  return requirements.map((r): RequirementStatus => {
    switch (r.kind) {
      case 'module_completed': {
        const slug = r.moduleSlug!;
        const title = names.moduleTitle(slug) ?? slug;
        return { requirement: r, met: facts.completedModules.has(slug), title: `Terminer le module « ${title} »`, progress: null, link: { href: `/modules/${slug}`, label: 'Ouvrir le module' } };
      }
      case 'training_attended': {
        const training = names.training(r.trainingId!);
        const best = facts.bestAttendance.get(r.trainingId!);
        const asked = r.minAttendance ?? 0;
        return {
          requirement: r,
          met: best !== undefined && best + 1e-9 >= asked,
          title: `Suivre la formation « ${training?.title ?? 'formation retirée'} »${asked > 0 ? ` (assiduité d’au moins ${frenchPercent(asked)})` : ''}`,
          progress: best === undefined ? null : `Meilleure assiduité : ${frenchPercent(best)}`,
          link: training ? { href: `/formations/${training.slug}`, label: 'Voir les séances' } : null,
        };
      }
      case 'mission_hours': {
        const hours = (facts.missionMinutes.get(r.stage) ?? 0) / 60;
        const asked = r.quantity ?? 0;
        return {
          requirement: r,
          met: hours + 1e-9 >= asked,
          title: `Réaliser ${frenchHours(asked)} de missions bénévoles en binôme, validées`,
          progress: `${frenchHours(hours)} validées sur ${frenchHours(asked)}`,
          link: { href: '/mon-parcours/missions', label: 'Noter une mission' },
        };
      }
      case 'practice_analysis_sessions':
      case 'supervision_sessions': {
        const practice = r.kind === 'practice_analysis_sessions';
        const done = practice ? facts.practiceAnalysisSessions : facts.supervisionSessions;
        const asked = r.quantity ?? 0;
        return {
          requirement: r,
          met: done >= asked,
          title: `Participer à ${plural(asked, practice ? 'séance d’analyse de la pratique' : 'séance de supervision')}`,
          progress: `${done} sur ${asked}`,
          link: { href: '/formations', label: 'Voir les séances' },
        };
      }
      case 'coordinator_check':
        return { requirement: r, met: facts.checked.has(r.id), title: r.label ?? '', progress: null, link: null };
    }
  });
}

type Reader = Database | Transaction<DB>;

function requirementOf(row: Selectable<PathwayRequirementTable>): Requirement {
  return {
    id: row.id,
    stage: row.stage,
    kind: row.kind,
    moduleSlug: row.module_slug,
    trainingId: row.training_id,
    minAttendance: row.min_attendance,
    quantity: row.quantity,
    label: row.label,
    position: row.position,
  };
}

/** The rules in force, for one stage or all of them, in their order. */
export async function activeRequirements(db: Reader, stage?: number): Promise<Requirement[]> {
  let query = db.selectFrom('pathway_requirement').selectAll().where('retired_at', 'is', null);
  if (stage !== undefined) query = query.where('stage', '=', stage);
  return (await query.orderBy('stage').orderBy('position').orderBy('created_at').execute()).map(requirementOf);
}

/** What one trainee has done, in five queries whatever their history. */
export async function pathwayFacts(db: Reader, personId: string): Promise<PathwayFacts> {
  const [modules, slots, records, checks, missionMinutes] = await Promise.all([
    db.selectFrom('module_progress').select('module_id').where('person_id', '=', personId).where('completed_at', 'is not', null).execute(),
    db
      .selectFrom('enrolment as e')
      .innerJoin('training_session as s', 's.id', 'e.session_id')
      .innerJoin('training as t', 't.id', 's.training_id')
      .innerJoin('session_slot as sl', 'sl.session_id', 's.id')
      .select(['s.id as session_id', 't.id as training_id', 't.practice_kind', 'sl.id as slot_id', 'sl.starts_at', 'sl.ends_at', 'sl.closed_at'])
      .where('e.person_id', '=', personId)
      .where('e.status', '=', 'enrolled')
      .where('s.cancelled_at', 'is', null)
      .execute(),
    db.selectFrom('attendance_record').select(['slot_id', 'status', 'arrived_at', 'id']).where('person_id', '=', personId).orderBy('id').execute(),
    db.selectFrom('pathway_check').select('requirement_id').where('person_id', '=', personId).execute(),
    validatedMissionMinutes(db, personId),
  ]);
  // The latest record of each half-day is the person's state in it (records are append-only).
  const latest = new Map(records.map((r) => [r.slot_id, { status: r.status, arrivedAt: r.arrived_at }]));
  const sessions = new Map<string, { trainingId: string; practiceKind: string | null; planned: number; attended: number; finished: boolean }>();
  for (const slot of slots) {
    const session = sessions.get(slot.session_id) ?? { trainingId: slot.training_id, practiceKind: slot.practice_kind, planned: 0, attended: 0, finished: true };
    const times = { startsAt: slot.starts_at, endsAt: slot.ends_at };
    session.planned += slotHours(times);
    session.attended += hoursAttended(times, latest.get(slot.slot_id));
    session.finished &&= slot.closed_at !== null;
    sessions.set(slot.session_id, session);
  }
  const bestAttendance = new Map<string, number>();
  let practiceAnalysisSessions = 0;
  let supervisionSessions = 0;
  for (const s of sessions.values()) {
    if (!s.finished) continue;
    const rate = attendanceRate(s.attended, s.planned);
    bestAttendance.set(s.trainingId, Math.max(rate, bestAttendance.get(s.trainingId) ?? 0));
    if (s.attended > 0 && s.practiceKind === 'practice_analysis') practiceAnalysisSessions++;
    if (s.attended > 0 && s.practiceKind === 'supervision') supervisionSessions++;
  }
  return {
    completedModules: new Set(modules.map((m) => m.module_id)),
    bestAttendance,
    practiceAnalysisSessions,
    supervisionSessions,
    missionMinutes,
    checked: new Set(checks.map((c) => c.requirement_id)),
  };
}

export interface RetiredRequirement extends Requirement {
  createdAt: Date;
  retiredAt: Date;
}

/** The rules retired, newest first: the history the coordination keeps. */
export async function retiredRequirements(db: Database): Promise<RetiredRequirement[]> {
  const rows = await db.selectFrom('pathway_requirement').selectAll().where('retired_at', 'is not', null).orderBy('retired_at', 'desc').limit(200).execute();
  return rows.map((row) => ({ ...requirementOf(row), createdAt: row.created_at, retiredAt: row.retired_at! }));
}

export type RequirementInput =
  | { kind: 'module_completed'; moduleSlug: string }
  | { kind: 'training_attended'; trainingId: string; minAttendance: number }
  | { kind: 'mission_hours' | 'practice_analysis_sessions' | 'supervision_sessions'; quantity: number }
  | { kind: 'coordinator_check'; label: string };

const COORDINATION_ONLY = { ok: false, status: 403, message: 'Seule l’équipe de coordination change les conditions du parcours.' } as const;

/**
 * Adds a rule to a stage. It counts from now on for whoever is on that stage; a stage already
 * validated stays validated (decisions are rows, not recomputed).
 */
export async function addRequirement(
  ctx: AppContext,
  input: { actorId: string; actorRoles: readonly string[]; stage: number; requirement: RequirementInput; knownModule: (slug: string) => boolean },
): Promise<Outcome<{ id: string }>> {
  if (!managesSessions(input.actorRoles)) return COORDINATION_ONLY;
  if (!Number.isInteger(input.stage) || input.stage < 1 || input.stage > 7) return { ok: false, status: 400, message: 'Étape : choisissez une étape de 1 à 7.' };
  const r = input.requirement;
  const values = { stage: input.stage, kind: r.kind, module_slug: null as string | null, training_id: null as string | null, min_attendance: null as number | null, quantity: null as number | null, label: null as string | null };
  switch (r.kind) {
    case 'module_completed':
      if (!input.knownModule(r.moduleSlug)) return { ok: false, status: 400, message: 'Module : choisissez un module publié.' };
      values.module_slug = r.moduleSlug;
      break;
    case 'training_attended':
      if (!isUuid(r.trainingId) || !(await ctx.db.selectFrom('training').select('id').where('id', '=', r.trainingId).executeTakeFirst()))
        return { ok: false, status: 400, message: 'Formation : choisissez une formation du catalogue.' };
      if (!(r.minAttendance >= 0 && r.minAttendance <= 1)) return { ok: false, status: 400, message: 'Assiduité : un pourcentage entre 0 et 100.' };
      values.training_id = r.trainingId;
      values.min_attendance = r.minAttendance;
      break;
    case 'coordinator_check': {
      const label = r.label.trim();
      if (label.length < 3 || label.length > 300) return { ok: false, status: 400, message: 'Condition : décrivez-la en 3 à 300 caractères.' };
      values.label = label;
      break;
    }
    default:
      if (!(r.quantity > 0 && r.quantity <= 10_000)) return { ok: false, status: 400, message: 'Nombre : un nombre plus grand que zéro.' };
      values.quantity = r.quantity;
  }
  return ctx.db.transaction().execute(async (trx) => {
    const last = await trx.selectFrom('pathway_requirement').select((eb) => eb.fn.max('position').as('p')).where('stage', '=', input.stage).executeTakeFirst();
    const row = await trx
      .insertInto('pathway_requirement')
      .values({ ...values, position: Number(last?.p ?? 0) + 1, created_by: input.actorId })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, { actorId: input.actorId, action: 'pathway.requirement_added', details: { requirementId: row.id, stage: input.stage, kind: r.kind } });
    return { ok: true as const, id: row.id };
  });
}

/** Retires a rule: kept in the history, no longer asked of anyone. */
export async function retireRequirement(ctx: AppContext, input: { actorId: string; actorRoles: readonly string[]; requirementId: string }): Promise<Outcome> {
  if (!managesSessions(input.actorRoles)) return COORDINATION_ONLY;
  if (!isUuid(input.requirementId)) return { ok: false, status: 404, message: 'Cette condition n’existe pas.' };
  return ctx.db.transaction().execute(async (trx): Promise<Outcome> => {
    const row = await trx
      .updateTable('pathway_requirement')
      .set({ retired_at: ctx.now(), retired_by: input.actorId })
      .where('id', '=', input.requirementId)
      .where('retired_at', 'is', null)
      .returning(['stage', 'kind'])
      .executeTakeFirst();
    if (!row) return { ok: false, status: 404, message: 'Cette condition n’existe pas ou est déjà retirée.' };
    await recordAudit(trx, { actorId: input.actorId, action: 'pathway.requirement_retired', details: { requirementId: input.requirementId, stage: row.stage, kind: row.kind } });
    return { ok: true };
  });
}
