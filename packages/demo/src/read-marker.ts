import { useEffect, useState } from "react";
import type { Message, SynclineClient } from "./sdk.ts";

/** Returns the highest seq among confirmed messages, or 0 when none is confirmed. */
export function latestConfirmedSeq(messages: readonly Message[]): number {
  let latest = 0;
  for (const message of messages) {
    if (message.seq !== null && message.seq > latest) latest = message.seq;
  }
  return latest;
}

/**
 * Moves the user's read position up to the newest message shown, whenever it
 * changes while the page is visible. The SDK stores the position at once,
 * which clears the unread badge, and sends it to the server so that the
 * user's other devices and the sender see the read.
 */
export function useMarkRead(
  client: SynclineClient,
  conversationId: string,
  messages: readonly Message[],
): void {
  const latestSeq = latestConfirmedSeq(messages);
  const visible = usePageVisible();
  useEffect(() => {
    if (latestSeq === 0 || !visible) return;
    // The SDK retries the send itself, so a rejection here means the client closed or its
    // storage failed, and the storage banner already reports that.
    client.markRead(conversationId, latestSeq).catch(() => {});
  }, [client, conversationId, latestSeq, visible]);
}

function usePageVisible(): boolean {
  const [visible, setVisible] = useState(() => document.visibilityState === "visible");
  useEffect(() => {
    const onChange = () => setVisible(document.visibilityState === "visible");
    document.addEventListener("visibilitychange", onChange);
    return () => document.removeEventListener("visibilitychange", onChange);
  }, []);
  return visible;
}
