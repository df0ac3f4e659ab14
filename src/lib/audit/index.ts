import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.ts';

export interface AuditEntry {
  actorId: string | null;
  action: string;
  subjectPersonId?: string | null;
  details?: Record<string, unknown>;
}

/** Records who did what to whom. Called inside the transaction of the change it records. */
export async function recordAudit(db: Kysely<DB> | Transaction<DB>, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_event')
    .values({
      actor_id: entry.actorId,
      action: entry.action,
      subject_person_id: entry.subjectPersonId ?? null,
      details: JSON.stringify(entry.details ?? {}),
    })
    .execute();
}
