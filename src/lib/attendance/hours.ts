import type { AttendanceStatus } from '../db/schema.ts';

/**
 * Hours, the unit attestations count in. A half-day counts in full for a participant present,
 * from their arrival for a late one, and not at all for an absence or a missing signature.
 */
export function slotHours(slot: { startsAt: Date; endsAt: Date }): number {
  return Math.max(0, slot.endsAt.getTime() - slot.startsAt.getTime()) / 3_600_000;
}

export function hoursAttended(
  slot: { startsAt: Date; endsAt: Date },
  record: { status: AttendanceStatus | null; arrivedAt: Date | null } | null | undefined,
): number {
  if (!record?.status) return 0;
  if (record.status === 'present') return slotHours(slot);
  if (record.status === 'late') {
    const from = record.arrivedAt && record.arrivedAt > slot.startsAt ? record.arrivedAt : slot.startsAt;
    return from >= slot.endsAt ? 0 : slotHours({ startsAt: from, endsAt: slot.endsAt });
  }
  return 0;
}

/** Share of the planned hours attended, between 0 and 1 (0 when nothing is planned). */
export function attendanceRate(attended: number, planned: number): number {
  if (planned <= 0) return 0;
  return Math.min(1, Math.max(0, attended / planned));
}
