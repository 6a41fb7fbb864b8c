/**
 * A TCP proxy in front of a server, for fault tests: it forwards bytes both ways until told to hang; then it
 * keeps every connection open and accepts new ones but delivers nothing in either direction, as a hung
 * server or a network partition does (unlike a stopped server, nothing is refused or closed).
 */
import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpFaultProxy {
  readonly port: number;
  /** From now on deliver nothing (requests and answers vanish; connections stay open). */
  hang(): void;
  /** Forward again; connections opened while hung stay black holes, new ones are forwarded. */
  resume(): void;
  /** Sends new connections to another port (a restarted server: never its old port, which another test may hold by then). */
  retarget(port: number): void;
  close(): Promise<void>;
}

export async function startTcpFaultProxy(target: { host?: string; port: number }): Promise<TcpFaultProxy> {
  let hung = false;
  let targetPort = target.port;
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = createServer((client) => {
    track(client);
    if (hung) {
      client.on('data', () => {});
      return;
    }
    const upstream = connect(targetPort, target.host ?? '127.0.0.1');
    track(upstream);
    client.on('data', (bytes) => void (hung || upstream.write(bytes)));
    upstream.on('data', (bytes) => void (hung || client.write(bytes)));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hang: () => void (hung = true),
    resume: () => void (hung = false),
    retarget: (port) => void (targetPort = port),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
