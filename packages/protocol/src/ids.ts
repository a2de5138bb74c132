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
      minCodePoints === 1 ? "must not be empty" : `must have at least ${minCodePoints} code points`,
    )
    .refine(
      (text) => countCodePoints(text) <= maxCodePoints,
      `must have at most ${maxCodePoints} code points`,
    );
}

/**
 * Bidirectional formatting characters (U+200E, U+200F, U+202A to U+202E,
 * U+2066 to U+2069), which would let an id display as another user's.
 */
const bidiControls = /[\u200E\u200F\u202A-\u202E\u2066-\u2069]/;

/** A user id, the `sub` claim of a token: 1 to 128 characters, no control or bidi characters. */
export const userIdSchema = z
  .string()
  .min(1)
  .max(128)
  .refine((id) => isWellFormedText(id), "must not contain lone UTF-16 surrogates")
  .refine((id) => !controlCharacters.test(id), "must not contain control characters")
  .refine((id) => !bidiControls.test(id), "must not contain bidirectional formatting characters");

/**
 * A conversation id: 1 to 128 characters of `A-Z a-z 0-9 _ . : @ -`, safe
 * in a URL path. `__proto__` is rejected because conversation ids are keys
 * of JSON objects (batched pull), where that key is dropped or misread.
 */
export const conversationIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:@-]{1,128}$/, "must be 1 to 128 characters of A-Z, a-z, 0-9, _ . : @ -")
  .refine((id) => id !== "__proto__", "must not be __proto__");

/** A client-made op id, a UUIDv7 in the SDK: 8 to 64 printable ASCII characters. */
export const clientIdSchema = z
  .string()
  .regex(/^[\x21-\x7e]{8,64}$/, "must be 8 to 64 printable ASCII characters");

/** A sequence number: a positive integer. */
export const seqSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** A cursor: the last seq a client has stored, 0 when it has none. */
export const cursorSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** An ISO 8601 time in UTC. */
export const timestampSchema = z.iso.datetime({ offset: true });
