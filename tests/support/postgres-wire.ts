import net from 'node:net';

/**
 * A TCP relay in front of a real PostgreSQL server that reads the client's side of the wire
 * protocol and counts the statements sent (a simple Query, or an Execute of the extended
 * protocol). Put between a server process and its database, it tells how many queries a page
 * costs without any code in the platform for it.
 */
export interface PostgresWire {
  /** The database URL to hand to the server instead of the real one. */
  url: string;
  /** Statements relayed since the start, or since the last reset. */
  statements: () => number;
  reset: () => void;
  close: () => Promise<void>;
}

export async function startPostgresWire(targetUrl: string): Promise<PostgresWire> {
  const target = new URL(targetUrl);
  let statements = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    let started = false;
    let pending = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      // The startup message has no type byte: a length, then the protocol version.
      if (!started) {
        if (pending.length < 4) return;
        const length = pending.readInt32BE(0);
        if (pending.length < length) return;
        pending = pending.subarray(length);
        started = true;
      }
      while (pending.length >= 5) {
        const length = pending.readInt32BE(1);
        if (pending.length < 1 + length) break;
        const type = String.fromCharCode(pending[0]!);
        if (type === 'Q' || type === 'E') statements++;
        pending = pending.subarray(1 + length);
      }
    });
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    statements: () => statements,
    reset: () => void (statements = 0),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
