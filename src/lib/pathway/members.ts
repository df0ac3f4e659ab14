import type { Transaction } from 'kysely';
import type { Database } from '../db/index.ts';
import type { DB } from '../db/schema.ts';
import { isUuid } from '../ids.ts';

/**
 * The trainees of the pathway. Everyone holding the trainee role is in it; their row in
 * `pathway_member` (stage, cohort, referents) is written the first time something is recorded
 * for them, and until then they read as on stage 1 since their account was made.
 */

export const STAGES = [1, 2, 3, 4, 5, 6, 7] as const;
export type StageNumber = (typeof STAGES)[number];
/** The stage after the seventh: the pathway is complete. */
export const PATHWAY_COMPLETE = 8;

export interface PathwayMember {
  personId: string;
  givenName: string;
  familyName: string;
  /** 1 to 7, or PATHWAY_COMPLETE. */
  stage: number;
  cohort: string | null;
  stageSince: Date;
  validationRequestedAt: Date | null;
  professionalReferentId: string | null;
  peerReferentId: string | null;
}

export const isStage = (value: number): value is StageNumber => Number.isInteger(value) && value >= 1 && value <= 7;

/** A trainee of the pathway (undefined for anyone else, or an unknown id). */
export async function pathwayMember(db: Database | Transaction<DB>, personId: string): Promise<PathwayMember | undefined> {
  if (!isUuid(personId)) return undefined;
  const row = await db
    .selectFrom('person as p')
    .innerJoin('person_role as r', (j) => j.onRef('r.person_id', '=', 'p.id').on('r.role', '=', 'trainee'))
    .leftJoin('pathway_member as m', 'm.person_id', 'p.id')
    .select(['p.id', 'p.given_name', 'p.family_name', 'p.created_at', 'm.stage', 'm.cohort', 'm.stage_since', 'm.validation_requested_at', 'm.professional_referent_id', 'm.peer_referent_id'])
    .where('p.id', '=', personId)
    .where('p.erased_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    personId: row.id,
    givenName: row.given_name,
    familyName: row.family_name,
    stage: row.stage ?? 1,
    cohort: row.cohort ?? null,
    stageSince: row.stage_since ?? row.created_at,
    validationRequestedAt: row.validation_requested_at ?? null,
    professionalReferentId: row.professional_referent_id ?? null,
    peerReferentId: row.peer_referent_id ?? null,
  };
}

/** Writes the trainee's row if it is not there yet (inside the transaction that needs it), and locks it. */
export async function lockMember(trx: Transaction<DB>, personId: string, since: Date): Promise<void> {
  await trx.insertInto('pathway_member').values({ person_id: personId, stage_since: since }).onConflict((oc) => oc.column('person_id').doNothing()).execute();
  await trx.selectFrom('pathway_member').select('person_id').where('person_id', '=', personId).forUpdate().executeTakeFirstOrThrow();
}
