import type WebSocket from "ws";
import { signToken } from "../support/api.ts";
import { openReadySocket, type ServerFrameLite } from "../support/socket.ts";
import { monotonicMs } from "../support/stats.ts";
import { type ChildRequest, serveParent } from "./ipc.ts";

/**
 * Holds many client sockets in a process of its own, so the server's CPU
 * is its own. Opens them, waits for a notify on all of them, and drops and
 * reopens them all at once.
 */
const openConcurrency = 200;

interface Member {
  userId: string;
  token: string;
  socket: WebSocket | undefined;
  /** The highest notify `latestSeq` seen per conversation. */
  seen: Map<string, number>;
  seenAtMs: number;
}

let url = "";
let members: Member[] = [];

/** The notify that {@link awaitNotify} waits for, and how many sockets have it. */
let target:
  | { conversationId: string; latestSeq: number; reached: number; done: () => void }
  | undefined;

function onFrame(member: Member, frame: ServerFrameLite): void {
  if (frame.type !== "notify" || frame.conversationId === undefined) return;
  const before = member.seen.get(frame.conversationId) ?? 0;
  const latestSeq = Math.max(before, frame.latestSeq ?? 0);
  member.seen.set(frame.conversationId, latestSeq);
  member.seenAtMs = monotonicMs();
  if (target === undefined || frame.conversationId !== target.conversationId) return;
  if (before < target.latestSeq && latestSeq >= target.latestSeq) {
    target.reached += 1;
    if (target.reached === members.length) target.done();
  }
}

async function openAll(): Promise<{ elapsedMs: number; failed: number }> {
  const started = monotonicMs();
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < members.length) {
      const member = members[next++] as Member;
      try {
        member.socket = await openReadySocket(url, member.token, (frame) => onFrame(member, frame));
      } catch {
        failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: openConcurrency }, worker));
  return { elapsedMs: monotonicMs() - started, failed };
}

/** Resolves once every socket has a notify at or past `latestSeq`, or at the deadline. */
function awaitNotify(request: ChildRequest): Promise<object> {
  const conversationId = request.conversationId as string;
  const latestSeq = request.latestSeq as number;
  const timeoutMs = (request.timeoutMs as number | undefined) ?? 30_000;
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      const reached = target?.reached ?? 0;
      target = undefined;
      const lastMs = Math.max(...members.map((m) => m.seenAtMs));
      resolve({ lastMs, missing: members.length - reached });
    };
    const timer = setTimeout(finish, timeoutMs);
    const reached = members.filter((m) => (m.seen.get(conversationId) ?? 0) >= latestSeq).length;
    target = { conversationId, latestSeq, reached, done: finish };
    if (reached === members.length) finish();
  });
}

serveParent(
  {
    async open(request) {
      url = request.url as string;
      const userIds = request.userIds as string[];
      members = await Promise.all(
        userIds.map(async (userId) => ({
          userId,
          token: await signToken(userId),
          socket: undefined,
          seen: new Map(),
          seenAtMs: 0,
        })),
      );
      return openAll();
    },
    awaitNotify,
    async reconnect() {
      for (const member of members) member.socket?.terminate();
      return openAll();
    },
    close() {
      for (const member of members) member.socket?.terminate();
      members = [];
      return {};
    },
  },
  async () => {
    for (const member of members) member.socket?.terminate();
  },
);
process.send?.({ pid: process.pid });
