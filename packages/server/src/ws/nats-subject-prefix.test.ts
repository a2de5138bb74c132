import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  createTemporaryDatabase,
  type TemporaryDatabase,
} from "../../../../test/support/postgres.ts";
import type { Row, SqlRunner } from "../store/store.ts";
import { isStoreUnavailable } from "../testing/harness.ts";
import { resolveSubjectPrefix } from "./nats-subject-prefix.ts";
import { isValidSubjectPrefix } from "./nats-subjects.ts";

/** A predefined role without superuser rights that every Postgres 14+ server has. */
const unprivilegedRole = "pg_database_owner";

interface Connection {
  runner: SqlRunner;
  end(): Promise<void>;
}

/** Connects to `url`, as `role` when given, through a runner like the store's. */
function connectRunner(url: string, role?: string): Connection {
  const connection = role === undefined ? {} : { options: `-c role=${role}` };
  const client = postgres(url, { max: 1, onnotice: () => {}, connection });
  return {
    runner: {
      async query<R extends Row>(text: string, params: readonly unknown[] = []) {
        const rows = await client.unsafe(text, params as postgres.ParameterOrJSON<never>[]);
        return rows as unknown as R[];
      },
    },
    end: () => client.end({ timeout: 5 }),
  };
}

describe.skipIf(isStoreUnavailable("postgres"))("resolveSubjectPrefix", () => {
  let first: TemporaryDatabase;
  let second: TemporaryDatabase;
  const connections: Connection[] = [];

  beforeAll(async () => {
    first = await createTemporaryDatabase("syncline_prefix");
    second = await createTemporaryDatabase("syncline_prefix");
  });
  afterAll(async () => {
    for (const connection of connections) await connection.end();
    await first?.drop();
    await second?.drop();
  });

  function runnerFor(url: string, role?: string): SqlRunner {
    const connection = connectRunner(url, role);
    connections.push(connection);
    return connection.runner;
  }

  test("configured prefix wins", async () => {
    const resolved = await resolveSubjectPrefix(runnerFor(first.url), "acme.prod");
    expect(resolved).toEqual({ prefix: "acme.prod", source: "NATS_SUBJECT_PREFIX" });
  });

  test("default differs per database", async () => {
    const fromFirst = await resolveSubjectPrefix(runnerFor(first.url), undefined);
    const fromFirstAgain = await resolveSubjectPrefix(runnerFor(first.url), undefined);
    const fromSecond = await resolveSubjectPrefix(runnerFor(second.url), undefined);

    expect(fromFirst.source).toBe("system_identifier");
    expect(fromFirst.prefix).toMatch(/^syncline\.[0-9a-f]{16}$/);
    expect(isValidSubjectPrefix(fromFirst.prefix)).toBe(true);
    expect(fromFirstAgain.prefix).toBe(fromFirst.prefix);
    expect(fromSecond.prefix).not.toBe(fromFirst.prefix);
  });

  test("default needs no superuser", async () => {
    const asOwner = await resolveSubjectPrefix(runnerFor(first.url), undefined);
    const asRole = await resolveSubjectPrefix(runnerFor(first.url, unprivilegedRole), undefined);

    expect(asRole.source).toBe("system_identifier");
    expect(asRole.prefix).toBe(asOwner.prefix);
  });

  test("revoked pg_control_system falls back to the address", async () => {
    // Function privileges live in each database's catalog, so this changes only `second`.
    await runnerFor(second.url).query("REVOKE EXECUTE ON FUNCTION pg_control_system() FROM PUBLIC");
    const withIdentifier = await resolveSubjectPrefix(runnerFor(second.url), undefined);
    const withAddress = await resolveSubjectPrefix(
      runnerFor(second.url, unprivilegedRole),
      undefined,
    );

    expect(withAddress.source).toBe("server_address");
    expect(withAddress.prefix).toMatch(/^syncline\.[0-9a-f]{16}$/);
    expect(withAddress.prefix).not.toBe(withIdentifier.prefix);
  });
});
