import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';

export interface Page<T> {
  items: readonly T[];
  nextCursor?: string;
}

/**
 * A list split into pages once, at start: a list request then costs the same whatever the size
 * of the catalog, and never serializes more than one page. Cursors are opaque to clients.
 */
export class Pages<T> {
  private readonly pages: Page<T>[];
  private readonly byCursor = new Map<string, Page<T>>();

  constructor(items: readonly T[], pageSize: number) {
    const count = Math.max(1, Math.ceil(items.length / pageSize));
    const cursors = Array.from({ length: count }, (_, index) => Buffer.from(`page:${index}`).toString('base64url'));
    this.pages = cursors.map((_, index) => {
      const next = cursors[index + 1];
      return { items: items.slice(index * pageSize, (index + 1) * pageSize), ...(next === undefined ? {} : { nextCursor: next }) };
    });
    for (const [index, cursor] of cursors.entries()) this.byCursor.set(cursor, this.pages[index]!);
  }

  /** The first page, or the page a cursor from an earlier page names. */
  page(cursor: string | undefined): Page<T> {
    if (cursor === undefined) return this.pages[0]!;
    const page = this.byCursor.get(cursor);
    if (!page) throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'Invalid cursor: pass back a nextCursor from an earlier page, or none for the first');
    return page;
  }

  get count(): number {
    return this.pages.length;
  }
}
