// What the commands need from the outside world, passed in (so tests can run them in-process).
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readStdin(): Promise<string>;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
}

export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
    },
    env: process.env,
    isTTY: Boolean(process.stdout.isTTY),
  };
}
