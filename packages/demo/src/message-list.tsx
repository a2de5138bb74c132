import { useLayoutEffect, useRef, useState } from "react";
import type { ConversationProps } from "./conversation-view.tsx";
import { describeError, describeReceipt, formatTime } from "./format.ts";
import { FailedOps, OwnMessageActions, Reactions } from "./message-actions.tsx";
import { useMarkRead } from "./read-marker.ts";
import { type Message, type SynclineClient, useMessages } from "./sdk.ts";

/** Properties of {@link MessageList}. */
export interface MessageListProps extends ConversationProps {
  /** How many members the conversation has besides the user, for receipt counts. */
  otherMembers: number;
}

/** Distance in pixels from the bottom within which the list follows new messages. */
const followThresholdPx = 80;

/**
 * The live message list of one conversation: each message with its sender,
 * time, receipts and reactions, edit and delete for the user's own, and
 * retry and discard for failed sends. Showing a message marks it read.
 */
export function MessageList({ client, conversationId, otherMembers }: MessageListProps) {
  const messages = useMessages(client, conversationId);
  useMarkRead(client, conversationId, messages);
  const pane = useRef<HTMLElement>(null);
  const following = useRef(true);

  // Keeps the newest message in view unless the user scrolled up to read older ones.
  useLayoutEffect(() => {
    const element = pane.current;
    if (element !== null && following.current && messages.length > 0) {
      element.scrollTop = element.scrollHeight;
    }
  }, [messages]);
  const onScroll = () => {
    const element = pane.current;
    if (element === null) return;
    const distance = element.scrollHeight - element.scrollTop - element.clientHeight;
    following.current = distance < followThresholdPx;
  };

  return (
    <section className="message-pane" ref={pane} onScroll={onScroll}>
      <ol className="messages" aria-live="polite">
        {messages.map((message) => (
          <MessageItem
            key={message.clientId}
            client={client}
            message={message}
            otherMembers={otherMembers}
          />
        ))}
      </ol>
      {messages.length === 0 && <p className="hint empty">No messages yet. Say hello.</p>}
    </section>
  );
}

interface MessageItemProps {
  client: SynclineClient;
  message: Message;
  otherMembers: number;
}

function MessageItem({ client, message, otherMembers }: MessageItemProps) {
  const own = message.senderId === client.userId;
  const { seq } = message;
  const live = seq !== null && !message.deleted;
  return (
    <li
      className={own ? "message own" : "message"}
      data-state={message.state}
      data-client-id={message.clientId}
      data-deleted={message.deleted ? "true" : undefined}
    >
      <div className="message-meta">
        <span className="message-sender">{message.senderId}</span>
        <time dateTime={message.createdAt} title={message.createdAt}>
          {formatTime(message.createdAt)}
        </time>
        {message.editedAt !== null && !message.deleted && (
          <span className="message-edited" title={message.editedAt}>
            edited
          </span>
        )}
      </div>
      {message.deleted ? (
        <p className="message-text tombstone">Message deleted</p>
      ) : (
        <p className="message-text">{message.text}</p>
      )}
      {live && <Reactions client={client} message={message} seq={seq} />}
      <FailedOps client={client} message={message} />
      <div className="message-footer">
        <MessageState client={client} message={message} otherMembers={otherMembers} />
        {own && live && <OwnMessageActions client={client} message={message} seq={seq} />}
      </div>
    </li>
  );
}

function MessageState({ client, message, otherMembers }: MessageItemProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  if (message.state === "pending") return <div className="message-state">Sending…</div>;
  if (message.state !== "failed") {
    const own = message.senderId === client.userId;
    // Receipts exist only for the user's own messages; others' messages show their seq alone.
    const label = own ? describeReceipt(message, otherMembers) : "";
    const seq = message.seq === null ? "" : `#${message.seq}`;
    return <div className="message-state">{[label, seq].filter(Boolean).join(" · ")}</div>;
  }

  const run = (action: Promise<void>) => {
    setBusy(true);
    setError("");
    action.catch((cause: unknown) => setError(describeError(cause))).finally(() => setBusy(false));
  };
  return (
    <div className="message-state">
      <span title={message.error?.message ?? ""}>
        Failed: {message.error?.code ?? "unknown error"}
      </span>
      <button
        type="button"
        className="small"
        disabled={busy}
        onClick={() => run(client.retry(message.clientId))}
      >
        Retry
      </button>
      <button
        type="button"
        className="small quiet"
        disabled={busy}
        onClick={() => run(client.discard(message.clientId))}
      >
        Discard
      </button>
      {error !== "" && <span className="form-error">{error}</span>}
    </div>
  );
}
