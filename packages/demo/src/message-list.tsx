import { useLayoutEffect, useRef, useState } from "react";
import type { ConversationProps } from "./conversation-view.tsx";
import { describeError, formatTime } from "./format.ts";
import { type Message, type SynclineClient, useMessages } from "./sdk.ts";

/** Distance in pixels from the bottom within which the list follows new messages. */
const followThresholdPx = 80;

/**
 * The live message list of one conversation: each message with its sender,
 * time and delivery state, and retry and discard for failed sends.
 */
export function MessageList({ client, conversationId }: ConversationProps) {
  const messages = useMessages(client, conversationId);
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
          <MessageItem key={message.clientId} client={client} message={message} />
        ))}
      </ol>
      {messages.length === 0 && <p className="hint empty">No messages yet. Say hello.</p>}
    </section>
  );
}

function MessageItem({ client, message }: { client: SynclineClient; message: Message }) {
  const own = message.senderId === client.userId;
  return (
    <li
      className={own ? "message own" : "message"}
      data-state={message.state}
      data-client-id={message.clientId}
    >
      <div className="message-meta">
        <span className="message-sender">{message.senderId}</span>
        <time dateTime={message.createdAt} title={message.createdAt}>
          {formatTime(message.createdAt)}
        </time>
      </div>
      <p className="message-text">{message.text}</p>
      <MessageState client={client} message={message} />
    </li>
  );
}

const confirmedLabels = { sent: "Sent", delivered: "Delivered", read: "Read" } as const;

function MessageState({ client, message }: { client: SynclineClient; message: Message }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  if (message.state === "pending") return <div className="message-state">Sending…</div>;
  if (message.state !== "failed") {
    const label = confirmedLabels[message.state];
    return (
      <div className="message-state">
        {message.seq === null ? label : `${label} · #${message.seq}`}
      </div>
    );
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
