import * as z from "zod";
import { errorCodeSchema } from "./errors.ts";
import { clientIdSchema, seqSchema, timestampSchema } from "./ids.ts";
import { limits } from "./limits.ts";

/**
 * The outer shape of `POST /v1/push`. Each op is checked on its own with
 * `opSchema` afterwards, so one bad op fails alone. Only an op without a
 * usable `clientId` fails the whole request.
 */
export const pushRequestSchema = z.strictObject({
  ops: z
    .array(z.looseObject({ clientId: clientIdSchema }))
    .min(1)
    .max(limits.maxOpsPerPush),
});
export type PushRequest = z.infer<typeof pushRequestSchema>;

/** The outcome of an op that is committed, now or by an earlier push. */
export const pushOkSchema = z.object({
  clientId: clientIdSchema,
  status: z.literal("ok"),
  seq: seqSchema,
  createdAt: timestampSchema,
  duplicate: z.boolean(),
});
export type PushOk = z.infer<typeof pushOkSchema>;

/** The outcome of an op that was rejected; the other ops of the push still commit. */
export const pushErrorSchema = z.object({
  clientId: clientIdSchema,
  status: z.literal("error"),
  code: errorCodeSchema,
  message: z.string(),
  field: z.string().optional(),
});
export type PushError = z.infer<typeof pushErrorSchema>;

export const pushResultSchema = z.discriminatedUnion("status", [pushOkSchema, pushErrorSchema]);
export type PushResult = z.infer<typeof pushResultSchema>;

/** One result per op, in request order. */
export const pushResponseSchema = z.object({ results: z.array(pushResultSchema) });
export type PushResponse = z.infer<typeof pushResponseSchema>;
