import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fontkit from '@pdf-lib/fontkit';
import type { PDFDocument, PDFFont } from 'pdf-lib';

type Fontkit = Parameters<PDFDocument['registerFontkit']>[0];

/**
 * The fonts every PDF of the platform embeds: DejaVu Sans (from the `dejavu-fonts-ttf`
 * package), subsetted, so that any name prints (accents, œ, « Zoë », « Łukasz »).
 */

/** The features fontkit applies by default to horizontal Latin text. */
const SHAPING_FEATURES = ['rvrn', 'ltra', 'ltrm', 'frac', 'numr', 'dnom', 'ccmp', 'locl', 'rlig', 'mark', 'mkmk', 'calt', 'clig', 'liga', 'rclt', 'curs', 'kern'];

let fontFiles: { regular: Uint8Array; bold: Uint8Array } | undefined;

/** The font files, read from disk once per process. */
function fontFilesOnce(): { regular: Uint8Array; bold: Uint8Array } {
  if (!fontFiles) {
    const require = createRequire(import.meta.url);
    fontFiles = {
      regular: readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')),
      bold: readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')),
    };
  }
  return fontFiles;
}

/**
 * fontkit, parsing each font file once per process: pdf-lib asks fontkit to parse the file for
 * every document, and that parse was most of the time a PDF took. A parsed font is not changed
 * by embedding (each document makes its own subset), and it keeps the glyphs and widths it
 * has measured, so later documents lay text out faster too.
 */
const parsedFonts = new Map<Uint8Array, ReturnType<Fontkit['create']>>();
const fontkitOnce: Fontkit = {
  create(data, postscriptName) {
    let font = parsedFonts.get(data);
    if (!font) {
      font = fontkit.create(data, postscriptName);
      parsedFonts.set(data, font);
    }
    return font;
  },
};

export async function embedFrenchFonts(doc: PDFDocument): Promise<{ regular: PDFFont; bold: PDFFont }> {
  doc.registerFontkit(fontkitOnce);
  const files = fontFilesOnce();
  // No OpenType shaping: French and other Latin text (normalised to NFC) needs none, and
  // shaping every string is what makes pdf-lib slow. Kerning goes too, a fair price on a form.
  const features = Object.fromEntries(SHAPING_FEATURES.map((tag) => [tag, false]));
  return {
    regular: await doc.embedFont(files.regular, { subset: true, features }),
    bold: await doc.embedFont(files.bold, { subset: true, features }),
  };
}
