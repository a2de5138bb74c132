import { type FormEvent, useState } from "react";
import { describeError } from "./format.ts";
import type { Message, SynclineClient } from "./sdk.ts";

/** The emoji offered as reactions. */
export const reactionEmoji = ["👍", "❤️", "😂", "🎉"] as const;

interface ActionProps {
  client: SynclineClient;
  message: Message;
  /** The message's seq; edits, deletes and reactions need a confirmed message. */
  seq: number;
}

/** Runs an SDK call, marks it busy while in flight and keeps its error for display. */
function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const run = (action: () => Promise<void>, onDone?: () => void) => {
    setBusy(true);
    setError("");
    action()
      .then(onDone)
      .catch((cause: unknown) => setError(describeError(cause)))
      .finally(() => setBusy(false));
  };
  return { busy, error, run };
}

/** The reaction buttons of a message: each emoji with its count, pressed when the user reacted. */
export function Reactions({ client, message, seq }: ActionProps) {
  const { busy, error, run } = useAction();
  const toggle = (emoji: string, reactedByMe: boolean) =>
    run(() =>
      reactedByMe
        ? client.unreact(message.conversationId, seq, emoji)
        : client.react(message.conversationId, seq, emoji),
    );

  return (
    <div className="reactions">
      {reactionEmoji.map((emoji) => {
        const reaction = message.reactions.find((entry) => entry.emoji === emoji);
        const count = reaction?.count ?? 0;
        const reactedByMe = reaction?.reactedByMe ?? false;
        return (
          <button
            key={emoji}
            type="button"
            className="reaction"
            aria-pressed={reactedByMe}
            aria-label={`React with ${emoji}`}
            data-emoji={emoji}
            disabled={busy}
            onClick={() => toggle(emoji, reactedByMe)}
          >
            <span aria-hidden="true">{emoji}</span>
            {count > 0 && <span className="reaction-count">{count}</span>}
          </button>
        );
      })}
      {error !== "" && <span className="form-error">{error}</span>}
    </div>
  );
}

/** Edit and Delete for one of the user's own confirmed messages, with an inline edit form. */
export function OwnMessageActions({ client, message, seq }: ActionProps) {
  const [editing, setEditing] = useState(false);
  const { busy, error, run } = useAction();

  const save = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const text = String(new FormData(event.currentTarget).get("text") ?? "").trim();
    if (text === "" || text === message.text) {
      setEditing(false);
      return;
    }
    run(
      () => client.edit(message.conversationId, seq, text),
      () => setEditing(false),
    );
  };

  if (editing) {
    return (
      <form className="edit-form" onSubmit={save}>
        <textarea name="text" rows={2} aria-label="Edit message" defaultValue={message.text} />
        <button type="submit" className="small" disabled={busy}>
          Save
        </button>
        <button type="button" className="small quiet" onClick={() => setEditing(false)}>
          Cancel
        </button>
        {error !== "" && <span className="form-error">{error}</span>}
      </form>
    );
  }
  return (
    <div className="message-actions">
      <button type="button" className="small quiet" onClick={() => setEditing(true)}>
        Edit
      </button>
      <button
        type="button"
        className="small quiet"
        disabled={busy}
        onClick={() => run(() => client.delete(message.conversationId, seq))}
      >
        Delete
      </button>
      {error !== "" && <span className="form-error">{error}</span>}
    </div>
  );
}

const opLabels = {
  "message.edit": "Edit",
  "message.delete": "Delete",
  "reaction.add": "Reaction",
  "reaction.remove": "Reaction removal",
} as const;

/**
 * Lists the user's edits, deletes and reactions on a message that the server
 * rejected, each with Retry and Discard. Failed ops are not applied to the
 * message, so the user would otherwise not see that they failed.
 */
export function FailedOps({ client, message }: { client: SynclineClient; message: Message }) {
  const { busy, error, run } = useAction();
  const failed = message.pendingOps.filter((op) => op.state === "failed");
  if (failed.length === 0) return null;
  return (
    <ul className="failed-ops">
      {failed.map((op) => (
        <li key={op.clientId} title={op.error?.message ?? ""}>
          {opLabels[op.type]} failed: {op.error?.code ?? "unknown error"}
          <button
            type="button"
            className="small"
            disabled={busy}
            onClick={() => run(() => client.retry(op.clientId))}
          >
            Retry
          </button>
          <button
            type="button"
            className="small quiet"
            disabled={busy}
            onClick={() => run(() => client.discard(op.clientId))}
          >
            Discard
          </button>
        </li>
      ))}
      {error !== "" && <li className="form-error">{error}</li>}
    </ul>
  );
}
