/**
 * Command-line flags of the bench scripts.
 *
 * @module
 */

/** `--name=value` arguments as a map (`--name` alone is "true"). */
export function flags(argv: readonly string[]): Map<string, string> {
  return new Map(
    argv.filter((a) => a.startsWith("--")).map((a) => {
      const [k, v] = a.slice(2).split("=");
      return [k, v ?? "true"] as const;
    }),
  );
}
