// A worker thread of the seed's PDF pool: renders the attestations it is sent with the
// application's own renderer, so each stored PDF is the one the platform would have issued.
import { parentPort } from 'node:worker_threads';
import { renderAttestationPdf, type AttestationDocument } from '../../src/lib/attestations/pdf.ts';

parentPort!.on('message', async (message: { id: number; docs: AttestationDocument[] }) => {
  try {
    const pdfs: Uint8Array[] = [];
    for (const doc of message.docs) pdfs.push(await renderAttestationPdf(doc));
    parentPort!.postMessage({ id: message.id, pdfs });
  } catch (error) {
    parentPort!.postMessage({ id: message.id, error: (error as Error).stack ?? String(error) });
  }
});
