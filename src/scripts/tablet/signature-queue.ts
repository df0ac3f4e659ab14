/**
 * Signatures drawn on the trainer's tablet wait here, in localStorage, until the server has them.
 * The network may drop during a half-day: a signature is written to the device before any request,
 * sent in order when the network allows, and removed only once the server has answered for it.
 * Each signature carries a random key and the server records a key once, so sending again after a
 * lost answer is harmless. No DOM here: the page controller (tablet-page.ts) draws the state.
 */

export interface PendingSignature {
  /** Random UUID drawn with the signature: the server records a key once. */
  key: string;
  slotId: string;
  personId: string;
  /** For the screen only (never sent). */
  personName: string;
  /** ISO 8601, taken when the participant validated. */
  signedAt: string;
  /** Base64 PNG, without the data: prefix. */
  png?: string;
  /** For a participant who cannot draw: the name they typed. */
  typedName?: string;
}

export type SendResult = { kind: 'sent'; duplicate: boolean } | { kind: 'refused'; message: string } | { kind: 'retry'; message?: string };

export interface RefusedSignature {
  key: string;
  personId: string;
  personName: string;
  message: string;
}

export interface FlushReport {
  /** Recorded by the server during this flush, duplicates included. */
  sent: number;
  /** Among `sent`, those the server already had (an earlier answer was lost). */
  duplicates: number;
  /** Dropped from the queue: the server will never accept them. */
  refused: RefusedSignature[];
  /** Still waiting after this flush. */
  remaining: number;
  /** Set when the flush stopped at a signature to send again later; the reason when there is one. */
  stopped: { message?: string } | null;
}

export interface SignatureQueueOptions {
  storage: Pick<Storage, 'getItem' | 'setItem'>;
  slotId: string;
  send: (item: PendingSignature) => Promise<SendResult>;
}

export type QueueListener = (pending: PendingSignature[]) => void;

export const SESSION_EXPIRED_MESSAGE = 'Votre session a expiré : reconnectez-vous, les signatures en attente seront envoyées ensuite.';
const SERVER_UNAVAILABLE_MESSAGE = 'Le serveur ne peut pas enregistrer les signatures pour le moment : elles restent sur cet appareil et seront renvoyées.';
const UNEXPECTED_ANSWER_MESSAGE = 'Réponse inattendue du serveur : les signatures restent sur cet appareil et seront renvoyées.';
/** A request that hangs (weak Wi-Fi) would block every later flush: give up and try again. */
const REQUEST_TIMEOUT_MS = 20_000;

export function storageKey(slotId: string): string {
  return `esper-emargement:${slotId}`;
}

export function backupKey(slotId: string): string {
  return `${storageKey(slotId)}:illisible`;
}

export function pendingCountText(count: number): string {
  if (count === 0) return 'Aucune signature en attente d’envoi.';
  if (count === 1) return '1 signature en attente d’envoi.';
  return `${count} signatures en attente d’envoi.`;
}

export class SignatureQueue {
  readonly slotId: string;
  readonly #storage: Pick<Storage, 'getItem' | 'setItem'>;
  readonly #send: (item: PendingSignature) => Promise<SendResult>;
  readonly #listeners = new Set<QueueListener>();
  #flushing: Promise<FlushReport> | null = null;

  constructor(options: SignatureQueueOptions) {
    this.slotId = options.slotId;
    this.#storage = options.storage;
    this.#send = options.send;
  }

  /**
   * Writes the signature to the device before anything else. Throws when the storage refuses it
   * (full, disabled): the caller then knows the signature is not safe yet.
   */
  add(item: PendingSignature): void {
    if (item.slotId !== this.slotId) throw new Error(`Signature for slot ${item.slotId} added to the queue of slot ${this.slotId}.`);
    if (!isPendingSignature(item)) throw new Error('Incomplete signature: it needs a key, a person, a date, and a drawing or a typed name.');
    const items = this.#read();
    if (items.some((existing) => existing.key === item.key)) return;
    this.#write([...items, { ...item }]);
    this.#notify();
  }

  /** Read from storage every time, so that two tabs of the same half-day see the same queue. */
  pending(): PendingSignature[] {
    return this.#read();
  }

  /** The listener runs after every change; returns a function that removes it. */
  onChange(listener: QueueListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Sends the waiting signatures in order and stops at the first one to retry (the network is
   * probably down: the next ones would fail too). A call during a flush joins it.
   */
  flush(): Promise<FlushReport> {
    if (!this.#flushing) {
      this.#flushing = this.#run().finally(() => {
        this.#flushing = null;
      });
    }
    return this.#flushing;
  }

  async #run(): Promise<FlushReport> {
    const report: FlushReport = { sent: 0, duplicates: 0, refused: [], remaining: 0, stopped: null };
    // Signatures added during the flush are sent too; a key is tried once per flush so that a
    // storage that cannot forget one never makes this loop endless.
    const tried = new Set<string>();
    for (;;) {
      const next = this.#read().find((item) => !tried.has(item.key));
      if (!next) break;
      tried.add(next.key);
      let result: SendResult;
      try {
        result = await this.#send(next);
      } catch {
        result = { kind: 'retry' };
      }
      if (result.kind === 'retry') {
        report.stopped = result.message === undefined ? {} : { message: result.message };
        break;
      }
      if (result.kind === 'sent') {
        report.sent++;
        if (result.duplicate) report.duplicates++;
      } else {
        report.refused.push({ key: next.key, personId: next.personId, personName: next.personName, message: result.message });
      }
      this.#remove(next.key);
    }
    report.remaining = this.#read().length;
    return report;
  }

  #remove(key: string): void {
    this.#write(this.#read().filter((item) => item.key !== key));
    this.#notify();
  }

  #read(): PendingSignature[] {
    const raw = this.#storage.getItem(storageKey(this.slotId));
    if (raw === null || raw === '') return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    const items = Array.isArray(parsed) ? parsed.filter((item): item is PendingSignature => isPendingSignature(item) && item.slotId === this.slotId) : [];
    if (!Array.isArray(parsed) || items.length !== parsed.length) {
      // Unreadable content may still hold signatures: kept aside for a person to look at, never
      // overwritten by a later one, and the queue goes on with whatever could be read.
      this.#keepAside(raw);
      try {
        this.#write(items);
      } catch {
        // Storage full: read again next time, the content is already aside.
      }
    }
    return items;
  }

  #keepAside(raw: string): void {
    const key = backupKey(this.slotId);
    try {
      const earlier = this.#storage.getItem(key);
      if (earlier?.includes(raw)) return;
      this.#storage.setItem(key, earlier ? `${earlier}\n${raw}` : raw);
    } catch {
      // Storage full: the unreadable content stays where it is, since #write fails the same way.
    }
  }

  #write(items: PendingSignature[]): void {
    this.#storage.setItem(storageKey(this.slotId), JSON.stringify(items));
  }

  #notify(): void {
    const pending = this.#read();
    for (const listener of this.#listeners) {
      try {
        listener(pending);
      } catch (error) {
        // A failing screen update must not stop a flush: reported, not thrown here.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}

function isPendingSignature(value: unknown): value is PendingSignature {
  if (typeof value !== 'object' || value === null) return false;
  const item = value as Record<string, unknown>;
  const text = (field: string) => typeof item[field] === 'string' && item[field] !== '';
  return (
    text('key') && text('slotId') && text('personId') && typeof item.personName === 'string' && text('signedAt') && (text('png') || text('typedName'))
  );
}

type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/**
 * One signature to the server. Only a refusal in the contract's shape (a 4xx other than 401, 408
 * and 429 with a `message`) drops a signature: any other answer (the middleware's 403 for a lost
 * session, a proxy's page, a login page) keeps it, since a lost signature cannot be drawn again.
 */
export async function sendSignature(item: PendingSignature, fetchImpl: FetchLike = fetch): Promise<SendResult> {
  const body =
    item.png !== undefined
      ? { key: item.key, personId: item.personId, signedAt: item.signedAt, png: item.png }
      : { key: item.key, personId: item.personId, signedAt: item.signedAt, typedName: item.typedName };
  let response: Response;
  try {
    response = await fetchImpl(`/api/demi-journees/${encodeURIComponent(item.slotId)}/signatures`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      credentials: 'same-origin',
      // A redirect can only be towards a page (the sign-in form): not an answer to this request.
      redirect: 'manual',
      signal: typeof AbortSignal.timeout === 'function' ? AbortSignal.timeout(REQUEST_TIMEOUT_MS) : null,
    });
  } catch {
    // Offline, connection reset, timeout: the screen already says whether the device is offline.
    return { kind: 'retry' };
  }
  const answer = await readJson(response);
  const status = response.status;
  if (status >= 200 && status < 300) {
    if (answer?.ok === true) return { kind: 'sent', duplicate: answer.duplicate === true };
    return { kind: 'retry', message: UNEXPECTED_ANSWER_MESSAGE };
  }
  if (status === 401) return { kind: 'retry', message: SESSION_EXPIRED_MESSAGE };
  if (status === 408 || status === 429 || status >= 500) return { kind: 'retry', message: SERVER_UNAVAILABLE_MESSAGE };
  if (status >= 400 && status < 500) {
    if (typeof answer?.message === 'string' && answer.message !== '') return { kind: 'refused', message: answer.message };
    const other = typeof answer?.error === 'string' && answer.error !== '' ? answer.error : UNEXPECTED_ANSWER_MESSAGE;
    return { kind: 'retry', message: other };
  }
  // 0 (opaque redirect in a browser) or 3xx.
  return { kind: 'retry', message: UNEXPECTED_ANSWER_MESSAGE };
}

async function readJson(response: Response): Promise<Record<string, unknown> | null> {
  try {
    const value: unknown = await response.json();
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
