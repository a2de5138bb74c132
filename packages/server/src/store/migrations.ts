import { fileURLToPath } from "node:url";

/** The drizzle migrations folder, shared by the PGlite and Postgres stores. */
export const migrationsFolder = fileURLToPath(new URL("../../drizzle", import.meta.url));

/**
 * The key of the Postgres advisory lock held while migrating, so that
 * nodes starting at once apply the migrations one after the other. The
 * value is the ASCII bytes of "Sync", an arbitrary constant.
 */
export const migrationLockKey = 0x53796e63;
