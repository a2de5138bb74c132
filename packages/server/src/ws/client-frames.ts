import {
  type ClientFrame,
  clientFrameSchema,
  describeZodError,
  ProtocolError,
} from "@syncline/protocol";
import type { RawData } from "ws";

/** Parses a client frame, or returns the error to send back for a frame that is not valid. */
export function parseFrame(data: RawData, isBinary: boolean): ClientFrame | ProtocolError {
  if (isBinary) {
    return new ProtocolError("invalid_request", "Frames must be JSON text, not binary.");
  }
  let value: unknown;
  try {
    value = JSON.parse(rawToString(data));
  } catch {
    return new ProtocolError("invalid_request", "The frame is not valid JSON.");
  }
  const parsed = clientFrameSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  return new ProtocolError("invalid_request", describeZodError(parsed.error).message);
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  return Buffer.from(data as ArrayBuffer).toString("utf8");
}

/** Counts the bytes of a received frame, however `ws` delivered it. */
export function frameByteLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((total, chunk) => total + chunk.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}
