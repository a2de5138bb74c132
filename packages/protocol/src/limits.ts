/**
 * Size limits shared by the server and the SDK, so both accept and reject
 * the same input. Text is counted in Unicode code points: the family emoji
 * with joiners is 7 code points, a plain emoji is 1.
 */
export const limits = {
  /** Ops in one push request. */
  maxOpsPerPush: 100,
  /** Code points in a message text or an edit. */
  maxTextCodePoints: 4000,
  /** UTF-8 bytes of one op's JSON encoding. */
  maxOpBytes: 64 * 1024,
  /** UTF-8 bytes of one HTTP request body. */
  maxRequestBytes: 1024 * 1024,
  /** UTF-8 bytes of one WebSocket frame sent by a client. */
  maxFrameBytes: 16 * 1024,
  /** Events in one pull page when the client asks for none. */
  defaultPullLimit: 100,
  /** Events in one pull page at most; a larger `limit` is capped. */
  maxPullLimit: 1000,
  /** Conversations in one batched pull. */
  maxCursorsPerPull: 500,
  /** Members named when a conversation is created. */
  maxMembersPerCreate: 1000,
  /** Code points in a conversation title. */
  maxTitleCodePoints: 200,
  /** Code points in a reaction emoji. */
  maxEmojiCodePoints: 16,
} as const;

/** Counts the code points of a string, the unit of every text limit. */
export function countCodePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** Counts the UTF-8 bytes of a value's JSON encoding. */
export function jsonByteLength(value: unknown): number {
  return new TextEncoder().encode(JSON.stringify(value)).length;
}
