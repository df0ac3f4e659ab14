import type { AppContext } from '../context.ts';
import type { Outcome } from '../accounts/registration.ts';
import { hitRateLimit } from '../security/rate-limit.ts';
import { attestationByNumber, attestationByPdf, type AttestationSummary } from './records.ts';

/**
 * The public check of an attestation. The QR link carries an unguessable code and is answered
 * freely; a number typed by hand, or a PDF uploaded, counts against a limit per address, so that
 * the page cannot be used to walk through the (sequential) numbers.
 */
export const VERIFY_LIMIT = { limit: 30, windowSeconds: 600 };
const LIMITED = (retry: number) =>
  ({ ok: false, status: 429, message: `Trop de vérifications depuis votre connexion : réessayez dans ${Math.ceil(retry / 60)} minute${retry > 60 ? 's' : ''}, ou utilisez le QR code du document.` }) as const;

export async function verifyByNumber(
  ctx: AppContext,
  input: { number: string; checkCode?: string | null; ip: string },
): Promise<Outcome<{ attestation: AttestationSummary | null; checked: boolean }>> {
  const found = await attestationByNumber(ctx.db, input.number, input.checkCode);
  if (found?.checked) return { ok: true, attestation: found.attestation, checked: true };
  const limit = await hitRateLimit(ctx.db, `verify:${input.ip}`, VERIFY_LIMIT, ctx.now());
  if (!limit.allowed) return LIMITED(limit.retryAfterSeconds);
  return { ok: true, attestation: found?.attestation ?? null, checked: false };
}

export async function verifyByPdf(ctx: AppContext, input: { bytes: Uint8Array; ip: string }): Promise<Outcome<{ attestation: AttestationSummary | null }>> {
  const limit = await hitRateLimit(ctx.db, `verify:${input.ip}`, VERIFY_LIMIT, ctx.now());
  if (!limit.allowed) return LIMITED(limit.retryAfterSeconds);
  return { ok: true, attestation: (await attestationByPdf(ctx.db, input.bytes)) ?? null };
}
