import { useEffect, useState } from "react";
import { Banners, useBrowserOnline } from "./banners.tsx";
import { ConversationForms } from "./conversation-forms.tsx";
import { ConversationList } from "./conversation-list.tsx";
import { ConversationView } from "./conversation-view.tsx";
import { createClient, fetchDevToken, type SynclineClient, useConnectionStatus } from "./sdk.ts";

const statusLabels = {
  connecting: "Connecting…",
  online: "Online",
  offline: "Offline",
  unauthorized: "Not authorized",
  closed: "Closed",
  unsupported: "Update required",
} as const;

/** Properties of {@link ChatView}: the signed-in user, the open conversation and navigation. */
export interface ChatViewProps {
  userId: string;
  conversationId: string | null;
  onOpen(conversationId: string): void;
  onSignOut(): void;
}

/**
 * The page of a signed-in user, with a client of its own that closes on
 * unmount. Every token request, including a forced refresh, fetches a new
 * dev token.
 */
export function ChatView({ userId, conversationId, onOpen, onSignOut }: ChatViewProps) {
  const [client] = useState(() =>
    createClient({
      baseUrl: location.origin,
      userId,
      getToken: () => fetchDevToken(location.origin, userId),
    }),
  );
  useEffect(
    () => () => {
      // The page goes on while the client closes, because a failed close leaves nothing to undo.
      void client.close().catch(() => {});
    },
    [client],
  );

  return (
    <div className="chat">
      <header className="topbar">
        <span className="brand">Syncline</span>
        <StatusIndicator client={client} />
        <span className="spacer" />
        <span className="whoami">Signed in as {userId}</span>
        <button type="button" className="small quiet" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <Banners client={client} />
      <aside className="sidebar">
        <ConversationList client={client} selectedId={conversationId} onOpen={onOpen} />
        <ConversationForms client={client} onOpen={onOpen} />
      </aside>
      <div className="main">
        {conversationId === null ? (
          <div className="empty-state">
            <p>Pick a conversation on the left, or start a new one.</p>
          </div>
        ) : (
          <ConversationView key={conversationId} client={client} conversationId={conversationId} />
        )}
      </div>
    </div>
  );
}

function StatusIndicator({ client }: { client: SynclineClient }) {
  const status = useConnectionStatus(client);
  // The socket can look open for a while after the network went away, so the browser's state comes first.
  const network = useBrowserOnline() ? "online" : "offline";
  const label = network === "offline" ? statusLabels.offline : statusLabels[status];
  return (
    <span className="status" role="status" data-status={status} data-network={network}>
      <span className="status-dot" aria-hidden="true" />
      <span className="status-label">{label}</span>
    </span>
  );
}
