import { readFileSync } from 'node:fs';
import yazl from 'yazl';

/** Builds .h5p archives for tests: well-formed ones, and the hostile ones an upload must refuse. */
export interface PackageEntry {
  path: string;
  content: string | Buffer;
  /** Unix mode, e.g. 0o120777 for a symbolic link. */
  mode?: number;
}

export function zip(entries: PackageEntry[]): Promise<Buffer> {
  const archive = new yazl.ZipFile();
  for (const entry of entries)
    archive.addBuffer(Buffer.isBuffer(entry.content) ? entry.content : Buffer.from(entry.content), entry.path, entry.mode ? { mode: entry.mode } : {});
  archive.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    archive.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    archive.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    archive.outputStream.on('error', reject);
  });
}

const quizLibrary = readFileSync('content/h5p-libraries/H5P.EsperQuiz-1.0/esper-quiz.js', 'utf8');

/**
 * A package as h5p.org or Lumi exports it: h5p.json, content/, and its own library (here a copy of
 * the platform's quiz under another name, since no H5P content type can be downloaded here).
 * `script` replaces the library's code (a hostile package, say).
 */
export function packageEntries(options: { title?: string; script?: string } = {}): PackageEntry[] {
  const library = 'H5P.QuizImporte';
  return [
    {
      path: 'h5p.json',
      content: JSON.stringify({
        title: options.title ?? 'Quiz importé',
        language: 'fr',
        mainLibrary: library,
        embedTypes: ['iframe'],
        license: 'U',
        preloadedDependencies: [{ machineName: library, majorVersion: 1, minorVersion: 2 }],
      }),
    },
    {
      path: 'content/content.json',
      content: JSON.stringify({
        intro: 'Une question venue d’ailleurs.',
        questions: [{ question: 'Le quiz importé fonctionne-t-il ?', answers: [{ text: 'Oui', correct: true }, { text: 'Non', correct: false }] }],
      }),
    },
    { path: 'content/images/logo.svg', content: '<svg xmlns="http://www.w3.org/2000/svg"/>' },
    {
      path: `${library}-1.2/library.json`,
      content: JSON.stringify({
        title: 'Quiz importé',
        machineName: library,
        majorVersion: 1,
        minorVersion: 2,
        patchVersion: 3,
        runnable: 1,
        preloadedJs: [{ path: 'quiz.js' }],
      }),
    },
    { path: `${library}-1.2/quiz.js`, content: options.script ?? quizLibrary.replaceAll('H5P.EsperQuiz', `H5P.QuizImporte`).replaceAll('EsperQuiz', 'QuizImporte') },
  ];
}

/** Renames an entry inside an archive's bytes (same length), to smuggle in a name zip tools refuse to write. */
export function renameInArchive(archive: Buffer, from: string, to: string): Buffer {
  if (from.length !== to.length) throw new Error('same length only');
  const result = Buffer.from(archive);
  let at = result.indexOf(from);
  while (at !== -1) {
    result.write(to, at);
    at = result.indexOf(from, at + 1);
  }
  return result;
}

/** Makes the central directory under-declare one entry's size (how a zip bomb hides its size). */
export function underDeclareSize(archive: Buffer, name: string, declared: number): Buffer {
  const result = Buffer.from(archive);
  for (let at = result.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])); at !== -1; at = result.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), at + 4)) {
    const nameLength = result.readUInt16LE(at + 28);
    if (result.toString('utf8', at + 46, at + 46 + nameLength) === name) result.writeUInt32LE(declared, at + 24);
  }
  return result;
}
