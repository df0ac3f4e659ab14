import type { AppContext } from '../context.ts';
import { DEMO_ACCOUNTS } from '../accounts/demo.ts';

/**
 * The demo trainee's pathway, so that `npm start` shows it alive: stage 1 validated last month,
 * on stage 2 with a professional and a peer referent, and one mission in binôme waiting for the
 * demo trainer (their pair) to validate. Runs once: a trainee already in the pathway is left alone.
 */
export async function seedDemoPathway(ctx: AppContext): Promise<void> {
  const people = await ctx.db.selectFrom('person').select(['id', 'email', 'given_name', 'family_name']).where('email', 'in', DEMO_ACCOUNTS.map((a) => a.email)).execute();
  const byEmail = (prefix: string) => people.find((p) => p.email.startsWith(prefix));
  const [trainee, professional, trainer, coordinator] = ['stagiaire@', 'professionnel@', 'formatrice@', 'coordination@'].map(byEmail);
  if (!trainee || !professional || !trainer || !coordinator) return;
  const already = await ctx.db.selectFrom('pathway_member').select('person_id').where('person_id', '=', trainee.id).executeTakeFirst();
  if (already) return;
  const now = ctx.now();
  const lastMonth = new Date(now.getTime() - 30 * 86_400_000);
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('pathway_member')
      .values({ person_id: trainee.id, stage: 2, cohort: 'Promotion 2026', stage_since: lastMonth, professional_referent_id: professional.id, peer_referent_id: trainer.id })
      .execute();
    await trx
      .insertInto('pathway_decision')
      .values({ person_id: trainee.id, stage: 1, decision: 'validated', comment: 'Bienvenue dans l’initiation au métier !', decided_by: coordinator.id, decided_at: lastMonth })
      .execute();
    const day = (daysAgo: number) => new Date(now.getTime() - daysAgo * 86_400_000).toISOString().slice(0, 10);
    await trx
      .insertInto('volunteer_mission')
      .values([
        { person_id: trainee.id, stage: 2, done_on: day(20), minutes: 180, kind: 'group', partner_structure: 'GEM de la Belle de Mai', pair_id: trainer.id, pair_name: `${trainer.given_name} ${trainer.family_name}`, status: 'validated', reviewed_by: trainer.id, reviewed_at: new Date(now.getTime() - 19 * 86_400_000) },
        { person_id: trainee.id, stage: 2, done_on: day(3), minutes: 120, kind: 'individual_support', partner_structure: 'CMP Marseille Centre', pair_id: trainer.id, pair_name: `${trainer.given_name} ${trainer.family_name}` },
      ])
      .execute();
  });
}
