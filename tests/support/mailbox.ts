import type { Database } from '../../src/lib/db/index.ts';

/** The newest email sent to an address, read from the outbox as an admin would. */
export async function lastEmailTo(db: Database, address: string) {
  const email = await db
    .selectFrom('outbox_email')
    .selectAll()
    .where('to_address', '=', address.toLowerCase())
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (!email) throw new Error(`No email was sent to ${address}`);
  return email;
}

export async function emailsTo(db: Database, address: string) {
  return db.selectFrom('outbox_email').selectAll().where('to_address', '=', address.toLowerCase()).orderBy('id').execute();
}

/** The token of the link to `path` in an email's text. */
export function tokenFromLink(text: string, path: string): string {
  const match = new RegExp(`${path.replaceAll('/', '\\/')}\\?jeton=([a-z2-7]{32})`).exec(text);
  if (!match) throw new Error(`No link to ${path} in:\n${text}`);
  return match[1]!;
}
