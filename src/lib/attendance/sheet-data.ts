import type { AttendanceMethod, AttendanceStatus } from '../db/schema.ts';

/**
 * Everything an attendance sheet ("feuille d'émargement") shows, gathered once by
 * `attendanceSheet` and drawn by the PDF and CSV exports.
 */
export interface SheetData {
  organisation: string;
  training: { title: string; durationHours: number };
  place: string;
  trainers: string[];
  slots: SheetSlot[];
  participants: SheetParticipant[];
  generatedAt: Date;
}

export interface SheetSlot {
  id: string;
  startsAt: Date;
  endsAt: Date;
  hours: number;
  /** The trainer's countersignature: set when the slot was closed. */
  countersignedBy: string | null;
  countersignedAt: Date | null;
}

export interface SheetParticipant {
  personId: string;
  familyName: string;
  givenName: string;
  employer: string | null;
  /** One cell per slot, in the order of `slots`. */
  cells: SheetCell[];
  hoursAttended: number;
  hoursPlanned: number;
  /** hoursAttended / hoursPlanned, between 0 and 1. */
  attendanceRate: number;
}

export interface SheetCell {
  /** null: nothing recorded yet (the slot is not closed). */
  status: AttendanceStatus | null;
  method: AttendanceMethod | null;
  signedAt: Date | null;
  arrivedAt: Date | null;
  /** PNG bytes of the signature drawn on the trainer's tablet. */
  signaturePng: Uint8Array | null;
  reason: string | null;
  /** True when the current record corrects an earlier one. */
  corrected: boolean;
}
