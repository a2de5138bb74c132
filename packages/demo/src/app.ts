import { type ChatView, createChatView } from "./chat-view.ts";
import { createLoginView } from "./login-view.ts";
import { type Place, readPlace, writePlace } from "./place.ts";

/**
 * Starts the page in `root` and keeps it in step with the URL hash: a new
 * user gets a new client, and a new conversation id opens that conversation.
 */
export function startApp(root: HTMLElement): void {
  let signedIn: { userId: string; chat: ChatView } | null = null;

  const navigate = (place: Place) => {
    writePlace(place);
    show(place);
  };
  const show = (place: Place) => {
    if (signedIn !== null && signedIn.userId !== place.userId) {
      const previous = signedIn.chat;
      signedIn = null;
      // The page goes on while the old client closes, because a failed close leaves nothing to undo.
      void previous.destroy().catch(() => {});
    }
    if (place.userId === null) {
      root.replaceChildren(createLoginView((userId) => navigate({ userId, conversationId: null })));
      return;
    }
    if (signedIn === null) {
      const userId = place.userId;
      const chat = createChatView(userId, {
        onOpen: (conversationId) => navigate({ userId, conversationId }),
        onSignOut: () => navigate({ userId: null, conversationId: null }),
      });
      signedIn = { userId, chat };
      root.replaceChildren(chat.element);
    }
    signedIn.chat.open(place.conversationId);
  };

  window.addEventListener("hashchange", () => show(readPlace()));
  const initial = readPlace();
  writePlace(initial, "replace");
  show(initial);
}
