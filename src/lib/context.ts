import { config } from './config.ts';
import { db, listen, type Database } from './db/index.ts';
import { SessionCache } from './accounts/session-cache.ts';
import { createMailer, type Mailer } from './mail/outbox.ts';

/**
 * What the domain needs from the outside world, passed explicitly so that every domain function
 * runs the same in the server and in a test with its own database and clock.
 */
export interface AppContext {
  db: Database;
  mail: Mailer;
  /** Base of the links written in emails, e.g. https://parcours.esper-pro.fr */
  publicUrl: string;
  sessionDays: number;
  now: () => Date;
}

let server: AppContext | undefined;
let sessions: SessionCache | undefined;

/**
 * The server's cache of validated sessions, listening to the database's announcements of
 * changes (see SessionCache). Until it hears them, it holds nothing.
 */
export function sessionCache(): SessionCache {
  if (!sessions) {
    const cache = new SessionCache({ ttlMs: 60_000, maxEntries: 20_000 });
    sessions = cache;
    listen('esper_auth', (payload) => cache.apply(payload), (listening) => cache.setListening(listening)).catch((error: unknown) =>
      console.error('[sessions] cannot listen to session changes; the cache stays off:', error),
    );
  }
  return sessions;
}

/** The server's context, built once from the settings. */
export function appContext(): AppContext {
  if (!server) {
    const cfg = config();
    const database = db();
    server = {
      db: database,
      mail: createMailer(database, { smtpUrl: cfg.SMTP_URL, from: cfg.MAIL_FROM }),
      publicUrl: cfg.PUBLIC_URL.replace(/\/$/, ''),
      sessionDays: cfg.SESSION_DAYS,
      now: () => new Date(),
    };
  }
  return server;
}
