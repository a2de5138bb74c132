import { useSyncExternalStore } from "react";
import { type SynclineClient, useConnectionStatus, useStorageStatus } from "./sdk.ts";

function subscribeOnline(onChange: () => void): () => void {
  window.addEventListener("online", onChange);
  window.addEventListener("offline", onChange);
  return () => {
    window.removeEventListener("online", onChange);
    window.removeEventListener("offline", onChange);
  };
}

/**
 * Returns false while the browser reports no network. A socket can stay
 * open for a while after the network went away, so this shows the banner
 * before the client notices.
 */
export function useBrowserOnline(): boolean {
  return useSyncExternalStore(subscribeOnline, () => navigator.onLine);
}

/**
 * The warnings above the conversation: offline, not authorized, and data
 * kept only in memory because IndexedDB could not be opened.
 */
export function Banners({ client }: { client: SynclineClient }) {
  const status = useConnectionStatus(client);
  const storage = useStorageStatus(client);
  const browserOnline = useBrowserOnline();
  return (
    <div className="banners">
      {(status === "offline" || !browserOnline) && (
        <p className="banner offline-banner" role="alert">
          {browserOnline
            ? "Cannot reach the server. New messages wait on this device and are sent when it is back."
            : "You are offline. New messages wait on this device and are sent when the connection returns."}
        </p>
      )}
      {status === "unauthorized" && (
        <p className="banner" role="alert">
          The server rejected your session. Sign out and in again.
        </p>
      )}
      {storage.backend === "memory" && (
        <p className="banner storage-banner" role="alert">
          This browser does not let the page store data, so unsent messages are lost when you close
          the tab.
        </p>
      )}
    </div>
  );
}
