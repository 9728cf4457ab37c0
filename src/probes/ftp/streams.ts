import { Readable, Writable } from 'node:stream';

export function streamOf(bytes: Buffer): Readable {
  return Readable.from([bytes]);
}

/** Run a download into an in-memory sink and return what arrived. */
export async function collectStream(download: (sink: Writable) => Promise<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  await download(sink);
  return Buffer.concat(chunks);
}
