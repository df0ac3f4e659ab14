import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { createMailer } from '../../src/lib/mail/outbox.ts';
import { lastEmailTo } from '../support/mailbox.ts';

let database: TestDatabase;
let server: SMTPServer;
let port: number;
const received: Array<{ to: string[]; raw: string }> = [];

beforeAll(async () => {
  database = await freshDatabase();
  // A real SMTP server on this machine, receiving what the platform sends.
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await database.drop();
});

describe('emails', () => {
  it('go out over SMTP when SMTP_URL is set, and stay recorded in the outbox as sent', async () => {
    const mail = createMailer(database.db, { smtpUrl: `smtp://127.0.0.1:${port}`, from: 'ESPER Parcours <parcours@esper.test>' });
    await mail({ to: 'zoe@exemple.fr', subject: 'Confirmez votre adresse e-mail', text: 'Bonjour Zoë, bienvenue.' });
    expect(received).toHaveLength(1);
    expect(received[0]!.to).toEqual(['zoe@exemple.fr']);
    expect(received[0]!.raw).toContain('Subject: Confirmez votre adresse e-mail');
    const stored = await lastEmailTo(database.db, 'zoe@exemple.fr');
    expect(stored.sent_at).not.toBeNull();
    expect(stored.send_error).toBeNull();
  });

  it('that cannot be delivered are kept with the reason, and the action that sent them still succeeds', async () => {
    const mail = createMailer(database.db, { smtpUrl: 'smtp://127.0.0.1:1', from: 'ESPER Parcours <parcours@esper.test>' });
    await expect(mail({ to: 'karim@exemple.fr', subject: 'Invitation', text: 'Bonjour' })).resolves.toBeUndefined();
    const stored = await lastEmailTo(database.db, 'karim@exemple.fr');
    expect(stored.sent_at).toBeNull();
    expect(stored.send_error).toMatch(/ECONNREFUSED|connect/i);
  });

  it('stay in the outbox, unsent, when no SMTP server is configured', async () => {
    const mail = createMailer(database.db, { from: 'ESPER Parcours <parcours@esper.test>' });
    await mail({ to: 'nadia@exemple.fr', subject: 'Un message', text: 'Bonjour Nadia' });
    const stored = await lastEmailTo(database.db, 'nadia@exemple.fr');
    expect(stored).toMatchObject({ subject: 'Un message', body_text: 'Bonjour Nadia', sent_at: null, send_error: null });
  });
});
