/**
 * JSON with object keys sorted at every level, so equal values give equal text whatever the order they were built in.
 * It fingerprints every write's arguments (an insert's 10,000 rows), so it appends to one string rather than
 * building arrays per object, and objects whose keys come in the same order as the previous one's (rows)
 * reuse its sorted, quoted keys.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      // A hole or an undefined item adds nothing between its commas.
      if (value[i] !== undefined) out += canonicalJson(value[i]);
    }
    return `${out}]`;
  }
  const object = value as Record<string, unknown>;
  const { sorted, quoted } = keyOrder(Object.keys(object));
  let out = '{';
  for (let i = 0; i < sorted.length; i++) {
    const item = object[sorted[i]!];
    if (item === undefined) continue;
    if (out.length > 1) out += ',';
    out += quoted[i]!;
    out += item === null || typeof item !== 'object' ? JSON.stringify(item) : canonicalJson(item);
  }
  return `${out}}`;
}

type KeyOrder = { keys: string[]; sorted: string[]; quoted: string[] };
let last: KeyOrder = { keys: [], sorted: [], quoted: [] };

/** The keys sorted, each quoted with its colon; the previous object's when its keys came in the same order. */
function keyOrder(keys: string[]): KeyOrder {
  const previous = last.keys;
  if (keys.length === previous.length && keys.every((key, i) => key === previous[i])) return last;
  const sorted = [...keys].sort();
  last = { keys, sorted, quoted: sorted.map((key) => `${JSON.stringify(key)}:`) };
  return last;
}
