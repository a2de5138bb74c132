import { countCodePoints, limits } from "@syncline/protocol";
import { button, element } from "./dom.ts";
import { describeError } from "./format.ts";
import type { SynclineClient } from "./sdk.ts";

/**
 * Creates the send box. Enter sends and Shift+Enter starts a new line. The
 * text limit is checked in code points, the unit the server counts in.
 */
export function createComposer(client: SynclineClient, conversationId: string): HTMLFormElement {
  const input = element("textarea", {
    attributes: {
      name: "text",
      rows: "2",
      placeholder: "Write a message",
      "aria-label": "Message",
    },
  });
  const error = element("p", { className: "form-error", attributes: { role: "alert" } });
  const form = element("form", { className: "composer" }, [
    input,
    button("Send", "submit", "primary"),
    error,
  ]);

  const send = () => {
    const text = input.value.trim();
    if (text === "") return;
    const size = countCodePoints(text);
    if (size > limits.maxTextCodePoints) {
      error.textContent = `Too long: ${size} code points, and the maximum is ${limits.maxTextCodePoints}.`;
      return;
    }
    error.textContent = "";
    input.value = "";
    client.send(conversationId, text).catch((cause: unknown) => {
      // The outbox did not take the message, so give the text back to the user.
      if (input.value === "") input.value = text;
      error.textContent = `Not sent: ${describeError(cause)}`;
    });
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    send();
  });
  queueMicrotask(() => input.focus());
  return form;
}
