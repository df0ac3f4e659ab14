import type { AppContext } from '../context.ts';
import { DEMO_ACCOUNTS } from '../accounts/demo.ts';
import { parisDay, parisInstant } from '../time.ts';
import { createTraining } from './trainings.ts';
import { createSession } from './training-sessions.ts';

/**
 * The demo's trainings and sessions, created once when there are none: a PSSM session next
 * week with the demo trainee and professional enrolled, and a session today run by the demo
 * trainer, so that signing can be tried at once, and a PSSM session that took place last month,
 * where both signed every half-day, so that attestations can be issued at once.
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
  // Last month: two half-days, closed, both present (the attendance written as the trainer would have).
  const past = day(-30);
  const done = await createSession(ctx, { ...actor, trainingId: ids[0]!, place, capacity: 12, cancellationNoticeHours: 48, trainerIds: [trainer.id], slots: halfDays(past) });
  if (done.ok) {
    for (const p of [trainee, professional])
      await ctx.db.insertInto('enrolment').values({ session_id: done.sessionId, person_id: p.id, status: 'enrolled', employer: p === professional ? 'Centre médico-psychologique de démonstration' : null, requested_at: now, updated_at: now, updated_by: coordinator.id }).execute();
    const slots = await ctx.db.selectFrom('session_slot').select(['id', 'starts_at', 'ends_at']).where('session_id', '=', done.sessionId).execute();
    for (const slot of slots) {
      await ctx.db.updateTable('session_slot').set({ opened_at: slot.starts_at, opened_by: trainer.id, closed_at: slot.ends_at, closed_by: trainer.id }).where('id', '=', slot.id).execute();
      await ctx.db
        .insertInto('attendance_record')
        .values([trainee, professional].map((p) => ({ slot_id: slot.id, person_id: p.id, status: 'present' as const, method: 'trainer' as const, recorded_by: trainer.id, recorded_at: slot.starts_at })))
        .execute();
    }
  }
  return ids.length;
}
