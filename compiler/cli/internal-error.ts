/** A bug in mcpc: the CLI reports its message (exit code 70), not a stack, and asks for a report. */
export class InternalError extends Error {}
