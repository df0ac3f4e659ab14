import QRCode from 'qrcode';

/**
 * The QR code of a sign-in link, as SVG. A code changes every 30 s and the trainer's screen asks
 * every few seconds, so each link's picture is drawn once and kept (a few hundred at most).
 */
const drawn = new Map<string, Promise<string>>();

export function signInQrSvg(publicUrl: string, code: string): Promise<string> {
  const url = `${publicUrl}/emargement?code=${code}`;
  let svg = drawn.get(url);
  if (!svg) {
    svg = QRCode.toString(url, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }).then((markup) =>
      markup.replace('<svg ', '<svg role="img" aria-label="QR code d’émargement" focusable="false" '),
    );
    drawn.set(url, svg);
    if (drawn.size > 500) drawn.delete(drawn.keys().next().value!);
  }
  return svg;
}
