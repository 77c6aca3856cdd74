import type { Position, Range } from "../../core/types.js";

/**
 * Maps string offsets of a file's text to 1-based positions. Ranges are end-exclusive: `end` is the
 * position just after the last character, as in SARIF regions.
 */
export class LineIndex {
  private readonly starts: number[];

  constructor(readonly text: string) {
    const starts = [0];
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
    this.starts = starts;
  }

  /** Number of physical lines (a trailing newline opens one last, empty line). */
  get count(): number {
    return this.starts.length;
  }

  /** Offset of the first character of 1-based line `n`. */
  lineStart(n: number): number {
    return this.starts[n - 1]!;
  }

  /** Offset just past the content of line `n`, before its "\n" or "\r\n". */
  lineEnd(n: number): number {
    let end = n < this.starts.length ? this.starts[n]! - 1 : this.text.length;
    if (end > this.starts[n - 1]! && this.text.charCodeAt(end - 1) === 13) end--;
    return end;
  }

  /** The content of 1-based line `n` without its terminator. */
  line(n: number): string {
    return this.text.slice(this.lineStart(n), this.lineEnd(n));
  }

  /** 1-based line/column of a string offset. */
  position(offset: number): Position {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo]! + 1 };
  }

  /** The range of text offsets [start, end). */
  range(start: number, end: number): Range {
    return { start: this.position(start), end: this.position(Math.max(start, end)) };
  }
}

/**
 * A logical line stitched together from physical lines (continuations, heredocs), remembering the
 * original offset of every character so ranges still point into the file.
 */
export class LogicalLine {
  text = "";
  readonly offsets: number[] = [];

  /** Appends the original text between offsets [from, to). */
  append(source: string, from: number, to: number): void {
    this.text += source.slice(from, to);
    for (let i = from; i < to; i++) this.offsets.push(i);
  }

  /** Appends a character that stands for the original character at `offset` (a joined newline). */
  appendChar(ch: string, offset: number): void {
    this.text += ch;
    this.offsets.push(offset);
  }

  /** The file range covered by logical characters [from, to). */
  range(index: LineIndex, from: number, to: number): Range {
    if (this.offsets.length === 0) return index.range(0, 0);
    const start = this.offsets[Math.min(from, this.offsets.length - 1)]!;
    if (to <= from) return index.range(start, start);
    return index.range(start, this.offsets[Math.min(to, this.offsets.length) - 1]! + 1);
  }
}

export interface Word {
  /** The word after quote removal and escape processing. */
  value: string;
  /** Index in the input of the word's first character. */
  start: number;
  /** Index in the input just past the word. */
  end: number;
}

export interface ShellOptions {
  /** The escape character; Dockerfiles may switch it to a backtick. */
  escape?: string;
  /** Treat `#` at the start of a word as a comment to the end of the line. */
  comments?: boolean;
}

const isBlank = (c: string | undefined): boolean => c === " " || c === "\t" || c === "\n" || c === "\r";

/**
 * Splits text into words the way a POSIX shell does before expansion: whitespace separates words,
 * single quotes are literal, double quotes allow escapes of $ ` " \ and newline. Variables stay as written.
 */
export function shellWords(text: string, opts: ShellOptions = {}): Word[] {
  const words: Word[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    while (i < n && isBlank(text[i])) i++;
    if (i >= n) break;
    if ((opts.comments ?? true) && text[i] === "#") {
      const nl = text.indexOf("\n", i);
      if (nl === -1) break;
      i = nl;
      continue;
    }
    const start = i;
    const { value, end } = readWord(text, i, opts.escape ?? "\\", true);
    words.push({ value, start, end });
    i = end;
  }
  return words;
}

/** Removes quotes and escapes from `text` like the shell would, keeping its whitespace. */
export function shellUnquote(text: string, escape = "\\"): string {
  return readWord(text, 0, escape, false).value;
}

/** Shell-like split of a command line into its arguments. */
export function shellSplit(text: string): string[] {
  return shellWords(text).map((w) => w.value);
}

function readWord(text: string, from: number, esc: string, stopAtBlank: boolean): { value: string; end: number } {
  const n = text.length;
  let i = from;
  let value = "";
  while (i < n && !(stopAtBlank && isBlank(text[i]))) {
    const c = text[i]!;
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      const stop = close === -1 ? n : close;
      value += text.slice(i + 1, stop);
      i = close === -1 ? n : close + 1;
    } else if (c === '"') {
      i++;
      while (i < n && text[i] !== '"') {
        const d = text[i]!;
        const next = text[i + 1];
        if (d === esc && next !== undefined && (next === "$" || next === "`" || next === '"' || next === esc || next === "\n")) {
          if (next !== "\n") value += next;
          i += 2;
        } else {
          value += d;
          i++;
        }
      }
      i++;
    } else if (c === esc) {
      const next = text[i + 1];
      if (next === undefined) {
        i++;
      } else {
        // Backslash-newline is a line continuation and vanishes.
        if (next !== "\n") value += next;
        i += 2;
      }
    } else {
      value += c;
      i++;
    }
  }
  return { value, end: Math.min(i, n) };
}
