import type { AppContext } from '../context.ts';
import type { Database } from '../db/index.ts';
import type { Outcome } from '../accounts/registration.ts';
import { recordAudit } from '../audit/index.ts';
import { isUuid } from '../ids.ts';
import { managesSessions } from '../sessions/training-sessions.ts';
import { isStage, lockMember, pathwayMember, PATHWAY_COMPLETE } from './members.ts';
import { activeRequirements, evaluateRequirements, pathwayFacts, type RequirementNames, type RequirementStatus } from './requirements.ts';

/**
 * Moving on in the pathway: the trainee asks for the validation of their stage once its
 * checklist is complete; a coordinator validates it (the trainee moves to the next stage) or
 * returns it with what is missing. Every decision is a row kept for good, shown on the timeline.
 * A validation is never taken back by a later change of the rules: the stage a trainee is on is
 * written with the decision, and the rules only judge the stage they are on now.
 */

const COORDINATION_ONLY = { ok: false, status: 403, message: 'Seule l’équipe de coordination valide les étapes du parcours.' } as const;
const NOT_A_TRAINEE = { ok: false, status: 404, message: 'Cette personne ne suit pas le parcours.' } as const;

export interface StageChecklist {
  stage: number;
  statuses: RequirementStatus[];
  complete: boolean;
}

/** The checklist of the stage a trainee is on (empty once the pathway is complete). */
export async function currentChecklist(db: Database, personId: string, names: RequirementNames): Promise<StageChecklist | undefined> {
  const member = await pathwayMember(db, personId);
  if (!member) return undefined;
  if (!isStage(member.stage)) return { stage: member.stage, statuses: [], complete: true };
  const [requirements, facts] = await Promise.all([activeRequirements(db, member.stage), pathwayFacts(db, personId)]);
  const statuses = evaluateRequirements(requirements, facts, names);
  return { stage: member.stage, statuses, complete: statuses.every((s) => s.met) };
}

export interface PathwayDecision {
  id: string;
  stage: number;
  decision: 'validated' | 'returned';
  comment: string;
  decidedAt: Date;
  decidedBy: string | null;
  attestationId: string | null;
  attestationNumber: string | null;
}

/** Every decision on a trainee's stages, oldest first (the timeline). */
export async function decisionsOf(db: Database, personId: string): Promise<PathwayDecision[]> {
  if (!isUuid(personId)) return [];
  const rows = await db
    .selectFrom('pathway_decision as d')
    .leftJoin('person as p', 'p.id', 'd.decided_by')
    .leftJoin('attestation as a', 'a.id', 'd.attestation_id')
    .select(['d.id', 'd.stage', 'd.decision', 'd.comment', 'd.decided_at', 'p.given_name', 'p.family_name', 'd.attestation_id', 'a.number'])
    .where('d.person_id', '=', personId)
    .orderBy('d.decided_at')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    stage: r.stage,
    decision: r.decision,
    comment: r.comment,
    decidedAt: r.decided_at,
    decidedBy: r.given_name ? `${r.given_name} ${r.family_name}` : null,
    attestationId: r.attestation_id,
    attestationNumber: r.number,
  }));
}

/** The trainee asks for the validation of their stage: only when its checklist is complete. */
export async function requestValidation(ctx: AppContext, input: { personId: string; names: RequirementNames }): Promise<Outcome> {
  const checklist = await currentChecklist(ctx.db, input.personId, input.names);
  if (!checklist) return NOT_A_TRAINEE;
  if (!isStage(checklist.stage)) return { ok: false, status: 409, message: 'Vous avez terminé le parcours : il n’y a plus d’étape à valider.' };
  const missing = checklist.statuses.filter((s) => !s.met);
  if (missing.length > 0) return { ok: false, status: 409, message: `Il reste ${missing.length} condition${missing.length > 1 ? 's' : ''} à remplir avant de demander la validation.` };
  await ctx.db.transaction().execute(async (trx) => {
    await lockMember(trx, input.personId, ctx.now());
    await trx.updateTable('pathway_member').set({ validation_requested_at: ctx.now() }).where('person_id', '=', input.personId).where('validation_requested_at', 'is', null).execute();
    await recordAudit(trx, { actorId: input.personId, action: 'pathway.validation_requested', subjectPersonId: input.personId, details: { stage: checklist.stage } });
  });
  return { ok: true };
}

/**
 * A coordinator's decision on the stage a trainee is on. Validating needs the checklist complete
 * (a condition only the coordination can judge is a requirement they tick); returning needs a
 * comment saying what is missing. The trainee is told by email.
 */
export async function decideStage(
  ctx: AppContext,
  input: { actorId: string; actorRoles: readonly string[]; personId: string; decision: 'validated' | 'returned'; comment: string; names: RequirementNames; stageTitle: (stage: number) => string },
): Promise<Outcome<{ decisionId: string; stage: number }>> {
  if (!managesSessions(input.actorRoles)) return COORDINATION_ONLY;
  const comment = input.comment.trim();
  if (comment.length > 2000) return { ok: false, status: 400, message: 'Commentaire : 2 000 caractères au plus.' };
  if (input.decision === 'returned' && comment.length < 3) return { ok: false, status: 400, message: 'Commentaire : dites ce qui manque encore, pour que la personne sache quoi faire.' };
  const checklist = await currentChecklist(ctx.db, input.personId, input.names);
  if (!checklist) return NOT_A_TRAINEE;
  const stage = checklist.stage;
  if (!isStage(stage)) return { ok: false, status: 409, message: 'Cette personne a terminé le parcours.' };
  if (input.decision === 'validated' && !checklist.complete)
    return { ok: false, status: 409, message: `L’étape ne peut pas encore être validée : ${checklist.statuses.filter((s) => !s.met).length} condition(s) restent à remplir.` };
  const outcome = await ctx.db.transaction().execute(async (trx): Promise<Outcome<{ decisionId: string; stage: number }>> => {
    await lockMember(trx, input.personId, ctx.now());
    // The row lock orders two coordinators deciding at once: the second sees the new stage.
    const current = await trx.selectFrom('pathway_member').select('stage').where('person_id', '=', input.personId).executeTakeFirstOrThrow();
    if (current.stage !== stage) return { ok: false, status: 409, message: 'Cette étape vient d’être décidée par quelqu’un d’autre : rechargez la page.' };
    const row = await trx
      .insertInto('pathway_decision')
      .values({ person_id: input.personId, stage, decision: input.decision, comment, decided_by: input.actorId, decided_at: ctx.now() })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('pathway_member')
      .set(input.decision === 'validated' ? { stage: Math.min(stage + 1, PATHWAY_COMPLETE), stage_since: ctx.now(), validation_requested_at: null } : { validation_requested_at: null })
      .where('person_id', '=', input.personId)
      .execute();
    await recordAudit(trx, { actorId: input.actorId, action: `pathway.stage_${input.decision}`, subjectPersonId: input.personId, details: { stage, decisionId: row.id } });
    return { ok: true, decisionId: row.id, stage };
  });
  if (!outcome.ok) return outcome;
  const person = await ctx.db.selectFrom('person').select(['email', 'given_name']).where('id', '=', input.personId).executeTakeFirstOrThrow();
  const title = input.stageTitle(stage);
  await ctx.mail({
    to: person.email,
    personId: input.personId,
    subject: input.decision === 'validated' ? `Étape validée : ${title}` : `Votre étape « ${title} » : ce qu’il reste à faire`,
    text: `Bonjour ${person.given_name},

${
  input.decision === 'validated'
    ? `Bravo : l’équipe de coordination a validé l’étape « ${title} » de votre parcours.${stage < 7 ? ` Vous passez à l’étape suivante, ${input.stageTitle(stage + 1)}.` : ' Vous avez terminé le parcours de professionnalisation.'}`
    : `L’équipe de coordination a relu votre demande pour l’étape « ${title} ». Il reste encore un peu de chemin :`
}
${comment ? `\n${comment}\n` : ''}
Votre parcours est sur ${ctx.publicUrl}/mon-parcours.

L’équipe d’ESPER Pro`,
  });
  return outcome;
}

/** A coordinator ticks (or unticks) a free-text condition for a trainee. */
export async function setCheck(
  ctx: AppContext,
  input: { actorId: string; actorRoles: readonly string[]; personId: string; requirementId: string; checked: boolean },
): Promise<Outcome> {
  if (!managesSessions(input.actorRoles)) return COORDINATION_ONLY;
  if (!isUuid(input.requirementId) || !(await pathwayMember(ctx.db, input.personId))) return NOT_A_TRAINEE;
  const requirement = await ctx.db.selectFrom('pathway_requirement').select(['kind', 'stage']).where('id', '=', input.requirementId).where('retired_at', 'is', null).executeTakeFirst();
  if (requirement?.kind !== 'coordinator_check') return { ok: false, status: 404, message: 'Cette condition n’existe pas ou a été retirée.' };
  await ctx.db.transaction().execute(async (trx) => {
    if (input.checked)
      await trx
        .insertInto('pathway_check')
        .values({ requirement_id: input.requirementId, person_id: input.personId, checked_by: input.actorId, checked_at: ctx.now() })
        .onConflict((oc) => oc.columns(['requirement_id', 'person_id']).doNothing())
        .execute();
    else await trx.deleteFrom('pathway_check').where('requirement_id', '=', input.requirementId).where('person_id', '=', input.personId).execute();
    await recordAudit(trx, { actorId: input.actorId, action: input.checked ? 'pathway.condition_checked' : 'pathway.condition_unchecked', subjectPersonId: input.personId, details: { requirementId: input.requirementId, stage: requirement.stage } });
  });
  return { ok: true };
}

/** The cohorts already named, for the coordination to pick the same spelling again. */
export async function cohortNames(db: Database): Promise<string[]> {
  const rows = await db.selectFrom('pathway_member').select('cohort').distinct().where('cohort', 'is not', null).orderBy('cohort').limit(200).execute();
  return rows.map((r) => r.cohort!).filter((c) => c.length > 0);
}

/** Puts a trainee in a cohort (« Promotion 2026 »), or in none; audited. */
export async function setCohort(ctx: AppContext, input: { actorId: string; actorRoles: readonly string[]; personId: string; cohort: string | undefined }): Promise<Outcome> {
  if (!managesSessions(input.actorRoles)) return { ok: false, status: 403, message: 'Seule l’équipe de coordination range les stagiaires par promotion.' };
  const member = await pathwayMember(ctx.db, input.personId);
  if (!member) return NOT_A_TRAINEE;
  const cohort = input.cohort ?? null;
  if (cohort === member.cohort) return { ok: true };
  await ctx.db.transaction().execute(async (trx) => {
    // A first row keeps the date they reached their stage: a cohort is not an advance.
    await lockMember(trx, input.personId, member.stageSince);
    await trx.updateTable('pathway_member').set({ cohort }).where('person_id', '=', input.personId).execute();
    await recordAudit(trx, { actorId: input.actorId, action: 'pathway.cohort_set', subjectPersonId: input.personId, details: { from: member.cohort, to: cohort } });
  });
  return { ok: true };
}
