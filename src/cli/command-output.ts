/** What every CLI command returns: the data for `--json` and the text for people. */
export interface CommandOutput {
  data: unknown;
  text: string;
}

/** Parsed command-line flags; a flag given several times is a list. */
export type Flags = Record<string, string | boolean | string[] | undefined>;

/** A flag's values as a list (absent or a bare switch: none). */
export function list(value: Flags[string]): string[] {
  if (value === undefined || typeof value === 'boolean') return [];
  return Array.isArray(value) ? value : [value];
}
