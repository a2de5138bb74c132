import type { SqlRunner } from "../store/store.ts";

/**
 * Reads every row of every table in the public schema, as sorted JSON
 * text per table, so two dumps compare equal exactly when no row changed.
 */
export async function dumpTables(store: SqlRunner): Promise<Record<string, string[]>> {
  const tables = await store.query<{ name: string }>(
    "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
  );
  const dump: Record<string, string[]> = {};
  for (const { name } of tables) {
    const rows = await store.query<{ row: string }>(
      `SELECT row_to_json(t)::text AS row FROM "${name}" t`,
    );
    dump[name] = rows.map((entry) => entry.row).sort();
  }
  return dump;
}
