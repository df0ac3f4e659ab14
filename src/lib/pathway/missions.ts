import type { Transaction } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Database } from '../db/index.ts';
import { MISSION_KINDS, type DB, type MissionKind } from '../db/schema.ts';
import type { Outcome } from '../accounts/registration.ts';
import { normalizeEmail } from '../accounts/people.ts';
import { recordAudit } from '../audit/index.ts';
import { isUuid } from '../ids.ts';
import { parisDay } from '../time.ts';
import { pathwayMember, PATHWAY_COMPLETE, type PathwayMember } from './members.ts';
import { isReferentOf, PROFESSIONAL_REFERENT_ROLES } from './referents.ts';

/**
 * Volunteer missions done in a pair (binôme) with a salaried peer mediator, from stage 2 (the
 * initiation au métier) on. The trainee logs the date, the duration, the kind, the partner
 * structure and their pair; nothing names or describes a person who was supported, and there is
 * no free-text field where that could be written. The pair (when they have an account) or one
 * of the trainee's referents validates the hours, or returns them with a comment; the trainee
 * corrects a returned mission and sends it again. A validated mission is final.
 */

export const MISSION_KIND_LABELS: Record<MissionKind, string> = {
  individual_support: 'Accompagnement individuel',
  group: 'Groupe',
  helpline: 'Permanence téléphonique / ligne d’écoute',
  team_mediation: 'Médiation avec une équipe',
  workshop: 'Atelier',
  other: 'Autre',
};

export type MissionStatus = 'submitted' | 'validated' | 'returned';

export const MISSION_STATUS_LABELS: Record<MissionStatus, string> = {
  submitted: 'En attente de validation',
  validated: 'Validée',
  returned: 'À corriger',
};

export const MISSION_MIN_MINUTES = 15;
export const MISSION_MAX_MINUTES = 720;
/** Missions before this day are not taken: the association's pathway did not exist yet. */
export const MISSION_EARLIEST_DAY = '2010-01-01';
export const REVIEW_COMMENT_MAX = 1000;

export const isMissionKind = (value: string): value is MissionKind => (MISSION_KINDS as readonly string[]).includes(value);

/** « 2 h 30 », « 45 min », « 3 h ». */
export function frenchDuration(minutes: number): string {
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${rest} min`;
  return rest === 0 ? `${hours} h` : `${hours} h ${String(rest).padStart(2, '0')}`;
}

/** A duration as the form's two fields (hours, minutes), to fill the form back in. */
export const splitMinutes = (minutes: number): { hours: number; minutes: number } => ({ hours: Math.floor(minutes / 60), minutes: minutes % 60 });

/** « 03/11/2026 » from « 2026-11-03 » (a calendar day, no time zone involved). */
export function frenchDay(day: string): string {
  const [year, month, date] = day.split('-');
  return `${date}/${month}/${year}`;
}

/** Whether « 2026-02-30 » is a real day of the calendar, not only the right shape. */
export function isCalendarDay(day: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return false;
  const at = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return at.toISOString().slice(0, 10) === day;
}

export interface MissionFields {
  /** YYYY-MM-DD */
  doneOn: string;
  minutes: number;
  kind: string;
  partnerStructure: string;
  /** The pair MSP's name as the trainee writes it (required). */
  pairName: string;
  /** Their address, when they have an account: they may then validate. */
  pairEmail?: string | undefined;
}
export type MissionField = keyof MissionFields;
export type MissionErrors = Partial<Record<MissionField, string>>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** What is wrong with a mission as typed, field by field, in French (empty when it can be saved). */
export function missionProblems(input: MissionFields, today: string): MissionErrors {
  const errors: MissionErrors = {};
  if (!isCalendarDay(input.doneOn)) errors.doneOn = 'Date de la mission : une date au format jj/mm/aaaa.';
  else if (input.doneOn > today) errors.doneOn = 'Date de la mission : notez une mission une fois qu’elle a eu lieu (aujourd’hui au plus tard).';
  else if (input.doneOn < MISSION_EARLIEST_DAY) errors.doneOn = `Date de la mission : le ${frenchDay(MISSION_EARLIEST_DAY)} au plus tôt.`;
  if (!Number.isInteger(input.minutes) || input.minutes < MISSION_MIN_MINUTES || input.minutes > MISSION_MAX_MINUTES)
    errors.minutes = 'Durée : entre 15 minutes et 12 heures.';
  if (!isMissionKind(input.kind)) errors.kind = 'Type de mission : choisissez une des options proposées.';
  const structure = input.partnerStructure.trim();
  if (structure.length === 0) errors.partnerStructure = 'Structure partenaire : ce champ est obligatoire.';
  else if (structure.length < 2) errors.partnerStructure = 'Structure partenaire : 2 caractères au moins.';
  else if (structure.length > 200) errors.partnerStructure = 'Structure partenaire : 200 caractères au plus.';
  const pair = input.pairName.trim();
  if (pair.length === 0) errors.pairName = 'Nom de votre binôme : ce champ est obligatoire.';
  else if (pair.length < 2) errors.pairName = 'Nom de votre binôme : 2 caractères au moins.';
  else if (pair.length > 120) errors.pairName = 'Nom de votre binôme : 120 caractères au plus.';
  const email = input.pairEmail?.trim() ?? '';
  if (email && (email.length > 254 || !EMAIL.test(email))) errors.pairEmail = 'Adresse e-mail de votre binôme : le format attendu est nom@exemple.fr.';
  return errors;
}

export const STAGE_ONE_MESSAGE =
  'Les missions en binôme commencent avec l’initiation au métier (étape 2). Pour l’instant, profitez du programme découverte : rencontres, échanges, groupes de travail. Vous noterez ici vos missions dès votre passage à l’étape 2.';
export const NOT_A_TRAINEE_MESSAGE =
  'Les missions bénévoles en binôme se notent dans le parcours de professionnalisation : cet espace est celui des stagiaires du parcours.';
export const PATHWAY_DONE_MESSAGE = 'Vous avez terminé le parcours, bravo ! Vos missions restent visibles ici ; il n’y en a plus à noter.';

/** Why this person cannot log a mission now (null when they can): the page shows it instead of the form. */
export function missionsClosed(member: PathwayMember | undefined): { status: 403 | 409; message: string } | null {
  if (!member) return { status: 403, message: NOT_A_TRAINEE_MESSAGE };
  if (member.stage < 2) return { status: 409, message: STAGE_ONE_MESSAGE };
  if (member.stage >= PATHWAY_COMPLETE) return { status: 409, message: PATHWAY_DONE_MESSAGE };
  return null;
}

export type MissionInvalid = { ok: false; status: 400; message: string; errors: MissionErrors };
export type MissionOutcome<T = object> = Outcome<T> | MissionInvalid;

/** A refusal that names its fields, for the form to show each message beside its input. */
export const hasFieldErrors = (outcome: { ok: boolean }): outcome is MissionInvalid => !outcome.ok && 'errors' in outcome;

const NOT_FOUND = { ok: false, status: 404, message: 'Cette mission est introuvable.' } as const;

function invalid(errors: MissionErrors): MissionOutcome<never> | null {
  const first = Object.values(errors)[0];
  return first ? { ok: false, status: 400, message: first, errors } : null;
}

/**
 * The pair's account, when the address typed is one of someone who may vouch for a mission: a
 * professional, a trainer, a coordinator, or a peer mediator who completed the pathway. Anyone
 * else (an unknown address, a trainee still in the pathway) leaves the pair as a name only, and
 * the referents validate: two trainees cannot validate each other's hours. The trainee is not
 * told which case applies, so the form reveals nothing about who has an account.
 */
async function pairAccount(trx: Transaction<DB>, email: string | undefined, traineeId: string): Promise<{ id: string | null } | { self: true }> {
  if (!email) return { id: null };
  const person = await trx
    .selectFrom('person')
    .select('id')
    .where((eb) => eb(eb.fn('lower', ['email']), '=', normalizeEmail(email)))
    .where('erased_at', 'is', null)
    .executeTakeFirst();
  if (!person) return { id: null };
  if (person.id === traineeId) return { self: true };
  const roles = (await trx.selectFrom('person_role').select('role').where('person_id', '=', person.id).execute()).map((r) => r.role);
  if (roles.some((r) => PROFESSIONAL_REFERENT_ROLES.includes(r))) return { id: person.id };
  const member = await pathwayMember(trx, person.id);
  return { id: member && member.stage >= PATHWAY_COMPLETE ? person.id : null };
}

const SELF_PAIR: MissionErrors = { pairEmail: 'Adresse e-mail de votre binôme : indiquez l’adresse de votre binôme, pas la vôtre.' };

/** A trainee on stage 2 to 7 logs a mission; it is recorded on their current stage and waits for validation. */
export async function logMission(ctx: AppContext, input: MissionFields & { actorId: string }): Promise<MissionOutcome<{ id: string }>> {
  if (!isUuid(input.actorId)) return { ok: false, status: 403, message: NOT_A_TRAINEE_MESSAGE };
  const outcome = await ctx.db.transaction().execute(async (trx): Promise<MissionOutcome<{ id: string; pairId: string | null }>> => {
    const member = await pathwayMember(trx, input.actorId);
    if (!member) return { ok: false, status: 403, message: NOT_A_TRAINEE_MESSAGE };
    // The stage is held while the mission is recorded on it: a passage decided at the same moment waits.
    const locked = await trx.selectFrom('pathway_member').select('stage').where('person_id', '=', input.actorId).forShare().executeTakeFirst();
    const closed = missionsClosed({ ...member, stage: locked?.stage ?? member.stage });
    if (closed) return { ok: false, ...closed };
    const bad = invalid(missionProblems(input, parisDay(ctx.now())));
    if (bad) return bad;
    const pair = await pairAccount(trx, input.pairEmail?.trim(), input.actorId);
    if ('self' in pair) return invalid(SELF_PAIR)!;
    const stage = locked!.stage;
    const { id } = await trx
      .insertInto('volunteer_mission')
      .values({
        person_id: input.actorId,
        stage,
        done_on: input.doneOn,
        minutes: input.minutes,
        kind: input.kind as MissionKind,
        partner_structure: input.partnerStructure.trim(),
        pair_id: pair.id,
        pair_name: input.pairName.trim(),
        created_at: ctx.now(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, { actorId: input.actorId, action: 'pathway.mission_logged', subjectPersonId: input.actorId, details: { missionId: id, stage, minutes: input.minutes } });
    return { ok: true, id, pairId: pair.id };
  });
  if (!outcome.ok) return outcome;
  if (outcome.pairId) await askPair(ctx, outcome.id, outcome.pairId);
  return { ok: true, id: outcome.id };
}

/** The trainee corrects a returned mission and sends it again for validation. */
export async function resubmitMission(ctx: AppContext, input: MissionFields & { actorId: string; missionId: string }): Promise<MissionOutcome> {
  if (!isUuid(input.missionId) || !isUuid(input.actorId)) return NOT_FOUND;
  const outcome = await ctx.db.transaction().execute(async (trx): Promise<MissionOutcome<{ pairId: string | null }>> => {
    const mission = await trx
      .selectFrom('volunteer_mission')
      .select(['id', 'status', 'stage'])
      .where('id', '=', input.missionId)
      .where('person_id', '=', input.actorId)
      .forUpdate()
      .executeTakeFirst();
    if (!mission) return NOT_FOUND;
    if (mission.status === 'validated') return { ok: false, status: 409, message: 'Cette mission est validée : elle est définitive et ne change plus.' };
    if (mission.status === 'submitted') return { ok: false, status: 409, message: 'Cette mission attend déjà sa validation : il n’y a rien à corriger.' };
    const bad = invalid(missionProblems(input, parisDay(ctx.now())));
    if (bad) return bad;
    const pair = await pairAccount(trx, input.pairEmail?.trim(), input.actorId);
    if ('self' in pair) return invalid(SELF_PAIR)!;
    await trx
      .updateTable('volunteer_mission')
      .set({
        done_on: input.doneOn,
        minutes: input.minutes,
        kind: input.kind as MissionKind,
        partner_structure: input.partnerStructure.trim(),
        pair_id: pair.id,
        pair_name: input.pairName.trim(),
        status: 'submitted',
        reviewed_by: null,
        reviewed_at: null,
        review_comment: null,
      })
      .where('id', '=', mission.id)
      .execute();
    await recordAudit(trx, { actorId: input.actorId, action: 'pathway.mission_resubmitted', subjectPersonId: input.actorId, details: { missionId: mission.id, stage: mission.stage, minutes: input.minutes } });
    return { ok: true, pairId: pair.id };
  });
  if (!outcome.ok) return outcome;
  if (outcome.pairId) await askPair(ctx, input.missionId, outcome.pairId);
  return { ok: true };
}

/** The trainee removes a mission not yet validated (a validated one is a record of the pathway). */
export async function deleteMission(ctx: AppContext, input: { actorId: string; missionId: string }): Promise<Outcome> {
  if (!isUuid(input.missionId) || !isUuid(input.actorId)) return NOT_FOUND;
  return ctx.db.transaction().execute(async (trx): Promise<Outcome> => {
    const deleted = await trx
      .deleteFrom('volunteer_mission')
      .where('id', '=', input.missionId)
      .where('person_id', '=', input.actorId)
      .where('status', 'in', ['submitted', 'returned'])
      .returning(['id', 'stage', 'minutes'])
      .executeTakeFirst();
    if (!deleted) {
      const kept = await trx.selectFrom('volunteer_mission').select('status').where('id', '=', input.missionId).where('person_id', '=', input.actorId).executeTakeFirst();
      return kept ? { ok: false, status: 409, message: 'Cette mission est validée : elle est définitive et ne peut plus être supprimée.' } : NOT_FOUND;
    }
    await recordAudit(trx, { actorId: input.actorId, action: 'pathway.mission_deleted', subjectPersonId: input.actorId, details: { missionId: deleted.id, stage: deleted.stage, minutes: deleted.minutes } });
    return { ok: true };
  });
}

/**
 * The pair or a referent of the trainee validates a submitted mission, or returns it with a
 * comment. Anyone else, the trainee included, is told the mission does not exist.
 */
export async function reviewMission(
  ctx: AppContext,
  input: { actorId: string; missionId: string; decision: 'validated' | 'returned'; comment?: string | undefined },
): Promise<Outcome> {
  if (input.decision !== 'validated' && input.decision !== 'returned') return { ok: false, status: 400, message: 'Décision inconnue : rechargez la page.' };
  const comment = input.comment?.trim() ?? '';
  if (input.decision === 'returned' && !comment)
    return { ok: false, status: 400, message: 'Commentaire : dites en quelques mots ce qu’il faut corriger, pour renvoyer la mission.' };
  if (comment.length > REVIEW_COMMENT_MAX) return { ok: false, status: 400, message: `Commentaire : ${REVIEW_COMMENT_MAX} caractères au plus.` };
  if (!isUuid(input.missionId) || !isUuid(input.actorId)) return NOT_FOUND;
  const now = ctx.now();
  const outcome = await ctx.db.transaction().execute(async (trx): Promise<Outcome<{ traineeId: string }>> => {
    const mission = await trx
      .selectFrom('volunteer_mission')
      .select(['id', 'person_id', 'pair_id', 'status', 'stage', 'minutes'])
      .where('id', '=', input.missionId)
      .forUpdate()
      .executeTakeFirst();
    if (!mission || mission.person_id === input.actorId) return NOT_FOUND;
    if (mission.pair_id !== input.actorId && !(await isReferentOf(trx, input.actorId, mission.person_id))) return NOT_FOUND;
    if (mission.status === 'validated') return { ok: false, status: 409, message: 'Cette mission est déjà validée : elle est définitive.' };
    if (mission.status === 'returned') return { ok: false, status: 409, message: 'Cette mission a déjà été renvoyée : elle attend la correction de la personne stagiaire.' };
    await trx
      .updateTable('volunteer_mission')
      .set({ status: input.decision, reviewed_by: input.actorId, reviewed_at: now, review_comment: comment || null })
      .where('id', '=', mission.id)
      .execute();
    await recordAudit(trx, {
      actorId: input.actorId,
      action: input.decision === 'validated' ? 'pathway.mission_validated' : 'pathway.mission_returned',
      subjectPersonId: mission.person_id,
      // Who decided and when, never the words: the audit log outlives an erasure, and the comment
      // reached the trainee by email (a resubmission clears it from the mission).
      details: { missionId: mission.id, stage: mission.stage, minutes: mission.minutes },
    });
    return { ok: true, traineeId: mission.person_id };
  });
  if (!outcome.ok) return outcome;
  await tellTrainee(ctx, input.missionId, outcome.traineeId);
  return { ok: true };
}

export interface Mission {
  id: string;
  stage: number;
  doneOn: string;
  minutes: number;
  kind: MissionKind;
  partnerStructure: string;
  pairName: string;
  status: MissionStatus;
  reviewedAt: Date | null;
  reviewerName: string | null;
  reviewComment: string | null;
  createdAt: Date;
}

/** A trainee's missions, the latest first, with their status and review. */
export async function missionsOf(db: Database, personId: string): Promise<Mission[]> {
  if (!isUuid(personId)) return [];
  const rows = await db
    .selectFrom('volunteer_mission as v')
    .leftJoin('person as r', 'r.id', 'v.reviewed_by')
    .select(['v.id', 'v.stage', 'v.done_on', 'v.minutes', 'v.kind', 'v.partner_structure', 'v.pair_name', 'v.status', 'v.reviewed_at', 'v.review_comment', 'v.created_at', 'r.given_name', 'r.family_name'])
    .where('v.person_id', '=', personId)
    .orderBy('v.done_on', 'desc')
    .orderBy('v.created_at', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    stage: r.stage,
    doneOn: r.done_on,
    minutes: r.minutes,
    kind: r.kind,
    partnerStructure: r.partner_structure,
    pairName: r.pair_name,
    status: r.status,
    reviewedAt: r.reviewed_at,
    reviewerName: r.given_name ? `${r.given_name} ${r.family_name}` : null,
    reviewComment: r.review_comment,
    createdAt: r.created_at,
  }));
}

export interface MissionToReview {
  id: string;
  traineeId: string;
  traineeName: string;
  stage: number;
  doneOn: string;
  minutes: number;
  kind: MissionKind;
  partnerStructure: string;
  pairName: string;
  /** Why this person may review it: named as the pair, or a referent of the trainee. */
  as: 'pair' | 'referent';
  createdAt: Date;
}

/**
 * The submitted missions this person may review, the oldest first. The query holds the same
 * rule as reviewMission: the pair, or a referent as isReferentOf reads it (trainee in the
 * pathway, account not erased), never the trainee themselves.
 */
export async function missionsToReview(db: Database, reviewerId: string): Promise<MissionToReview[]> {
  if (!isUuid(reviewerId)) return [];
  const rows = await db
    .selectFrom('volunteer_mission as v')
    .innerJoin('person as p', 'p.id', 'v.person_id')
    .leftJoin('pathway_member as m', 'm.person_id', 'v.person_id')
    .select(['v.id', 'v.person_id', 'p.given_name', 'p.family_name', 'v.stage', 'v.done_on', 'v.minutes', 'v.kind', 'v.partner_structure', 'v.pair_name', 'v.pair_id', 'v.created_at'])
    .where('v.status', '=', 'submitted')
    .where('p.erased_at', 'is', null)
    .where('v.person_id', '!=', reviewerId)
    .where((eb) =>
      eb.or([
        eb('v.pair_id', '=', reviewerId),
        eb.and([
          eb.or([eb('m.professional_referent_id', '=', reviewerId), eb('m.peer_referent_id', '=', reviewerId)]),
          eb.exists(eb.selectFrom('person_role as r').select('r.person_id').whereRef('r.person_id', '=', 'v.person_id').where('r.role', '=', 'trainee')),
        ]),
      ]),
    )
    .orderBy('v.done_on')
    .orderBy('v.created_at')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    traineeId: r.person_id,
    traineeName: `${r.given_name} ${r.family_name}`,
    stage: r.stage,
    doneOn: r.done_on,
    minutes: r.minutes,
    kind: r.kind,
    partnerStructure: r.partner_structure,
    pairName: r.pair_name,
    as: r.pair_id === reviewerId ? 'pair' : 'referent',
    createdAt: r.created_at,
  }));
}

/** Minutes of validated missions per stage they were logged on (what the stages' requirements count), in one query. */
export async function validatedMissionMinutes(db: Database, personId: string): Promise<Map<number, number>> {
  if (!isUuid(personId)) return new Map();
  const rows = await db
    .selectFrom('volunteer_mission')
    .select((eb) => ['stage', eb.fn.sum<number>('minutes').as('minutes')])
    .where('person_id', '=', personId)
    .where('status', '=', 'validated')
    .groupBy('stage')
    .execute();
  return new Map(rows.map((r) => [r.stage, Number(r.minutes)]));
}

/** The trainee's missions for their own data download (the pair by the name they typed; no one's address). */
export async function missionsPersonalData(db: Database, personId: string) {
  return (await missionsOf(db, personId)).map((m) => ({
    stage: m.stage,
    doneOn: m.doneOn,
    minutes: m.minutes,
    kind: MISSION_KIND_LABELS[m.kind],
    partnerStructure: m.partnerStructure,
    pair: m.pairName,
    status: MISSION_STATUS_LABELS[m.status],
    reviewedAt: m.reviewedAt,
    reviewedBy: m.reviewerName,
    reviewComment: m.reviewComment,
    loggedAt: m.createdAt,
  }));
}

/**
 * Called inside the erasure's transaction. A trainee's missions go: they are their own account
 * of their pathway, not a record the law asks us to keep (the validated stages stay, in
 * pathway_decision). A pair's name, typed by trainees, is replaced in the missions that named them.
 */
export async function forgetMissions(trx: Transaction<DB>, personId: string): Promise<void> {
  await trx.deleteFrom('volunteer_mission').where('person_id', '=', personId).execute();
  await trx.updateTable('volunteer_mission').set({ pair_name: 'Personne effacée' }).where('pair_id', '=', personId).execute();
}

// Emails

async function missionForEmail(ctx: AppContext, missionId: string) {
  return ctx.db
    .selectFrom('volunteer_mission as v')
    .innerJoin('person as t', 't.id', 'v.person_id')
    .leftJoin('person as r', 'r.id', 'v.reviewed_by')
    .select(['v.done_on', 'v.minutes', 'v.kind', 'v.partner_structure', 'v.stage', 'v.status', 'v.review_comment', 't.given_name', 't.family_name', 't.email', 't.erased_at', 'r.given_name as reviewer_given', 'r.family_name as reviewer_family'])
    .where('v.id', '=', missionId)
    .executeTakeFirst();
}

const facts = (m: { done_on: string; minutes: number; kind: MissionKind; partner_structure: string }) =>
  `${MISSION_KIND_LABELS[m.kind]}, le ${frenchDay(m.done_on)}, ${frenchDuration(m.minutes)}, avec ${m.partner_structure}`;

/** Tells the pair (when they have an account) that a mission done with them waits for their validation. */
async function askPair(ctx: AppContext, missionId: string, pairId: string): Promise<void> {
  const [mission, pair] = await Promise.all([
    missionForEmail(ctx, missionId),
    ctx.db.selectFrom('person').select(['email', 'given_name']).where('id', '=', pairId).where('erased_at', 'is', null).executeTakeFirst(),
  ]);
  if (!mission || !pair) return;
  await ctx.mail({
    to: pair.email,
    personId: pairId,
    subject: `Une mission en binôme à valider : ${mission.given_name} ${mission.family_name}`,
    text: `Bonjour ${pair.given_name},

${mission.given_name} ${mission.family_name}, stagiaire du parcours de professionnalisation, a noté une mission bénévole faite en binôme avec vous :
${facts(mission)}.

Si c’est juste, validez ces heures ; sinon, renvoyez la mission avec un commentaire pour qu’il ou elle la corrige. Tout se fait sur ${ctx.publicUrl}/accompagnement.

Merci pour ce binôme.

L’équipe d’ESPER Pro`,
  });
}

/** Tells the trainee what became of their mission. */
async function tellTrainee(ctx: AppContext, missionId: string, traineeId: string): Promise<void> {
  const mission = await missionForEmail(ctx, missionId);
  if (!mission || mission.erased_at) return;
  const reviewer = mission.reviewer_given ? `${mission.reviewer_given} ${mission.reviewer_family}` : 'Votre binôme';
  const validated = mission.status === 'validated';
  await ctx.mail({
    to: mission.email,
    personId: traineeId,
    subject: validated ? `Mission validée : ${frenchDuration(mission.minutes)} le ${frenchDay(mission.done_on)}` : `Mission à compléter : ${frenchDay(mission.done_on)}`,
    text: validated
      ? `Bonjour ${mission.given_name},

Bonne nouvelle : ${reviewer} a validé votre mission en binôme (${facts(mission)}). Ces heures comptent pour votre étape ${mission.stage}.
${mission.review_comment ? `\nSon commentaire : « ${mission.review_comment} »\n` : ''}
Vos missions et vos heures validées : ${ctx.publicUrl}/mon-parcours/missions

L’équipe d’ESPER Pro`
      : `Bonjour ${mission.given_name},

${reviewer} a relu votre mission en binôme (${facts(mission)}) et vous la renvoie avec ce commentaire :
« ${mission.review_comment ?? ''} »

Corrigez-la puis envoyez-la de nouveau depuis ${ctx.publicUrl}/mon-parcours/missions : elle sera relue à nouveau.

L’équipe d’ESPER Pro`,
  });
}
