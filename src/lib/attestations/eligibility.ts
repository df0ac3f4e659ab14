import type { Database } from '../db/index.ts';
import { attendanceSheet } from '../attendance/sheet.ts';
import { sessionOverview, type SessionOverview } from '../sessions/training-sessions.ts';
import { frenchPercent } from '../time.ts';
import { SESSION_KINDS, type SessionKind } from './kinds.ts';

/**
 * Who may receive which attestation for a session, and why not. All half-days must be closed
 * (the hours are then final). The end-of-training attestation asks for the training's
 * attendance threshold; the certificate and the attendance attestation, any hour attended.
 */
export interface Eligibility {
  eligible: boolean;
  /** Why not, in French; null when eligible. */
  reason: string | null;
}

export interface ParticipantEligibility {
  personId: string;
  givenName: string;
  familyName: string;
  employer: string | null;
  hoursAttended: number;
  hoursPlanned: number;
  attendanceRate: number;
  kinds: Record<SessionKind, Eligibility>;
}

export interface SessionEligibility {
  session: SessionOverview;
  threshold: number;
  finished: boolean;
  participants: ParticipantEligibility[];
  /** The attendance sheet's first and last half-days, for the documents. */
  startsAt: Date | null;
  endsAt: Date | null;
}

export async function sessionEligibility(db: Database, sessionId: string, now: Date): Promise<SessionEligibility | undefined> {
  const [session, sheet] = await Promise.all([sessionOverview(db, sessionId), attendanceSheet(db, sessionId, now)]);
  if (!session || !sheet) return undefined;
  const threshold = session.training.attendanceThreshold;
  const open = sheet.slots.filter((s) => !s.countersignedAt).length;
  const finished = sheet.slots.length > 0 && open === 0;
  const notFinished = `La séance n’est pas terminée : ${open} demi-journée${open > 1 ? 's' : ''} à clore.`;
  return {
    session,
    threshold,
    finished,
    startsAt: sheet.slots[0]?.startsAt ?? null,
    endsAt: sheet.slots.at(-1)?.endsAt ?? null,
    participants: sheet.participants.map((p) => {
      const attended = p.hoursAttended > 0;
      const kind = (ok: boolean, why: string): Eligibility => (!finished ? { eligible: false, reason: notFinished } : ok ? { eligible: true, reason: null } : { eligible: false, reason: why });
      return {
        personId: p.personId,
        givenName: p.givenName,
        familyName: p.familyName,
        employer: p.employer,
        hoursAttended: p.hoursAttended,
        hoursPlanned: p.hoursPlanned,
        attendanceRate: p.attendanceRate,
        kinds: Object.fromEntries(
          SESSION_KINDS.map((k) => [
            k,
            k === 'end_of_training'
              ? kind(p.attendanceRate + 1e-9 >= threshold, `Assiduité de ${frenchPercent(p.attendanceRate)} : la formation demande ${frenchPercent(threshold)}.`)
              : kind(attended, 'Aucune heure suivie.'),
          ]),
        ) as Record<SessionKind, Eligibility>,
      };
    }),
  };
}
