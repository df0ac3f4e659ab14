import type { Transaction } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Database } from '../db/index.ts';
import type { DB, Role } from '../db/schema.ts';
import { recordAudit } from '../audit/index.ts';
import { normalizeEmail } from '../accounts/people.ts';
import { isUuid } from '../ids.ts';
import { lockMember, pathwayMember, PATHWAY_COMPLETE } from './members.ts';

/**
 * Each trainee's two referents, as the integration guide advises: a professional (a role of
 * professional, trainer or coordinator) and an experienced peer mediator (a trainer, since
 * experienced MSPs run the trainings, or someone who completed the pathway). The coordination
 * chooses them. The two columns of `pathway_member` are the whole relation: `isReferentOf` is
 * the one check every feature that opens a trainee's things to their referents goes through
 * (missions to validate, shared journal entries).
 */

export type ReferentKind = 'professional' | 'peer';

export const REFERENT_LABELS: Record<ReferentKind, string> = {
  professional: 'Référent·e professionnel·le',
  peer: 'Pair référent·e',
};

/** Roles that may be the professional referent. */
export const PROFESSIONAL_REFERENT_ROLES: readonly Role[] = ['professional', 'trainer', 'coordinator'];

/**
 * Whether this person is one of this trainee's two referents now (the trainee still in the
 * pathway, their account not erased). One query; a malformed id is simply not a referent.
 */
export async function isReferentOf(db: Database, referentId: string, traineeId: string): Promise<boolean> {
  if (!isUuid(referentId) || !isUuid(traineeId) || referentId === traineeId) return false;
  const row = await db
    .selectFrom('pathway_member as m')
    .innerJoin('person as p', 'p.id', 'm.person_id')
    .innerJoin('person_role as r', (j) => j.onRef('r.person_id', '=', 'm.person_id').on('r.role', '=', 'trainee'))
    .select('m.person_id')
    .where('m.person_id', '=', traineeId)
    .where('p.erased_at', 'is', null)
    .where((eb) => eb.or([eb('m.professional_referent_id', '=', referentId), eb('m.peer_referent_id', '=', referentId)]))
    .executeTakeFirst();
  return row !== undefined;
}

export interface Referent {
  id: string;
  givenName: string;
  familyName: string;
  email: string;
  roles: Role[];
}

/** A trainee's referents, for display (null where none is chosen). */
export async function referentsOf(db: Database, personId: string): Promise<Record<ReferentKind, Referent | null>> {
  const none = { professional: null, peer: null };
  if (!isUuid(personId)) return none;
  const member = await db
    .selectFrom('pathway_member')
    .select(['professional_referent_id', 'peer_referent_id'])
    .where('person_id', '=', personId)
    .executeTakeFirst();
  const ids = [member?.professional_referent_id, member?.peer_referent_id].filter((id): id is string => !!id);
  if (ids.length === 0) return none;
  const [people, roles] = await Promise.all([
    db.selectFrom('person').select(['id', 'given_name', 'family_name', 'email']).where('id', 'in', ids).where('erased_at', 'is', null).execute(),
    db.selectFrom('person_role').select(['person_id', 'role']).where('person_id', 'in', ids).orderBy('role').execute(),
  ]);
  const referent = (id: string | null | undefined): Referent | null => {
    const p = people.find((x) => x.id === id);
    if (!p) return null;
    return { id: p.id, givenName: p.given_name, familyName: p.family_name, email: p.email, roles: roles.filter((r) => r.person_id === p.id).map((r) => r.role) };
  };
  return { professional: referent(member?.professional_referent_id), peer: referent(member?.peer_referent_id) };
}

export interface AccompaniedTrainee {
  personId: string;
  givenName: string;
  familyName: string;
  /** 1 to 7, or PATHWAY_COMPLETE. */
  stage: number;
  stageSince: Date;
  /** How this person refers them (both, in the rare case the same person holds the two). */
  as: ReferentKind[];
}

/** The trainees this person refers, by name. */
export async function traineesAccompaniedBy(db: Database, personId: string): Promise<AccompaniedTrainee[]> {
  if (!isUuid(personId)) return [];
  const rows = await db
    .selectFrom('pathway_member as m')
    .innerJoin('person as p', 'p.id', 'm.person_id')
    .innerJoin('person_role as r', (j) => j.onRef('r.person_id', '=', 'm.person_id').on('r.role', '=', 'trainee'))
    .select(['m.person_id', 'p.given_name', 'p.family_name', 'm.stage', 'm.stage_since', 'm.professional_referent_id', 'm.peer_referent_id'])
    .where('p.erased_at', 'is', null)
    .where((eb) => eb.or([eb('m.professional_referent_id', '=', personId), eb('m.peer_referent_id', '=', personId)]))
    .orderBy('p.family_name')
    .orderBy('p.given_name')
    .execute();
  return rows.map((r) => ({
    personId: r.person_id,
    givenName: r.given_name,
    familyName: r.family_name,
    stage: r.stage,
    stageSince: r.stage_since,
    as: [r.professional_referent_id === personId ? 'professional' : null, r.peer_referent_id === personId ? 'peer' : null].filter((k): k is ReferentKind => k !== null),
  }));
}

/** A referent chosen by email (the coordination's form) or by id; null clears; undefined keeps the current one. */
export type ReferentChoice = { email: string } | { id: string } | null | undefined;

export type SetReferentsOutcome =
  | { ok: true; professionalReferentId: string | null; peerReferentId: string | null; notified: string[] }
  | { ok: false; status: 400; message: string; field: ReferentKind }
  | { ok: false; status: 403 | 404; message: string };

const FIELD_NAMES: Record<ReferentKind, string> = { professional: 'Référent·e professionnel·le', peer: 'Pair référent·e' };

async function resolveChoice(trx: Transaction<DB>, choice: { email: string } | { id: string }) {
  let query = trx.selectFrom('person').select(['id', 'given_name', 'family_name', 'email']).where('erased_at', 'is', null);
  if ('email' in choice) query = query.where((eb) => eb(eb.fn('lower', ['email']), '=', normalizeEmail(choice.email)));
  else if (isUuid(choice.id)) query = query.where('id', '=', choice.id);
  else return undefined;
  return query.executeTakeFirst();
}

/**
 * The coordination chooses (or clears) a trainee's referents. Each new referent is told by email.
 * A refusal names the field, so the form can show it next to the right input.
 */
export async function setReferents(
  ctx: AppContext,
  input: { actorId: string; actorRoles: readonly string[]; personId: string; professionalReferent?: ReferentChoice; peerReferent?: ReferentChoice },
): Promise<SetReferentsOutcome> {
  if (!input.actorRoles.includes('coordinator') && !input.actorRoles.includes('admin'))
    return { ok: false, status: 403, message: 'Seule l’équipe de coordination choisit les référents d’une personne stagiaire.' };
  const notInPathway = { ok: false, status: 404, message: 'Cette personne n’est pas stagiaire du parcours.' } as const;
  if (!isUuid(input.personId)) return notInPathway;
  const outcome = await ctx.db.transaction().execute(async (trx): Promise<SetReferentsOutcome> => {
    const member = await pathwayMember(trx, input.personId);
    if (!member) return notInPathway;
    const chosen: Record<ReferentKind, string | null> = { professional: member.professionalReferentId, peer: member.peerReferentId };
    for (const kind of ['professional', 'peer'] as const) {
      const choice = kind === 'professional' ? input.professionalReferent : input.peerReferent;
      if (choice === undefined) continue;
      if (choice === null) {
        chosen[kind] = null;
        continue;
      }
      const refuse = (why: string) => ({ ok: false, status: 400, message: `${FIELD_NAMES[kind]} : ${why}`, field: kind }) as const;
      const person = await resolveChoice(trx, choice);
      if (!person)
        return refuse('aucun compte ne porte cette adresse. La personne doit d’abord avoir un compte : invitez-la depuis « Inviter ».');
      if (person.id === input.personId) return refuse('la personne stagiaire ne peut pas être sa propre référente.');
      const roles = (await trx.selectFrom('person_role').select('role').where('person_id', '=', person.id).execute()).map((r) => r.role);
      if (kind === 'professional' && !roles.some((r) => PROFESSIONAL_REFERENT_ROLES.includes(r)))
        return refuse('choisissez une personne qui a le rôle professionnel·le, formateur·rice ou coordinateur·rice.');
      if (kind === 'peer' && !roles.includes('trainer')) {
        // An experienced peer mediator: a trainer, or someone who went through the whole pathway.
        const peer = await pathwayMember(trx, person.id);
        if (!peer || peer.stage < PATHWAY_COMPLETE)
          return refuse('choisissez un formateur ou une formatrice (MSP expérimenté·e), ou une personne qui a terminé le parcours.');
      }
      chosen[kind] = person.id;
    }
    if (chosen.professional && chosen.professional === chosen.peer)
      return { ok: false, status: 400, message: `${FIELD_NAMES.peer} : choisissez une autre personne que le ou la référent·e professionnel·le, pour que la personne stagiaire ait deux regards.`, field: 'peer' };
    await lockMember(trx, input.personId, member.stageSince);
    const previous = await trx
      .selectFrom('pathway_member')
      .select(['professional_referent_id', 'peer_referent_id'])
      .where('person_id', '=', input.personId)
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('pathway_member')
      .set({ professional_referent_id: chosen.professional, peer_referent_id: chosen.peer })
      .where('person_id', '=', input.personId)
      .execute();
    await recordAudit(trx, {
      actorId: input.actorId,
      action: 'pathway.referents_set',
      subjectPersonId: input.personId,
      details: { professionalReferentId: chosen.professional, peerReferentId: chosen.peer },
    });
    const before = [previous.professional_referent_id, previous.peer_referent_id];
    const notified = [chosen.professional, chosen.peer].filter((id): id is string => !!id && !before.includes(id));
    return { ok: true, professionalReferentId: chosen.professional, peerReferentId: chosen.peer, notified: [...new Set(notified)] };
  });
  if (outcome.ok) await notifyReferents(ctx, input.personId, outcome);
  return outcome;
}

async function notifyReferents(ctx: AppContext, traineeId: string, outcome: { professionalReferentId: string | null; peerReferentId: string | null; notified: string[] }) {
  if (outcome.notified.length === 0) return;
  const [trainee, people] = await Promise.all([
    ctx.db.selectFrom('person').select(['given_name', 'family_name']).where('id', '=', traineeId).executeTakeFirstOrThrow(),
    ctx.db.selectFrom('person').select(['id', 'email', 'given_name']).where('id', 'in', outcome.notified).where('erased_at', 'is', null).execute(),
  ]);
  const name = `${trainee.given_name} ${trainee.family_name}`;
  for (const person of people) {
    const kinds = [outcome.professionalReferentId === person.id ? 'référent·e professionnel·le' : null, outcome.peerReferentId === person.id ? 'pair référent·e' : null].filter(Boolean);
    await ctx.mail({
      to: person.email,
      personId: person.id,
      subject: `Vous accompagnez ${name} dans son parcours`,
      text: `Bonjour ${person.given_name},

L’équipe de coordination vous a choisi·e comme ${kinds.join(' et ')} de ${name}, stagiaire du parcours de professionnalisation des médiateurs et médiatrices de santé pairs.

Concrètement : vous validez (ou renvoyez avec un commentaire) les heures de missions bénévoles en binôme que ${trainee.given_name} note sur la plateforme, et vous lisez les notes de son carnet de bord qu’il ou elle choisit de partager avec vous. Tout se trouve sur ${ctx.publicUrl}/accompagnement.

Merci pour votre accompagnement.

L’équipe d’ESPER Pro`,
    });
  }
}

/**
 * A person whose account is erased stops being anyone's referent (called inside the erasure's
 * transaction): a trainee should not see an erased account as the person who accompanies them.
 */
export async function releaseReferent(trx: Transaction<DB>, personId: string): Promise<void> {
  await trx.updateTable('pathway_member').set({ professional_referent_id: null }).where('professional_referent_id', '=', personId).execute();
  await trx.updateTable('pathway_member').set({ peer_referent_id: null }).where('peer_referent_id', '=', personId).execute();
}
