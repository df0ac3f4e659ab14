import type { Transaction } from 'kysely';
import type { Database } from '../db/index.ts';
import type { DB } from '../db/schema.ts';

/** The training body as the documents name it (one row, edited by the coordination). */
export interface Organisation {
  name: string;
  address: string;
  registrationNumber: string | null;
  representativeName: string;
  representativeTitle: string;
  signaturePng: Uint8Array | null;
}

export async function organisation(db: Database | Transaction<DB>): Promise<Organisation> {
  const row = await db.selectFrom('organisation_settings').selectAll().executeTakeFirstOrThrow();
  return {
    name: row.name,
    address: row.address,
    registrationNumber: row.registration_number,
    representativeName: row.representative_name,
    representativeTitle: row.representative_title,
    signaturePng: row.signature_png,
  };
}
