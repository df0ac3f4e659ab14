/**
 * While an export runs, its progress bar moves by itself; when it ends (ready, failed or
 * interrupted), the page reloads to show the download link or what went wrong. Without
 * JavaScript, the « Actualiser » link does it.
 */

interface ExportProgress {
  status: 'running' | 'ready' | 'failed' | 'interrupted';
  done: number;
  total: number;
  text: string;
}

const POLL_MS = 1_000;

export function followExport(section: HTMLElement): void {
  const id = section.dataset.export!;
  const bar = section.querySelector<HTMLProgressElement>('progress');
  const text = section.querySelector<HTMLElement>('[data-export-text]');

  async function poll(): Promise<void> {
    try {
      const response = await fetch(`/api/exports/${id}`, { headers: { accept: 'application/json' } });
      if (response.status === 404 || response.status === 401 || response.status === 403) return; // Nothing more to follow here.
      if (response.ok) {
        const progress = (await response.json()) as ExportProgress;
        if (progress.status !== 'running') {
          window.location.assign(`/coordination/exports/${id}`);
          return;
        }
        if (bar) {
          bar.max = Math.max(progress.total, 1);
          bar.value = progress.done;
          bar.textContent = progress.text;
        }
        // Announced politely (role="status"), at most once a second.
        if (text && text.textContent !== progress.text) text.textContent = progress.text;
      }
    } catch {
      // Offline for a moment: the next tick tries again.
    }
    window.setTimeout(() => void poll(), POLL_MS);
  }
  window.setTimeout(() => void poll(), POLL_MS);
}
