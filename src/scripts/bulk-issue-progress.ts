/**
 * While a bulk issue runs, its progress bar moves by itself; when it ends, the page reloads to
 * show the summary and the numbers issued. Without JavaScript, the « Actualiser » link does it.
 */
import { bulkProgressText } from '../lib/attestations/kinds.ts';

interface BulkIssueProgress {
  total: number;
  done: number;
  finished: boolean;
  stalled: boolean;
}

const POLL_MS = 1_000;

export function followBulkIssue(section: HTMLElement): void {
  const batchId = section.dataset.bulkIssue!;
  const sessionId = section.dataset.bulkSession!;
  const bar = section.querySelector<HTMLProgressElement>('progress');
  const text = section.querySelector<HTMLElement>('[data-bulk-text]');

  async function poll(): Promise<void> {
    try {
      const response = await fetch(`/api/seances/${sessionId}/delivrances/${batchId}`, { headers: { accept: 'application/json' } });
      if (response.ok) {
        const progress = (await response.json()) as BulkIssueProgress;
        if (progress.finished) {
          window.location.assign(`/formation/seances/${sessionId}/attestations?lot=${batchId}`);
          return;
        }
        if (bar) bar.value = progress.done;
        if (text && !progress.stalled) text.textContent = bulkProgressText(progress.done, progress.total);
        if (progress.stalled) return; // The page already says what to do; nothing will move.
      }
    } catch {
      // Offline for a moment: the next tick tries again.
    }
    window.setTimeout(() => void poll(), POLL_MS);
  }
  window.setTimeout(() => void poll(), POLL_MS);
}
