import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  backupKey,
  pendingCountText,
  sendSignature,
  SESSION_EXPIRED_MESSAGE,
  SignatureQueue,
  storageKey,
  type PendingSignature,
  type SendResult,
} from '../../src/scripts/tablet/signature-queue.ts';

/** The tablet's localStorage, as far as the queue uses it. */
class MemoryStorage {
  readonly values = new Map<string, string>();
  getItem(key: string): string | null {
    return this.values.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.values.set(key, value);
  }
}

const slotId = 'slot-matin';
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
let counter = 0;
function signature(personName: string, extra: Partial<PendingSignature> = {}): PendingSignature {
  counter++;
  return {
    key: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    slotId,
    personId: `person-${personName}`,
    personName,
    signedAt: `2026-11-23T09:${String(counter % 60).padStart(2, '0')}:00.000Z`,
    png: 'iVBORw0KGgo=',
    ...extra,
  };
}

/** A server reachable or not, answering each key as told, and remembering what it received. */
function fakeServer() {
  const received: string[] = [];
  const stored = new Set<string>();
  const answers = new Map<string, SendResult>();
  const state = { online: false };
  const send = async (item: PendingSignature): Promise<SendResult> => {
    if (!state.online) return { kind: 'retry' };
    received.push(item.personName);
    const answer = answers.get(item.key);
    if (answer) return answer;
    const duplicate = stored.has(item.key);
    stored.add(item.key);
    return { kind: 'sent', duplicate };
  };
  return { received, stored, answers, state, send };
}

describe('signatures drawn on the tablet during a half-day', () => {
  it('stay on the device while the network is down, and the count says how many wait', async () => {
    const storage = new MemoryStorage();
    const server = fakeServer();
    const queue = new SignatureQueue({ storage, slotId, send: server.send });
    const counts: number[] = [];
    queue.onChange((pending) => counts.push(pending.length));

    queue.add(signature('Zoë Lefèvre'));
    queue.add(signature('Karim Benali'));
    queue.add(signature('Lucie Martin', { png: undefined, typedName: 'Lucie Martin' }));
    expect(counts).toEqual([1, 2, 3]);
    expect(JSON.parse(storage.getItem(storageKey(slotId)) ?? '[]')).toHaveLength(3);

    const report = await queue.flush();
    expect(report).toMatchObject({ sent: 0, refused: [], remaining: 3, stopped: {} });
    expect(queue.pending().map((item) => item.personName)).toEqual(['Zoë Lefèvre', 'Karim Benali', 'Lucie Martin']);
    expect(pendingCountText(queue.pending().length)).toBe('3 signatures en attente d’envoi.');
    expect(pendingCountText(1)).toBe('1 signature en attente d’envoi.');
    expect(pendingCountText(0)).toBe('Aucune signature en attente d’envoi.');
  });

  it('are all sent once, in order, when the network comes back', async () => {
    const storage = new MemoryStorage();
    const server = fakeServer();
    const queue = new SignatureQueue({ storage, slotId, send: server.send });
    queue.add(signature('Zoë Lefèvre'));
    queue.add(signature('Karim Benali'));
    queue.add(signature('Lucie Martin'));
    await queue.flush();

    server.state.online = true;
    const report = await queue.flush();
    expect(report).toEqual({ sent: 3, duplicates: 0, refused: [], remaining: 0, stopped: null });
    expect(server.received).toEqual(['Zoë Lefèvre', 'Karim Benali', 'Lucie Martin']);
    expect(queue.pending()).toEqual([]);
    expect(await queue.flush()).toMatchObject({ sent: 0, remaining: 0 });
    expect(server.received).toHaveLength(3);
  });

  it('count once when the server already had one (its answer was lost): the resend is removed', async () => {
    const storage = new MemoryStorage();
    const server = fakeServer();
    server.state.online = true;
    const queue = new SignatureQueue({ storage, slotId, send: server.send });
    const zoe = signature('Zoë Lefèvre');
    server.stored.add(zoe.key);
    queue.add(zoe);
    queue.add(zoe);
    expect(queue.pending()).toHaveLength(1);

    const report = await queue.flush();
    expect(report).toMatchObject({ sent: 1, duplicates: 1, remaining: 0 });
    expect(server.stored.size).toBe(1);
  });

  it('drop a refused signature with the server’s message, and go on with the next ones', async () => {
    const storage = new MemoryStorage();
    const server = fakeServer();
    server.state.online = true;
    const queue = new SignatureQueue({ storage, slotId, send: server.send });
    const karim = signature('Karim Benali');
    server.answers.set(karim.key, { kind: 'refused', message: 'Cette demi-journée est close : la signature n’est plus acceptée.' });
    queue.add(karim);
    queue.add(signature('Lucie Martin'));

    const report = await queue.flush();
    expect(report.refused).toEqual([
      { key: karim.key, personId: karim.personId, personName: 'Karim Benali', message: 'Cette demi-journée est close : la signature n’est plus acceptée.' },
    ]);
    expect(report).toMatchObject({ sent: 1, remaining: 0, stopped: null });
    expect(queue.pending()).toEqual([]);
  });

  it('keep a signature when the session has expired, and stop there, in order', async () => {
    const storage = new MemoryStorage();
    const server = fakeServer();
    server.state.online = true;
    const queue = new SignatureQueue({ storage, slotId, send: server.send });
    const zoe = signature('Zoë Lefèvre');
    server.answers.set(zoe.key, { kind: 'retry', message: SESSION_EXPIRED_MESSAGE });
    queue.add(zoe);
    queue.add(signature('Karim Benali'));

    const report = await queue.flush();
    expect(report).toMatchObject({ sent: 0, remaining: 2, stopped: { message: SESSION_EXPIRED_MESSAGE } });
    expect(server.received).toEqual(['Zoë Lefèvre']);

    server.answers.delete(zoe.key);
    expect(await queue.flush()).toMatchObject({ sent: 2, remaining: 0 });
    expect(server.received).toEqual(['Zoë Lefèvre', 'Zoë Lefèvre', 'Karim Benali']);
  });

  it('are not sent twice when a flush is asked for during a flush, and one drawn meanwhile goes too', async () => {
    const storage = new MemoryStorage();
    const sent: string[] = [];
    const releases: (() => void)[] = [];
    const send = (item: PendingSignature) =>
      new Promise<SendResult>((resolve) => {
        sent.push(item.personName);
        releases.push(() => resolve({ kind: 'sent', duplicate: false }));
      });
    const queue = new SignatureQueue({ storage, slotId, send });
    queue.add(signature('Zoë Lefèvre'));

    const first = queue.flush();
    expect(queue.flush()).toBe(first);
    queue.add(signature('Karim Benali'));
    await settle();
    expect(sent).toEqual(['Zoë Lefèvre']);
    releases[0]?.();
    await settle();
    expect(queue.flush()).toBe(first);
    releases[1]?.();
    expect(await first).toMatchObject({ sent: 2, remaining: 0 });
    expect(sent).toEqual(['Zoë Lefèvre', 'Karim Benali']);
    expect(queue.flush()).not.toBe(first);
  });

  it('are found again after a reload (a new queue over the same storage), other half-days’ left alone', async () => {
    const storage = new MemoryStorage();
    const before = new SignatureQueue({ storage, slotId, send: fakeServer().send });
    before.add(signature('Zoë Lefèvre'));
    before.add(signature('Karim Benali'));
    storage.setItem(storageKey('slot-apres-midi'), JSON.stringify([signature('Lucie Martin', { slotId: 'slot-apres-midi' })]));

    const server = fakeServer();
    server.state.online = true;
    const after = new SignatureQueue({ storage, slotId, send: server.send });
    expect(after.pending().map((item) => item.personName)).toEqual(['Zoë Lefèvre', 'Karim Benali']);
    expect(await after.flush()).toMatchObject({ sent: 2, remaining: 0 });
    expect(JSON.parse(storage.getItem(storageKey('slot-apres-midi')) ?? '[]')).toHaveLength(1);
  });

  it('survive unreadable storage: the queue starts empty and the content is kept aside', async () => {
    const storage = new MemoryStorage();
    storage.setItem(storageKey(slotId), '[{"key":"abc", tronqué');
    const queue = new SignatureQueue({ storage, slotId, send: fakeServer().send });
    expect(queue.pending()).toEqual([]);
    expect(storage.getItem(backupKey(slotId))).toBe('[{"key":"abc", tronqué');
    queue.add(signature('Zoë Lefèvre'));
    expect(queue.pending()).toHaveLength(1);
    expect(storage.getItem(backupKey(slotId))).toBe('[{"key":"abc", tronqué');

    // Partly readable: the readable signatures stay in the queue, the whole text goes aside too.
    const karim = signature('Karim Benali');
    const mixed = JSON.stringify([karim, { key: 'sans-personne' }]);
    storage.setItem(storageKey(slotId), mixed);
    expect(queue.pending()).toEqual([karim]);
    expect(storage.getItem(backupKey(slotId))).toBe(`[{"key":"abc", tronqué\n${mixed}`);
  });

  it('are refused by add() when the device cannot keep them, so that the page knows', () => {
    const full = {
      getItem: () => null,
      setItem: () => {
        throw new DOMException('Quota exceeded', 'QuotaExceededError');
      },
    };
    const queue = new SignatureQueue({ storage: full, slotId, send: fakeServer().send });
    expect(() => queue.add(signature('Zoë Lefèvre'))).toThrow();
    expect(() => queue.add(signature('Karim Benali', { png: undefined }))).toThrow(/drawing or a typed name/);
    expect(() => queue.add(signature('Lucie Martin', { slotId: 'autre' }))).toThrow();
  });
});

describe('sendSignature, against a real HTTP server', () => {
  type Answer = { status: number; body: string; type?: string } | 'hang-up';
  const answers = new Map<string, Answer>();
  const requests: { method: string; url: string; contentType: string; body: Record<string, unknown> }[] = [];
  let server: Server;
  let base: string;
  const localFetch = (url: string, init: RequestInit) => fetch(new URL(url, base), init);

  beforeAll(async () => {
    server = createServer((request: IncomingMessage, response: ServerResponse) => {
      let raw = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (raw += chunk));
      request.on('end', () => {
        const body = JSON.parse(raw) as Record<string, unknown>;
        requests.push({ method: request.method ?? '', url: request.url ?? '', contentType: request.headers['content-type'] ?? '', body });
        const answer = answers.get(String(body.key)) ?? { status: 200, body: '{"ok":true,"duplicate":false}' };
        if (answer === 'hang-up') {
          request.socket.destroy();
          return;
        }
        response.writeHead(answer.status, { 'content-type': answer.type ?? 'application/json; charset=utf-8' });
        response.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const answering = (answer: Answer, extra: Partial<PendingSignature> = {}) => {
    const item = signature('Zoë Lefèvre', extra);
    answers.set(item.key, answer);
    return sendSignature(item, localFetch);
  };
  const json = (status: number, body: unknown): Answer => ({ status, body: JSON.stringify(body) });

  it('posts the contract’s JSON to the half-day’s address, the drawing or the typed name', async () => {
    const drawn = signature('Zoë Lefèvre', { slotId: 'slot 1' });
    expect(await sendSignature(drawn, localFetch)).toEqual({ kind: 'sent', duplicate: false });
    expect(requests.at(-1)).toEqual({
      method: 'POST',
      url: '/api/demi-journees/slot%201/signatures',
      contentType: 'application/json',
      body: { key: drawn.key, personId: drawn.personId, signedAt: drawn.signedAt, png: drawn.png },
    });
    const typed = signature('Lucie Martin', { png: undefined, typedName: 'Lucie Martin' });
    await sendSignature(typed, localFetch);
    expect(requests.at(-1)?.body).toEqual({ key: typed.key, personId: typed.personId, signedAt: typed.signedAt, typedName: 'Lucie Martin' });
  });

  it('reads a recorded signature, and one the server already had', async () => {
    expect(await answering(json(200, { ok: true, duplicate: true }))).toEqual({ kind: 'sent', duplicate: true });
  });

  it('reports a refusal with its message (slot closed, bad data, not allowed)', async () => {
    for (const [status, message] of [
      [409, 'Cette demi-journée est close.'],
      [400, 'La signature est illisible.'],
      [403, 'Cette personne n’est pas inscrite à cette formation.'],
    ] as const) {
      expect(await answering(json(status, { message }))).toEqual({ kind: 'refused', message });
    }
  });

  it('keeps the signature when the session has expired', async () => {
    expect(await answering(json(401, { message: 'Connectez-vous.' }))).toEqual({ kind: 'retry', message: SESSION_EXPIRED_MESSAGE });
  });

  it('keeps the signature for a timeout, too many requests, a server error or a broken connection', async () => {
    for (const status of [408, 429, 500, 502, 503]) {
      expect((await answering({ status, body: '<h1>Erreur</h1>', type: 'text/html' })).kind).toBe('retry');
    }
    expect(await answering('hang-up')).toEqual({ kind: 'retry' });
    const nowhere = (url: string, init: RequestInit) => fetch(new URL(url, 'http://127.0.0.1:1'), init);
    expect(await sendSignature(signature('Karim Benali'), nowhere)).toEqual({ kind: 'retry' });
  });

  it('keeps the signature for any answer outside the contract, rather than lose it', async () => {
    // The middleware's own 403 (no session, not a trainer) has `error`, not `message`.
    expect(await answering(json(403, { error: 'Connectez-vous pour accéder à cette ressource.' }))).toEqual({
      kind: 'retry',
      message: 'Connectez-vous pour accéder à cette ressource.',
    });
    expect((await answering({ status: 200, body: '<!doctype html><title>Connexion</title>', type: 'text/html' })).kind).toBe('retry');
    expect((await answering({ status: 404, body: '<!doctype html><title>Page introuvable</title>', type: 'text/html' })).kind).toBe('retry');
    expect((await answering({ status: 303, body: '' })).kind).toBe('retry');
  });
});
