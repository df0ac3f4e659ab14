import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { addPerson } from '../support/world.ts';
import { packageEntries, zip } from '../support/h5p-packages.ts';
import { inspectH5pPackage, storeH5pPackage } from '../../src/lib/modules/h5p-packages.ts';
import { findActivity, readActivityFile, sharedLibraryExists } from '../../src/lib/modules/activities.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(() => database.drop());

describe('a package a trainer uploaded', () => {
  it('is kept in the database and served file by file, with the shared libraries as fallback', async () => {
    const trainer = await addPerson(database.db, { givenName: 'Nadia', familyName: 'Rossi', roles: ['trainer'] });
    const inspection = await inspectH5pPackage(await zip(packageEntries()), sharedLibraryExists);
    if (!inspection.ok) throw new Error(inspection.reason);
    await storeH5pPackage(database.db, { id: 'quiz-importe', uploadedBy: trainer.id, inspection });

    expect(await findActivity(database.db, 'quiz-importe')).toEqual({ id: 'quiz-importe', title: 'Quiz importé', mainLibrary: 'H5P.QuizImporte' });
    expect(JSON.parse((await readActivityFile(database.db, 'quiz-importe', 'h5p.json'))!.toString('utf8')).title).toBe('Quiz importé');
    expect((await readActivityFile(database.db, 'quiz-importe', 'H5P.QuizImporte-1.2/quiz.js'))!.toString('utf8')).toContain('H5P.QuizImporte');
    expect(await readActivityFile(database.db, 'quiz-importe', 'H5P.EsperQuiz-1.0/library.json')).toBeDefined();
    expect(await readActivityFile(database.db, 'quiz-importe', '../../package.json')).toBeUndefined();
    expect(await readActivityFile(database.db, 'quiz-importe', 'absent.json')).toBeUndefined();
    const audit = await database.db.selectFrom('audit_event').select(['action', 'actor_id']).where('action', '=', 'h5p.uploaded').execute();
    expect(audit).toEqual([{ action: 'h5p.uploaded', actor_id: trainer.id }]);
  });

  it('under an id already taken is not stored at all, not even in part', async () => {
    const trainer = await addPerson(database.db, { givenName: 'Élodie', familyName: 'Marchand', roles: ['trainer'] });
    const inspection = await inspectH5pPackage(await zip(packageEntries({ title: 'Autre quiz' })), sharedLibraryExists);
    if (!inspection.ok) throw new Error(inspection.reason);
    await expect(storeH5pPackage(database.db, { id: 'quiz-importe', uploadedBy: trainer.id, inspection })).rejects.toThrow();
    expect((await findActivity(database.db, 'quiz-importe'))?.title).toBe('Quiz importé');
    const files = await database.db.selectFrom('h5p_package_file').select('path').where('package_id', '=', 'quiz-importe').execute();
    expect(files).toHaveLength(5);
  });

  it('does not hide the activities shipped with the platform', async () => {
    expect(await findActivity(database.db, 'retablissement-quiz')).toMatchObject({ mainLibrary: 'H5P.EsperQuiz' });
  });
});
