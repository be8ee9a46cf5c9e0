// A TCP proxy on loopback in front of the API server that can go silent: it
// keeps every connection open and accepts new ones, but forwards nothing in
// either direction, as an API server that has stopped answering (or a network
// that drops packets) looks to a client; or that cuts every open connection,
// as a restarted API server does. TLS passes through untouched.
import net from 'node:net';

export interface SilentProxy {
  /** `https://127.0.0.1:<port>`, to use as the server of a kubeconfig. */
  url: string;
  silence(): void;
  speak(): void;
  /** Drops every open connection; new ones are accepted (and forwarded unless silent). */
  cut(): void;
  close(): Promise<void>;
}

export async function startSilentProxy(target: URL): Promise<SilentProxy> {
  let silent = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(from);
      // Data that arrives while silent is dropped, never delivered later.
      from.on('data', (chunk) => silent || to.write(chunk));
      from.on('close', () => {
        sockets.delete(from);
        to.destroy();
      });
      from.on('error', () => to.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `${target.protocol}//127.0.0.1:${port}`,
    silence: () => {
      silent = true;
    },
    speak: () => {
      silent = false;
    },
    cut: () => {
      for (const s of sockets) s.destroy();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
