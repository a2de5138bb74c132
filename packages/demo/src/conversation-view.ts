import { userIdSchema } from "@syncline/protocol";
import { createComposer } from "./composer.ts";
import { displayTitle } from "./conversation-list.ts";
import { button, element } from "./dom.ts";
import { describeError } from "./format.ts";
import { createMessageList } from "./message-list.ts";
import type { ConversationSummary, SynclineClient } from "./sdk.ts";

/** Creates the open conversation: its header with members, the live messages and the send box. */
export function createConversationView(
  client: SynclineClient,
  conversationId: string,
): { element: HTMLElement; destroy: () => void } {
  const title = element("h2", { className: "conversation-heading", text: conversationId });
  const members = element("p", { className: "conversation-members" });
  const header = element("header", { className: "conversation-header" }, [
    element("div", {}, [title, members]),
    createAddMemberForm(client, conversationId),
  ]);
  const messages = createMessageList(client, conversationId);
  const root = element("section", { className: "conversation" }, [
    header,
    messages.element,
    createComposer(client, conversationId),
  ]);

  const unsubscribe = client.subscribeConversations((conversations) => {
    const summary = conversations.find((conversation) => conversation.id === conversationId);
    showSummary(title, members, conversationId, summary);
  });
  return {
    element: root,
    destroy() {
      unsubscribe();
      messages.destroy();
    },
  };
}

function showSummary(
  title: HTMLElement,
  members: HTMLElement,
  conversationId: string,
  summary: ConversationSummary | undefined,
): void {
  if (summary === undefined) {
    title.textContent = conversationId;
    members.textContent = "Not in your list yet: it is loading, or you are not a member.";
    return;
  }
  title.textContent = displayTitle(summary);
  const idNote = summary.title === null ? "" : ` · id ${summary.id}`;
  members.textContent = `Members: ${summary.members.join(", ")}${idNote}`;
}

function createAddMemberForm(client: SynclineClient, conversationId: string): HTMLFormElement {
  const input = element("input", {
    attributes: {
      type: "text",
      name: "member",
      placeholder: "Add a member",
      "aria-label": "Member",
    },
  });
  const submit = button("Add", "submit", "small");
  const error = element("p", { className: "form-error", attributes: { role: "alert" } });
  const form = element("form", { className: "add-member" }, [input, submit, error]);

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const parsed = userIdSchema.safeParse(input.value.trim());
    if (!parsed.success) {
      error.textContent = `Invalid name: ${parsed.error.issues[0]?.message ?? "rejected"}.`;
      return;
    }
    submit.disabled = true;
    error.textContent = "";
    client
      .addMember(conversationId, parsed.data)
      .then(() => form.reset())
      .catch((cause: unknown) => {
        error.textContent = `Not added: ${describeError(cause)}`;
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
  return form;
}
