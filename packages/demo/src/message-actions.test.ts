import type { Message, SynclineClient } from "@syncline/client-sdk";
import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { describe, expect, test } from "vitest";
import { FailedOps, Reactions } from "./message-actions.tsx";

const client = { userId: "alice" } as unknown as SynclineClient;

function message(overrides: Partial<Message> = {}): Message {
  return {
    clientId: "k1",
    conversationId: "c1",
    senderId: "alice",
    text: "hi",
    seq: 4,
    createdAt: "2026-01-01T00:00:00.000Z",
    state: "sent",
    editedAt: null,
    deleted: false,
    reactions: [],
    pendingOps: [],
    ...overrides,
  };
}

describe("FailedOps", () => {
  test("renders nothing without failed ops", () => {
    const pending = message({
      pendingOps: [{ clientId: "op1", type: "message.edit", state: "pending" }],
    });

    expect(renderToString(createElement(FailedOps, { client, message: pending }))).toBe("");
  });

  test("lists a failed op with its code", () => {
    const failed = message({
      pendingOps: [
        {
          clientId: "op1",
          type: "message.edit",
          state: "failed",
          error: { code: "forbidden", message: "Not your message." },
        },
      ],
    });

    const html = renderToString(createElement(FailedOps, { client, message: failed }));

    expect(html).toContain("Edit<!-- --> failed: <!-- -->forbidden");
    expect(html).toContain("Retry");
    expect(html).toContain("Discard");
  });
});

describe("Reactions", () => {
  test("shows counts and marks the user's own", () => {
    const reacted = message({ reactions: [{ emoji: "👍", count: 2, reactedByMe: true }] });

    const html = renderToString(createElement(Reactions, { client, message: reacted, seq: 4 }));

    expect(html).toContain('aria-pressed="true"');
    expect(html).toContain('<span class="reaction-count">2</span>');
    expect(html.match(/aria-pressed="false"/g)).toHaveLength(3);
  });
});
