// Renders attestation PDFs for the seed: in worker threads when there are many (about 25 ms each
// on one core: 10,000 take four minutes on one thread, half that on two), inline otherwise.
import { Worker } from 'node:worker_threads';
import { renderAttestationPdf, type AttestationDocument } from '../../src/lib/attestations/pdf.ts';

export interface PdfRenderer {
  render(docs: AttestationDocument[]): Promise<Uint8Array[]>;
  close(): Promise<void>;
}

/** `workers` threads (0: render in this thread). Each render call goes to the least busy one. */
export function pdfRenderer(workers: number): PdfRenderer {
  if (workers <= 0)
    return {
      async render(docs) {
        const pdfs: Uint8Array[] = [];
        for (const doc of docs) pdfs.push(await renderAttestationPdf(doc));
        return pdfs;
      },
      close: async () => {},
    };
  const pool = Array.from({ length: workers }, () => ({ worker: new Worker(new URL('./pdf-worker.ts', import.meta.url)), busy: 0 }));
  const waiting = new Map<number, { resolve: (pdfs: Uint8Array[]) => void; reject: (error: Error) => void }>();
  let next = 0;
  for (const slot of pool) {
    slot.worker.on('message', (message: { id: number; pdfs?: Uint8Array[]; error?: string }) => {
      slot.busy--;
      const pending = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.error || !message.pdfs) pending?.reject(new Error(`A PDF could not be rendered: ${message.error}`));
      else pending?.resolve(message.pdfs);
    });
    slot.worker.on('error', (error) => {
      for (const pending of waiting.values()) pending.reject(error);
      waiting.clear();
    });
  }
  return {
    render(docs) {
      const slot = pool.reduce((least, s) => (s.busy < least.busy ? s : least));
      const id = next++;
      slot.busy++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        slot.worker.postMessage({ id, docs });
      });
    },
    async close() {
      await Promise.all(pool.map((s) => s.worker.terminate()));
    },
  };
}
