import { type Event, jsonByteLength, limits, opSchema, type PushResult } from "@syncline/protocol";
import { type EventRow, eventColumns, toEvent } from "../store/event-rows.ts";
import type { SqlRunner, Store } from "../store/store.ts";
import { memberError } from "./access.ts";
import { errorResult, type IndexedOp, type OpDecision, planOps } from "./op-plan.ts";
import { appendEvents, listMemberIds, lockHead } from "./sequencer.ts";
import { runTransaction, type TransactionOptions } from "./transaction.ts";

/** Events committed in one conversation, and the members to notify. */
export interface Commit {
  conversationId: string;
  latestSeq: number;
  events: Event[];
  memberIds: string[];
}

/** The outcome of a push: one result per op in request order, and what was committed. */
export interface PushOutcome {
  results: PushResult[];
  commits: Commit[];
}

/** Called inside the push transaction after seqs are assigned, before COMMIT. */
export type BeforeCommit = (info: { conversationIds: string[]; seqs: number[] }) => Promise<void>;

/** Dependencies of {@link pushOps}. */
export interface PushContext extends TransactionOptions {
  store: Store;
  beforeCommit?: BeforeCommit | undefined;
}

/**
 * Validates and commits the ops of one push in ONE transaction. Each op is
 * checked alone, so a bad op fails with its own result while the others
 * commit. It resolves after COMMIT, so a response sent then acks only
 * committed ops.
 */
export async function pushOps(
  context: PushContext,
  senderId: string,
  rawOps: readonly Record<string, unknown>[],
): Promise<PushOutcome> {
  const results: (PushResult | undefined)[] = [];
  const groups = new Map<string, IndexedOp[]>();
  rawOps.forEach((raw, index) => {
    const checked = checkOp(raw, index);
    if ("status" in checked) {
      results[index] = checked;
      return;
    }
    const group = groups.get(checked.op.conversationId) ?? [];
    group.push(checked);
    groups.set(checked.op.conversationId, group);
  });

  const written = await runTransaction(
    context.store,
    (tx) => pushGroups(tx, context, senderId, groups),
    context,
  );

  for (const { index, result } of written.decided) results[index] = result;
  return { results: results as PushResult[], commits: written.commits };
}

async function pushGroups(
  tx: SqlRunner,
  context: PushContext,
  senderId: string,
  groups: ReadonlyMap<string, IndexedOp[]>,
): Promise<{ decided: { index: number; result: PushResult }[]; commits: Commit[] }> {
  const pushed = [];
  // Sorted, so two pushes that touch the same conversations lock them in the same order.
  for (const id of [...groups.keys()].sort()) {
    pushed.push(await pushToConversation(tx, id, senderId, groups.get(id) ?? []));
  }
  const commits = pushed.flatMap((conversation) => conversation.commit ?? []);

  const conversationIds = commits.map((commit) => commit.conversationId);
  const seqs = commits.flatMap((commit) => commit.events.map((event) => event.seq));
  await context.beforeCommit?.({ conversationIds, seqs });
  return { decided: pushed.flatMap((conversation) => conversation.results), commits };
}

/** Checks one op alone: its size first, so a huge op is named too large rather than invalid. */
function checkOp(raw: Record<string, unknown>, index: number): IndexedOp | PushResult {
  const clientId = String(raw.clientId);
  const bytes = jsonByteLength(raw);
  if (bytes > limits.maxOpBytes) {
    const message = `Op ${clientId} is ${bytes} bytes of JSON, over the limit of ${limits.maxOpBytes}; shorten it.`;
    return errorResult(clientId, "payload_too_large", message);
  }
  const parsed = opSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = ["ops", index, ...(issue?.path ?? [])].map(String).join(".");
    const message = `Invalid ${field}: ${issue?.message ?? "the op does not match its schema"}`;
    return errorResult(clientId, "invalid_request", message, field);
  }
  return { index, op: parsed.data };
}

async function pushToConversation(
  tx: SqlRunner,
  conversationId: string,
  senderId: string,
  ops: readonly IndexedOp[],
): Promise<{ results: { index: number; result: PushResult }[]; commit?: Commit }> {
  const rejectAll = (code: "not_found" | "forbidden", message: string) => ({
    results: ops.map(({ index, op }) => ({
      index,
      result: errorResult(op.clientId, code, message),
    })),
  });
  const head = await lockHead(tx, conversationId);
  if (head === undefined) {
    return rejectAll("not_found", `Conversation ${conversationId} does not exist.`);
  }
  const memberIds = await listMemberIds(tx, conversationId);
  const denied = memberError(memberIds, conversationId, senderId);
  if (denied !== undefined) return rejectAll("forbidden", denied.message);

  const decisions = planOps(ops, {
    senderId,
    lastSeq: head.lastSeq,
    createdAt: head.now,
    committedByClientId: await findByClientIds(tx, conversationId, ops),
    messageSenderBySeq: await findTargetSenders(tx, conversationId, ops),
  });
  const drafts = decisions.flatMap((decision) => (decision.kind === "new" ? [decision.draft] : []));
  const events = await appendEvents(tx, conversationId, head, drafts);

  const results = decisions.map((decision) => ({
    index: decision.index,
    result: toResult(decision, head.now),
  }));
  if (events.length === 0) return { results };
  const latestSeq = head.lastSeq + events.length;
  return { results, commit: { conversationId, latestSeq, events, memberIds } };
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
