/**
 * The engine's message without its code prefix, the echo of our own wrapper query and the
 * exception name, so the user reads only what is about their SQL.
 */
export function engineMessage(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  return raw
    .replace(/^Code: \d+\. DB::Exception: /, '')
    .replace(/: In scope SELECT formatQuerySingleLine\(.*$/s, '')
    .replace(/\. \([A-Z_]+\)\s*$/s, '')
    .replace(/ \([A-Z_]+\)\s*$/s, '')
    .trim();
}
