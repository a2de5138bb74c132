import type { DeliverySample } from "@syncline/protocol";
import type { Store } from "../store/store.ts";
import { requireMember } from "../sync/access.ts";
import { markDelivered } from "../sync/receipts.ts";
import type { Notifier } from "./notifier.ts";
import { sendReceiptFrames } from "./receipt-fanout.ts";

/** Services that the chat frame handlers use. */
export interface ChatFrameContext {
  store: Store;
  notifier: Notifier;
  /** The `expiresInMs` of relayed typing frames. */
  typingTtlMs: number;
  /** Receives the delivery sample of a `delivered` frame that has one. */
  onDeliverySample?: ((sample: DeliverySample) => void) | undefined;
}

/**
 * Relays a typing frame to the other members' sockets, which are by
 * definition online. Nothing is stored, so a reconnecting client never
 * gets typing replayed. Throws `not_found` or `forbidden` for a
 * conversation the user may not write to.
 */
export async function relayTyping(
  context: ChatFrameContext,
  userId: string,
  conversationId: string,
): Promise<void> {
  const memberIds = await requireMember(context.store, conversationId, userId);
  const others = memberIds.filter((memberId) => memberId !== userId);
  const frame = {
    type: "typing",
    conversationId,
    userId,
    expiresInMs: context.typingTtlMs,
  } as const;
  context.notifier.send(frame, others);
}

/**
 * Applies a delivered receipt sent over the socket, like
 * `POST /v1/conversations/{id}/delivered`, and sends a `delivered` frame
 * to the other members when the watermark moved. A delivery sample is
 * passed on before the store write, so the store's latency stays out of it.
 */
export async function applyDeliveredFrame(
  context: ChatFrameContext,
  userId: string,
  frame: { conversationId: string; seq: number; sample?: DeliverySample | undefined },
): Promise<void> {
  const { conversationId, seq } = frame;
  if (frame.sample !== undefined) context.onDeliverySample?.(frame.sample);
  const outcome = await markDelivered(context.store, conversationId, userId, seq);
  sendReceiptFrames(context.notifier, { conversationId, userId, outcome });
}
