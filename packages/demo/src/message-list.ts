import { button, element } from "./dom.ts";
import { describeError, formatTime } from "./format.ts";
import type { Message, SynclineClient } from "./sdk.ts";

/** Distance in pixels from the bottom within which the list follows new messages. */
const followThresholdPx = 80;

/**
 * Creates the live message list of one conversation: each message with its
 * sender, time and delivery state, and retry and discard for failed sends.
 */
export function createMessageList(
  client: SynclineClient,
  conversationId: string,
): { element: HTMLElement; destroy: () => void } {
  const list = element("ol", { className: "messages", attributes: { "aria-live": "polite" } });
  const empty = element("p", { className: "hint empty", text: "No messages yet. Say hello." });
  const root = element("section", { className: "message-pane" }, [list, empty]);

  const unsubscribe = client.subscribeMessages(conversationId, (messages) => {
    const follow = root.scrollHeight - root.scrollTop - root.clientHeight < followThresholdPx;
    list.replaceChildren(...messages.map((message) => renderMessage(client, message)));
    empty.hidden = messages.length > 0;
    if (follow) root.scrollTop = root.scrollHeight;
  });
  return { element: root, destroy: unsubscribe };
}

function renderMessage(client: SynclineClient, message: Message): HTMLLIElement {
  const own = message.senderId === client.userId;
  const meta = element("div", { className: "message-meta" }, [
    element("span", { className: "message-sender", text: message.senderId }),
    element("time", {
      text: formatTime(message.createdAt),
      attributes: { datetime: message.createdAt, title: message.createdAt },
    }),
  ]);
  const text = element("p", { className: "message-text", text: message.text });
  const item = element("li", { className: own ? "message own" : "message" }, [
    meta,
    text,
    renderState(client, message),
  ]);
  item.dataset.state = message.state;
  item.dataset.clientId = message.clientId;
  return item;
}

function renderState(client: SynclineClient, message: Message): HTMLElement {
  switch (message.state) {
    case "pending":
      return element("div", { className: "message-state", text: "Sending…" });
    case "sent":
      return element("div", {
        className: "message-state",
        text: message.seq === null ? "Sent" : `Sent · #${message.seq}`,
      });
    case "failed":
      return renderFailure(client, message);
  }
}

function renderFailure(client: SynclineClient, message: Message): HTMLElement {
  const reason = message.error === undefined ? "unknown error" : message.error.code;
  const retry = button("Retry", "button", "small");
  const discard = button("Discard", "button", "small quiet");
  const state = element("div", { className: "message-state" }, [
    element("span", {
      text: `Failed: ${reason}`,
      attributes: { title: message.error?.message ?? "" },
    }),
    retry,
    discard,
  ]);

  const run = (action: Promise<void>) => {
    retry.disabled = true;
    discard.disabled = true;
    action.catch((cause: unknown) => {
      state.append(element("span", { className: "form-error", text: describeError(cause) }));
      retry.disabled = false;
      discard.disabled = false;
    });
  };
  retry.addEventListener("click", () => run(client.retry(message.clientId)));
  discard.addEventListener("click", () => run(client.discard(message.clientId)));
  return state;
}
