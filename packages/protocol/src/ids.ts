import * as z from "zod";
import { countCodePoints } from "./limits.ts";

const controlCharacters = /[\u0000-\u001f\u007f]/;
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Tells whether a string is valid Unicode, with no lone UTF-16 surrogate. */
export function isWellFormedText(text: string): boolean {
  return !loneSurrogate.test(text);
}

/**
 * Text that Postgres can store and that round-trips byte for byte: no lone
 * UTF-16 surrogates and no NUL character.
 */
export function storableText(maxCodePoints: number, minCodePoints = 0) {
  return z
    .string()
    .refine((text) => isWellFormedText(text), "must not contain lone UTF-16 surrogates")
    .refine((text) => !text.includes("\u0000"), "must not contain the NUL character")
    .refine(
      (text) => countCodePoints(text) >= minCodePoints,
      `must have at least ${minCodePoints} code points`,
    )
    .refine(
      (text) => countCodePoints(text) <= maxCodePoints,
      `must have at most ${maxCodePoints} code points`,
    );
}

/** A user id, the `sub` claim of a token: 1 to 128 characters, no control characters. */
export const userIdSchema = z
  .string()
  .min(1)
  .max(128)
  .refine(
    (id) => isWellFormedText(id) && !controlCharacters.test(id),
    "must not contain control characters",
  );

/** A conversation id: 1 to 128 characters of `A-Z a-z 0-9 _ . : @ -`, safe in a URL path. */
export const conversationIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:@-]{1,128}$/, "must be 1 to 128 characters of A-Z, a-z, 0-9, _ . : @ -");

/** A client-made op id, a UUIDv7 in the SDK: 8 to 64 printable ASCII characters. */
export const clientIdSchema = z
  .string()
  .regex(/^[\x21-\x7e]{8,64}$/, "must be 8 to 64 printable ASCII characters");

/** A sequence number: a positive integer. */
export const seqSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** A cursor: the last seq a client holds, 0 when it holds none. */
export const cursorSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** An ISO 8601 time in UTC. */
export const timestampSchema = z.iso.datetime({ offset: true });
