import { round } from "./stats.ts";

/** One measured figure beside its ceiling from the same run. */
export interface ResultRow {
  scenario: string;
  store: string;
  measure: string;
  value: number;
  unit: string;
  ceilingName: string;
  ceiling: number;
  /** Always value / ceiling. */
  ratio: number;
  /** Whether a larger value is better (rates) or a smaller one (latency, CPU, memory). */
  better: "higher" | "lower";
}

/** Builds a row where a larger value is better (rates). */
export function rateRow(fields: Omit<ResultRow, "ratio" | "better">): ResultRow {
  return { ...fields, ratio: fields.value / fields.ceiling, better: "higher" };
}

/** Builds a row where a smaller value is better (latency, CPU, memory). */
export function costRow(fields: Omit<ResultRow, "ratio" | "better">): ResultRow {
  return { ...fields, ratio: fields.value / fields.ceiling, better: "lower" };
}

/** Renders rows as a Markdown table; ratio is server / ceiling. */
export function formatTable(rows: readonly ResultRow[]): string {
  const header =
    "| scenario | store | measure | value | ceiling | ceiling value | server/ceiling | better |";
  const rule = "|---|---|---|---:|---|---:|---:|---|";
  const lines = rows.map((row) =>
    [
      "",
      row.scenario,
      row.store,
      row.measure,
      `${round(row.value)} ${row.unit}`,
      row.ceilingName,
      `${round(row.ceiling)} ${row.unit}`,
      `${round(row.ratio)}x`,
      row.better,
      "",
    ]
      .join(" | ")
      .trim(),
  );
  return [header, rule, ...lines].join("\n");
}
