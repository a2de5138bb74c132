/**
 * The NATS subjects of one cluster. Every subject starts with the cluster's
 * prefix, so clusters that share a NATS server never receive each other's
 * messages.
 */
export interface NatsSubjects {
  /** Pokes and relayed frames of one conversation. */
  conversation(conversationId: string): string;
  /** Pokes that tell a user's node to follow a conversation the user joined. */
  user(userId: string): string;
  /** Presence messages, which every node of the cluster subscribes to. */
  presence: string;
}

/**
 * Encodes an id as one subject token. User ids may contain `.`, `*`, `>`
 * and spaces, which NATS reads as a token separator, wildcards and the end
 * of the subject, so every id is base64url-encoded (`A-Z a-z 0-9 - _`).
 */
export function subjectToken(id: string): string {
  return Buffer.from(id, "utf8").toString("base64url");
}

/** Builds the subjects under `prefix`, which must be valid (see `isValidSubjectPrefix`). */
export function natsSubjects(prefix: string): NatsSubjects {
  return {
    conversation: (conversationId) => `${prefix}.conversation.${subjectToken(conversationId)}`,
    user: (userId) => `${prefix}.user.${subjectToken(userId)}`,
    presence: `${prefix}.presence`,
  };
}

/** The maximum length of a subject prefix, in characters. */
export const maxSubjectPrefixLength = 128;

/**
 * A prefix token: printable ASCII without the wildcards `*` and `>`, without
 * the separator `.`, and not starting with `$`, which NATS reserves for its
 * own subjects such as `$SYS` and `$JS`.
 */
const prefixToken = /^[^$*>.\s][^*>.\s]*$/;
const printableAscii = /^[\x21-\x7e]+$/;

/** Tells whether `prefix` is one or more NATS subject tokens that are safe to publish under. */
export function isValidSubjectPrefix(prefix: string): boolean {
  if (prefix.length > maxSubjectPrefixLength || !printableAscii.test(prefix)) return false;
  return prefix.split(".").every((token) => prefixToken.test(token));
}
