/**
 * The trainer's tablet during a half-day: each participant taps their name and signs. Signatures
 * go to the device first (SignatureQueue), then to the server whenever it can be reached.
 *
 * Markup contract (see the page): `root[data-slot-id]`, participant buttons
 * `button[data-person-id][data-person-name]` each with a `[data-person-status]`, the
 * `dialog[data-signature-dialog]` with its canvas and buttons, `[data-pending-count]`,
 * `[data-connection]` and `[data-status-line]` (role=status).
 */
import { SignaturePad } from './signature-pad.ts';
import {
  pendingCountText,
  sendSignature,
  SignatureQueue,
  storageKey,
  type FlushReport,
  type PendingSignature,
  type SendResult,
} from './signature-queue.ts';

const RETRY_INTERVAL_MS = 5_000;
const MIN_TYPED_LENGTH = 2;
const SIGNED = 'Signé';
const SIGNED_PENDING = 'Signé, en attente d’envoi';
const ONLINE = 'En ligne';
const OFFLINE = 'Hors ligne : les signatures sont gardées sur cet appareil.';

type Mark = { png: string } | { typedName: string };

interface Participant {
  button: HTMLButtonElement;
  personId: string;
  personName: string;
  status: HTMLElement | null;
  /** The status text of the markup, shown again if a pending signature is refused. */
  initialStatus: string;
}

export function startTabletSigning(root: HTMLElement): void {
  const slotId = root.dataset.slotId;
  if (!slotId) throw new Error('startTabletSigning: the root element needs data-slot-id.');

  const dialog = part(root, 'dialog[data-signature-dialog]', HTMLDialogElement);
  const nameOutput = part(dialog, '[data-signature-name]', HTMLElement);
  const canvas = part(dialog, 'canvas[data-signature-canvas]', HTMLCanvasElement);
  const clearButton = part(dialog, 'button[data-clear]', HTMLButtonElement);
  const validateButton = part(dialog, 'button[data-validate]', HTMLButtonElement);
  const cancelButton = part(dialog, 'button[data-cancel]', HTMLButtonElement);
  const typedInput = part(dialog, 'input[data-typed-name]', HTMLInputElement);
  const validateTypedButton = part(dialog, 'button[data-validate-typed]', HTMLButtonElement);
  const pendingCount = part(root, '[data-pending-count]', HTMLElement);
  const connection = part(root, '[data-connection]', HTMLElement);
  const statusLine = part(root, '[data-status-line]', HTMLElement);

  const participants = new Map<string, Participant>();
  for (const button of root.querySelectorAll<HTMLButtonElement>('button[data-person-id][data-person-name]')) {
    const status = button.querySelector<HTMLElement>('[data-person-status]');
    participants.set(button.dataset.personId ?? '', {
      button,
      personId: button.dataset.personId ?? '',
      personName: button.dataset.personName ?? '',
      status,
      initialStatus: status?.textContent ?? '',
    });
  }
  // People the server has a signature for: signed at load, or sent from this page since.
  const signedOnServer = new Set([...participants.values()].filter((p) => p.button.dataset.signed === 'true').map((p) => p.personId));

  const device = deviceStorage();
  const queue = new SignatureQueue({
    storage: device.storage,
    slotId,
    send: async (item) => {
      const result = await sendSignature(item);
      if (result.kind === 'sent') signedOnServer.add(item.personId);
      return result;
    },
  });
  const pad = new SignaturePad(canvas, {
    onChange: (empty) => {
      validateButton.disabled = empty;
    },
  });
  let current: Participant | null = null;
  // A problem was reported: say so when it is over, without hiding the last confirmation otherwise.
  let problemShown = false;

  const say = (message: string) => {
    if (statusLine.textContent !== message) statusLine.textContent = message;
  };

  const render = (pending: PendingSignature[] = readPending()) => {
    const waiting = new Set(pending.map((item) => item.personId));
    for (const participant of participants.values()) {
      const onServer = signedOnServer.has(participant.personId);
      const signed = onServer || waiting.has(participant.personId);
      if (signed) participant.button.dataset.signed = 'true';
      else delete participant.button.dataset.signed;
      const text = onServer ? SIGNED : signed ? SIGNED_PENDING : participant.initialStatus;
      if (participant.status && participant.status.textContent !== text) participant.status.textContent = text;
    }
    const count = pendingCountText(pending.length);
    if (pendingCount.textContent !== count) pendingCount.textContent = count;
  };

  function readPending(): PendingSignature[] {
    try {
      return queue.pending();
    } catch {
      return [];
    }
  }

  const showConnection = () => {
    const online = navigator.onLine;
    connection.textContent = online ? ONLINE : OFFLINE;
    connection.dataset.online = String(online);
  };

  /** `confirmation`: a message just shown, kept in front of any problem this flush reports. */
  const flushNow = async (confirmation?: string) => {
    let report: FlushReport;
    try {
      report = await queue.flush();
    } catch {
      // The device's storage failed: the signatures there stay, the next attempt reads them again.
      return;
    }
    const messages = report.refused.map((refused) => `Signature de ${refused.personName} refusée : ${refused.message}`);
    if (report.stopped?.message) messages.push(report.stopped.message);
    if (messages.length > 0) {
      say([...(confirmation ? [confirmation] : []), ...messages].join(' '));
      problemShown = true;
    } else if (problemShown && report.sent > 0 && report.remaining === 0) {
      say('Toutes les signatures en attente ont été envoyées.');
      problemShown = false;
    }
    render();
  };

  const open = (participant: Participant) => {
    if (dialog.open) return;
    current = participant;
    nameOutput.textContent = participant.personName;
    pad.clear();
    validateButton.disabled = true;
    typedInput.value = '';
    typedInput.setCustomValidity('');
    dialog.showModal();
    // A closed dialog has no size: the canvas gets its pixels now.
    pad.resize();
    canvas.focus();
  };

  const record = async (mark: Mark) => {
    const participant = current;
    if (!participant) return;
    const item: PendingSignature = {
      key: crypto.randomUUID(),
      slotId,
      personId: participant.personId,
      personName: participant.personName,
      signedAt: new Date().toISOString(),
      ...mark,
    };
    try {
      queue.add(item);
    } catch {
      await sendWithoutStorage(item);
      return;
    }
    dialog.close();
    render();
    const confirmation = `Signature de ${participant.personName} enregistrée.`;
    say(confirmation);
    problemShown = false;
    await flushNow(confirmation);
  };

  // The device refused to keep the signature (storage full or disabled): one direct attempt.
  const sendWithoutStorage = async (item: PendingSignature) => {
    for (const button of [validateButton, validateTypedButton]) button.disabled = true;
    let result: SendResult;
    try {
      result = await sendSignature(item);
    } catch {
      result = { kind: 'retry' };
    }
    validateTypedButton.disabled = false;
    dialog.close();
    if (result.kind === 'sent') {
      signedOnServer.add(item.personId);
      render();
      say(`Signature de ${item.personName} enregistrée.`);
      return;
    }
    problemShown = true;
    say(
      result.kind === 'refused'
        ? `Signature de ${item.personName} refusée : ${result.message}`
        : `La signature de ${item.personName} n’a pu être ni gardée sur cet appareil ni envoyée : recommencez quand la connexion sera revenue.`,
    );
  };

  for (const participant of participants.values()) {
    participant.button.addEventListener('click', () => {
      if (participant.button.dataset.signed === 'true') say(`${participant.personName} a déjà signé.`);
      else open(participant);
    });
  }

  // Every button calls preventDefault: inside a <form method="dialog"> a click would close the
  // dialog before the signature is kept.
  clearButton.addEventListener('click', (event) => {
    event.preventDefault();
    pad.clear();
    canvas.focus();
  });
  cancelButton.addEventListener('click', (event) => {
    event.preventDefault();
    dialog.close();
  });
  validateButton.addEventListener('click', (event) => {
    event.preventDefault();
    if (!pad.isEmpty()) void record({ png: pad.toPngBase64() });
  });
  const validateTyped = () => {
    const typed = typedInput.value.trim().replace(/\s+/g, ' ');
    if ([...typed].length < MIN_TYPED_LENGTH) {
      typedInput.setCustomValidity('Tapez votre nom : au moins 2 caractères.');
      typedInput.reportValidity();
      return;
    }
    void record({ typedName: typed });
  };
  validateTypedButton.addEventListener('click', (event) => {
    event.preventDefault();
    validateTyped();
  });
  typedInput.addEventListener('input', () => typedInput.setCustomValidity(''));
  typedInput.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    validateTyped();
  });
  // Validate, cancel and Escape all end here: nothing of the signature stays on screen for the next
  // person, and focus goes back to the participant's button.
  dialog.addEventListener('close', () => {
    pad.clear();
    typedInput.value = '';
    const participant = current;
    current = null;
    participant?.button.focus();
  });

  queue.onChange((pending) => render(pending));
  window.addEventListener('storage', (event) => {
    // Another tab of the same half-day changed the queue.
    if (event.key === storageKey(slotId)) render();
  });
  window.addEventListener('online', () => {
    showConnection();
    void flushNow();
  });
  window.addEventListener('offline', showConnection);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void flushNow();
  });
  window.setInterval(() => {
    if (readPending().length > 0) void flushNow();
  }, RETRY_INTERVAL_MS);
  window.addEventListener('beforeunload', (event) => {
    // The signatures would wait on this device until the page is opened again.
    if (readPending().length > 0) event.preventDefault();
  });

  showConnection();
  render();
  if (!device.persistent) {
    say('Cet appareil ne garde pas les signatures en mémoire : laissez cette page ouverte jusqu’à leur envoi.');
  }
  void flushNow();
}

/** An element of the markup contract; a missing one is a page bug, reported at once. */
function part<T extends Element>(scope: ParentNode, selector: string, kind: { new (): T; prototype: T }): T {
  const element = scope.querySelector(selector) ?? document.querySelector(selector);
  if (!(element instanceof kind)) throw new Error(`startTabletSigning: ${selector} is missing from the page.`);
  return element;
}

/** localStorage, or the page's memory when the browser forbids it (signatures then live until the page closes). */
function deviceStorage(): { storage: Pick<Storage, 'getItem' | 'setItem'>; persistent: boolean } {
  try {
    const storage = window.localStorage;
    storage.getItem(storageKey('test'));
    return { storage, persistent: true };
  } catch {
    const memory = new Map<string, string>();
    return {
      storage: { getItem: (key) => memory.get(key) ?? null, setItem: (key, value) => void memory.set(key, value) },
      persistent: false,
    };
  }
}
