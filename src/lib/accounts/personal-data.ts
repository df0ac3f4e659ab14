import type { AppContext } from '../context.ts';
import type { Database } from '../db/index.ts';
import { recordAudit } from '../audit/index.ts';
import { verifyPassword } from './passwords.ts';
import type { Outcome } from './registration.ts';
import { ROLE_LABELS } from './roles.ts';
import { modulesPersonalData } from '../modules/progress.ts';
import { releaseEnrolments, sessionsPersonalData } from '../sessions/enrolment.ts';
import { attestationsOf } from '../attestations/records.ts';
import { journalPersonalData } from '../pathway/journal.ts';
import { forgetMissions, missionsPersonalData } from '../pathway/missions.ts';
import { releaseReferent } from '../pathway/referents.ts';
import { forgetSurveyParticipation, surveysPersonalData } from '../surveys/participation.ts';

/**
 * Everything the platform holds about a person, as one JSON document they can download.
 * Each domain that stores personal data adds its part here.
 */
export async function exportPersonalData(db: Database, personId: string) {
  const person = await db.selectFrom('person').selectAll().where('id', '=', personId).executeTakeFirstOrThrow();
  const [roles, sessions, emails, events, learning, trainings, attestations, journal] = await Promise.all([
    db.selectFrom('person_role').select(['role', 'granted_at']).where('person_id', '=', personId).execute(),
    db.selectFrom('auth_session').select(['created_at', 'expires_at', 'user_agent']).where('person_id', '=', personId).execute(),
    db
      .selectFrom('outbox_email')
      .select(['created_at', 'to_address', 'subject', 'body_text', 'sent_at'])
      .where('person_id', '=', personId)
      .orderBy('id')
      .execute(),
    db.selectFrom('audit_event').select(['at', 'action', 'details']).where('subject_person_id', '=', personId).orderBy('id').execute(),
    modulesPersonalData(db, personId),
    sessionsPersonalData(db, personId),
    attestationsOf(db, personId),
    // The carnet de bord appears in its author's own download, and in no other export.
    journalPersonalData(db, personId),
  ]);
  return {
    format: 'esper-parcours/donnees-personnelles/1',
    exportedAt: new Date().toISOString(),
    person: {
      id: person.id,
      email: person.email,
      givenName: person.given_name,
      familyName: person.family_name,
      structure: person.structure,
      createdAt: person.created_at,
      emailVerifiedAt: person.email_verified_at,
    },
    roles: roles.map((r) => ({ role: r.role, label: ROLE_LABELS[r.role], grantedAt: r.granted_at })),
    sessions: sessions.map((s) => ({ openedAt: s.created_at, expiresAt: s.expires_at, device: s.user_agent })),
    emails: emails.map((e) => ({ at: e.created_at, to: e.to_address, subject: e.subject, text: e.body_text, sentAt: e.sent_at })),
    history: events.map((e) => ({ at: e.at, action: e.action, details: e.details })),
    learning,
    trainings,
    // The documents themselves are downloaded from « Mes attestations ».
    attestations,
    journal,
    // Volunteer missions in binôme: the pair by the name typed, nobody's address.
    missions: await missionsPersonalData(db, personId),
    // Satisfaction surveys: that they were invited and answered, never the answers (anonymous, tied to no one).
    satisfactionSurveys: await surveysPersonalData(db, personId),
  };
}

/**
 * Erases an account at its owner's request: name, email and password are removed, sessions,
 * links, emails, the carnet de bord and volunteer missions deleted. Records that the law requires (attestations, attendance) are kept,
 * attached to the anonymised person.
 */
export async function eraseAccount(ctx: AppContext, input: { personId: string; password: string }): Promise<Outcome> {
  const person = await ctx.db.selectFrom('person').selectAll().where('id', '=', input.personId).executeTakeFirstOrThrow();
  if (!(await verifyPassword(person.password_hash, input.password)))
    return { ok: false, status: 400, message: 'Le mot de passe est incorrect : votre compte n’a pas été supprimé.' };
  const admins = await ctx.db.selectFrom('person_role').select('person_id').where('role', '=', 'admin').execute();
  if (admins.length === 1 && admins[0]!.person_id === person.id)
    return {
      ok: false,
      status: 409,
      message: 'Vous êtes la seule personne administratrice : donnez ce rôle à quelqu’un d’autre avant de supprimer votre compte.',
    };
  // Seats in sessions still to come go to the waiting lists; past attendance stays as a record.
  await releaseEnrolments(ctx, person.id);
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('person')
      .set({
        email: `efface-${person.id}@invalid.esper-parcours`,
        given_name: 'Personne',
        family_name: 'effacée',
        structure: null,
        password_hash: null,
        erased_at: ctx.now(),
      })
      .where('id', '=', person.id)
      .execute();
    await trx.deleteFrom('person_role').where('person_id', '=', person.id).execute();
    await trx.deleteFrom('auth_session').where('person_id', '=', person.id).execute();
    await trx.deleteFrom('one_time_token').where('person_id', '=', person.id).execute();
    await trx.deleteFrom('outbox_email').where('person_id', '=', person.id).execute();
    await trx.deleteFrom('outbox_email').where('to_address', '=', person.email).execute();
    // The carnet de bord is personal notes, not a record: it goes whole, shared entries included.
    await trx.deleteFrom('journal_entry').where('author_id', '=', person.id).execute();
    // Files a coordinator exported hold other people's data, kept for their requester alone: they go now, not at the 7-day purge.
    await trx.deleteFrom('export_job').where('requested_by', '=', person.id).execute();
    // Missions are the trainee's own account of their pathway, not a legal record: they go too.
    await forgetMissions(trx, person.id);
    await releaseReferent(trx, person.id);
    // Survey answers name nobody and stay; the marks « answered » lose their person (still counted in the rates).
    await forgetSurveyParticipation(trx, person.id);
    await recordAudit(trx, { actorId: null, action: 'account.erased', subjectPersonId: person.id });
  });
  return { ok: true };
}
