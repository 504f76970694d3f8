/**
 * Gives each MCP name a PascalCase TypeScript identifier that is unique in the generated file:
 * `query_orders` → `QueryOrders`, `get-user.v2` → `GetUserV2`. Names that collide once
 * normalized (`a_b` and `a-b`) get numeric suffixes in declaration order, so output is stable.
 */
export class IdentifierAllocator {
  private readonly taken = new Set<string>();

  allocate(name: string): string {
    const words = name.split(/[^A-Za-z0-9]+/).filter((w) => w !== '');
    let base = words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('') || 'Tool';
    if (/^[0-9]/.test(base)) base = `T${base}`;
    let candidate = base;
    for (let n = 2; this.taken.has(candidate); n++) candidate = `${base}${n}`;
    this.taken.add(candidate);
    return candidate;
  }
}
