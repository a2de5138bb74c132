import type { Store } from "../store/store.ts";
import { notMember, readAsMember } from "./access.ts";
import { listMemberIds } from "./sequencer.ts";

/** The watermark a receipt moves: read (shown to the user) or delivered (stored on a device). */
export type ReceiptKind = "read" | "delivered";

/** A member's watermarks after a receipt, which of them moved, and whom to tell. */
export interface ReceiptOutcome {
  readSeq: number;
  deliveredSeq: number;
  readMoved: boolean;
  deliveredMoved: boolean;
  /** Current members, set only when a watermark moved. */
  memberIds: string[];
}

interface WatermarkRow {
  [column: string]: unknown;
  last_seq: string | number;
  read_seq: string | number;
  delivered_seq: string | number;
}

/**
 * Moves a member's watermark to max(current, min(seq, latestSeq)). A read
 * also moves delivered, because a message shown was stored. Watermarks
 * never move back, so a stale receipt from another device changes nothing.
 * Throws `not_found` or `forbidden` like a pull.
 */
export async function applyReceipt(
  store: Store,
  request: { conversationId: string; userId: string; kind: ReceiptKind; seq: number },
): Promise<ReceiptOutcome> {
  const { conversationId, userId, kind, seq } = request;
  return store.transaction(async (tx) => {
    // The member row stays locked until COMMIT, so two devices racing apply one after the other.
    const rows = await tx.query<WatermarkRow>(
      `SELECT c.last_seq, m.read_seq, m.delivered_seq
         FROM members m JOIN conversations c ON c.id = m.conversation_id
        WHERE m.conversation_id = $1 AND m.user_id = $2 AND m.removed_at IS NULL
          FOR UPDATE OF m`,
      [conversationId, userId],
    );
    const row = rows[0];
    if (row === undefined) {
      // Throws not_found for an unknown conversation, forbidden otherwise.
      await readAsMember(tx, conversationId, userId);
      throw notMember(conversationId, userId);
    }

    const target = Math.min(seq, Number(row.last_seq));
    const oldRead = Number(row.read_seq);
    const oldDelivered = Number(row.delivered_seq);
    const readSeq = kind === "read" ? Math.max(oldRead, target) : oldRead;
    const deliveredSeq = Math.max(oldDelivered, target, readSeq);
    const outcome = {
      readSeq,
      deliveredSeq,
      readMoved: readSeq > oldRead,
      deliveredMoved: deliveredSeq > oldDelivered,
    };
    if (!outcome.readMoved && !outcome.deliveredMoved) return { ...outcome, memberIds: [] };

    await tx.query(
      `UPDATE members SET read_seq = $3, delivered_seq = $4
        WHERE conversation_id = $1 AND user_id = $2`,
      [conversationId, userId, readSeq, deliveredSeq],
    );
    return { ...outcome, memberIds: await listMemberIds(tx, conversationId) };
  });
}

/** Moves a member's read watermark; see {@link applyReceipt}. */
export function markRead(
  store: Store,
  conversationId: string,
  userId: string,
  seq: number,
): Promise<ReceiptOutcome> {
  return applyReceipt(store, { conversationId, userId, kind: "read", seq });
}

/** Moves a member's delivered watermark; see {@link applyReceipt}. */
export function markDelivered(
  store: Store,
  conversationId: string,
  userId: string,
  seq: number,
): Promise<ReceiptOutcome> {
  return applyReceipt(store, { conversationId, userId, kind: "delivered", seq });
}
