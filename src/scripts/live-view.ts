/**
 * The trainer's screen refreshes itself while a half-day is open: the code and its QR code, the
 * countdown, and each participant's line. Without JavaScript, the « Actualiser » link does it.
 */
interface LiveView {
  phase: 'upcoming' | 'open' | 'closed';
  code: string | null;
  secondsLeft: number | null;
  qrSvg: string | null;
  counts: { expected: number; present: number; late: number; absent: number; waiting: number };
  participants: { personId: string; status: string; statusClass: string; detail: string }[];
}

export function startLiveView(root: HTMLElement): void {
  const slotId = root.dataset.liveSlot!;
  const code = root.querySelector<HTMLElement>('[data-code]');
  const seconds = root.querySelector<HTMLElement>('[data-seconds]');
  const qr = root.querySelector<HTMLElement>('[data-qr]');
  const counts = document.querySelector<HTMLElement>('[data-counts]');
  let left = Number(seconds?.textContent ?? '30');
  let lastCode = code?.textContent ?? '';

  async function refresh(): Promise<void> {
    try {
      const response = await fetch(`/api/demi-journees/${slotId}`, { headers: { accept: 'application/json' } });
      if (!response.ok) return;
      const view = (await response.json()) as LiveView;
      if (view.phase !== 'open') {
        window.location.reload();
        return;
      }
      if (view.code && view.code !== lastCode && code && qr && view.qrSvg) {
        code.textContent = view.code;
        qr.innerHTML = view.qrSvg;
        lastCode = view.code;
      }
      if (view.secondsLeft !== null) left = view.secondsLeft;
      if (counts) {
        const c = view.counts;
        const text = [`${c.present + c.late} présent·es sur ${c.expected}`, `${c.late} en retard`, `${c.absent} absent·es`, `${c.waiting} en attente`];
        const spans = counts.querySelectorAll('span');
        text.forEach((t, i) => {
          if (spans[i] && spans[i].textContent !== t) spans[i].textContent = t;
        });
      }
      for (const p of view.participants) {
        const row = document.querySelector<HTMLElement>(`[data-person-row="${p.personId}"]`);
        if (!row) continue;
        const status = row.querySelector<HTMLElement>('[data-status]');
        const detail = row.querySelector<HTMLElement>('[data-detail]');
        if (status && status.textContent !== p.status) {
          status.textContent = p.status;
          status.className = p.statusClass;
        }
        if (detail && detail.textContent !== p.detail) detail.textContent = p.detail;
      }
    } catch {
      // Offline for a moment: the next tick tries again.
    }
  }

  setInterval(() => {
    left = Math.max(0, left - 1);
    if (seconds) seconds.textContent = String(left);
    if (left === 0) void refresh();
  }, 1000);
  setInterval(() => void refresh(), 3000);
}
