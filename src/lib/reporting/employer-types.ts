import type { AppContext } from '../context.ts';
import type { Database } from '../db/index.ts';
import { EMPLOYER_TYPES, type EmployerType } from '../db/schema.ts';
import type { Outcome } from '../accounts/registration.ts';
import { recordAudit } from '../audit/index.ts';
import { isUuid } from '../ids.ts';
import { COORDINATORS_ONLY, managesSessions } from '../sessions/training-sessions.ts';

/**
 * The category of a trainee for one training (their situation then: employee of a private or a
 * public employer, job seeker, paying for themselves, other). The coordination gives it on the
 * session's participant list; the yearly report and its section F-1 count by it.
 */
export const EMPLOYER_TYPE_LABELS: Readonly<Record<EmployerType, string>> = {
  private_employer: 'Salarié·e d’un employeur privé',
  public_employer: 'Salarié·e ou agent·e d’un employeur public',
  job_seeker: 'Demandeur·se d’emploi',
  self_funded: 'Particulier à ses propres frais',
  other: 'Autre situation',
};

export const UNKNOWN_EMPLOYER_TYPE_LABEL = 'Catégorie non renseignée';

export const isEmployerType = (value: string): value is EmployerType => (EMPLOYER_TYPES as readonly string[]).includes(value);

/** The category of each participant of a session, by person (null: not given yet). */
export async function employerTypesOf(db: Database, sessionId: string): Promise<Map<string, EmployerType | null>> {
  if (!isUuid(sessionId)) return new Map();
  const rows = await db.selectFrom('enrolment').select(['person_id', 'employer_type']).where('session_id', '=', sessionId).execute();
  return new Map(rows.map((r) => [r.person_id, r.employer_type]));
}

/** Sets (or clears, with null) a participant's category for this session; coordination only. */
export async function setEmployerType(
  ctx: AppContext,
  input: { actorId: string; actorRoles: readonly string[]; sessionId: string; personId: string; employerType: EmployerType | null },
): Promise<Outcome> {
  if (!managesSessions(input.actorRoles)) return COORDINATORS_ONLY;
  if (input.employerType !== null && !isEmployerType(input.employerType))
    return { ok: false, status: 400, message: 'Catégorie : choisissez une des catégories proposées.' };
  if (!isUuid(input.sessionId) || !isUuid(input.personId)) return { ok: false, status: 404, message: 'Cette personne n’est pas inscrite à cette séance.' };
  return ctx.db.transaction().execute(async (trx): Promise<Outcome> => {
    const updated = await trx
      .updateTable('enrolment')
      .set({ employer_type: input.employerType, updated_at: ctx.now(), updated_by: input.actorId })
      .where('session_id', '=', input.sessionId)
      .where('person_id', '=', input.personId)
      .returning('id')
      .executeTakeFirst();
    if (!updated) return { ok: false, status: 404, message: 'Cette personne n’est pas inscrite à cette séance.' };
    await recordAudit(trx, {
      actorId: input.actorId,
      action: 'enrolment.employer_type',
      subjectPersonId: input.personId,
      details: { sessionId: input.sessionId, employerType: input.employerType },
    });
    return { ok: true };
  });
}
