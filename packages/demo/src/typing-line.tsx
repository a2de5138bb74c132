import type { ConversationProps } from "./conversation-view.tsx";
import { describeTyping } from "./format.ts";
import { useTyping } from "./sdk.ts";

/** The line under the messages that names the other members typing now. */
export function TypingLine({ client, conversationId }: ConversationProps) {
  const typing = useTyping(client, conversationId);
  return (
    <p className="typing-line" aria-live="polite">
      {describeTyping(typing)}
    </p>
  );
}
