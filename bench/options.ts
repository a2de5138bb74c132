/** The size of every scenario in a run. */
export type RunSize = "tiny" | "quick" | "full";

/** The command line of `npm run bench`. */
export interface BenchOptions {
  /** tiny for the smoke test, quick for a short run, full for the record. */
  size: RunSize;
  only: string | undefined;
  stores: ("pglite" | "postgres")[];
  /** The path of results.json. */
  outputPath: string;
}

const usage =
  "Usage: npm run bench -- [--quick | --tiny] [--only <scenario>] [--store pglite|postgres|both] [--out <file>]";

/** Parses the arguments; throws with the usage line on a bad one. */
export function parseOptions(args: readonly string[], scenarioNames: readonly string[]) {
  const options: BenchOptions = {
    size: "full",
    only: undefined,
    stores: ["pglite", "postgres"],
    outputPath: "bench/results.json",
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = () => {
      const next = args[++i];
      if (next === undefined) throw new Error(`${arg} needs a value. ${usage}`);
      return next;
    };
    if (arg === "--quick") options.size = "quick";
    else if (arg === "--tiny") options.size = "tiny";
    else if (arg === "--only") options.only = checkScenario(value(), scenarioNames);
    else if (arg === "--store") options.stores = parseStores(value());
    else if (arg === "--out") options.outputPath = value();
    else throw new Error(`Unknown argument ${arg}. ${usage}`);
  }
  return options;
}

function checkScenario(name: string, scenarioNames: readonly string[]): string {
  if (!scenarioNames.includes(name)) {
    throw new Error(`Unknown scenario ${name}; expected one of ${scenarioNames.join(", ")}.`);
  }
  return name;
}

function parseStores(value: string): BenchOptions["stores"] {
  if (value === "both") return ["pglite", "postgres"];
  if (value === "pglite" || value === "postgres") return [value];
  throw new Error(`--store must be pglite, postgres or both, got "${value}". ${usage}`);
}
