/**
 * Calls `onResume` when the browser reports the network back (`online`) or
 * the page visible again (`visibilitychange`), the moments when a socket
 * that looks open may be dead. Does nothing where these events do not
 * exist, such as Node. Returns a function that stops watching.
 */
export function watchEnvironment(onResume: () => void): () => void {
  const target = globalThis as { addEventListener?: unknown; removeEventListener?: unknown };
  const doc = (globalThis as { document?: Document }).document;
  const onVisibility = () => {
    if (doc?.visibilityState === "visible") onResume();
  };
  const canListen = typeof target.addEventListener === "function";
  if (canListen) globalThis.addEventListener("online", onResume);
  doc?.addEventListener?.("visibilitychange", onVisibility);
  return () => {
    if (canListen) globalThis.removeEventListener("online", onResume);
    doc?.removeEventListener?.("visibilitychange", onVisibility);
  };
}
