import type { Event, PushResult } from "@syncline/protocol";
import type { SqlRunner } from "../store/store.ts";
import { memberError } from "./access.ts";
import {
  appendBatch,
  type ConversationDrafts,
  findCommitted,
  findTargetSenders,
  listMembersOf,
  lockHeads,
  type TargetKey,
} from "./batch-statements.ts";
import { errorResult, type IndexedOp, type OpDecision, planOps } from "./op-plan.ts";
import type { ConversationHead, EventDraft } from "./sequencer.ts";

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
 * Writes the ops of several pushes in the caller's transaction. Every
 * conversation of the batch is locked in one statement, in id order so that
 * concurrent batches never deadlock, and all new events go in one insert.
 * Jobs are planned in the order given, so a later job sees an earlier
 * job's ops as committed: a repeated client id is a duplicate or a
 * conflict exactly as it would be in two transactions one after the other.
 */
export async function writeBatch(tx: SqlRunner, jobs: readonly PushJob[]): Promise<BatchOutcome> {
  const conversationIds = conversationIdsOf(jobs);
  const heads = await lockHeads(tx, conversationIds);
  const liveIds = conversationIds.filter((id) => heads.has(id));
  const liveOps = liveIds.flatMap((id) => jobs.flatMap((job) => job.groups.get(id) ?? []));
  const membersById = await listMembersOf(tx, liveIds);
  const committed = await findCommitted(
    tx,
    liveOps.map(({ op }) => op),
  );
  const targetSenders = await findTargetSenders(tx, targetsOf(liveOps));

  const decidedByJob: DecidedOp[][] = jobs.map(() => []);
  const planned: PlannedConversation[] = [];
  for (const conversationId of conversationIds) {
    const opsByJob = jobs.map((job) => job.groups.get(conversationId) ?? []);
    const head = heads.get(conversationId);
    const result =
      head === undefined
        ? missingConversation(conversationId, opsByJob)
        : planConversation({
            conversationId,
            head,
            jobs,
            opsByJob,
            memberIds: membersById.get(conversationId) ?? [],
            committedByClientId: committed.get(conversationId) ?? new Map(),
            messageSenderBySeq: targetSenders.get(conversationId) ?? new Map(),
          });
    result.decidedByJob.forEach((decided, job) => {
      decidedByJob[job]?.push(...decided);
    });
    if (result.planned !== undefined) planned.push(result.planned);
  }

  await appendBatch(tx, planned);
  return { decidedByJob, commits: planned.map(toCommit) };
}

function conversationIdsOf(jobs: readonly PushJob[]): string[] {
  return [...new Set(jobs.flatMap((job) => [...job.groups.keys()]))].sort();
}

function targetsOf(ops: readonly IndexedOp[]): TargetKey[] {
  return ops.flatMap(({ op }) =>
    op.type === "message" ? [] : [{ conversationId: op.conversationId, seq: op.body.targetSeq }],
  );
}

/** One conversation's new events, planned under its lock. */
interface PlannedConversation extends ConversationDrafts {
  memberIds: string[];
}

/** The input of one conversation of a batch: its head, jobs, members and stored ops. */
interface ConversationInput {
  conversationId: string;
  head: ConversationHead;
  jobs: readonly PushJob[];
  opsByJob: readonly (readonly IndexedOp[])[];
  memberIds: string[];
  /** Stored events by client id; ops planned here are added as they are decided. */
  committedByClientId: Map<string, Event>;
  /** Senders of the messages that can still be targeted, by seq. */
  messageSenderBySeq: Map<number, string>;
}

function missingConversation(
  conversationId: string,
  opsByJob: readonly (readonly IndexedOp[])[],
): { decidedByJob: DecidedOp[][]; planned?: PlannedConversation } {
  const message = `Conversation ${conversationId} does not exist.`;
  return { decidedByJob: opsByJob.map((ops) => rejectAll(ops, "not_found", message)) };
}

/** Decides every job's ops in one conversation and assigns seqs to the new ones. */
function planConversation(input: ConversationInput): {
  decidedByJob: DecidedOp[][];
  planned?: PlannedConversation;
} {
  const { conversationId, head, memberIds, committedByClientId, messageSenderBySeq } = input;
  let lastSeq = head.lastSeq;
  const drafts: EventDraft[] = [];
  const decidedByJob = input.jobs.map((job, position) => {
    const ops = input.opsByJob[position] ?? [];
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

  if (drafts.length === 0) return { decidedByJob };
  return { decidedByJob, planned: { conversationId, head, drafts, memberIds } };
}

function toCommit(planned: PlannedConversation): Commit {
  const { conversationId, head, drafts, memberIds } = planned;
  const events = drafts.map((draft) => ({ conversationId, ...draft, createdAt: head.now }));
  return { conversationId, latestSeq: head.lastSeq + drafts.length, events, memberIds };
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
