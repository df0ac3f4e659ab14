import type { AppContext } from '../../src/lib/context.ts';
import { createTraining, type Training } from '../../src/lib/sessions/trainings.ts';
import { createSession } from '../../src/lib/sessions/training-sessions.ts';
import { parisInstant } from '../../src/lib/time.ts';
import type { WorldPerson } from './world.ts';
import { DAY } from './context.ts';

/** A PSSM training as the association runs it: 14 hours over two days. */
export async function addTraining(ctx: AppContext, author: WorldPerson, overrides: { title?: string; durationHours?: number } = {}): Promise<Training> {
  const outcome = await createTraining(ctx, {
    actorId: author.id,
    title: overrides.title ?? 'Premiers secours en santé mentale',
    topic: 'pssm',
    audience: 'everyone',
    durationHours: overrides.durationHours ?? 14,
    summary: 'Apprendre à repérer une personne en difficulté psychique et à lui apporter une première aide.',
    objectives: 'Repérer les signes d’une crise\nSavoir engager la conversation\nOrienter vers l’aide adaptée',
    moduleId: 'pssm',
  });
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome.training;
}

/** The Paris day `days` after the context's today, as « 2026-12-03 ». */
export function dayFromNow(ctx: AppContext, days: number): string {
  return new Date(ctx.now().getTime() + days * DAY).toISOString().slice(0, 10);
}

/**
 * A session of a training in Marseille, by default in a week, for `days` days of two
 * half-days each (09:00–12:30 and 13:30–17:00, Paris time): 7 hours a day.
 */
export async function addSession(
  ctx: AppContext,
  input: { coordinator: WorldPerson; trainers: WorldPerson[]; training: Training; capacity?: number; startDay?: string; days?: number; noticeHours?: number },
): Promise<string> {
  const first = input.startDay ?? dayFromNow(ctx, 7);
  const slots = [];
  for (let d = 0; d < (input.days ?? 2); d++) {
    const day = new Date(Date.parse(`${first}T12:00:00Z`) + d * DAY).toISOString().slice(0, 10);
    slots.push({ startsAt: parisInstant(day, '09:00')!, endsAt: parisInstant(day, '12:30')! });
    slots.push({ startsAt: parisInstant(day, '13:30')!, endsAt: parisInstant(day, '17:00')! });
  }
  const outcome = await createSession(ctx, {
    actorId: input.coordinator.id,
    actorRoles: input.coordinator.roles,
    trainingId: input.training.id,
    place: 'Maison des associations, 93 La Canebière, Marseille',
    capacity: input.capacity ?? 12,
    cancellationNoticeHours: input.noticeHours ?? 48,
    trainerIds: input.trainers.map((t) => t.id),
    slots,
  });
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome.sessionId;
}
