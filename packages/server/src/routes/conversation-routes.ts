import {
  addMemberRequestSchema,
  conversationIdSchema,
  createConversationRequestSchema,
  deliveredRequestSchema,
  readRequestSchema,
  userIdSchema,
} from "@syncline/protocol";
import { type Context, Hono } from "hono";
import type { AppDeps, AppEnv } from "../app-env.ts";
import { createConversation, listConversations } from "../sync/conversations.ts";
import { addMember, removeMember } from "../sync/members.ts";
import { markDelivered, markRead } from "../sync/receipts.ts";
import { publishCommit, sendReceiptFrames } from "../ws/receipt-fanout.ts";
import { parseInput, readJson } from "./http-errors.ts";

/** Creating and listing conversations, membership changes, and read and delivered receipts. */
export function conversationRoutes(deps: AppDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const sequencing = (c: Context<AppEnv>) => ({
    store: deps.store,
    beforeCommit: deps.testHooks?.beforeCommit,
    onRetry: (error: unknown, attempt: number) =>
      c.get("log").warn({ err: error, attempt }, "transaction retried"),
  });

  routes.post("/v1/conversations", async (c) => {
    const request = parseInput(createConversationRequestSchema, await readJson(c));
    const conversation = await createConversation(deps.store, c.get("userId"), request);
    // No event is appended, but a notify lets every member's clients learn of it.
    deps.notifier.publish({
      conversationId: conversation.id,
      latestSeq: 0,
      events: [],
      memberIds: conversation.members,
    });
    return c.json({ conversation }, 201);
  });

  routes.get("/v1/conversations", async (c) => {
    return c.json({ conversations: await listConversations(deps.store, c.get("userId")) });
  });

  routes.post("/v1/conversations/:id/members", async (c) => {
    const conversationId = parseInput(conversationIdSchema, c.req.param("id"), ["id"]);
    const { userId } = parseInput(addMemberRequestSchema, await readJson(c));
    const change = { conversationId, callerId: c.get("userId"), userId };
    const { seq, commit } = await addMember(sequencing(c), change);
    publishCommit(deps.notifier, commit);
    return c.json({ seq });
  });

  routes.delete("/v1/conversations/:id/members/:userId", async (c) => {
    const conversationId = parseInput(conversationIdSchema, c.req.param("id"), ["id"]);
    const userId = parseInput(userIdSchema, c.req.param("userId"), ["userId"]);
    const change = { conversationId, callerId: c.get("userId"), userId };
    const { seq, commit } = await removeMember(sequencing(c), change);
    publishCommit(deps.notifier, commit);
    return c.json({ seq });
  });

  routes.post("/v1/conversations/:id/read", async (c) => {
    const conversationId = parseInput(conversationIdSchema, c.req.param("id"), ["id"]);
    const { seq } = parseInput(readRequestSchema, await readJson(c));
    const userId = c.get("userId");
    const outcome = await markRead(deps.store, conversationId, userId, seq);
    sendReceiptFrames(deps.notifier, { conversationId, userId, outcome });
    return c.json({ readSeq: outcome.readSeq });
  });

  routes.post("/v1/conversations/:id/delivered", async (c) => {
    const conversationId = parseInput(conversationIdSchema, c.req.param("id"), ["id"]);
    const { seq } = parseInput(deliveredRequestSchema, await readJson(c));
    const userId = c.get("userId");
    const outcome = await markDelivered(deps.store, conversationId, userId, seq);
    sendReceiptFrames(deps.notifier, { conversationId, userId, outcome });
    return c.json({ deliveredSeq: outcome.deliveredSeq });
  });

  return routes;
}
