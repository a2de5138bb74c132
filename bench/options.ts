/** The command line of `npm run bench`. */
export interface BenchOptions {
  quick: boolean;
  only: string | undefined;
  stores: ("pglite" | "postgres")[];
  /** Where results.json goes. */
  outputPath: string;
}

const usage =
  "Usage: npm run bench -- [--quick] [--only <scenario>] [--store pglite|postgres|both] [--out <file>]";

/** Parses the arguments; throws with the usage line on a bad one. */
export function parseOptions(args: readonly string[], scenarioNames: readonly string[]) {
  const options: BenchOptions = {
    quick: false,
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
    if (arg === "--quick") options.quick = true;
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
