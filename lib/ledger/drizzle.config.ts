import { defineConfig } from "drizzle-kit";

// drizzle-kit resolves these paths from the working directory: run it from the repo root,
// `npx drizzle-kit generate --config lib/ledger/drizzle.config.ts`.
export default defineConfig({
  dialect: "postgresql",
  schema: "./lib/ledger/schema.ts",
  out: "./lib/ledger/migrations",
});
