import type { Config } from "../config.ts";
import { openPgliteStore } from "./pglite-store.ts";
import { openPostgresStore } from "./postgres-store.ts";
import type { Store } from "./store.ts";

/** Opens the store the config selects: Postgres when `databaseUrl` is set, else PGlite. */
export function openStore(config: Pick<Config, "databaseUrl" | "dataDir">): Promise<Store> {
  if (config.databaseUrl !== undefined) return openPostgresStore(config.databaseUrl);
  return openPgliteStore(config.dataDir);
}
