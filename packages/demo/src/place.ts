import { conversationIdSchema, userIdSchema } from "@syncline/protocol";

/**
 * The signed-in user and the open conversation. The URL hash contains them
 * (`#user=alice&conversation=general`), so a reload or a shared link returns
 * to the same place. The last user is also kept in localStorage for a visit
 * without a hash.
 */
export interface Place {
  userId: string | null;
  conversationId: string | null;
}

const lastUserKey = "syncline-demo:user";

/**
 * Parses a URL hash such as `#user=alice&conversation=general`. A value that
 * is not a valid id, such as one edited by hand, counts as missing.
 */
export function parsePlace(hash: string): Place {
  const params = new URLSearchParams(hash.startsWith("#") ? hash.slice(1) : hash);
  const userId = userIdSchema.safeParse(params.get("user"));
  const conversationId = conversationIdSchema.safeParse(params.get("conversation"));
  return {
    userId: userId.success ? userId.data : null,
    conversationId: conversationId.success ? conversationId.data : null,
  };
}

/** Formats a place as a URL hash, or "" when no user is signed in. */
export function formatPlace(place: Place): string {
  if (place.userId === null) return "";
  const params = new URLSearchParams({ user: place.userId });
  if (place.conversationId !== null) params.set("conversation", place.conversationId);
  return `#${params.toString()}`;
}

/** Tells whether two places name the same user and conversation. */
export function isSamePlace(a: Place, b: Place): boolean {
  return a.userId === b.userId && a.conversationId === b.conversationId;
}

/** Reads the place from the URL hash, falling back to the last user seen. */
export function readPlace(): Place {
  const place = parsePlace(location.hash);
  if (place.userId !== null) return place;
  const lastUserId = userIdSchema.safeParse(readStorage(lastUserKey));
  return { userId: lastUserId.success ? lastUserId.data : null, conversationId: null };
}

/**
 * Writes the place to the URL hash and remembers its user. By default it adds
 * a history entry, so the back button returns to the previous conversation.
 * With `replace` it rewrites the current entry instead.
 */
export function writePlace(place: Place, mode: "push" | "replace" = "push"): void {
  const hash = formatPlace(place);
  const url = `${location.pathname}${location.search}${hash}`;
  if (location.hash !== hash) {
    if (mode === "push") history.pushState(null, "", url);
    else history.replaceState(null, "", url);
  }
  if (place.userId === null) removeStorage(lastUserKey);
  else writeStorage(lastUserKey, place.userId);
}

// localStorage throws in some private browsing modes, and the hash alone still works there.
function readStorage(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function writeStorage(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // The hash still contains the place.
  }
}

function removeStorage(key: string): void {
  try {
    localStorage.removeItem(key);
  } catch {
    // Nothing was stored.
  }
}
