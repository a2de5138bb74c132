import { useCallback, useEffect, useState } from "react";
import { ChatView } from "./chat-view.tsx";
import { LoginView } from "./login-view.tsx";
import { type Place, readPlace, writePlace } from "./place.ts";

/**
 * The page, kept in step with the URL hash: a new user gets a new client,
 * and a new conversation id opens that conversation.
 */
export function App() {
  const [place, setPlace] = useState<Place>(() => {
    const initial = readPlace();
    writePlace(initial, "replace");
    return initial;
  });

  useEffect(() => {
    const onHashChange = () => setPlace(readPlace());
    window.addEventListener("hashchange", onHashChange);
    return () => window.removeEventListener("hashchange", onHashChange);
  }, []);

  const navigate = useCallback((next: Place) => {
    writePlace(next);
    setPlace(next);
  }, []);

  if (place.userId === null) {
    return <LoginView onSignIn={(userId) => navigate({ userId, conversationId: null })} />;
  }
  const userId = place.userId;
  return (
    <ChatView
      // A new user id remounts the view, which closes the old client and creates a new one.
      key={userId}
      userId={userId}
      conversationId={place.conversationId}
      onOpen={(conversationId) => navigate({ userId, conversationId })}
      onSignOut={() => navigate({ userId: null, conversationId: null })}
    />
  );
}
