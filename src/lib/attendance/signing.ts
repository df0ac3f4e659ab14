import { checkImage } from '../pdf/images.ts';
import { sql } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Outcome } from '../accounts/registration.ts';
import { isUuid } from '../ids.ts';
import { currentHits, hitRateLimit } from '../security/rate-limit.ts';
import { codeMatches, normalizeCode } from './codes.ts';
import { alreadyPresent, forgetLiveState, slotForTrainer, type Actor } from './slots.ts';

/**
 * Signing a half-day: with the code shown by the trainer (on one's own phone), or on the
 * trainer's tablet. A participant who already signed is told so; nothing is recorded twice.
 */

/** Wrong codes allowed per person: with a 6-digit code living 60 s, guessing is hopeless. */
export const CODE_ATTEMPTS = { limit: 10, windowSeconds: 600 };
/** A code typed just after the closing gets a clear answer rather than « wrong code ». */
const RECENTLY_CLOSED_MS = 10 * 60_000;
export const MAX_SIGNATURE_BYTES = 200 * 1024;

export type SignOutcome = Outcome<{ slotId: string; trainingTitle: string; startsAt: Date; alreadySigned: boolean }>;

export async function signWithCode(ctx: AppContext, input: { personId: string; code: string }): Promise<SignOutcome> {
  const now = ctx.now();
  const limitKey = `attendance-code:${input.personId}`;
  if ((await currentHits(ctx.db, limitKey, CODE_ATTEMPTS, now)) >= CODE_ATTEMPTS.limit)
    return { ok: false, status: 429, message: 'Trop de codes erronés : attendez 10 minutes, ou signez sur la tablette du formateur.' };
  const code = normalizeCode(input.code);
  if (!code) return { ok: false, status: 400, message: 'Le code compte six chiffres : tapez celui qui est affiché en ce moment.' };
  const candidates = await ctx.db
    .selectFrom('session_slot as sl')
    .innerJoin('training_session as s', 's.id', 'sl.session_id')
    .innerJoin('training as t', 't.id', 's.training_id')
    .leftJoin('enrolment as e', (join) => join.onRef('e.session_id', '=', 'sl.session_id').on('e.person_id', '=', input.personId))
    .select(['sl.id', 'sl.code_secret', 'sl.closed_at', 'sl.starts_at', 't.title', 'e.status as enrolment'])
    .where('sl.opened_at', 'is not', null)
    .where((eb) => eb.or([eb('sl.closed_at', 'is', null), eb('sl.closed_at', '>', new Date(now.getTime() - RECENTLY_CLOSED_MS))]))
    .execute();
  const matching = candidates.filter((c) => c.code_secret && codeMatches(c.code_secret, code, now));
  const mine = matching.find((c) => !c.closed_at && c.enrolment === 'enrolled');
  if (!mine) {
    if (matching.some((c) => !c.closed_at))
      return { ok: false, status: 403, message: 'Ce code est celui d’une séance à laquelle vous n’êtes pas inscrit·e. Vérifiez auprès du formateur ou de la formatrice.' };
    if (matching.some((c) => c.closed_at))
      return { ok: false, status: 409, message: 'Cette demi-journée est close : l’émargement n’est plus possible. Adressez-vous au formateur ou à la formatrice.' };
    await hitRateLimit(ctx.db, limitKey, CODE_ATTEMPTS, now);
    return { ok: false, status: 400, message: 'Ce code n’est pas valide ou a expiré : tapez celui qui est affiché en ce moment.' };
  }
  const answer = { ok: true, slotId: mine.id, trainingTitle: mine.title, startsAt: mine.starts_at } as const;
  if (await alreadyPresent(ctx.db, mine.id, input.personId)) return { ...answer, alreadySigned: true };
  const inserted = await ctx.db
    .insertInto('attendance_record')
    .values({
      slot_id: mine.id,
      person_id: input.personId,
      status: 'present',
      method: 'code',
      signed_at: now,
      recorded_by: input.personId,
      recorded_at: now,
      idempotency_key: `code:${mine.id}:${input.personId}`,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) forgetLiveState(mine.id);
  return { ...answer, alreadySigned: !inserted };
}

export interface TabletSignature {
  /** Drawn on the tablet: a random UUID, so that a resend is recognised. */
  key: string;
  personId: string;
  signedAt: Date;
  png?: Uint8Array | undefined;
  typedName?: string | undefined;
}

const CLOCK_TOLERANCE_MS = 15 * 60_000;

/**
 * A signature made on the trainer's tablet. It may arrive late (the tablet was offline), even
 * after the closing, as long as it was made while the half-day was open.
 */
export async function signOnTablet(
  ctx: AppContext,
  input: { actor: Actor; slotId: string } & TabletSignature,
): Promise<Outcome<{ duplicate: boolean }>> {
  const found = await slotForTrainer(ctx.db, input.actor, input.slotId);
  if (!found.ok) return found;
  const { slot } = found;
  const now = ctx.now();
  if (!isUuid(input.key) || !isUuid(input.personId)) return { ok: false, status: 400, message: 'Signature incomplète : rechargez la page de la tablette.' };
  if (!input.png && !input.typedName?.trim()) return { ok: false, status: 400, message: 'La signature est vide : dessinez-la ou tapez votre nom.' };
  let png: Uint8Array | null = null;
  if (input.png) {
    if (input.png.length > MAX_SIGNATURE_BYTES) return { ok: false, status: 400, message: 'Cette signature est trop lourde (200 Ko au plus).' };
    // Checked whole, as the attestations' images are: pdf-lib loops forever on a truncated PNG,
    // and this one will be drawn on the attendance sheet.
    const checked = checkImage('Signature', input.png, ['image/png']);
    if (!checked.ok) return { ok: false, status: 400, message: checked.message };
    png = checked.bytes;
  }
  if (!slot.openedAt) return { ok: false, status: 409, message: 'L’émargement de cette demi-journée n’est pas ouvert.' };
  const duplicate = await ctx.db
    .selectFrom('attendance_record')
    .select('id')
    .where('idempotency_key', '=', `tablet:${input.key}`)
    .executeTakeFirst();
  if (duplicate) return { ok: true, duplicate: true };
  if (input.signedAt.getTime() > now.getTime() + CLOCK_TOLERANCE_MS || input.signedAt.getTime() < slot.openedAt.getTime() - CLOCK_TOLERANCE_MS)
    return { ok: false, status: 400, message: 'L’heure de la tablette semble fausse : vérifiez sa date et son heure, puis signez à nouveau.' };
  const signedAt = input.signedAt > now ? now : input.signedAt;
  if (slot.closedAt && signedAt > slot.closedAt)
    return { ok: false, status: 409, message: 'Cette demi-journée était déjà close quand la signature a été faite.' };
  const enrolment = await ctx.db
    .selectFrom('enrolment')
    .select('status')
    .where('session_id', '=', slot.sessionId)
    .where('person_id', '=', input.personId)
    .executeTakeFirst();
  if (enrolment?.status !== 'enrolled') return { ok: false, status: 409, message: 'Cette personne n’est pas inscrite à la séance.' };
  if (await alreadyPresent(ctx.db, slot.id, input.personId)) return { ok: true, duplicate: true };
  const inserted = await ctx.db
    .insertInto('attendance_record')
    .values({
      slot_id: slot.id,
      person_id: input.personId,
      status: 'present',
      method: 'tablet',
      signed_at: signedAt,
      signature_png: png,
      signature_text: png ? null : input.typedName!.trim().slice(0, 120),
      recorded_by: input.actor.id,
      recorded_at: now,
      idempotency_key: `tablet:${input.key}`,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) forgetLiveState(slot.id);
  return { ok: true, duplicate: !inserted };
}

/** The open half-days a participant can sign now (for their « Émarger » page). */
export async function openSlotsFor(ctx: AppContext, personId: string) {
  const rows = await ctx.db
    .selectFrom('session_slot as sl')
    .innerJoin('enrolment as e', 'e.session_id', 'sl.session_id')
    .innerJoin('training_session as s', 's.id', 'sl.session_id')
    .innerJoin('training as t', 't.id', 's.training_id')
    .select(['sl.id', 'sl.starts_at', 'sl.ends_at', 't.title', 's.place'])
    .select((eb) =>
      eb
        .selectFrom('attendance_record as r')
        .select('r.status')
        .whereRef('r.slot_id', '=', 'sl.id')
        .where('r.person_id', '=', personId)
        .orderBy('r.id', 'desc')
        .limit(1)
        .as('status'),
    )
    .where('e.person_id', '=', personId)
    .where('e.status', '=', 'enrolled')
    .where('sl.opened_at', 'is not', null)
    .where('sl.closed_at', 'is', null)
    .orderBy(sql`sl.starts_at`)
    .execute();
  return rows.map((r) => ({
    slotId: r.id,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    trainingTitle: r.title,
    place: r.place,
    signed: r.status === 'present' || r.status === 'late',
  }));
}
