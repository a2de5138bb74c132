/**
 * Calls `onFreeze` when the browser is about to freeze the page (the Page
 * Lifecycle `freeze` event, which Chromium fires, for example for a
 * background tab). Does nothing where the event does not exist. Returns a
 * function that stops watching.
 */
export function watchPageFreeze(onFreeze: () => void): () => void {
  const doc = (globalThis as { document?: Document }).document;
  doc?.addEventListener?.("freeze", onFreeze);
  return () => doc?.removeEventListener?.("freeze", onFreeze);
}
