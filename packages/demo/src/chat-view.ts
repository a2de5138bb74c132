import { createConversationForms } from "./conversation-forms.ts";
import { createConversationList } from "./conversation-list.ts";
import { createConversationView } from "./conversation-view.ts";
import { button, element } from "./dom.ts";
import { createClient, fetchDevToken } from "./sdk.ts";
import { createStatusIndicator } from "./status-indicator.ts";

/** The page of a signed-in user: header, conversation sidebar and the open conversation. */
export interface ChatView {
  element: HTMLElement;
  /** Shows a conversation, or the empty state for null. */
  open(conversationId: string | null): void;
  /** Unsubscribes everything and closes the user's client. */
  destroy(): Promise<void>;
}

/** Callbacks from the chat page to the router. */
export interface ChatNavigation {
  onOpen(conversationId: string): void;
  onSignOut(): void;
}

/**
 * Creates the chat page for one user, with a client of its own. Every token
 * request, including a forced refresh, fetches a new dev token.
 */
export function createChatView(userId: string, navigation: ChatNavigation): ChatView {
  const client = createClient({
    baseUrl: location.origin,
    userId,
    getToken: () => fetchDevToken(location.origin, userId),
  });
  const status = createStatusIndicator(client);
  const signOut = button("Sign out", "button", "small quiet");
  signOut.addEventListener("click", () => navigation.onSignOut());
  const conversations = createConversationList(client, navigation.onOpen);
  const main = element("div", { className: "main" });
  const root = element("div", { className: "chat" }, [
    element("header", { className: "topbar" }, [
      element("span", { className: "brand", text: "Syncline" }),
      status.element,
      element("span", { className: "spacer" }),
      element("span", { className: "whoami", text: `Signed in as ${userId}` }),
      signOut,
    ]),
    element("aside", { className: "sidebar" }, [
      conversations.element,
      createConversationForms(client, navigation.onOpen),
    ]),
    main,
  ]);

  let openId: string | null | undefined;
  let conversation: { element: HTMLElement; destroy: () => void } | null = null;
  return {
    element: root,
    open(conversationId) {
      if (conversationId === openId) return;
      openId = conversationId;
      conversation?.destroy();
      conversation =
        conversationId === null ? null : createConversationView(client, conversationId);
      main.replaceChildren(conversation?.element ?? emptyState());
      conversations.select(conversationId);
    },
    async destroy() {
      conversation?.destroy();
      conversations.destroy();
      status.destroy();
      await client.close();
    },
  };
}

function emptyState(): HTMLElement {
  return element("div", { className: "empty-state" }, [
    element("p", { text: "Pick a conversation on the left, or start a new one." }),
  ]);
}
