import { countCodePoints, limits } from "@syncline/protocol";
import { type KeyboardEvent, useEffect, useRef, useState } from "react";
import type { ConversationProps } from "./conversation-view.tsx";
import { describeError } from "./format.ts";

/**
 * The send box. Enter sends and Shift+Enter starts a new line. The text
 * limit is checked in code points, the unit the server counts in.
 */
export function Composer({ client, conversationId }: ConversationProps) {
  const [text, setText] = useState("");
  const [error, setError] = useState("");
  const input = useRef<HTMLTextAreaElement>(null);
  useEffect(() => input.current?.focus(), []);

  const send = () => {
    const trimmed = text.trim();
    if (trimmed === "") return;
    const size = countCodePoints(trimmed);
    if (size > limits.maxTextCodePoints) {
      setError(`Too long: ${size} code points, and the maximum is ${limits.maxTextCodePoints}.`);
      return;
    }
    setError("");
    setText("");
    client.send(conversationId, trimmed).catch((cause: unknown) => {
      // The outbox did not take the message, so give the text back to the user.
      setText((current) => (current === "" ? trimmed : current));
      setError(`Not sent: ${describeError(cause)}`);
    });
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key !== "Enter" || event.shiftKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    send();
  };

  return (
    <form
      className="composer"
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
    >
      <textarea
        name="text"
        rows={2}
        placeholder="Write a message"
        aria-label="Message"
        value={text}
        onChange={(event) => {
          setText(event.target.value);
          // The SDK turns these calls into at most one typing frame per conversation every 2 s.
          // False, for an emptied box, cancels the trailing frame still pending.
          client.setTyping(conversationId, event.target.value.trim() !== "");
        }}
        onKeyDown={onKeyDown}
        ref={input}
      />
      <button type="submit" className="primary">
        Send
      </button>
      <p className="form-error" role="alert">
        {error}
      </p>
    </form>
  );
}
