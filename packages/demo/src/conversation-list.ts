import { element } from "./dom.ts";
import type { ConversationSummary, SynclineClient } from "./sdk.ts";

/** The sidebar list of the user's conversations, newest activity first as the SDK orders it. */
export interface ConversationList {
  element: HTMLElement;
  /** Highlights the open conversation, or none. */
  select(conversationId: string | null): void;
  destroy(): void;
}

/** Creates the conversation list and subscribes it to the client's conversations. */
export function createConversationList(
  client: SynclineClient,
  onOpen: (conversationId: string) => void,
): ConversationList {
  const list = element("ul", { className: "conversation-list" });
  const empty = element("p", { className: "hint", text: "No conversations yet." });
  const root = element("nav", { attributes: { "aria-label": "Conversations" } }, [list, empty]);
  let selectedId: string | null = null;
  let latest: ConversationSummary[] = [];

  const render = () => {
    list.replaceChildren(
      ...latest.map((summary) => renderItem(summary, summary.id === selectedId, onOpen)),
    );
    empty.hidden = latest.length > 0;
  };
  const unsubscribe = client.subscribeConversations((conversations) => {
    latest = conversations;
    render();
  });

  return {
    element: root,
    select(conversationId) {
      selectedId = conversationId;
      render();
    },
    destroy: unsubscribe,
  };
}

function renderItem(
  summary: ConversationSummary,
  isSelected: boolean,
  onOpen: (conversationId: string) => void,
): HTMLLIElement {
  const title = element("span", { className: "conversation-title", text: displayTitle(summary) });
  const preview = element("span", { className: "conversation-preview", text: previewOf(summary) });
  const children: Node[] = [title, preview];
  // TODO: send a read receipt for the open conversation, because the SDK has no call for
  // POST /v1/conversations/{id}/read yet. Until then its badge is hidden while it is open.
  if (summary.unreadCount > 0 && !isSelected) {
    children.push(element("span", { className: "badge", text: String(summary.unreadCount) }));
  }
  const item = element("button", { className: "conversation-item" }, children);
  item.type = "button";
  if (isSelected) item.setAttribute("aria-current", "true");
  item.addEventListener("click", () => onOpen(summary.id));
  return element("li", {}, [item]);
}

/** Returns the conversation's title, or its id when it has none. */
export function displayTitle(summary: Pick<ConversationSummary, "id" | "title">): string {
  return summary.title === null || summary.title === "" ? summary.id : summary.title;
}

function previewOf(summary: ConversationSummary): string {
  const last = summary.lastMessage;
  if (last === null) return summary.members.join(", ");
  return `${last.senderId}: ${last.text}`;
}
