import type { AppContext } from '../../src/lib/context.ts';
import { enrol } from '../../src/lib/sessions/enrolment.ts';
import { sessionOverview } from '../../src/lib/sessions/training-sessions.ts';
import { closeSlot, openSlot } from '../../src/lib/attendance/slots.ts';
import { recordAttendance } from '../../src/lib/attendance/records.ts';
import type { Training } from '../../src/lib/sessions/trainings.ts';
import type { TestClock } from './context.ts';
import { addSession } from './sessions.ts';
import type { WorldPerson } from './world.ts';

/**
 * A two-day session (four half-days of 3.5 h) that took place: each participant is present at
 * the half-days `presence[i]` says (true) and absent at the others; every half-day is closed.
 * The clock ends after the session.
 */
export async function finishedSession(
  ctx: AppContext & { clock: TestClock },
  input: { coordinator: WorldPerson; trainer: WorldPerson; training: Training; participants: { person: WorldPerson; presence: boolean[]; employer?: string }[] },
): Promise<string> {
  const sessionId = await addSession(ctx, { coordinator: input.coordinator, trainers: [input.trainer], training: input.training, capacity: Math.max(1, input.participants.length) });
  for (const p of input.participants)
    await enrol(ctx, { actorId: p.person.id, actorRoles: p.person.roles, personId: p.person.id, sessionId, employer: p.employer });
  const trainer = { id: input.trainer.id, roles: input.trainer.roles };
  const slots = (await sessionOverview(ctx.db, sessionId))!.slots;
  for (const [i, slot] of slots.entries()) {
    ctx.clock.advance(slot.startsAt.getTime() - ctx.now().getTime() + 60_000);
    await openSlot(ctx, { actor: trainer, slotId: slot.id });
    for (const p of input.participants)
      if (p.presence[i]) await recordAttendance(ctx, { actor: trainer, slotId: slot.id, personId: p.person.id, status: 'present' });
    ctx.clock.advance(slot.endsAt.getTime() - ctx.now().getTime());
    await closeSlot(ctx, { actor: trainer, slotId: slot.id });
  }
  ctx.clock.advance(24 * 3_600_000);
  return sessionId;
}
