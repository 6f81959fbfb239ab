/**
 * One changed file as both of its versions: the base is the head with the patch applied in reverse,
 * which is exact and needs nothing but the head content and the file's patch.
 */
import parseDiff from 'parse-diff';

/** A run of lines the patch deletes, with where it sat in the base and where that is in the head. */
export interface Deletion {
  /** 1-based base line of each deleted line, with its text. */
  lines: { baseLine: number; text: string }[];
  /** The head line that follows the deleted run (head line count + 1 at the end of the file). */
  headPosition: number;
}

/** The two versions of a file and how their lines correspond. */
export interface FileDelta {
  base: string;
  head: string;
  baseLines: string[];
  headLines: string[];
  /** Head lines the patch adds. */
  added: Set<number>;
  /** Head lines inside a hunk (added and context lines): where GitHub takes a review comment. */
  hunkLines: Set<number>;
  deletions: Deletion[];
  /** For each head line, the base line it is unchanged from (0 for an added line); index 0 unused. */
  headToBase: Int32Array;
  /** For each base line, the head line it survives as (0 for a deleted line); index 0 unused. */
  baseToHead: Int32Array;
}

export class ReverseApplyError extends Error {}

interface Hunk {
  oldStart: number;
  newStart: number;
  changes: { type: 'add' | 'del' | 'normal'; text: string }[];
}

function hunksOf(patch: string): Hunk[] {
  const hunks: Hunk[] = [];
  for (const file of parseDiff(patch)) {
    for (const chunk of file.chunks) {
      hunks.push({
        oldStart: chunk.oldStart,
        newStart: chunk.newStart,
        changes: chunk.changes
          // "\ No newline at end of file" is a marker, not a line.
          .filter((c) => !c.content.startsWith('\\'))
          .map((c) => ({ type: c.type, text: c.content.slice(1) })),
      });
    }
  }
  return hunks.sort((a, b) => a.newStart - b.newStart);
}

const sameLine = (a: string | undefined, b: string) => a !== undefined && a.replace(/\r$/, '') === b.replace(/\r$/, '');

/**
 * The base version of `head` and the line correspondence, from the file's unified diff (a whole
 * `git diff` section or GitHub's hunks-only patch). Throws ReverseApplyError when the patch's added
 * and context lines are not where it says they are in `head`.
 */
export function reverseApply(head: string, patch: string): FileDelta {
  const headLines = head.split('\n');
  // A trailing newline leaves an empty last element, which is not a line.
  const headCount = head === '' ? 0 : head.endsWith('\n') ? headLines.length - 1 : headLines.length;
  const baseLines: string[] = [];
  const added = new Set<number>();
  const hunkLines = new Set<number>();
  const deletions: Deletion[] = [];
  const headToBase = new Int32Array(headCount + 2);
  const baseToHead: number[] = [0];
  let next = 1; // next head line to copy
  const keep = (headLine: number) => {
    baseLines.push(headLines[headLine - 1]!);
    headToBase[headLine] = baseLines.length;
    baseToHead.push(headLine);
  };
  for (const hunk of hunksOf(patch)) {
    // A hunk that adds to an empty file says +0,N; its first line is still line 1.
    const start = Math.max(1, hunk.newStart);
    if (start < next || start > headCount + 1) throw new ReverseApplyError(`hunk at head line ${hunk.newStart} is out of order or past the end of the file`);
    while (next < start) keep(next++);
    if (baseLines.length + 1 !== Math.max(1, hunk.oldStart) && hunk.oldStart !== 0) {
      throw new ReverseApplyError(`hunk at head line ${hunk.newStart} says base line ${hunk.oldStart}, but the head puts it at ${baseLines.length + 1}`);
    }
    let run: Deletion | undefined;
    for (const change of hunk.changes) {
      if (change.type === 'del') {
        if (!run) deletions.push((run = { lines: [], headPosition: next }));
        baseLines.push(change.text);
        baseToHead.push(0);
        run.lines.push({ baseLine: baseLines.length, text: change.text });
        continue;
      }
      run = undefined;
      if (!sameLine(headLines[next - 1], change.text) || next > headCount) {
        throw new ReverseApplyError(`head line ${next} is not the line the patch has there`);
      }
      hunkLines.add(next);
      if (change.type === 'add') {
        added.add(next);
        headToBase[next] = 0;
        next++;
      } else keep(next++);
    }
  }
  while (next <= headCount) keep(next++);
  // The base ends as the head does (a missing final newline is not worth a review).
  const base = baseLines.length === 0 ? '' : baseLines.join('\n') + (head.endsWith('\n') || head === '' ? '\n' : '');
  return { base, head, baseLines, headLines: headLines.slice(0, headCount), added, hunkLines, deletions, headToBase, baseToHead: Int32Array.from(baseToHead) };
}
