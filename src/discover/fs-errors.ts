/** Turns a Node file-system error into a short reason a user can act on, e.g. "permission denied (EACCES)". */
export function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException | undefined;
  switch (e?.code) {
    case "EACCES":
    case "EPERM":
      return `permission denied (${e.code})`;
    case "ENOENT":
      return "it no longer exists (ENOENT)";
    case "ELOOP":
      return "too many levels of symbolic links (ELOOP)";
    case "EISDIR":
      return "it is a directory (EISDIR)";
    case "ENOTDIR":
      return "a part of the path is not a directory (ENOTDIR)";
    case "EMFILE":
    case "ENFILE":
      return `too many open files (${e.code})`;
    case "EIO":
      return "input/output error (EIO)";
    default:
      return e?.message ?? String(err);
  }
}

/** The error code of a Node file-system error, or undefined. */
export function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}
