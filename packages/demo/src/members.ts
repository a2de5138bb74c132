/**
 * Splits "bob, carol" into user ids, dropping empty entries and repeats. Only
 * commas separate, because a user id may contain spaces.
 */
export function splitMembers(text: string): string[] {
  const names = text
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  return [...new Set(names)];
}
