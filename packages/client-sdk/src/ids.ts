/** Fills a byte array with cryptographically strong random values. */
export type RandomBytes = (bytes: Uint8Array) => void;

/** Options of {@link createClientIdGenerator}; tests inject both. */
export interface ClientIdGeneratorOptions {
  randomBytes?: RandomBytes;
  now?: () => number;
}

const counterMax = 0xfff;

/**
 * Creates a generator of UUIDv7 client ids. The 48-bit millisecond time comes
 * first, then a 12-bit counter that starts at a random value below 2048 in
 * each new millisecond and counts up within it, so ids from one generator
 * sort in creation order even inside one millisecond or when the clock steps
 * back. The other 62 bits come from `crypto.getRandomValues`, which, unlike
 * `crypto.randomUUID`, also exists on plain-HTTP origins.
 */
export function createClientIdGenerator(options: ClientIdGeneratorOptions = {}): () => string {
  const randomBytes = options.randomBytes ?? defaultRandomBytes();
  const now = options.now ?? Date.now;
  let lastMs = -1;
  let counter = 0;

  return () => {
    const bytes = new Uint8Array(16);
    randomBytes(bytes);
    const nowMs = now();
    if (nowMs > lastMs) {
      lastMs = nowMs;
      counter = (((bytes[6] ?? 0) << 8) | (bytes[7] ?? 0)) & 0x7ff;
    } else if (counter < counterMax) {
      counter += 1;
    } else {
      // The counter ran out inside one millisecond: borrow the next one.
      lastMs += 1;
      counter = 0;
    }
    return formatUuidV7(bytes, lastMs, counter);
  };
}

function formatUuidV7(bytes: Uint8Array, timeMs: number, counter: number): string {
  for (let i = 5; i >= 0; i--) bytes[i] = Math.floor(timeMs / 2 ** (8 * (5 - i))) & 0xff;
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function defaultRandomBytes(): RandomBytes {
  const crypto = globalThis.crypto;
  if (crypto === undefined || typeof crypto.getRandomValues !== "function") {
    throw new Error(
      "crypto.getRandomValues is missing, so the sync client cannot make message ids; run it in a browser or in Node 20 or later.",
    );
  }
  return (bytes) => {
    crypto.getRandomValues(bytes);
  };
}
