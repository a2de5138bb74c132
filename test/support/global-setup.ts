/**
 * Reports once per run whether the Postgres suites run, and fails a CI run
 * that would skip them for want of `TEST_DATABASE_URL`.
 */
export default function setup(): void {
  const url = process.env.TEST_DATABASE_URL;
  if (url === undefined || url === "") {
    if (process.env.CI === "true") {
      throw new Error(
        "TEST_DATABASE_URL is not set, so the Postgres suites would be skipped in CI.",
      );
    }
    process.stdout.write("Postgres suites: skipped, because TEST_DATABASE_URL is not set.\n");
    return;
  }
  process.stdout.write(`Postgres suites: running against ${redactPassword(url)}.\n`);
}

function redactPassword(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}
