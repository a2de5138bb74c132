import { createHash } from "node:crypto";
import type { SqlRunner } from "../store/store.ts";

/** The origin of a cluster's subject prefix, logged at start-up. */
export type SubjectPrefixSource = "NATS_SUBJECT_PREFIX" | "system_identifier" | "server_address";

/** A cluster's subject prefix and its source. */
export interface SubjectPrefix {
  prefix: string;
  source: SubjectPrefixSource;
}

/** The default prefix is `syncline.` and this many hex digits of a SHA-256 of the database identity. */
const hashHexDigits = 16;

/**
 * Postgres error codes after which the system identifier is read another
 * way: insufficient_privilege, where EXECUTE on pg_control_system() was
 * revoked, and undefined_function, on servers that do not have it.
 */
const unreadableCodes = new Set(["42501", "42883"]);

/**
 * Returns the configured prefix, or derives one from the database's
 * identity so that two databases never share subjects. The identity is the
 * cluster's `system_identifier`, unique per `initdb`, with the database
 * name. pg_control_system() is executable by every role by default
 * (checked on Postgres 15 with a non-superuser role), so no superuser is
 * needed. Where it is not readable, inet_server_addr() and
 * inet_server_port() are used instead. Those collide for clusters that each
 * listen on the same local address, such as in containers.
 */
export async function resolveSubjectPrefix(
  runner: SqlRunner,
  configured: string | undefined,
): Promise<SubjectPrefix> {
  if (configured !== undefined) return { prefix: configured, source: "NATS_SUBJECT_PREFIX" };
  const [database] = await runner.query<{ name: string }>("SELECT current_database() AS name");
  const name = database?.name ?? "";
  const systemIdentifier = await readSystemIdentifier(runner);
  if (systemIdentifier !== undefined) {
    return {
      prefix: hashedPrefix(["system", systemIdentifier, name]),
      source: "system_identifier",
    };
  }
  const address = await readServerAddress(runner);
  if (address === undefined) {
    throw new Error(
      "Cannot derive a NATS subject prefix: pg_control_system() is not readable and the connection has no server address (Unix socket). Set NATS_SUBJECT_PREFIX to a name unique to this cluster.",
    );
  }
  return { prefix: hashedPrefix(["address", address, name]), source: "server_address" };
}

function hashedPrefix(identity: readonly string[]): string {
  const digest = createHash("sha256").update(JSON.stringify(identity)).digest("hex");
  return `syncline.${digest.slice(0, hashHexDigits)}`;
}

async function readSystemIdentifier(runner: SqlRunner): Promise<string | undefined> {
  try {
    const [row] = await runner.query<{ id: string }>(
      "SELECT system_identifier::text AS id FROM pg_control_system()",
    );
    return row?.id;
  } catch (error) {
    if (unreadableCodes.has(String((error as { code?: unknown }).code))) return undefined;
    throw error;
  }
}

async function readServerAddress(runner: SqlRunner): Promise<string | undefined> {
  const [row] = await runner.query<{ address: string | null; port: number | null }>(
    "SELECT host(inet_server_addr()) AS address, inet_server_port() AS port",
  );
  if (row?.address == null || row.port == null) return undefined;
  return `${row.address}:${row.port}`;
}
