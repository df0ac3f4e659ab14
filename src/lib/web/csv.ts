/**
 * CSV for spreadsheets set to French, the one way every export writes it: UTF-8 with a BOM (so
 * Excel reads the accents), `;` between fields (the comma is the decimal separator), CRLF line
 * ends, and fields that would start a formula defused.
 */
export function csvField(value: string): string {
  // A spreadsheet would run a field starting like a formula (e.g. an employer typed « =HYPERLINK(…) »).
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[";\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** The whole file: one array of fields per line (an empty array is an empty line). */
export function csvDocument(lines: readonly (readonly string[])[]): string {
  return `\uFEFF${lines.map((fields) => fields.map(csvField).join(';')).join('\r\n')}\r\n`;
}

/** « 10,5 »: a number to the tenth, with a decimal comma and no grouping, as French spreadsheets read it. */
export function csvDecimal(value: number): string {
  return (Math.round(value * 10) / 10).toLocaleString('fr-FR', { maximumFractionDigits: 1, useGrouping: false });
}

/**
 * The same file as csvDocument, streamed: the header at once, then each chunk of lines when the
 * reader asks for it, so that a long export never sits whole in memory nor holds the server
 * (the next chunk is queried only once the previous one is sent).
 */
export function csvStream(header: readonly string[], chunks: AsyncIterable<readonly (readonly string[])[]>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const line = (fields: readonly string[]) => `${fields.map(csvField).join(';')}\r\n`;
  const iterator = chunks[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(`\uFEFF${line(header)}`));
    },
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value.map(line).join('')));
    },
    async cancel() {
      await iterator.return?.(undefined);
    },
  });
}
