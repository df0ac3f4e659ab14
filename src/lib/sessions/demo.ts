import { sql } from 'kysely';
import type { AppContext } from '../context.ts';
import { DEMO_ACCOUNTS } from '../accounts/demo.ts';
import type { EmployerType } from '../db/schema.ts';
import { submitSurveyAnswer } from '../surveys/participation.ts';
import { parisDay, parisInstant } from '../time.ts';
import { createTraining } from './trainings.ts';
import { createSession } from './training-sessions.ts';

/**
 * The demo's trainings and sessions, created once when there are none: a PSSM session next
 * week with the demo trainee and professional enrolled, and a session today run by the demo
 * trainer, so that signing can be tried at once, and a PSSM session that took place last month,
 * where both signed every half-day, so that attestations can be issued at once. Five more
 * participants (without a password: they cannot sign in) attended it and four gave their opinion,
 * so that the satisfaction results, the dashboard and the yearly report show figures; three of them
 * and the demo trainee attended a session four months ago, whose « à froid » survey is open.
 */
export async function seedDemoTrainings(ctx: AppContext): Promise<number> {
  const existing = await ctx.db.selectFrom('training').select('id').limit(1).executeTakeFirst();
  if (existing) return 0;
  const people = await ctx.db.selectFrom('person').select(['id', 'email']).where('email', 'in', DEMO_ACCOUNTS.map((a) => a.email)).execute();
  const byEmail = (prefix: string) => people.find((p) => p.email.startsWith(prefix))!;
  const [trainee, professional, trainer, coordinator] = ['stagiaire@', 'professionnel@', 'formatrice@', 'coordination@'].map(byEmail);
  if (!trainee || !professional || !trainer || !coordinator) return 0;
  const actor = { actorId: coordinator.id, actorRoles: ['coordinator'] as const };
  const trainings = [
    {
      title: 'Premiers secours en santé mentale (PSSM)',
      topic: 'pssm' as const,
      audience: 'everyone' as const,
      durationHours: 14,
      summary: 'Deux journées pour savoir repérer une personne qui traverse une difficulté psychique, lui parler et l’orienter vers l’aide adaptée.',
      objectives: 'Connaître les principaux troubles et les signes d’une crise\nAppliquer un plan d’action en cinq étapes\nOrienter vers les ressources professionnelles',
      moduleId: 'pssm',
    },
    {
      title: 'Intégrer un travailleur pair dans une équipe',
      topic: 'integration' as const,
      audience: 'professionals' as const,
      durationHours: 7,
      summary: 'Une journée pour les équipes qui accueillent un médiateur de santé pair : missions, recrutement, référents, aménagements.',
      objectives: 'Comprendre ce qu’apportent les savoirs expérientiels\nPréparer l’accueil et les deux référents\nÉviter les questions qui n’ont pas leur place en entretien',
      moduleId: 'integration-travailleur-pair',
    },
    {
      title: 'Rétablissement et pair-aidance',
      topic: 'retablissement' as const,
      audience: 'trainees' as const,
      durationHours: 7,
      summary: 'Les cinq principes qui donnent son nom à ESPER, et ce qu’ils changent dans l’accompagnement au quotidien.',
      objectives: 'Définir le rétablissement\nS’appuyer sur les forces de la personne\nPartager son expérience avec justesse',
      moduleId: 'retablissement',
    },
  ];
  const ids: string[] = [];
  for (const t of trainings) {
    const created = await createTraining(ctx, { actorId: coordinator.id, ...t });
    if (created.ok) ids.push(created.training.id);
  }
  const now = ctx.now();
  const day = (offset: number) => parisDay(new Date(now.getTime() + offset * 86_400_000));
  const halfDays = (d: string) => [
    { startsAt: parisInstant(d, '09:00')!, endsAt: parisInstant(d, '12:30')! },
    { startsAt: parisInstant(d, '13:30')!, endsAt: parisInstant(d, '17:00')! },
  ];
  const place = 'Maison des associations, 93 La Canebière, 13001 Marseille';
  const pssm = await createSession(ctx, { ...actor, trainingId: ids[0]!, place, capacity: 12, cancellationNoticeHours: 48, trainerIds: [trainer.id], slots: [...halfDays(day(10)), ...halfDays(day(11))] });
  await createSession(ctx, { ...actor, trainingId: ids[1]!, place: 'Centre hospitalier, salle du conseil, Aix-en-Provence', capacity: 15, cancellationNoticeHours: 72, trainerIds: [trainer.id], slots: halfDays(day(24)) });
  // Today, whatever the hour: a half-day around now, so that the trainer can open it.
  const start = new Date(Math.floor(now.getTime() / 1_800_000) * 1_800_000 - 30 * 60_000);
  const today = await createSession(ctx, {
    ...actor,
    trainingId: ids[2]!,
    place,
    capacity: 12,
    cancellationNoticeHours: 0,
    trainerIds: [trainer.id],
    slots: [{ startsAt: start, endsAt: new Date(start.getTime() + 3.5 * 3_600_000) }],
  });
  if (pssm.ok)
    for (const p of [trainee, professional])
      await ctx.db.insertInto('enrolment').values({ session_id: pssm.sessionId, person_id: p.id, status: 'enrolled', employer: p === professional ? 'Centre médico-psychologique de démonstration' : null, requested_at: now, updated_at: now, updated_by: coordinator.id }).execute();
  // Enrolled directly: the session has started, which closes enrolment through the site.
  if (today.ok)
    for (const p of [trainee, professional])
      await ctx.db.insertInto('enrolment').values({ session_id: today.sessionId, person_id: p.id, status: 'enrolled', requested_at: now, updated_at: now, updated_by: coordinator.id }).execute();
  // The other participants of the past sessions.
  const others = await seedDemoParticipants(ctx);
  const enrol = (sessionId: string, people: readonly { id: string; employer?: string; employerType?: EmployerType }[]) =>
    ctx.db
      .insertInto('enrolment')
      .values(people.map((p) => ({ session_id: sessionId, person_id: p.id, status: 'enrolled' as const, employer: p.employer ?? null, employer_type: p.employerType ?? null, requested_at: now, updated_at: now, updated_by: coordinator.id })))
      .execute();
  /** Every half-day opened and closed by the trainer, each person present unless listed as absent. */
  const attended = async (sessionId: string, people: readonly { id: string }[], absent: { personId: string; slotIndex: number }[] = []) => {
    const slots = await ctx.db.selectFrom('session_slot').select(['id', 'starts_at', 'ends_at']).where('session_id', '=', sessionId).orderBy('starts_at').execute();
    for (const [index, slot] of slots.entries()) {
      await ctx.db.updateTable('session_slot').set({ opened_at: slot.starts_at, opened_by: trainer.id, closed_at: slot.ends_at, closed_by: trainer.id }).where('id', '=', slot.id).execute();
      await ctx.db
        .insertInto('attendance_record')
        .values(
          people.map((p) => ({
            slot_id: slot.id,
            person_id: p.id,
            status: absent.some((a) => a.personId === p.id && a.slotIndex === index) ? ('absent_justified' as const) : ('present' as const),
            method: 'trainer' as const,
            recorded_by: trainer.id,
            recorded_at: slot.starts_at,
          })),
        )
        .execute();
    }
  };
  // Last month: two half-days, closed; the demo trainee and professional present, so that they can give their opinion.
  const done = await createSession(ctx, { ...actor, trainingId: ids[0]!, place, capacity: 12, cancellationNoticeHours: 48, trainerIds: [trainer.id], slots: halfDays(day(-30)) });
  if (done.ok && others) {
    const [lea, hugo, amina, thomas, chloe] = others;
    await enrol(done.sessionId, [
      { id: trainee.id },
      { id: professional.id, employer: 'Centre médico-psychologique de démonstration', employerType: 'public_employer' },
      { id: lea.id, employer: 'EPSM de démonstration', employerType: 'public_employer' },
      { id: hugo.id, employerType: 'job_seeker' },
      { id: amina.id, employer: 'Association Habitat et Soin', employerType: 'private_employer' },
      { id: thomas.id, employerType: 'self_funded' },
      { id: chloe.id, employer: 'EPSM de démonstration', employerType: 'public_employer' },
    ]);
    await attended(done.sessionId, [trainee, professional, lea, hugo, amina, thomas, chloe], [{ personId: thomas.id, slotIndex: 1 }]);
    const hot = [
      { person: lea, overall: 5, objectives: 4, trainers: 5, organisation: 4, comment: 'Des mises en situation très concrètes.' },
      { person: hugo, overall: 4, objectives: 4, trainers: 5, organisation: 3, comment: 'La salle était un peu petite pour les jeux de rôle.' },
      { person: amina, overall: 5, objectives: 5, trainers: 5, organisation: 5 },
      { person: chloe, overall: 4, objectives: 3, trainers: 4, organisation: 4 },
    ];
    for (const { person, comment, ...scores } of hot) await submitSurveyAnswer(ctx, { personId: person.id, sessionId: done.sessionId, answer: { phase: 'hot', ...scores, comment } });
  }
  // Four months ago, for the trainees: its « à froid » survey is open, three have answered it.
  const earlier = await createSession(ctx, { ...actor, trainingId: ids[2]!, place, capacity: 10, cancellationNoticeHours: 48, trainerIds: [trainer.id], slots: halfDays(day(-120)) });
  if (earlier.ok && others) {
    const [lea, hugo, , thomas] = others;
    await enrol(earlier.sessionId, [{ id: trainee.id }, { id: hugo.id, employerType: 'job_seeker' }, { id: thomas.id, employerType: 'self_funded' }, { id: lea.id, employer: 'EPSM de démonstration', employerType: 'public_employer' }]);
    await attended(earlier.sessionId, [trainee, hugo, thomas, lea]);
    const cold = [
      { person: hugo, practiceUse: 4, uses: ['uses_posture', 'uses_exchanges'] as const, comment: 'Je m’appuie sur les cinq principes en entretien.' },
      { person: thomas, practiceUse: 3, uses: ['uses_knowledge'] as const },
      { person: lea, practiceUse: 5, uses: ['uses_posture', 'uses_tools', 'uses_resources'] as const },
    ];
    for (const { person, uses, ...rest } of cold) await submitSurveyAnswer(ctx, { personId: person.id, sessionId: earlier.sessionId, answer: { phase: 'cold', ...rest, uses: [...uses] } });
  }
  return ids.length;
}

/** Participants of the demo's past sessions: real people in the database, without a password, so nobody signs in as them. */
const DEMO_PARTICIPANTS = [
  { email: 'lea.garnier@demo.esper-parcours.fr', givenName: 'Léa', familyName: 'Garnier', role: 'professional' as const, structure: 'EPSM de démonstration' },
  { email: 'hugo.faure@demo.esper-parcours.fr', givenName: 'Hugo', familyName: 'Faure', role: 'trainee' as const },
  { email: 'amina.diallo@demo.esper-parcours.fr', givenName: 'Amina', familyName: 'Diallo', role: 'professional' as const, structure: 'Association Habitat et Soin' },
  { email: 'thomas.roux@demo.esper-parcours.fr', givenName: 'Thomas', familyName: 'Roux', role: 'trainee' as const },
  { email: 'chloe.bernard@demo.esper-parcours.fr', givenName: 'Chloé', familyName: 'Bernard', role: 'professional' as const, structure: 'EPSM de démonstration' },
];

async function seedDemoParticipants(ctx: AppContext): Promise<[{ id: string }, { id: string }, { id: string }, { id: string }, { id: string }] | undefined> {
  const ids: { id: string }[] = [];
  for (const p of DEMO_PARTICIPANTS) {
    const person = await ctx.db
      .insertInto('person')
      .values({ email: p.email, given_name: p.givenName, family_name: p.familyName, structure: p.structure ?? null, password_hash: null, email_verified_at: ctx.now() })
      .onConflict((oc) => oc.expression(sql`lower(email)`).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!person) return undefined;
    await ctx.db.insertInto('person_role').values({ person_id: person.id, role: p.role }).execute();
    ids.push(person);
  }
  const [a, b, c, d, e] = ids;
  return a && b && c && d && e ? [a, b, c, d, e] : undefined;
}
