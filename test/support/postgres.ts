import postgres from "postgres";

/** The server URL the Postgres suites use, or undefined when they are skipped. */
export const testDatabaseUrl: string | undefined = process.env.TEST_DATABASE_URL || undefined;

/** A database made for one test file, dropped by `drop()`. */
export interface TemporaryDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates a fresh database on the test Postgres server, so that runs and
 * test files never share state.
 */
export async function createTemporaryDatabase(
  prefix = "syncline_test",
): Promise<TemporaryDatabase> {
  if (testDatabaseUrl === undefined) throw new Error("TEST_DATABASE_URL is not set.");
  const name = `${prefix}_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const admin = postgres(testDatabaseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(testDatabaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const cleanup = postgres(testDatabaseUrl as string, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
