import { userIdSchema } from "@syncline/protocol";
import { type FormEvent, useState } from "react";
import { Composer } from "./composer.tsx";
import { displayTitle } from "./conversation-list.tsx";
import { describeError } from "./format.ts";
import { MemberPresence } from "./member-presence.tsx";
import { MessageList } from "./message-list.tsx";
import { type SynclineClient, useConversations } from "./sdk.ts";
import { TypingLine } from "./typing-line.tsx";

/** Properties of a view of one conversation. */
export interface ConversationProps {
  client: SynclineClient;
  conversationId: string;
}

/** The open conversation: its header with members, the live messages and the send box. */
export function ConversationView({ client, conversationId }: ConversationProps) {
  const summary = useConversations(client).find((entry) => entry.id === conversationId);
  const idNote = summary?.title === null ? "" : ` · id ${conversationId}`;
  const others = summary?.members.filter((member) => member !== client.userId) ?? [];
  return (
    <section className="conversation">
      <header className="conversation-header">
        <div>
          <h2 className="conversation-heading">
            {summary === undefined ? conversationId : displayTitle(summary)}
          </h2>
          <p className="conversation-members">
            {summary === undefined
              ? "Not in your list yet: it is loading, or you are not a member."
              : `Members: ${summary.members.join(", ")}${idNote}`}
          </p>
          <MemberPresence client={client} userIds={others} />
        </div>
        <AddMemberForm client={client} conversationId={conversationId} />
      </header>
      <MessageList client={client} conversationId={conversationId} otherMembers={others.length} />
      <TypingLine client={client} conversationId={conversationId} />
      <Composer client={client} conversationId={conversationId} />
    </section>
  );
}

function AddMemberForm({ client, conversationId }: ConversationProps) {
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const parsed = userIdSchema.safeParse(String(new FormData(form).get("member") ?? "").trim());
    if (!parsed.success) {
      setError(`Invalid name: ${parsed.error.issues[0]?.message ?? "rejected"}.`);
      return;
    }
    setBusy(true);
    setError("");
    client
      .addMember(conversationId, parsed.data)
      .then(() => form.reset())
      .catch((cause: unknown) => setError(`Not added: ${describeError(cause)}`))
      .finally(() => setBusy(false));
  };

  return (
    <form className="add-member" onSubmit={submit}>
      <input type="text" name="member" placeholder="Add a member" aria-label="Member" />
      <button type="submit" className="small" disabled={busy}>
        Add
      </button>
      <p className="form-error" role="alert">
        {error}
      </p>
    </form>
  );
}
