import type { Event, PushResult } from "@syncline/protocol";
import { type EventRow, eventColumns, toEvent } from "../store/event-rows.ts";
import type { SqlRunner } from "../store/store.ts";
import { memberError } from "./access.ts";
import { errorResult, type IndexedOp, type OpDecision, planOps } from "./op-plan.ts";
import { appendEvents, type EventDraft, listMemberIds, lockHead } from "./sequencer.ts";

/** Events committed in one conversation, and the members to notify. */
export interface Commit {
  conversationId: string;
  latestSeq: number;
  events: Event[];
  memberIds: string[];
}

/** One caller's schema-valid ops, grouped by conversation. */
export interface PushJob {
  senderId: string;
  groups: ReadonlyMap<string, readonly IndexedOp[]>;
}

/** A result for one op, by its place in the caller's request. */
export interface DecidedOp {
  index: number;
  result: PushResult;
}

/** The results and commits of one batch transaction. */
export interface BatchOutcome {
  /** The decided ops of each job, in the order of the jobs. */
  decidedByJob: DecidedOp[][];
  /** One commit per conversation that got new events, with every job's events in seq order. */
  commits: Commit[];
}

/**
 * Writes the ops of several pushes in the caller's transaction. Each
 * conversation is locked once, in sorted order so that concurrent batches
 * never deadlock, and gets one multi-row insert and one counter update.
 * Jobs are planned in the order given, so a later job sees an earlier
 * job's ops as committed: a repeated client id is a duplicate or a
 * conflict exactly as it would be in two transactions one after the other.
 */
export async function writeBatch(tx: SqlRunner, jobs: readonly PushJob[]): Promise<BatchOutcome> {
  const decidedByJob: DecidedOp[][] = jobs.map(() => []);
  const commits: Commit[] = [];
  for (const conversationId of conversationIdsOf(jobs)) {
    const opsByJob = jobs.map((job) => job.groups.get(conversationId) ?? []);
    const written = await writeConversation(tx, conversationId, jobs, opsByJob);
    written.decidedByJob.forEach((decided, job) => {
      decidedByJob[job]?.push(...decided);
    });
    if (written.commit !== undefined) commits.push(written.commit);
  }
  return { decidedByJob, commits };
}

function conversationIdsOf(jobs: readonly PushJob[]): string[] {
  return [...new Set(jobs.flatMap((job) => [...job.groups.keys()]))].sort();
}

async function writeConversation(
  tx: SqlRunner,
  conversationId: string,
  jobs: readonly PushJob[],
  opsByJob: readonly (readonly IndexedOp[])[],
): Promise<{ decidedByJob: DecidedOp[][]; commit?: Commit }> {
  const head = await lockHead(tx, conversationId);
  if (head === undefined) {
    const message = `Conversation ${conversationId} does not exist.`;
    return { decidedByJob: opsByJob.map((ops) => rejectAll(ops, "not_found", message)) };
  }
  const memberIds = await listMemberIds(tx, conversationId);
  const allOps = opsByJob.flat();
  const committedByClientId = await findByClientIds(tx, conversationId, allOps);
  const messageSenderBySeq = await findTargetSenders(tx, conversationId, allOps);

  let lastSeq = head.lastSeq;
  const drafts: EventDraft[] = [];
  const decidedByJob = jobs.map((job, position) => {
    const ops = opsByJob[position] ?? [];
    if (ops.length === 0) return [];
    const denied = memberError(memberIds, conversationId, job.senderId);
    if (denied !== undefined) return rejectAll(ops, "forbidden", denied.message);
    const context = {
      senderId: job.senderId,
      lastSeq,
      createdAt: head.now,
      committedByClientId,
      messageSenderBySeq,
    };
    const decisions = planOps(ops, context);
    for (const decision of decisions) {
      if (decision.kind !== "new") continue;
      // Later jobs of this batch see these ops as committed.
      drafts.push(decision.draft);
      committedByClientId.set(decision.draft.clientId, {
        conversationId,
        ...decision.draft,
        createdAt: head.now,
      });
      if (decision.draft.type === "message") {
        messageSenderBySeq.set(decision.draft.seq, decision.draft.senderId);
      }
      // A message deleted by an earlier job takes no further edits, deletes or reactions.
      if (decision.draft.type === "message.delete") {
        messageSenderBySeq.delete(Number(decision.draft.body.targetSeq));
      }
      lastSeq = decision.draft.seq;
    }
    return decisions.map((decision) => ({
      index: decision.index,
      result: toResult(decision, head.now),
    }));
  });

  const events = await appendEvents(tx, conversationId, head, drafts);
  if (events.length === 0) return { decidedByJob };
  return { decidedByJob, commit: { conversationId, latestSeq: lastSeq, events, memberIds } };
}

function rejectAll(
  ops: readonly IndexedOp[],
  code: "not_found" | "forbidden",
  message: string,
): DecidedOp[] {
  return ops.map(({ index, op }) => ({ index, result: errorResult(op.clientId, code, message) }));
}

function toResult(decision: OpDecision, createdAt: string): PushResult {
  switch (decision.kind) {
    case "new": {
      const { clientId, seq } = decision.draft;
      return { clientId, status: "ok", seq, createdAt, duplicate: false };
    }
    case "duplicate": {
      const { clientId, seq, createdAt: originalCreatedAt } = decision.original;
      return { clientId, status: "ok", seq, createdAt: originalCreatedAt, duplicate: true };
    }
    case "error":
      return decision.result;
  }
}

async function findByClientIds(
  tx: SqlRunner,
  conversationId: string,
  ops: readonly IndexedOp[],
): Promise<Map<string, Event>> {
  const clientIds = [...new Set(ops.map(({ op }) => op.clientId))];
  const rows = await tx.query<EventRow>(
    `SELECT ${eventColumns} FROM events WHERE conversation_id = $1 AND client_id = ANY($2::text[])`,
    [conversationId, clientIds],
  );
  return new Map(rows.map((row) => [row.client_id, toEvent(row)]));
}

async function findTargetSenders(
  tx: SqlRunner,
  conversationId: string,
  ops: readonly IndexedOp[],
): Promise<Map<number, string>> {
  const targetSeqs = ops.flatMap(({ op }) => (op.type === "message" ? [] : [op.body.targetSeq]));
  if (targetSeqs.length === 0) return new Map();
  // TODO: index message.delete events by target, because this check scans the
  // conversation's events after each target.
  const rows = await tx.query<{ seq: string | number; sender_id: string }>(
    `SELECT e.seq, e.sender_id FROM events e
      WHERE e.conversation_id = $1 AND e.seq = ANY($2::bigint[]) AND e.type = 'message'
        AND NOT EXISTS (
          SELECT 1 FROM events d
           WHERE d.conversation_id = e.conversation_id AND d.seq > e.seq
             AND d.type = 'message.delete' AND d.body->>'targetSeq' = e.seq::text)`,
    [conversationId, [...new Set(targetSeqs)]],
  );
  return new Map(rows.map((row) => [Number(row.seq), row.sender_id]));
}
