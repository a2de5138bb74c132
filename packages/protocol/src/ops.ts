import * as z from "zod";
import {
  clientIdSchema,
  conversationIdSchema,
  seqSchema,
  storableText,
  userIdSchema,
} from "./ids.ts";
import { limits } from "./limits.ts";

const textSchema = storableText(limits.maxTextCodePoints, 1);
const emojiSchema = storableText(limits.maxEmojiCodePoints, 1);

/** Body of a `message` op. */
export const messageBodySchema = z.strictObject({ text: textSchema });
/** Body of a `message.edit` op: the new text of the message at `targetSeq`. */
export const editBodySchema = z.strictObject({ targetSeq: seqSchema, text: textSchema });
/** Body of a `message.delete` op. */
export const deleteBodySchema = z.strictObject({ targetSeq: seqSchema });
/** Body of a `reaction.add` or `reaction.remove` op. */
export const reactionBodySchema = z.strictObject({ targetSeq: seqSchema, emoji: emojiSchema });

const opBase = { clientId: clientIdSchema, conversationId: conversationIdSchema };

/** One write a client pushes, keyed by its client-made id. */
export const opSchema = z.discriminatedUnion("type", [
  z.strictObject({ ...opBase, type: z.literal("message"), body: messageBodySchema }),
  z.strictObject({ ...opBase, type: z.literal("message.edit"), body: editBodySchema }),
  z.strictObject({ ...opBase, type: z.literal("message.delete"), body: deleteBodySchema }),
  z.strictObject({ ...opBase, type: z.literal("reaction.add"), body: reactionBodySchema }),
  z.strictObject({ ...opBase, type: z.literal("reaction.remove"), body: reactionBodySchema }),
]);
export type Op = z.infer<typeof opSchema>;
export type OpType = Op["type"];

/** The op types a client may push. */
export const opTypes = [
  "message",
  "message.edit",
  "message.delete",
  "reaction.add",
  "reaction.remove",
] as const satisfies readonly OpType[];

/** Body of the `member.added` and `member.removed` events that the server appends. */
export const memberBodySchema = z.object({ userId: userIdSchema });
export type MemberBody = z.infer<typeof memberBodySchema>;

/** Event types that only the server appends. */
export const serverEventTypes = ["member.added", "member.removed"] as const;
