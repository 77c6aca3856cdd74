import { readFileSync } from "node:fs";
import type { Diagnostic, SourceFile } from "../core/types.js";
import { describeFsError } from "./fs-errors.js";

export interface ReadResult {
  /** The decoded text, or null when the file could not be used (unreadable, binary). */
  text: string | null;
  diagnostics: Diagnostic[];
  /** Number of lines of `text` (0 for an empty or unusable file). */
  lines: number;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const LATIN1 = new TextDecoder("latin1");

/** Reads and decodes a discovered file synchronously (safe inside worker threads); never throws. */
export function readSource(file: SourceFile): ReadResult {
  if (file.text !== undefined) return ok(file.text);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file.absPath);
  } catch (err) {
    return unusable(file, "unreadable", `Could not read ${file.path}: ${describeFsError(err)}. The file was skipped.`);
  }
  if (bytes.length === 0) return { text: "", diagnostics: [], lines: 0 };

  // Windows tools (PowerShell's `pip freeze > requirements.txt`, Notepad) write UTF-16 with a BOM;
  // such files are full of NUL bytes but are text, so they must be recognised before the binary check.
  const utf16 = decodeUtf16(bytes);
  if (utf16 !== null) return ok(utf16);

  if (bytes.indexOf(0) !== -1) {
    return unusable(file, "binary", `${file.path} contains NUL bytes; looks binary, skipped.`);
  }

  const bomLength = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const body = bytes.subarray(bomLength);
  try {
    return ok(UTF8.decode(body));
  } catch {
    // Not UTF-8: fall through to the declared or the fallback encoding.
  }

  if (file.kind === "python") {
    const declared = codingCookie(body);
    const decoder = declared === null ? null : decoderFor(declared);
    if (decoder !== null) {
      try {
        const text = decoder.decode(body);
        return ok(decoder.encoding === "windows-1252" ? fixWindows1252(text) : text);
      } catch {
        // The declaration is wrong for these bytes; Latin-1 below still gives usable text.
      }
    }
  }

  // -1 cannot happen after TextDecoder failed, but a position is still needed if it ever does.
  const offset = Math.max(0, firstInvalidUtf8(body)) + bomLength;
  let line = 1;
  let lineStart = 0;
  for (let i = bytes.indexOf(0x0a); i !== -1 && i < offset; i = bytes.indexOf(0x0a, i + 1)) {
    line++;
    lineStart = i + 1;
  }
  // Latin-1 maps each byte to one character, so the column of the bad byte is exact in the decoded
  // text, once the stripped BOM is taken off on line 1.
  const column = offset - lineStart + 1 - (line === 1 ? bomLength : 0);
  const byteHex = (bytes[offset] ?? 0).toString(16).toUpperCase().padStart(2, "0");
  const hint = file.kind === "python" ? " Save it as UTF-8 or declare its encoding with a coding comment (PEP 263) on line 1 or 2." : " Save it as UTF-8 to silence this.";
  return withLines(LATIN1.decode(body), [
    {
      file: file.path,
      severity: "warning",
      code: "non-utf8",
      message:
        `${file.path} is not valid UTF-8: byte 0x${byteHex} at byte offset ${offset} (line ${line}) cannot be decoded. ` +
        `The file was read as Latin-1 instead, so positions of non-ASCII characters may be off.${hint}`,
      range: { start: { line, column }, end: { line, column: column + 1 } },
    },
  ]);
}

function ok(text: string): ReadResult {
  return withLines(text, []);
}

function withLines(text: string, diagnostics: Diagnostic[]): ReadResult {
  return { text, diagnostics, lines: countLines(text) };
}

function unusable(file: SourceFile, code: string, message: string): ReadResult {
  return { text: null, lines: 0, diagnostics: [{ file: file.path, severity: "warning", code, message }] };
}

/** Number of lines in `text`, counting a last line without a trailing newline. */
export function countLines(text: string): number {
  if (text.length === 0) return 0;
  let n = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  return text.endsWith("\n") ? n : n + 1;
}

function decodeUtf16(bytes: Buffer): string | null {
  if (bytes.length < 2) return null;
  const label = bytes[0] === 0xff && bytes[1] === 0xfe ? "utf-16le" : bytes[0] === 0xfe && bytes[1] === 0xff ? "utf-16be" : null;
  if (label === null) return null;
  try {
    return new TextDecoder(label, { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

const COOKIE = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/;
const COMMENT_OR_BLANK = /^[ \t\f]*(#.*)?$/;

/** The encoding named by a PEP 263 coding comment on line 1 or 2, or null. */
export function codingCookie(bytes: Uint8Array): string | null {
  // The cookie itself is ASCII, and Latin-1 never fails, so it is safe for finding it.
  const head = LATIN1.decode(bytes.subarray(0, 1024)).split(/\r\n|\r|\n/, 2);
  const first = COOKIE.exec(head[0] ?? "");
  if (first) return first[1]!;
  // Python only looks at line 2 when line 1 holds nothing but a comment (typically the shebang).
  if (head.length > 1 && COMMENT_OR_BLANK.test(head[0]!)) {
    const second = COOKIE.exec(head[1]!);
    if (second) return second[1]!;
  }
  return null;
}

const PYTHON_CODEC_ALIASES: Record<string, string> = {
  "latin-1": "latin1",
  "iso-latin-1": "latin1",
  l1: "latin1",
  "8859": "latin1",
  cp819: "latin1",
  "utf8": "utf-8",
  "utf-8-sig": "utf-8",
  "u8": "utf-8",
  "shift-jis": "shift_jis",
  sjis: "shift_jis",
  "mac-roman": "macintosh",
  macroman: "macintosh",
  cp866: "ibm866",
};

/** A decoder for a Python codec name, or null when TextDecoder has no such encoding or it is UTF-8. */
function decoderFor(pythonCodec: string): TextDecoder | null {
  let label = pythonCodec.toLowerCase().replace(/_/g, "-");
  label = PYTHON_CODEC_ALIASES[label] ?? label;
  const iso = /^iso-?8859-?(\d+)$/.exec(label);
  if (iso) label = `iso-8859-${iso[1]}`;
  const cp = /^cp(125\d)$/.exec(label);
  if (cp) label = `windows-${cp[1]}`;
  try {
    const decoder = new TextDecoder(label, { fatal: true });
    // UTF-8 already failed; retrying it would only hide the problem the warning reports.
    return decoder.encoding === "utf-8" ? null : decoder;
  } catch {
    return null;
  }
}

// cp1252 characters for bytes 0x80-0x9F (undefined bytes keep their C1 code point, as in Python's decoder).
const CP1252_HIGH = "\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f" +
  "\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178";

/**
 * Node 20's "windows-1252" decoder is really ISO-8859-1 and leaves 0x80-0x9F as C1 controls;
 * mapping them gives the characters the author typed (the euro sign, curly quotes) on every Node version.
 */
function fixWindows1252(text: string): string {
  return text.replace(/[\u0080-\u009f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]!);
}

/** Offset of the first byte that starts an invalid UTF-8 sequence, or -1 when all of `b` is valid. */
export function firstInvalidUtf8(b: Uint8Array): number {
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) need = 2;
    else if (c >= 0xf0 && c <= 0xf4) need = 3;
    else return i;
    const c1 = b[i + 1];
    if (c1 === undefined) return i;
    // Overlong forms, UTF-16 surrogates and code points above U+10FFFF are excluded via the second byte.
    if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 > 0x9f) || (c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 > 0x8f)) return i;
    for (let k = 1; k <= need; k++) {
      const ck = b[i + k];
      if (ck === undefined || (ck & 0xc0) !== 0x80) return i;
    }
    i += need + 1;
  }
  return -1;
}
