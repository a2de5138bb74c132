import * as z from "zod";
import { errorBodySchema } from "./errors.ts";
import { eventSchema } from "./events.ts";
import { conversationIdSchema, cursorSchema } from "./ids.ts";
import { limits } from "./limits.ts";

const integerParam = z
  .string()
  .regex(/^\d{1,16}$/, "must be a non-negative integer")
  .transform(Number);

/** Query of `GET /v1/conversations/{id}/events`. A larger `limit` than the maximum is capped. */
export const pullQuerySchema = z.object({
  after: integerParam.pipe(cursorSchema).default(0),
  limit: integerParam
    .pipe(z.number().int().min(1))
    .transform((limit) => Math.min(limit, limits.maxPullLimit))
    .default(limits.defaultPullLimit),
});
export type PullQuery = z.infer<typeof pullQuerySchema>;

/**
 * One conversation's page of events. `hasMore` is true while events after
 * this page exist; a short page with `hasMore: false` means the reader is
 * current. `epoch` changes when the conversation's log is recreated, so a
 * client whose stored epoch differs must drop its copy and pull from 0.
 */
export const pullPageSchema = z.object({
  events: z.array(eventSchema),
  latestSeq: cursorSchema,
  hasMore: z.boolean(),
  epoch: z.string(),
});
export type PullPage = z.infer<typeof pullPageSchema>;

/** Response body of `GET /v1/conversations/{id}/events`. */
export const pullResponseSchema = pullPageSchema.extend({ conversationId: conversationIdSchema });
export type PullResponse = z.infer<typeof pullResponseSchema>;

/** Body of `POST /v1/pull`: the cursor of each conversation to pull. */
export const batchPullRequestSchema = z.strictObject({
  cursors: z
    .record(conversationIdSchema, cursorSchema)
    .refine(
      (cursors) => Object.keys(cursors).length <= limits.maxCursorsPerPull,
      `must name at most ${limits.maxCursorsPerPull} conversations`,
    ),
  limit: z
    .number()
    .int()
    .min(1)
    .transform((limit) => Math.min(limit, limits.maxPullLimit))
    .optional(),
});
export type BatchPullRequest = z.input<typeof batchPullRequestSchema>;

/**
 * One entry of a batched pull: a page, or the error for that conversation
 * alone (not a member, unknown, cursor ahead of the log).
 */
export const batchPullEntrySchema = z.union([pullPageSchema, errorBodySchema]);
export type BatchPullEntry = z.infer<typeof batchPullEntrySchema>;

/** Response body of `POST /v1/pull`. */
export const batchPullResponseSchema = z.object({
  conversations: z.record(z.string(), batchPullEntrySchema),
});
export type BatchPullResponse = z.infer<typeof batchPullResponseSchema>;
