/** The driver's handle on the socket load generator process (socket-load.ts): one command at a time, each with its reply. */
import { setTimeout as sleep } from 'node:timers/promises';
import { track } from '../gateways.js';
import { start, type Running } from '../processes.js';
import type { AwaitCommand, AwaitReply, CloseReply, LoadCommand, LoadReply, LoadReport, OpenCommand, OpenReply } from './socket-load-protocol.js';

export interface SocketLoad {
  readonly process: Running;
  open(command: Omit<OpenCommand, 'type'>): Promise<OpenReply>;
  await(command: Omit<AwaitCommand, 'type'>): Promise<AwaitReply>;
  report(sentAt: number[]): Promise<LoadReport>;
  close(): Promise<CloseReply>;
  stop(): Promise<void>;
}

/** Extra time past a command's own bound before the driver gives up on the generator. */
const REPLY_SLACK_MS = 60_000;

/** Starts the generator and waits until it listens for commands. */
export async function startSocketLoad(): Promise<SocketLoad> {
  const running = track(start('socket-load', 'bench/live-room/socket-load.ts', [], {}, true, [], true));
  const replies: LoadReply[] = [];
  let wake: (() => void) | undefined;
  running.child.on('message', (message: LoadReply | { type: 'ready' }) => {
    if (message.type === 'ready') return void wake?.();
    replies.push(message);
    wake?.();
  });
  const ready = new Promise<void>((resolve) => (wake = resolve));
  if ((await Promise.race([ready, sleep(30_000, 'timeout')])) === 'timeout') {
    throw new Error(`the socket load generator did not start:\n${running.output.join('')}`);
  }

  const request = async <T extends LoadReply>(command: LoadCommand, type: T['type'], timeoutMs: number): Promise<T> => {
    running.child.send(command);
    const deadline = Date.now() + timeoutMs + REPLY_SLACK_MS;
    while (replies.length === 0) {
      if (running.child.exitCode !== null) throw new Error(`the socket load generator exited:\n${running.output.join('')}`);
      if (Date.now() > deadline) throw new Error(`the socket load generator did not answer ${command.type}`);
      await Promise.race([new Promise<void>((resolve) => (wake = resolve)), sleep(1000)]);
    }
    const reply = replies.shift()!;
    if (reply.type === 'failed') throw new Error(`the socket load generator failed ${command.type}: ${reply.message}`);
    if (reply.type !== type) throw new Error(`the socket load generator answered ${reply.type} to ${command.type}`);
    return reply as T;
  };

  return {
    process: running,
    open: (command) => request<OpenReply>({ type: 'open', ...command }, 'opened', command.timeoutMs),
    await: (command) => request<AwaitReply>({ type: 'await', ...command }, 'awaited', command.timeoutMs),
    report: (sentAt) => request<LoadReport>({ type: 'report', sentAt }, 'report', 60_000),
    close: () => request<CloseReply>({ type: 'close' }, 'closed', 10_000),
    stop: () => running.stop(),
  };
}
