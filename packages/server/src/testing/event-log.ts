import type { Event, ServerFrame } from "@syncline/protocol";
import { type EventRow, eventColumns, toEvent } from "../store/event-rows.ts";
import type { SqlRunner } from "../store/store.ts";

/** Reads the stored events of the given conversations, in seq order. */
export async function readEvents(
  runner: SqlRunner,
  conversationIds: readonly string[],
): Promise<Map<string, Event[]>> {
  const rows = await runner.query<EventRow>(
    `SELECT ${eventColumns} FROM events WHERE conversation_id = ANY($1::text[])
      ORDER BY conversation_id, seq`,
    [conversationIds],
  );
  const log = new Map(conversationIds.map((id) => [id, [] as Event[]]));
  for (const row of rows) log.get(row.conversation_id)?.push(toEvent(row));
  return log;
}

/** Reads each conversation's counter, by conversation id. */
export async function readLastSeqs(
  runner: SqlRunner,
  conversationIds: readonly string[],
): Promise<Map<string, number>> {
  const rows = await runner.query<{ id: string; last_seq: string | number }>(
    "SELECT id, last_seq FROM conversations WHERE id = ANY($1::text[])",
    [conversationIds],
  );
  return new Map(rows.map((row) => [row.id, Number(row.last_seq)]));
}

/**
 * Lists the rule breaks of one conversation's log. A break is a seq out
 * of the run 1, 2, 3, ..., or an edit, delete or reaction whose target is
 * no earlier message or was deleted before it. An edit or delete of
 * another user's message is one too.
 */
export function findLogViolations(events: readonly Event[]): string[] {
  const violations: string[] = [];
  const deleted = new Set<number>();
  events.forEach((event, position) => {
    if (event.seq !== position + 1) {
      violations.push(`seq ${event.seq} is at position ${position + 1}`);
    }
    if (event.type === "message") return;
    const targetSeq = Number(event.body.targetSeq);
    const target = events[targetSeq - 1];
    const where = `${event.type} at seq ${event.seq} targeting seq ${targetSeq}`;
    if (target === undefined || target.seq >= event.seq || target.type !== "message") {
      violations.push(`${where}: the target is no earlier message`);
      return;
    }
    if (deleted.has(targetSeq)) violations.push(`${where}: the target was deleted before`);
    const ownOnly = event.type === "message.edit" || event.type === "message.delete";
    if (ownOnly && target.senderId !== event.senderId) {
      violations.push(`${where}: the target is another user's message`);
    }
    if (event.type === "message.delete") deleted.add(targetSeq);
  });
  return violations;
}

/**
 * Collects the events that `notify` frames carried for one conversation,
 * in the order they came, and the `latestSeq` values of frames without
 * events.
 */
export function notifiedEvents(
  frames: readonly ServerFrame[],
  conversationId: string,
): { events: Event[]; bareLatestSeqs: number[] } {
  const events: Event[] = [];
  const bareLatestSeqs: number[] = [];
  for (const frame of frames) {
    if (frame.type !== "notify" || frame.conversationId !== conversationId) continue;
    if (frame.events === undefined) bareLatestSeqs.push(frame.latestSeq);
    else events.push(...frame.events);
  }
  return { events, bareLatestSeqs };
}
