import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// A static build with relative paths: `dist/` can be served from any directory of any host.
export default defineConfig({
  base: "./",
  plugins: [react()],
  resolve: {
    alias: [
      // The light client's provider (`polkadot-api/sm-provider`) imports one error class from
      // the root of `@polkadot-api/smoldot`, which re-exports all of `smoldot` with its 3 MB of
      // bytecode. The same class, without the bytecode, is in `smoldot/no-auto-bytecode`, which
      // the client in the page uses (the bytecode stays in the worker's chunk alone).
      { find: /^@polkadot-api\/smoldot$/, replacement: "smoldot/no-auto-bytecode" },
    ],
  },
  build: { target: "es2022", chunkSizeWarningLimit: 1024 },
  test: { include: ["src/**/*.test.ts"] },
});
