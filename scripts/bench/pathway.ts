// The pathway for the benchmark: 2,000 trainees spread over the seven stages (and some who have
// finished), each with the decisions of the stages they passed, some asking for a validation,
// many who have not moved for months, and missions in binôme. The signed-in bench trainee is
// one of them, on stage 2, with a referent, missions and journal notes, so that « Mon parcours »
// is measured as a trainee in the middle of their pathway sees it.
import { randomUUID } from 'node:crypto';
import type { Database } from '../../src/lib/db/index.ts';
import type { Insertable } from 'kysely';
import type { DB } from '../../src/lib/db/schema.ts';
import { PATHWAY_COMPLETE } from '../../src/lib/pathway/members.ts';

export interface SeededPathway {
  trainees: number;
  decisions: number;
  missions: number;
  /** The stage whose list the benchmark measures (the fullest). */
  busiestStage: number;
}

const BATCH = 500;
const DAY_MS = 86_400_000;
const MISSION_KINDS = ['individual_support', 'group', 'helpline', 'team_mediation', 'workshop'] as const;

/**
 * Makes `trainees` people members of the pathway: the world's trainees first, then new people
 * with the trainee role until the count is reached. Deterministic by index (no randomness but ids).
 */
export async function seedPathway(db: Database, options: { trainees: number; signedInId: string; coordinatorId: string; referentId: string; now: Date }): Promise<SeededPathway> {
  const existing = await db
    .selectFrom('person_role')
    .select('person_id')
    .where('role', '=', 'trainee')
    .where('person_id', '!=', options.signedInId)
    // Not those already in the pathway (the large world's trainees).
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('pathway_member as m').select('m.person_id').whereRef('m.person_id', '=', 'person_role.person_id'))))
    .orderBy('person_id')
    .limit(options.trainees - 1)
    .execute();
  const ids = existing.map((r) => r.person_id);
  const missing = options.trainees - 1 - ids.length;
  for (let start = 0; start < missing; start += BATCH) {
    const people: Insertable<DB['person']>[] = [];
    for (let i = start; i < Math.min(start + BATCH, missing); i++)
      people.push({ id: randomUUID(), email: `parcours-${String(i).padStart(5, '0')}@bench.esper-parcours.test`, given_name: 'Stagiaire', family_name: `Parcours ${i}`, email_verified_at: options.now });
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('person').values(people).execute();
      await trx.insertInto('person_role').values(people.map((p) => ({ person_id: p.id!, role: 'trainee' as const }))).execute();
    });
    ids.push(...people.map((p) => p.id!));
  }

  const stageCounts = new Map<number, number>();
  let decisions = 0;
  let missions = 0;
  for (let start = 0; start < ids.length; start += BATCH) {
    const members: Insertable<DB['pathway_member']>[] = [];
    const passed: Insertable<DB['pathway_decision']>[] = [];
    const done: Insertable<DB['volunteer_mission']>[] = [];
    for (let i = start; i < Math.min(start + BATCH, ids.length); i++) {
      const person_id = ids[i]!;
      // More people in the first stages than in the last, as in a real cohort.
      const stage = [1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 5, 6, 7, PATHWAY_COMPLETE][i % 14]!;
      stageCounts.set(stage, (stageCounts.get(stage) ?? 0) + 1);
      // On the stage for 0 to 23 months: a good share has not moved for 6 months or more.
      const since = new Date(options.now.getTime() - ((i * 37) % 700) * DAY_MS);
      members.push({
        person_id,
        stage,
        cohort: `Promotion ${2017 + (i % 10)}`,
        joined_at: new Date(since.getTime() - (stage - 1) * 120 * DAY_MS),
        stage_since: since,
        validation_requested_at: i % 20 === 0 && stage < PATHWAY_COMPLETE ? new Date(options.now.getTime() - (i % 30) * DAY_MS) : null,
        professional_referent_id: i % 3 === 0 ? options.referentId : null,
      });
      for (let s = 1; s < stage; s++)
        passed.push({ person_id, stage: s, decision: 'validated', comment: 'Étape validée.', decided_by: options.coordinatorId, decided_at: new Date(since.getTime() - (stage - 1 - s) * 120 * DAY_MS) });
      if (stage >= 2 && stage < PATHWAY_COMPLETE)
        done.push({
          person_id,
          stage,
          done_on: new Date(since.getTime() + DAY_MS).toISOString().slice(0, 10),
          minutes: 60 + (i % 4) * 60,
          kind: MISSION_KINDS[i % MISSION_KINDS.length]!,
          partner_structure: `Structure partenaire n° ${1 + (i % 40)}`,
          pair_name: 'Pair du banc d’essai',
        });
    }
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('pathway_member').values(members).execute();
      if (passed.length) await trx.insertInto('pathway_decision').values(passed).execute();
      if (done.length) await trx.insertInto('volunteer_mission').values(done).execute();
    });
    decisions += passed.length;
    missions += done.length;
  }

  // The signed-in trainee: stage 1 validated two months ago, on stage 2 with their referent,
  // 12 missions (most validated, some waiting), and a few journal notes.
  const twoMonthsAgo = new Date(options.now.getTime() - 60 * DAY_MS);
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('pathway_member').values({ person_id: options.signedInId, stage: 2, cohort: 'Promotion 2026', joined_at: new Date(twoMonthsAgo.getTime() - 90 * DAY_MS), stage_since: twoMonthsAgo, professional_referent_id: options.referentId }).execute();
    await trx.insertInto('pathway_decision').values({ person_id: options.signedInId, stage: 1, decision: 'validated', comment: 'Bienvenue dans l’initiation au métier.', decided_by: options.coordinatorId, decided_at: twoMonthsAgo }).execute();
    await trx
      .insertInto('volunteer_mission')
      .values(
        Array.from({ length: 12 }, (_, i) => ({
          person_id: options.signedInId,
          stage: 2,
          done_on: new Date(options.now.getTime() - (50 - i * 4) * DAY_MS).toISOString().slice(0, 10),
          minutes: 90,
          kind: MISSION_KINDS[i % MISSION_KINDS.length]!,
          partner_structure: 'GEM du banc d’essai',
          pair_id: options.referentId,
          pair_name: 'Référente du banc',
          ...(i < 9 ? { status: 'validated' as const, reviewed_by: options.referentId, reviewed_at: options.now } : {}),
        })),
      )
      .execute();
    await trx
      .insertInto('journal_entry')
      .values(Array.from({ length: 5 }, (_, i) => ({ author_id: options.signedInId, stage: 1 + (i % 2), body: `Note ${i + 1} : ce que j’ai appris cette semaine.`, written_at: options.now, updated_at: options.now })))
      .execute();
  });
  stageCounts.set(2, (stageCounts.get(2) ?? 0) + 1);

  const busiestStage = [...stageCounts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
  return { trainees: ids.length + 1, decisions: decisions + 1, missions: missions + 12, busiestStage };
}
