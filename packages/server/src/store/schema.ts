import { sql } from "drizzle-orm";
import {
  bigint,
  index,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
} from "drizzle-orm/pg-core";

const createdAt = (name: string) =>
  timestamp(name, { withTimezone: true, precision: 3 }).notNull().defaultNow();

/**
 * One row per conversation. `last_seq` is the sequencing counter: a push
 * locks this row, so seqs are handed out one transaction at a time.
 */
export const conversations = pgTable("conversations", {
  id: text("id").primaryKey(),
  title: text("title"),
  createdAt: createdAt("created_at"),
  lastSeq: bigint("last_seq", { mode: "number" }).notNull().default(0),
  /** A random id made at creation; a recreated conversation gets a new one. */
  epoch: text("epoch").notNull(),
  /** The oldest seq still stored; retention raises it, and a pull below it fails. */
  minSeq: bigint("min_seq", { mode: "number" }).notNull().default(1),
});

/**
 * Membership and the receipt watermarks of each member. Removing a member
 * keeps the row and sets `removed_at`, so a re-added member keeps its
 * read position; only rows with `removed_at IS NULL` are members.
 */
export const members = pgTable(
  "members",
  {
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    userId: text("user_id").notNull(),
    readSeq: bigint("read_seq", { mode: "number" }).notNull().default(0),
    /** Reserved for delivery receipts; no route moves it yet. */
    deliveredSeq: bigint("delivered_seq", { mode: "number" }).notNull().default(0),
    joinedAt: createdAt("joined_at"),
    removedAt: timestamp("removed_at", { withTimezone: true, precision: 3 }),
  },
  (table) => [
    primaryKey({ columns: [table.conversationId, table.userId] }),
    index("members_user_id_idx").on(table.userId).where(sql`${table.removedAt} IS NULL`),
  ],
);

/**
 * The per-conversation log. The migration makes this table hash-partitioned
 * by `conversation_id`, which drizzle's schema cannot express, so every key
 * starts with `conversation_id`.
 */
export const events = pgTable(
  "events",
  {
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    seq: bigint("seq", { mode: "number" }).notNull(),
    clientId: text("client_id").notNull(),
    senderId: text("sender_id").notNull(),
    type: text("type").notNull(),
    body: jsonb("body").notNull(),
    createdAt: createdAt("created_at"),
  },
  (table) => [
    primaryKey({ columns: [table.conversationId, table.seq] }),
    unique("events_conversation_id_client_id_key").on(table.conversationId, table.clientId),
    index("events_created_at_idx").on(table.createdAt),
    // Finds the delete of a message without scanning the events after it.
    index("events_delete_target_idx")
      .on(table.conversationId, sql`(${table.body}->>'targetSeq')`)
      .where(sql`${table.type} = 'message.delete'`),
  ],
);
