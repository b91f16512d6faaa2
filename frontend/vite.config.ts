/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The app only ever asks for relative URLs (/api/..., /tiles/...): the dev and preview servers
// proxy them, so the same build runs behind nginx or any proxy that keeps the path.
const apiTarget = process.env.MPA_API_TARGET ?? "http://127.0.0.1:8000";
const tilerTarget = process.env.MPA_TILER_TARGET ?? "http://127.0.0.1:8001";
const port = Number(process.env.MPA_FRONTEND_PORT ?? 5173);

const proxy = {
  "/api": { target: apiTarget, changeOrigin: false },
  "/tiles": { target: tilerTarget, changeOrigin: false },
};

export default defineConfig({
  plugins: [react()],
  server: { host: "127.0.0.1", port, strictPort: true, proxy },
  preview: { host: "127.0.0.1", port, strictPort: true, proxy },
  build: { target: "es2022", sourcemap: false, chunkSizeWarningLimit: 1200 },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
