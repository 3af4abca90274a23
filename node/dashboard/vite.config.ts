import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// A static build with relative paths: `dist/` can be served from any directory of any host.
export default defineConfig({
  base: "./",
  plugins: [react()],
  build: { target: "es2022", chunkSizeWarningLimit: 1024 },
  test: { include: ["src/**/*.test.ts"] },
});
