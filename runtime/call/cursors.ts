import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from '../contract/canonical-json.js';
import type { Principal } from '../contract/access.js';
import type { JsonObject, StreamKeyColumn } from '../contract/spec.js';
import { ToolFailure } from '../errors.js';

/** What a cursor says: where a stream stopped, for which tool, arguments and caller. */
export interface CursorState {
  /** The last row's values of the stream's key. */
  readonly after: readonly unknown[];
  /** Rows read so far, across pages (a stream stops at its max_rows). */
  readonly rows: number;
}

/** What a cursor is bound to of its tool: its name, and the SQL and key its position is in terms of. */
export interface CursorTool {
  readonly name: string;
  readonly sql: string;
  readonly key?: readonly StreamKeyColumn[];
}

interface CursorBody extends CursorState {
  /** Format version. */
  readonly v: 1;
  readonly tool: string;
  /** Digest of the tool's SQL and key: a new build that changes them (a live reload) makes older cursors meaningless. */
  readonly rev: string;
  /** Digests of the arguments (the cursor left out) and of the caller: a cursor holds for those only. */
  readonly args: string;
  readonly caller: string;
}

/**
 * Signs and checks stream cursors. A cursor is its state in base64url JSON and an HMAC-SHA256 of
 * it: nothing is kept between pages, so any replica with the same secret serves the next one,
 * and a cursor altered, forged, or used for another tool, other arguments or another caller is
 * refused. Without a configured secret each process has a random one, so cursors hold on the
 * process that issued them only.
 */
export class CursorSigner {
  private readonly key: Buffer;
  readonly configured: boolean;

  constructor(secret: string | undefined) {
    this.configured = secret !== undefined && secret !== '';
    this.key = this.configured ? Buffer.from(secret!, 'utf8') : randomBytes(32);
  }

  sign(tool: CursorTool, args: JsonObject, principal: Principal, state: CursorState): string {
    const body: CursorBody = {
      v: 1,
      tool: tool.name,
      rev: this.revision(tool),
      args: this.digest(args),
      caller: this.digest([principal.kind, principal.id]),
      after: state.after,
      rows: state.rows,
    };
    const payload = Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  /** The state of a cursor issued for this tool, these arguments and this caller; PARAMS.INVALID otherwise. */
  verify(cursor: string, tool: CursorTool, args: JsonObject, principal: Principal): CursorState {
    const [payload, mac, extra] = cursor.split('.');
    const expected = payload === undefined ? undefined : Buffer.from(this.mac(payload), 'base64url');
    const given = mac === undefined ? undefined : Buffer.from(mac, 'base64url');
    if (extra !== undefined || !expected || !given || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw refused(
        this.configured
          ? 'it was not issued by this server, or it was altered'
          : 'it was not issued by this server process, or it was altered (cursors hold on one process unless server.cursor_secret is set)',
      );
    }
    const body = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as CursorBody;
    if (body.v !== 1 || body.tool !== tool.name) throw refused(`it belongs to another tool`);
    if (body.rev !== this.revision(tool))
      throw refused("it was issued before the server took a new build that changed this tool's SQL; call again without a cursor");
    if (body.args !== this.digest(args)) throw refused('it was issued for other arguments; send the same arguments as the first page');
    if (body.caller !== this.digest([principal.kind, principal.id])) throw refused('it was issued to another caller');
    return { after: body.after, rows: body.rows };
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }

  private revision(tool: CursorTool): string {
    return this.digest([tool.sql, tool.key ?? []]);
  }

  private digest(value: unknown): string {
    return createHmac('sha256', this.key).update(canonicalJson(value)).digest('base64url').slice(0, 22);
  }
}

function refused(why: string): ToolFailure {
  return new ToolFailure('PARAMS.INVALID', `argument 'cursor' is refused: ${why}`);
}
