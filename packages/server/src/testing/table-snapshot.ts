import type { SqlRunner } from "../store/store.ts";

/**
 * Reads the row count and a digest of the contents of every table in the
 * database, so a test can prove that some action wrote nothing at all.
 */
export async function snapshotTables(runner: SqlRunner): Promise<Record<string, string>> {
  const tables = await runner.query<{ table_schema: string; table_name: string }>(
    `SELECT table_schema, table_name FROM information_schema.tables
      WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'
      ORDER BY table_schema, table_name`,
  );
  const snapshot: Record<string, string> = {};
  for (const { table_schema: schema, table_name: name } of tables) {
    const rows = await runner.query<{ rows: string | number; digest: string }>(
      `SELECT count(*) AS rows, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest
         FROM "${schema}"."${name}" t`,
    );
    snapshot[`${schema}.${name}`] = `${Number(rows[0]?.rows)} rows, ${rows[0]?.digest}`;
  }
  return snapshot;
}
