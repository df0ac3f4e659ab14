import http from 'node:http';

export interface Backend {
  name: string;
  port: number;
}

export interface RoundRobinProxy {
  url: string;
  /** How many requests each backend has answered, by name. */
  served: Record<string, number>;
  close(): Promise<void>;
}

/** The header naming the backend that answered, so a test can tell where each request landed. */
export const SERVED_BY = 'x-served-by';

/**
 * A load balancer as small as it gets: each request goes to the next backend in turn, whatever
 * the connection it came on, with its Host and Origin untouched (the platform checks a form's
 * Origin against the Host it was asked for) and the client's address in X-Forwarded-For, as a
 * real proxy in front of servers started with TRUST_PROXY=1 would send it.
 */
export async function startRoundRobinProxy(options: { port: number; backends: Backend[]; clientAddress: string }): Promise<RoundRobinProxy> {
  const served: Record<string, number> = Object.fromEntries(options.backends.map((b) => [b.name, 0]));
  const agent = new http.Agent({ keepAlive: true });
  let next = 0;
  const server = http.createServer((req, res) => {
    const backend = options.backends[next++ % options.backends.length]!;
    const upstream = http.request(
      { host: '127.0.0.1', port: backend.port, method: req.method, path: req.url, agent, headers: { ...req.headers, 'x-forwarded-for': options.clientAddress } },
      (answer) => {
        served[backend.name]!++;
        res.writeHead(answer.statusCode ?? 502, { ...answer.headers, [SERVED_BY]: backend.name });
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain', [SERVED_BY]: backend.name });
      res.end(`proxy: ${backend.name} did not answer (${error.message})`);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${options.port}`,
    served,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      agent.destroy();
    },
  };
}
