import { conversationIdSchema } from "@syncline/protocol";
import { type FormEvent, useState } from "react";
import { describeError } from "./format.ts";
import { splitMembers } from "./members.ts";
import type { SynclineClient } from "./sdk.ts";

/** Properties of the sidebar forms. */
export interface ConversationFormsProps {
  client: SynclineClient;
  onOpen(conversationId: string): void;
}

/**
 * The forms that start a conversation (optional id and title, and members as
 * a comma-separated list) and open one by its id.
 */
export function ConversationForms({ client, onOpen }: ConversationFormsProps) {
  return (
    <div className="conversation-forms">
      <NewConversationForm client={client} onOpen={onOpen} />
      <OpenForm onOpen={onOpen} />
    </div>
  );
}

function NewConversationForm({ client, onOpen }: ConversationFormsProps) {
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const read = (name: string) => String(data.get(name) ?? "").trim();
    const request = {
      members: splitMembers(read("members")),
      ...optional("id", read("id")),
      ...optional("title", read("title")),
    };
    setBusy(true);
    setError("");
    client
      .createConversation(request)
      .then((conversation) => {
        form.reset();
        onOpen(conversation.id);
      })
      .catch((cause: unknown) => setError(`Not created: ${describeError(cause)}`))
      .finally(() => setBusy(false));
  };

  return (
    <form aria-label="New conversation" onSubmit={submit}>
      <h2>New conversation</h2>
      <TextField label="Members" name="members" placeholder="bob, carol" />
      <TextField label="Title (optional)" name="title" placeholder="Lunch plans" />
      <TextField label="Id (optional)" name="id" placeholder="lunch" />
      <button type="submit" className="primary" disabled={busy}>
        Create
      </button>
      <p className="form-error" role="alert">
        {error}
      </p>
    </form>
  );
}

function OpenForm({ onOpen }: { onOpen(conversationId: string): void }) {
  const [error, setError] = useState("");

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const parsed = conversationIdSchema.safeParse(
      String(new FormData(form).get("open-id") ?? "").trim(),
    );
    if (!parsed.success) {
      setError(`Invalid id: ${parsed.error.issues[0]?.message ?? "rejected"}.`);
      return;
    }
    setError("");
    form.reset();
    onOpen(parsed.data);
  };

  return (
    <form aria-label="Open a conversation by id" onSubmit={submit}>
      <h2>Open by id</h2>
      <TextField label="Conversation id" name="open-id" placeholder="lunch" />
      <button type="submit">Open</button>
      <p className="form-error" role="alert">
        {error}
      </p>
    </form>
  );
}

function TextField({
  label,
  name,
  placeholder,
}: {
  label: string;
  name: string;
  placeholder: string;
}) {
  return (
    <label className="field">
      <span>{label}</span>
      <input type="text" name={name} placeholder={placeholder} />
    </label>
  );
}

// With exactOptionalPropertyTypes an absent field must be left out, not set to undefined.
function optional<K extends string>(key: K, value: string): { [P in K]?: string } {
  return value === "" ? {} : ({ [key]: value } as { [P in K]: string });
}
