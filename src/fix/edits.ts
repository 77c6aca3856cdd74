/** Text edits: positions to offsets, applying a set of edits with overlap detection, and unified diffs. */
import type { Position, Range } from "../core/types.js";

/** Replace the text of `range` with `text` (an insertion when the range is empty). Positions as in findings. */
export interface TextEdit {
  range: Range;
  text: string;
}

/** An edit resolved to string offsets of one text. */
export interface OffsetEdit {
  start: number;
  end: number;
  text: string;
}

/** Start offset of every line of `text` (lines end at `\n`; a `\r` before it stays on its line). */
export function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) out.push(i + 1);
  return out;
}

/** Offset of a 1-based line/column (UTF-16 code units), or -1 when it lies outside the text. */
export function offsetOf(starts: number[], text: string, p: Position): number {
  const s = starts[p.line - 1];
  if (s === undefined || p.column < 1) return -1;
  const lineEnd = p.line < starts.length ? starts[p.line]! : text.length + 1;
  const o = s + p.column - 1;
  return o < lineEnd ? o : o === text.length ? o : -1;
}

export function toOffsets(text: string, edits: readonly TextEdit[], starts = lineStarts(text)): OffsetEdit[] | null {
  const out: OffsetEdit[] = [];
  for (const e of edits) {
    const start = offsetOf(starts, text, e.range.start);
    const end = offsetOf(starts, text, e.range.end);
    if (start < 0 || end < start) return null;
    out.push({ start, end, text: e.text });
  }
  return out;
}

/** Whether two edits touch the same text. Two insertions at one point conflict too (their order would be arbitrary). */
export function overlaps(a: OffsetEdit, b: OffsetEdit): boolean {
  if (a.start === a.end && b.start === b.end) return a.start === b.start;
  if (a.start === a.end) return a.start > b.start && a.start < b.end;
  if (b.start === b.end) return b.start > a.start && b.start < a.end;
  return a.start < b.end && b.start < a.end;
}

/** Applies non-overlapping edits (checked by the caller with `overlaps`) in one pass. */
export function applyEdits(text: string, edits: readonly OffsetEdit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  let out = "";
  let at = 0;
  for (const e of sorted) {
    out += text.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + text.slice(at);
}

/**
 * A unified diff (`diff -u` layout, three lines of context) between a file's text before and after a set of
 * edits. Hunks are built from the edits themselves, so the diff shows exactly the lines they touch.
 */
export function unifiedDiff(path: string, before: string, edits: readonly OffsetEdit[], context = 3): string {
  if (edits.length === 0) return "";
  const starts = lineStarts(before);
  const lineOf = (o: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const oldLines = splitLines(before);
  // Changed line spans of the old text, 0-based, `to` inclusive (to = from - 1 for lines inserted before `from`).
  const spans: { from: number; to: number; edits: OffsetEdit[] }[] = [];
  for (const e of [...edits].sort((a, b) => a.start - b.start)) {
    const from = lineOf(e.start);
    // Whole lines inserted at the start of a line change no old line.
    const insertsLines = e.start === e.end && starts[from] === e.start && e.text.endsWith("\n");
    const to = insertsLines ? from - 1 : Math.max(from, lineOf(Math.max(e.start, e.end - 1)));
    const last = spans[spans.length - 1];
    if (last && from - last.to - 1 <= 2 * context) {
      last.to = Math.max(last.to, to);
      last.edits.push(e);
    } else spans.push({ from, to, edits: [e] });
  }
  let out = `--- a/${path}\n+++ b/${path}\n`;
  let shift = 0;
  for (const s of spans) {
    const to = Math.min(s.to, oldLines.length - 1);
    const blockStart = starts[s.from] ?? before.length;
    const blockEnd = to + 1 < starts.length ? starts[to + 1]! : before.length;
    const block = before.slice(blockStart, Math.max(blockStart, blockEnd));
    const rebased = s.edits.map((e) => ({ start: e.start - blockStart, end: e.end - blockStart, text: e.text }));
    const changed = splitLines(applyEdits(block, rebased));
    const removed = oldLines.slice(s.from, to + 1);
    const ctxFrom = Math.max(0, s.from - context);
    const ctxTo = Math.min(oldLines.length - 1, to + context);
    const lead = oldLines.slice(ctxFrom, s.from);
    const trail = oldLines.slice(to + 1, ctxTo + 1);
    const oldCount = lead.length + removed.length + trail.length;
    const newCount = lead.length + changed.length + trail.length;
    // `diff -u` numbers an empty side by the line before it.
    const oldStart = oldCount === 0 ? ctxFrom : ctxFrom + 1;
    const newStart = newCount === 0 ? ctxFrom + shift : ctxFrom + 1 + shift;
    out += `@@ -${oldStart},${oldCount} +${newStart},${newCount} @@\n`;
    for (const l of lead) out += ` ${l}\n`;
    for (const l of removed) out += `-${l}\n`;
    for (const l of changed) out += `+${l}\n`;
    for (const l of trail) out += ` ${l}\n`;
    shift += changed.length - removed.length;
  }
  return out;
}

/** Lines without their terminators; a final newline does not start another line. */
function splitLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.map((l) => l.replace(/\r$/, ""));
}
