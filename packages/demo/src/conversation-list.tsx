import type { ConversationSummary, SynclineClient } from "./sdk.ts";
import { useConversations } from "./sdk.ts";

/** Properties of {@link ConversationList}. */
export interface ConversationListProps {
  client: SynclineClient;
  selectedId: string | null;
  onOpen(conversationId: string): void;
}

/** The sidebar list of the user's conversations, newest activity first as the SDK orders it. */
export function ConversationList({ client, selectedId, onOpen }: ConversationListProps) {
  const conversations = useConversations(client);
  return (
    <nav aria-label="Conversations">
      <ul className="conversation-list">
        {conversations.map((summary) => (
          <li key={summary.id}>
            <button
              type="button"
              className="conversation-item"
              aria-current={summary.id === selectedId ? "true" : undefined}
              data-conversation-id={summary.id}
              onClick={() => onOpen(summary.id)}
            >
              <span className="conversation-title">{displayTitle(summary)}</span>
              <span className="conversation-preview">{previewOf(summary)}</span>
              {summary.unreadCount > 0 && <span className="badge">{summary.unreadCount}</span>}
            </button>
          </li>
        ))}
      </ul>
      {conversations.length === 0 && <p className="hint">No conversations yet.</p>}
    </nav>
  );
}

/** Returns the conversation's title, or its id when it has none. */
export function displayTitle(summary: Pick<ConversationSummary, "id" | "title">): string {
  return summary.title === null || summary.title === "" ? summary.id : summary.title;
}

function previewOf(summary: ConversationSummary): string {
  const last = summary.lastMessage;
  if (last === null) return summary.members.join(", ");
  if (last.deleted) return `${last.senderId}: message deleted`;
  return `${last.senderId}: ${last.text}`;
}
