import { z } from 'zod';
import type { Database } from '../db/index.ts';
import { recordCompletionIfMet, type ModuleRules } from './progress.ts';

/**
 * The part of an xAPI statement the platform keeps. The actor is never read from the statement:
 * it is the signed-in person. Statements of a sub-question (H5P's subContentId) are not results
 * of the activity itself and are not kept.
 */
const statementSchema = z.object({
  id: z.uuid({ error: 'Identifiant de déclaration invalide.' }),
  verb: z.object({ id: z.url({ error: 'Verbe xAPI invalide.' }).max(300) }),
  object: z
    .object({
      definition: z.object({ extensions: z.record(z.string(), z.unknown()).optional() }).optional(),
    })
    .optional(),
  result: z
    .object({
      score: z
        .object({
          raw: z.number().finite().optional(),
          max: z.number().finite().optional(),
          min: z.number().finite().optional(),
          scaled: z.number().min(-1).max(1).optional(),
        })
        .optional(),
      completion: z.boolean().optional(),
      success: z.boolean().optional(),
      duration: z.string().max(50).regex(/^P/, { error: 'Durée xAPI invalide.' }).optional(),
    })
    .optional(),
});

export const xapiSubmissionSchema = z.object({
  moduleId: z.string().max(100),
  activityId: z.string().max(100),
  statement: statementSchema,
});
export type XapiSubmission = z.infer<typeof xapiSubmissionSchema>;

const SUB_CONTENT = 'http://h5p.org/x-api/h5p-subContentId';

export type ResultOutcome =
  | { stored: true; duplicate: false; completedNow: boolean; scaled: number | null }
  | { stored: false; duplicate: true }
  | { stored: false; duplicate: false; reason: 'no-result' | 'sub-content' };

/** Stores one result of an activity; posting the same statement again stores nothing new. */
export async function recordActivityResult(
  db: Database,
  input: { personId: string; module: ModuleRules; activityId: string; statement: XapiSubmission['statement']; rawStatement: unknown; now: Date },
): Promise<ResultOutcome> {
  const { statement } = input;
  if (statement.object?.definition?.extensions?.[SUB_CONTENT] !== undefined) return { stored: false, duplicate: false, reason: 'sub-content' };
  if (!statement.result) return { stored: false, duplicate: false, reason: 'no-result' };
  const score = statement.result.score;
  const scaled =
    score?.scaled ?? (score?.raw !== undefined && score.max !== undefined && score.max > 0 ? Math.max(-1, Math.min(1, score.raw / score.max)) : null);
  const inserted = await db
    .insertInto('activity_result')
    .values({
      statement_id: statement.id,
      person_id: input.personId,
      module_id: input.module.slug,
      activity_id: input.activityId,
      verb: statement.verb.id,
      score_raw: score?.raw ?? null,
      score_max: score?.max ?? null,
      score_scaled: scaled,
      completion: statement.result.completion ?? null,
      success: statement.result.success ?? null,
      duration: statement.result.duration ?? null,
      recorded_at: input.now,
      statement: JSON.stringify(input.rawStatement),
    })
    .onConflict((oc) => oc.columns(['person_id', 'statement_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) return { stored: false, duplicate: true };
  const { completedNow } = await recordCompletionIfMet(db, input.personId, input.module, input.now);
  return { stored: true, duplicate: false, completedNow, scaled };
}
