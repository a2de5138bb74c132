import { existsSync } from "node:fs";
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

/** How a test connects: as another role, or over a Unix socket instead of TCP. */
interface ConnectOptions {
  role?: string;
  socketPath?: string;
}

/** Returns the Unix socket path that Debian's Postgres packages use for the port of `url`. */
function debianSocketPath(url: string): string {
  const port = new URL(url).port || "5432";
  return `/var/run/postgresql/.s.PGSQL.${port}`;
}

/** Connects to `url` through a runner like the store's. */
function connectRunner(url: string, options: ConnectOptions = {}): Connection {
  const connection = options.role === undefined ? {} : { options: `-c role=${options.role}` };
  const client = postgres(url, {
    max: 1,
    onnotice: () => {},
    connection,
    path: options.socketPath,
  });
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

  function runnerFor(url: string, options?: ConnectOptions): SqlRunner {
    const connection = connectRunner(url, options);
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
    const asRole = await resolveSubjectPrefix(
      runnerFor(first.url, { role: unprivilegedRole }),
      undefined,
    );

    expect(asRole.source).toBe("system_identifier");
    expect(asRole.prefix).toBe(asOwner.prefix);
  });

  test("revoked pg_control_system falls back to the address", async () => {
    // Function privileges live in each database's catalog, so this changes only `second`.
    await runnerFor(second.url).query("REVOKE EXECUTE ON FUNCTION pg_control_system() FROM PUBLIC");
    const withIdentifier = await resolveSubjectPrefix(runnerFor(second.url), undefined);
    const withAddress = await resolveSubjectPrefix(
      runnerFor(second.url, { role: unprivilegedRole }),
      undefined,
    );

    expect(withAddress.source).toBe("server_address");
    expect(withAddress.prefix).toMatch(/^syncline\.[0-9a-f]{16}$/);
    expect(withAddress.prefix).not.toBe(withIdentifier.prefix);
  });

  test("Unix socket without pg_control_system fails", async (context) => {
    const socketPath = debianSocketPath(second.url);
    if (!existsSync(socketPath)) context.skip("no Postgres socket at the Debian path");
    const overTcp = await readSystemIdentifier(runnerFor(second.url));
    const overSocket = await readSystemIdentifier(runnerFor(second.url, { socketPath }));
    if (overSocket !== overTcp) context.skip("the socket belongs to another Postgres server");
    await runnerFor(second.url).query("REVOKE EXECUTE ON FUNCTION pg_control_system() FROM PUBLIC");

    const runner = runnerFor(second.url, { role: unprivilegedRole, socketPath });

    await expect(resolveSubjectPrefix(runner, undefined)).rejects.toThrow(
      /Set NATS_SUBJECT_PREFIX/,
    );
  });
});

async function readSystemIdentifier(runner: SqlRunner): Promise<string | undefined> {
  const [row] = await runner.query<{ id: string }>(
    "SELECT system_identifier::text AS id FROM pg_control_system()",
  );
  return row?.id;
}
