import { element } from "./dom.ts";
import type { ConnectionStatus, SynclineClient } from "./sdk.ts";

const labels: Record<ConnectionStatus, string> = {
  connecting: "Connecting…",
  online: "Online",
  offline: "Offline",
  unauthorized: "Not authorized",
  closed: "Closed",
};

/** Creates the connection indicator, kept current by the client's status subscription. */
export function createStatusIndicator(client: SynclineClient): {
  element: HTMLElement;
  destroy: () => void;
} {
  const dot = element("span", { className: "status-dot", attributes: { "aria-hidden": "true" } });
  const label = element("span", { className: "status-label" });
  const root = element("span", { className: "status", attributes: { role: "status" } }, [
    dot,
    label,
  ]);

  const show = (status: ConnectionStatus) => {
    root.dataset.status = status;
    label.textContent = labels[status] ?? status;
  };
  show("connecting");
  const unsubscribe = client.subscribeStatus(show);
  return { element: root, destroy: unsubscribe };
}
