import type { AppContext } from '../context.ts';
import { ATTENDANCE_STATUS_LABELS } from './sheet-labels.ts';
import { signInQrSvg } from './qr.ts';
import type { LiveParticipant, SlotLiveState } from './slots.ts';
import { frenchTime } from '../time.ts';

/** What the trainer's screen shows of one participant: a status word and a detail. */
export function participantLine(p: LiveParticipant): { status: string; statusClass: string; detail: string } {
  const c = p.current;
  if (!c) return { status: 'En attente', statusClass: 'status--waiting', detail: '' };
  const when = c.signedAt ? `signé à ${frenchTime(c.signedAt)}` : '';
  const how = c.method === 'code' ? 'par code' : c.method === 'tablet' ? 'sur la tablette' : c.method === 'closing' ? 'constaté à la clôture' : c.method === 'correction' ? 'corrigé' : 'noté par le formateur';
  const detail =
    c.status === 'late' && c.arrivedAt
      ? `arrivé·e à ${frenchTime(c.arrivedAt)}`
      : [when, how, c.reason ? `motif : ${c.reason}` : ''].filter(Boolean).join(', ');
  return { status: ATTENDANCE_STATUS_LABELS[c.status], statusClass: `status--${c.status}`, detail };
}

/** The live view as JSON, for the trainer's screen to refresh itself. */
export async function liveViewJson(ctx: AppContext, state: SlotLiveState) {
  return {
    phase: state.phase,
    code: state.code?.code ?? null,
    secondsLeft: state.code?.secondsLeft ?? null,
    qrSvg: state.code ? await signInQrSvg(ctx.publicUrl, state.code.code) : null,
    counts: state.counts,
    participants: state.participants.map((p) => ({ personId: p.personId, ...participantLine(p) })),
  };
}
