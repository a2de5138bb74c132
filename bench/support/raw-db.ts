import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";

const migrationsFolder = fileURLToPath(new URL("../../packages/server/drizzle/", import.meta.url));

/** Connections of the raw Postgres pool: the server's own pool size, for a fair ceiling. */
export const rawPoolSize = 10;

/** Runs parameterized SQL on the raw driver. */
export type RawQuery = (text: string, params?: readonly unknown[]) => Promise<RawRow[]>;

/** A row as the raw driver returns it. */
export type RawRow = Record<string, unknown>;

/** A database spoken to with the driver alone, for the ceilings. */
export interface RawDb {
  kind: "pglite" | "postgres";
  query: RawQuery;
  transaction<T>(work: (query: RawQuery) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Opens postgres.js on `url` with `synchronous_commit` on, so each COMMIT
 * waits for the WAL flush as the server's do, and applies the schema.
 */
export async function openRawPostgres(url: string): Promise<RawDb> {
  const sql = postgres(url, {
    max: rawPoolSize,
    onnotice: () => {},
    connection: { synchronous_commit: "on" },
  });
  const runner =
    (target: postgres.Sql | postgres.TransactionSql): RawQuery =>
    async (text, params = []) =>
      (await target.unsafe(text, params as postgres.ParameterOrJSON<never>[])) as RawRow[];
  const db: RawDb = {
    kind: "postgres",
    query: runner(sql),
    async transaction(work) {
      return (await sql.begin((tx) => work(runner(tx)))) as Awaited<ReturnType<typeof work>>;
    },
    close: () => sql.end({ timeout: 5 }),
  };
  await applySchema(db);
  return db;
}

/** Opens PGlite in memory and applies the schema. */
export async function openRawPglite(): Promise<RawDb> {
  const client = await PGlite.create();
  const runner =
    (target: Pick<PGlite, "query">): RawQuery =>
    async (text, params = []) =>
      (await target.query<RawRow>(text, params as unknown[])).rows;
  const db: RawDb = {
    kind: "pglite",
    query: runner(client),
    transaction: (work) => client.transaction((tx) => work(runner(tx))),
    close: () => client.close(),
  };
  await applySchema(db);
  return db;
}

/** Applies the server's migration files in name order, statement by statement. */
async function applySchema(db: RawDb): Promise<void> {
  const files = (await readdir(migrationsFolder)).filter((name) => name.endsWith(".sql")).sort();
  for (const file of files) {
    const text = await readFile(`${migrationsFolder}${file}`, "utf8");
    for (const statement of text.split("--> statement-breakpoint")) {
      if (statement.trim() !== "") await db.query(statement);
    }
  }
}

/** Inserts conversations with the given members straight into the raw database. */
export async function seedRawConversations(
  db: RawDb,
  conversationIds: readonly string[],
  memberIds: readonly string[],
): Promise<void> {
  for (const id of conversationIds) {
    await db.query("INSERT INTO conversations (id, epoch) VALUES ($1, 'bench')", [id]);
    await db.query(
      `INSERT INTO members (conversation_id, user_id)
       SELECT $1, unnest($2::text[])`,
      [id, memberIds],
    );
  }
}
