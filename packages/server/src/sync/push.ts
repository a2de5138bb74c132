import { jsonByteLength, limits, opSchema, type PushResult } from "@syncline/protocol";
import type { Store } from "../store/store.ts";
import type { BeforeCommit, GroupCommitter } from "./group-commit.ts";
import { errorResult, type IndexedOp } from "./op-plan.ts";
import { type Commit, type PushJob, writeBatch } from "./push-batch.ts";
import { runTransaction, type TransactionOptions } from "./transaction.ts";

export type { BeforeCommit } from "./group-commit.ts";
export type { Commit } from "./push-batch.ts";

/** The outcome of a push: one result per op in request order, and what was committed. */
export interface PushOutcome {
  results: PushResult[];
  commits: Commit[];
}

/** Dependencies of {@link pushOps}. */
export interface PushContext extends TransactionOptions {
  store: Store;
  beforeCommit?: BeforeCommit | undefined;
  /** Writes the push together with concurrent ones; without it, the push commits alone. */
  committer?: GroupCommitter | undefined;
}

/**
 * Validates and commits the ops of one push. Each op is checked alone, so
 * a bad op fails with its own result while the others commit. It resolves
 * after COMMIT, so a response sent then acks only committed ops. With a
 * committer, the push shares its transaction with concurrent pushes and
 * the committer fans out the commits before this resolves.
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

  // Every op failed its checks, so nothing needs a transaction.
  if (groups.size === 0) return { results: results as PushResult[], commits: [] };
  const job = { senderId, groups };
  const written =
    context.committer === undefined
      ? await writeAlone(context, job)
      : await context.committer.submit(job);

  for (const { index, result } of written.decided) results[index] = result;
  return { results: results as PushResult[], commits: written.commits };
}

async function writeAlone(
  context: PushContext,
  job: PushJob,
): Promise<{ decided: { index: number; result: PushResult }[]; commits: Commit[] }> {
  return runTransaction(
    context.store,
    async (tx) => {
      const outcome = await writeBatch(tx, [job]);
      const conversationIds = outcome.commits.map((commit) => commit.conversationId);
      const seqs = outcome.commits.flatMap((commit) => commit.events.map((event) => event.seq));
      await context.beforeCommit?.({ conversationIds, seqs });
      return { decided: outcome.decidedByJob[0] ?? [], commits: outcome.commits };
    },
    context,
  );
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
