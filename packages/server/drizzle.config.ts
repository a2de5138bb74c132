import { defineConfig } from "drizzle-kit";

/** drizzle-kit settings: `npx drizzle-kit generate --config packages/server/drizzle.config.ts`. */
export default defineConfig({
  dialect: "postgresql",
  schema: "./packages/server/src/store/schema.ts",
  out: "./packages/server/drizzle",
});
