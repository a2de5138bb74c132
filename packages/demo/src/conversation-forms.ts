import { conversationIdSchema } from "@syncline/protocol";
import { button, element, textField } from "./dom.ts";
import { describeError } from "./format.ts";
import type { SynclineClient } from "./sdk.ts";

/**
 * Creates the forms that start a conversation (optional id and title, and
 * members as a comma-separated list) and open one by its id.
 */
export function createConversationForms(
  client: SynclineClient,
  onOpen: (conversationId: string) => void,
): HTMLElement {
  return element("div", { className: "conversation-forms" }, [
    createNewConversationForm(client, onOpen),
    createOpenForm(onOpen),
  ]);
}

function createNewConversationForm(
  client: SynclineClient,
  onOpen: (conversationId: string) => void,
): HTMLFormElement {
  const members = textField("Members", { name: "members", placeholder: "bob, carol" });
  const title = textField("Title (optional)", { name: "title", placeholder: "Lunch plans" });
  const id = textField("Id (optional)", { name: "id", placeholder: "lunch" });
  const submit = button("Create", "submit", "primary");
  const error = element("p", { className: "form-error", attributes: { role: "alert" } });
  const form = element("form", { attributes: { "aria-label": "New conversation" } }, [
    element("h2", { text: "New conversation" }),
    members.field,
    title.field,
    id.field,
    submit,
    error,
  ]);

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const request = {
      members: splitMembers(members.input.value),
      ...optional("id", id.input.value.trim()),
      ...optional("title", title.input.value.trim()),
    };
    submit.disabled = true;
    error.textContent = "";
    client
      .createConversation(request)
      .then((conversation) => {
        form.reset();
        onOpen(conversation.id);
      })
      .catch((cause: unknown) => {
        error.textContent = `Not created: ${describeError(cause)}`;
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
  return form;
}

function createOpenForm(onOpen: (conversationId: string) => void): HTMLFormElement {
  const id = textField("Conversation id", { name: "open-id", placeholder: "lunch" });
  const error = element("p", { className: "form-error", attributes: { role: "alert" } });
  const form = element("form", { attributes: { "aria-label": "Open a conversation by id" } }, [
    element("h2", { text: "Open by id" }),
    id.field,
    button("Open", "submit"),
    error,
  ]);

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const parsed = conversationIdSchema.safeParse(id.input.value.trim());
    if (!parsed.success) {
      error.textContent = `Invalid id: ${parsed.error.issues[0]?.message ?? "rejected"}.`;
      return;
    }
    error.textContent = "";
    form.reset();
    onOpen(parsed.data);
  });
  return form;
}

/**
 * Splits "bob, carol" into user ids, dropping empty entries and repeats. Only
 * commas separate, because a user id may contain spaces.
 */
export function splitMembers(text: string): string[] {
  const names = text
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  return [...new Set(names)];
}

// With exactOptionalPropertyTypes an absent field must be left out, not set to undefined.
function optional<K extends string>(key: K, value: string): { [P in K]?: string } {
  return value === "" ? {} : ({ [key]: value } as { [P in K]: string });
}
