export { createApp } from "./app.ts";
export type { AppDeps, TestHooks } from "./app-env.ts";
export { createTokenAuthority, type TokenAuthority, type TokenClaims } from "./auth/tokens.ts";
export { type Config, ConfigError, loadConfig } from "./config.ts";
export { createLogger } from "./logger.ts";
export { type RunningServer, type StartOptions, startServer } from "./server.ts";
export { openStore } from "./store/open-store.ts";
export type { Store, StoreKind } from "./store/store.ts";
export type { CommitNotice, Notifier } from "./ws/notifier.ts";
