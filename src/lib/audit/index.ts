import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.ts';

export interface AuditEntry {
  actorId: string | null;
  action: string;
  subjectPersonId?: string | null;
  details?: Record<string, unknown>;
}

/**
 * Records who did what to whom (one entry, or several in one statement). Called inside the
 * transaction of the change it records.
 */
export async function recordAudit(db: Kysely<DB> | Transaction<DB>, entries: AuditEntry | readonly AuditEntry[]): Promise<void> {
  const list = Array.isArray(entries) ? entries : [entries as AuditEntry];
  if (list.length === 0) return;
  await db
    .insertInto('audit_event')
    .values(
      list.map((entry) => ({
        actor_id: entry.actorId,
        action: entry.action,
        subject_person_id: entry.subjectPersonId ?? null,
        details: JSON.stringify(entry.details ?? {}),
      })),
    )
    .execute();
}
