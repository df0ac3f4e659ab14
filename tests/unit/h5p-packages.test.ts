import { describe, expect, it } from 'vitest';
import { inspectH5pPackage, activityIdFrom } from '../../src/lib/modules/h5p-packages.ts';
import { packageEntries, renameInArchive, underDeclareSize, zip } from '../support/h5p-packages.ts';

const shared = async (folder: string) => folder === 'H5P.EsperQuiz-1.0';
const inspect = async (archive: Buffer) => inspectH5pPackage(archive, shared);
const reasonOf = async (archive: Buffer) => {
  const result = await inspect(archive);
  return result.ok ? 'accepted' : result.reason;
};

describe('an uploaded H5P package', () => {
  it('is accepted with its own libraries, as h5p.org and Lumi export them', async () => {
    const result = await inspect(await zip(packageEntries()));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.h5p.title).toBe('Quiz importé');
    expect([...result.files.keys()].sort()).toEqual([
      'H5P.QuizImporte-1.2/library.json',
      'H5P.QuizImporte-1.2/quiz.js',
      'content/content.json',
      'content/images/logo.svg',
      'h5p.json',
    ]);
  });

  it('may rely on a library the platform already has', async () => {
    const entries = [
      {
        path: 'h5p.json',
        content: JSON.stringify({ title: 'Q', mainLibrary: 'H5P.EsperQuiz', preloadedDependencies: [{ machineName: 'H5P.EsperQuiz', majorVersion: 1, minorVersion: 0 }] }),
      },
      { path: 'content/content.json', content: '{"questions":[]}' },
    ];
    expect(await reasonOf(await zip(entries))).toBe('accepted');
  });

  it('is refused when a path leaves the package folder (zip-slip)', async () => {
    const archive = renameInArchive(await zip([...packageEntries(), { path: 'aa/evil.json', content: '{}' }]), 'aa/evil.json', '../evil.json');
    expect(await reasonOf(archive)).toMatch(/^Chemin interdit dans le paquet/);
  });

  it('is refused when it holds a symbolic link', async () => {
    expect(await reasonOf(await zip([...packageEntries(), { path: 'content/lien.json', content: '/etc/passwd', mode: 0o120777 }]))).toBe(
      'Lien symbolique interdit dans le paquet : content/lien.json',
    );
  });

  it('is refused when it holds a file type H5P does not allow, or a script among the content', async () => {
    expect(await reasonOf(await zip([...packageEntries(), { path: 'content/page.html', content: '<script>1</script>' }]))).toBe(
      'Type de fichier interdit dans le paquet : content/page.html',
    );
    expect(await reasonOf(await zip([...packageEntries(), { path: 'outil.exe', content: 'MZ' }]))).toBe('Type de fichier interdit dans le paquet : outil.exe');
    expect(await reasonOf(await zip([...packageEntries(), { path: 'content/x.js', content: 'alert(1)' }]))).toMatch(/n’a pas sa place dans content/);
  });

  it('is refused when a file is bigger than the archive says (a zip bomb)', async () => {
    const archive = underDeclareSize(await zip([...packageEntries(), { path: 'content/zeros.txt', content: Buffer.alloc(2_000_000) }]), 'content/zeros.txt', 10);
    expect(await reasonOf(archive)).toMatch(/abîmé ou trompeur/);
  });

  it('is refused when it is too big or holds too many files', async () => {
    expect(await reasonOf(Buffer.alloc(50 * 1024 * 1024 + 1))).toBe('Le fichier dépasse 50 Mo.');
    const many = Array.from({ length: 2001 }, (_, i) => ({ path: `content/f${i}.json`, content: '{}' }));
    expect(await reasonOf(await zip([...packageEntries(), ...many]))).toBe('Le paquet contient plus de 2000 fichiers.');
  });

  it('is refused without a valid h5p.json, content, or a library it needs', async () => {
    const without = (path: string) => packageEntries().filter((e) => e.path !== path);
    expect(await reasonOf(await zip(without('h5p.json')))).toBe('Le fichier h5p.json manque à la racine du paquet.');
    expect(await reasonOf(await zip(without('content/content.json')))).toBe('Le fichier content/content.json manque.');
    expect(await reasonOf(await zip(without('H5P.QuizImporte-1.2/library.json')))).toBe(
      'La bibliothèque H5P.QuizImporte-1.2 manque : elle n’est ni dans le paquet ni sur la plateforme.',
    );
    const broken = packageEntries().map((e) => (e.path === 'h5p.json' ? { ...e, content: '{ pas du json' } : e));
    expect(await reasonOf(await zip(broken))).toBe('Le fichier h5p.json n’est pas un JSON valide.');
    expect(await reasonOf(Buffer.from('ceci n’est pas un zip'))).toBe('Ce fichier n’est pas un paquet H5P : l’archive zip est illisible.');
  });

  it('gets an id from its title', () => {
    expect(activityIdFrom('Quiz : l’écoute active !')).toBe('quiz-l-ecoute-active');
    expect(activityIdFrom('***')).toBe('activite');
  });
});
