import yauzl from 'yauzl';

/** The files of a ZIP, read back with yauzl (the library the platform reads uploads with). */
export async function unzip(bytes: Buffer): Promise<Map<string, Uint8Array>> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => yauzl.fromBuffer(bytes, { lazyEntries: true }, (e, z) => (e ? reject(e) : resolve(z))));
  const files = new Map<string, Uint8Array>();
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) =>
      zip.openReadStream(entry, async (e, stream) => {
        if (e) return reject(e);
        files.set(entry.fileName, Buffer.concat(await Array.fromAsync(stream)));
        zip.readEntry();
      }),
    );
    zip.on('end', () => resolve());
    zip.on('error', reject);
    zip.readEntry();
  });
  return files;
}
