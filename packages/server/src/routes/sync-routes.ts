import {
  batchPullRequestSchema,
  conversationIdSchema,
  limits,
  ProtocolError,
  pullQuerySchema,
  pushRequestSchema,
} from "@syncline/protocol";
import { type Context, Hono } from "hono";
import type { AppDeps, AppEnv } from "../app-env.ts";
import { pullBatch } from "../sync/batch-pull.ts";
import { GroupCommitter } from "../sync/group-commit.ts";
import { pullPage } from "../sync/pull.ts";
import { pushOps } from "../sync/push.ts";
import { publishCommit } from "../ws/receipt-fanout.ts";
import { parseInput, readJson } from "./http-errors.ts";

/** Ops that one push transaction takes from concurrent pushes, unless configured. */
const defaultPushBatchMaxOps = 1000;

/** Push batches written at once on Postgres, leaving the rest of the pool to pulls and reads. */
const concurrentBatchesOnPostgres = 4;

/** `POST /v1/push`, `GET /v1/conversations/{id}/events` and `POST /v1/pull`. */
export function syncRoutes(deps: AppDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const committer = new GroupCommitter({
    store: deps.store,
    maxBatchOps: deps.pushBatchMaxOps ?? defaultPushBatchMaxOps,
    // PGlite has one connection, so a second batch would only wait for it.
    maxConcurrentBatches: deps.store.kind === "postgres" ? concurrentBatchesOnPostgres : 1,
    beforeCommit: deps.testHooks?.beforeCommit,
    // Fanout happens before the responses, so a delayed response never delays other readers.
    onCommit: (commits) => {
      for (const commit of commits) publishCommit(deps.notifier, commit);
    },
    onRetry: (error, attempt) => deps.logger.warn({ err: error, attempt }, "push batch retried"),
    onSplit: (error, jobs) =>
      deps.logger.warn({ err: error, jobs }, "push batch failed; writing its pushes one by one"),
    onFanoutError: (error) => deps.logger.error({ err: error }, "push fanout failed"),
  });

  routes.post("/v1/push", async (c) => {
    const { ops } = parseInput(pushRequestSchema, await readJson(c));
    const log = c.get("log");
    const outcome = await pushOps({ store: deps.store, committer }, c.get("userId"), ops);

    const afterCommit = deps.testHooks?.afterCommit;
    if (afterCommit !== undefined) {
      try {
        await afterCommit({
          conversationIds: outcome.commits.map((commit) => commit.conversationId),
        });
      } catch (error) {
        log.warn({ err: error }, "afterCommit hook threw; dropping the push response");
        return dropConnection(c);
      }
    }
    return c.json({ results: outcome.results });
  });

  routes.get("/v1/conversations/:id/events", async (c) => {
    const conversationId = parseInput(conversationIdSchema, c.req.param("id"), ["id"]);
    const { after, limit } = parseInput(pullQuerySchema, c.req.query());
    const page = await pullPage(deps.store, {
      conversationId,
      userId: c.get("userId"),
      after,
      limit,
    });
    return c.json({ conversationId, ...page });
  });

  routes.post("/v1/pull", async (c) => {
    const { cursors, limit } = parseInput(batchPullRequestSchema, await readJson(c));
    const pageLimit = limit ?? limits.defaultPullLimit;
    return c.json(await pullBatch(deps.store, c.get("userId"), cursors, pageLimit));
  });

  return routes;
}

/** Destroys the client's TCP connection, so the committed push gets no response. */
function dropConnection(c: Context<AppEnv>): Response {
  const socket = c.env?.incoming?.socket;
  if (socket === undefined) {
    throw new ProtocolError("internal", "A test hook dropped the push response on purpose.");
  }
  socket.destroy();
  return c.body(null, 500);
}
