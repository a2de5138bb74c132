import type { Event } from "@syncline/protocol";

/**
 * Formats a timestamptz column as ISO 8601 in UTC with milliseconds, in
 * SQL, so both drivers return the same string whatever their parsers.
 */
export function isoTime(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** The columns of `events` as {@link EventRow} names them. */
export const eventColumns = [
  "conversation_id",
  "seq",
  "client_id",
  "sender_id",
  "type",
  "body",
  `${isoTime("created_at")} AS created_at`,
].join(", ");

/** An `events` row as the drivers return it; Postgres sends bigint as a string. */
export interface EventRow {
  [column: string]: unknown;
  conversation_id: string;
  seq: number | string;
  client_id: string;
  sender_id: string;
  type: string;
  body: Record<string, unknown>;
  created_at: string;
}

/** Maps an `events` row to the wire's Event. */
export function toEvent(row: EventRow): Event {
  return {
    conversationId: row.conversation_id,
    seq: Number(row.seq),
    clientId: row.client_id,
    senderId: row.sender_id,
    type: row.type,
    body: row.body,
    createdAt: row.created_at,
  };
}
