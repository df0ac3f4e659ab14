import nodemailer from 'nodemailer';
import type { Database } from '../db/index.ts';

export interface EmailMessage {
  to: string;
  personId?: string | null;
  subject: string;
  text: string;
  /** Files sent with the message (a convocation's calendar invitation). */
  attachments?: EmailAttachment[];
}

export interface EmailAttachment {
  filename: string;
  contentType: string;
  content: Uint8Array;
}

/** Sends one email. Every message is first written to the outbox, so none is ever lost. */
export type Mailer = (message: EmailMessage) => Promise<void>;

/**
 * Without SMTP_URL, messages stay in the outbox, which an admin reads in the app: every email
 * flow works, and is tested, without a mail server.
 */
export function createMailer(db: Database, options: { smtpUrl?: string | undefined; from: string }): Mailer {
  const transport = options.smtpUrl ? nodemailer.createTransport(options.smtpUrl) : undefined;
  return async (message) => {
    const { id } = await db
      .insertInto('outbox_email')
      .values({
        to_address: message.to,
        person_id: message.personId ?? null,
        subject: message.subject,
        body_text: message.text,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (message.attachments?.length)
      await db
        .insertInto('outbox_attachment')
        .values(message.attachments.map((a) => ({ email_id: id, filename: a.filename, content_type: a.contentType, content: a.content })))
        .execute();
    if (!transport) return;
    try {
      await transport.sendMail({
        from: options.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        attachments: message.attachments?.map((a) => ({ filename: a.filename, contentType: a.contentType, content: Buffer.from(a.content) })),
      });
      await db.updateTable('outbox_email').set({ sent_at: new Date() }).where('id', '=', id).execute();
    } catch (error) {
      // The person's action still succeeds; the admin sees the failure in the outbox.
      const reason = error instanceof Error ? error.message : String(error);
      await db.updateTable('outbox_email').set({ send_error: reason.slice(0, 500) }).where('id', '=', id).execute();
    }
  };
}

export async function recentEmails(db: Database, options: { to?: string; limit?: number } = {}) {
  let query = db.selectFrom('outbox_email').selectAll().orderBy('id', 'desc').limit(options.limit ?? 100);
  if (options.to) query = query.where((eb) => eb(eb.fn('lower', ['to_address']), '=', options.to!.toLowerCase()));
  return query.execute();
}

/** The files sent with an email, for the admin's outbox and for tests. */
export async function emailAttachments(db: Database, emailId: number) {
  return db.selectFrom('outbox_attachment').selectAll().where('email_id', '=', emailId).orderBy('filename').execute();
}
