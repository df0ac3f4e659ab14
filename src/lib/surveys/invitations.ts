import type { AppContext } from '../context.ts';
import type { SurveyPhase } from '../db/schema.ts';
import { frenchLongDate } from '../time.ts';
import { attendeesOf, sessionTimes, type SessionTimes } from './participation.ts';
import { openPhase } from './questions.ts';

/**
 * Emails each participant the link to a survey once per phase. Safe to run at any time and on
 * several instances at once: the invitations are first written (INSERT … ON CONFLICT DO NOTHING),
 * then claimed by one conditional UPDATE … RETURNING, so each row is claimed by a single caller.
 * A crash between the claim and the email loses that email only (the survey still shows on
 * « Mes séances »): better once or not at all than twice.
 */
export async function sendDueSurveyInvitations(ctx: AppContext): Promise<{ ok: true; sent: number }> {
  const now = ctx.now();
  const open = (await sessionTimes(ctx.db, { openAt: now }))
    .map((t) => ({ t, phase: openPhase(t, now) }))
    .filter((o): o is { t: SessionTimes; phase: SurveyPhase } => o.phase !== null);
  if (open.length === 0) return { ok: true, sent: 0 };
  const phaseOf = new Map(open.map((o) => [o.t.sessionId, o.phase]));
  const attendees = await attendeesOf(ctx.db, [...phaseOf.keys()]);
  // Erased accounts keep their attendance as a record, but are invited to nothing.
  const living = new Set(
    attendees.length
      ? (await ctx.db.selectFrom('person').select('id').where('id', 'in', [...new Set(attendees.map((a) => a.personId))]).where('erased_at', 'is', null).execute()).map((p) => p.id)
      : [],
  );
  const rows = attendees.filter((a) => living.has(a.personId)).map((a) => ({ session_id: a.sessionId, phase: phaseOf.get(a.sessionId)!, person_id: a.personId }));
  for (let i = 0; i < rows.length; i += 500)
    await ctx.db
      .insertInto('survey_participant')
      .values(rows.slice(i, i + 500))
      .onConflict((oc) => oc.columns(['session_id', 'phase', 'person_id']).doNothing())
      .execute();
  const idsOf = (phase: SurveyPhase) => open.filter((o) => o.phase === phase).map((o) => o.t.sessionId);
  const claimed = await ctx.db
    .updateTable('survey_participant')
    .set({ emailed_at: now })
    .where('emailed_at', 'is', null)
    .where('answered', '=', false)
    .where('person_id', 'is not', null)
    .where((eb) =>
      eb.or(
        (['hot', 'cold'] as const)
          .filter((phase) => idsOf(phase).length > 0)
          .map((phase) => eb.and([eb('phase', '=', phase), eb('session_id', 'in', idsOf(phase))])),
      ),
    )
    .returning(['session_id', 'phase', 'person_id'])
    .execute();
  if (claimed.length === 0) return { ok: true, sent: 0 };
  const people = await ctx.db
    .selectFrom('person')
    .select(['id', 'email', 'given_name'])
    .where('id', 'in', claimed.map((c) => c.person_id!))
    .execute();
  const byId = new Map(people.map((p) => [p.id, p]));
  const sessions = new Map(open.map((o) => [o.t.sessionId, o.t]));
  let sent = 0;
  for (const c of claimed) {
    const person = byId.get(c.person_id!);
    const session = sessions.get(c.session_id);
    if (!person || !session) continue;
    await ctx.mail({ to: person.email, personId: person.id, ...invitationEmail(ctx.publicUrl, person.given_name, session, c.phase) });
    sent++;
  }
  return { ok: true, sent };
}

export function invitationEmail(publicUrl: string, givenName: string, session: SessionTimes, phase: SurveyPhase): { subject: string; text: string } {
  const link = `${publicUrl}/mes-seances/${session.sessionId}/avis`;
  const when = frenchLongDate(session.firstStartsAt);
  const opening =
    phase === 'hot'
      ? `Vous avez participé à la formation « ${session.title} » (séance du ${when}). Qu’en avez-vous pensé ? Quatre questions et un commentaire si vous le souhaitez : deux minutes suffisent.`
      : `Il y a trois mois, vous avez participé à la formation « ${session.title} » (séance du ${when}). Ce que vous en utilisez aujourd’hui dans votre pratique nous aide à améliorer nos formations : une question, deux minutes.`;
  return {
    subject: phase === 'hot' ? `Votre avis sur la formation « ${session.title} »` : `Trois mois après « ${session.title} » : votre avis`,
    text: [
      `Bonjour ${givenName},`,
      '',
      opening,
      '',
      'Vos réponses sont anonymes : elles ne sont reliées ni à votre nom ni à votre compte. Répondre n’est pas obligatoire.',
      '',
      `Donner mon avis : ${link}`,
      '',
      'Merci pour votre participation,',
      'L’équipe ESPER Pro',
    ].join('\n'),
  };
}
