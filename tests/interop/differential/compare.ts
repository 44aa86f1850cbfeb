/**
 * Comparing observations: the reference's and webio's, probe by probe, with
 * a readable list of the fields that differ.
 *
 * @module
 */

/** One probe's observation, as printed by probe.mjs or a client scenario. */
export type Observation = Record<string, unknown>;

/** Observations by probe name, in the order the probes ran. */
export type Observations = Map<string, Observation>;

/** Parses JSON lines `{"probe": name, ...}` into {@linkcode Observations}. */
export function parseObservations(text: string): Observations {
  const out: Observations = new Map();
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const { probe, ...rest } = JSON.parse(line) as
      & { probe: string }
      & Observation;
    out.set(probe, rest);
  }
  return out;
}

const show = (value: unknown) => value === undefined ? "(absent)" : JSON.stringify(value);

/** The paths where `a` and `b` differ, as lines `path: reference …, webio …`. */
export function diffValues(a: unknown, b: unknown, path = ""): string[] {
  if (Object.is(a, b)) return [];
  const bothObjects = a !== null && b !== null && typeof a === "object" &&
    typeof b === "object";
  if (!bothObjects || Array.isArray(a) !== Array.isArray(b)) {
    return [`${path || "(value)"}: reference ${show(a)}, webio ${show(b)}`];
  }
  const lines: string[] = [];
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const key of keys) {
    const sub = Array.isArray(a) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
    lines.push(...diffValues(ao[key], bo[key], sub));
  }
  return lines;
}

/**
 * A line diff of two sequences (longest common subsequence): unchanged
 * entries indented, the reference's alone marked "-", webio's alone "+".
 */
export function diffSequences(a: unknown[], b: unknown[]): string[] {
  const x = a.map((v) => JSON.stringify(v));
  const y = b.map((v) => JSON.stringify(v));
  const lcs: number[][] = Array.from(
    { length: x.length + 1 },
    () => new Array(y.length + 1).fill(0),
  );
  for (let i = x.length - 1; i >= 0; i--) {
    for (let j = y.length - 1; j >= 0; j--) {
      lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      out.push(`  ${x[i++]}`);
      j++;
    } else if (
      j < y.length && (i === x.length || lcs[i][j + 1] >= lcs[i + 1][j])
    ) {
      out.push(`+ ${y[j++]}`);
    } else {
      out.push(`- ${x[i++]}`);
    }
  }
  return out;
}

/** A probe left out of the comparison, and why (an intended deviation). */
export type Skips = Record<string, string>;

/**
 * Compares webio's observations with the reference's. Returns the report of
 * every probe that differs (empty when all agree), listing each differing
 * field; probes named in `skips` are left out.
 */
export function compareObservations(
  reference: Observations,
  webio: Observations,
  skips: Skips = {},
): { report: string; failed: string[]; compared: number } {
  const differ = (
    a: Observation | undefined,
    b: Observation | undefined,
  ): string[] => {
    // An event log (`{events: [...]}`) reads best as a line diff.
    if (Array.isArray(a?.events) && Array.isArray(b?.events)) {
      const lines = diffSequences(a.events, b.events);
      return lines.some((l) => !l.startsWith("  "))
        ? ["(- reference only, + webio only)", ...lines]
        : [];
    }
    return diffValues(a, b);
  };
  const failed: string[] = [];
  const blocks: string[] = [];
  let compared = 0;
  const names = [
    ...reference.keys(),
    ...[...webio.keys()].filter((k) => !reference.has(k)),
  ];
  for (const name of names) {
    if (name in skips) continue;
    compared++;
    const lines = !webio.has(name)
      ? ["(probe missing from webio's run)"]
      : !reference.has(name)
      ? ["(probe missing from the reference's run)"]
      : differ(reference.get(name), webio.get(name));
    if (lines.length === 0) continue;
    failed.push(name);
    blocks.push(`- ${name}\n${lines.map((l) => "    " + l).join("\n")}`);
  }
  return { report: blocks.join("\n"), failed, compared };
}
