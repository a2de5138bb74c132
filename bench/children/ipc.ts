/** A request from the parent: its type, id and fields. */
export type ChildRequest = Record<string, unknown> & { type: string; id: number };

/** A handler per request type; its result is sent back with the request's id. */
export type Handlers = Record<string, (request: ChildRequest) => Promise<object> | object>;

/**
 * Serves the parent's requests over IPC. "exit" runs `onExit` and ends the
 * process; a handler that throws replies with `error`.
 */
export function serveParent(handlers: Handlers, onExit: () => Promise<void>): void {
  const send = (message: object) => process.send?.(message);
  process.on("message", async (request: ChildRequest) => {
    if (request.type === "exit") {
      await onExit().catch(() => {});
      process.exit(0);
    }
    const handler = handlers[request.type];
    try {
      if (handler === undefined) throw new Error(`No handler for ${request.type}.`);
      send({ ...(await handler(request)), id: request.id });
    } catch (error) {
      send({ id: request.id, error: error instanceof Error ? error.message : String(error) });
    }
  });
  process.on("disconnect", () => {
    void onExit().finally(() => process.exit(0));
  });
}
