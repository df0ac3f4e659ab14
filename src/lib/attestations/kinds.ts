import type { AttestationKind } from '../db/schema.ts';

/** The documents the platform issues, as their holders and employers read them. */
export const ATTESTATION_KIND_LABELS: Record<AttestationKind, string> = {
  end_of_training: 'Attestation de fin de formation',
  completion_certificate: 'Certificat de réalisation',
  attendance: 'Attestation d’assiduité',
  pathway_stage: 'Attestation d’étape du parcours',
};

/** The kinds a session gives (the pathway stage is given by the pathway). */
export const SESSION_KINDS = ['end_of_training', 'completion_certificate', 'attendance'] as const satisfies readonly AttestationKind[];
export type SessionKind = (typeof SESSION_KINDS)[number];

/** « EP-2026-000123 »: the association's prefix, the year, six digits without gaps. */
export function formatNumber(year: number, sequence: number): string {
  return `EP-${year}-${String(sequence).padStart(6, '0')}`;
}

export const NUMBER_PATTERN = /^EP-(\d{4})-(\d{6})$/;

/** What the progress bar of a bulk issue says (on the page, and as the page's script updates it). */
export function bulkProgressText(done: number, total: number): string {
  return `${done} personne${done > 1 ? 's' : ''} traitée${done > 1 ? 's' : ''} sur ${total}. Vous pouvez quitter cette page : la délivrance continue.`;
}
