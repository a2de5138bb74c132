// Measures the client SDK's bundle size with esbuild: minified and gzipped,
// with and without Dexie. Prints a Markdown table; run `node scripts/bundle-size.mjs`.
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const sdkEntry = "packages/client-sdk/src/index.ts";
const reactEntry = "packages/client-sdk/src/react/index.ts";

const variants = [
  { name: "SDK with Dexie", entry: sdkEntry, external: ["fake-indexeddb"] },
  { name: "SDK without Dexie", entry: sdkEntry, external: ["fake-indexeddb", "dexie"] },
  {
    name: "SDK without Dexie and zod",
    entry: sdkEntry,
    external: ["fake-indexeddb", "dexie", "zod"],
  },
  { name: "Memory fallback (fake-indexeddb, loaded on demand)", entry: "fake-indexeddb" },
  { name: "React hooks (SDK and React external)", entry: reactEntry, external: ["react", "dexie"] },
];

async function measure({ entry, external = [] }) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    external,
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "silent",
  });
  const code = result.outputFiles[0].contents;
  return { minifiedBytes: code.length, gzippedBytes: gzipSync(code, { level: 9 }).length };
}

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

process.stdout.write("| Bundle | Minified | Gzipped |\n| --- | ---: | ---: |\n");
for (const variant of variants) {
  const { minifiedBytes, gzippedBytes } = await measure(variant);
  process.stdout.write(`| ${variant.name} | ${kib(minifiedBytes)} | ${kib(gzippedBytes)} |\n`);
}
