// lint.mjs runs textlint over the book's markdown (make lint) with the
// contents of fenced code blocks blanked out first, keeping every line, so
// that problems are reported at the file's own lines and columns.
//
// Why: sentence-splitter 5.0.1, which seven of the rules use
// (sentenceRules below), builds for every paragraph an array as long as
// the paragraph's offset in the file (parser/SourceCode.js), so a file
// costs time quadratic in its length. Blank code costs nothing, and those
// seven rules run on one section (from a heading to the next) at a time,
// the lines before it kept as empty lines: the offsets stay small and the
// lines and columns stay the file's. Every other rule sees the whole file,
// as some count across it (jtf-style 1.1.1 finds the file's majority
// style, then reports the rest). With 766 problems planted in the book,
// both ways reported the same ones at the same lines; only
// sentence-length's column differs, and it was no column of the line in
// either. On a 2-core machine chapter 10 took 17 s and takes 7 s, and the
// book (make lint) took 40 s and takes 21 s.
//
// Usage: node book/lint/lint.mjs FILE...
import { readFile, stat } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { createLinter, loadLinterFormatter, loadTextlintrc } from "textlint";

// blankCode replaces the lines inside fenced code blocks (``` or ~~~, in
// the top level, a list item or a > quote) with empty lines.
export function blankCode(text) {
  const lines = text.split("\n");
  let fence = null; // the opening fence's marker while inside a block
  for (let i = 0; i < lines.length; i++) {
    const m = /^((?:\s*>)*\s*)(`{3,}|~{3,})/.exec(lines[i]);
    if (fence === null) {
      if (m) fence = m[2];
      continue;
    }
    if (m && m[2][0] === fence[0] && m[2].length >= fence.length && lines[i].slice(m[0].length).trim() === "") {
      fence = null;
      continue;
    }
    lines[i] = lines[i].endsWith("\r") ? "\r" : "";
  }
  return lines.join("\n");
}

// sentenceRules are the rules that split paragraphs into sentences with
// sentence-splitter: each looks at one sentence or paragraph at a time,
// so a section of the file gives the same reports as the whole file.
const sentenceRules = new Set([
  "ja-technical-writing/sentence-length",
  "ja-technical-writing/max-comma",
  "ja-technical-writing/max-ten",
  "ja-technical-writing/no-doubled-conjunction",
  "ja-technical-writing/no-doubled-conjunctive-particle-ga",
  "ja-technical-writing/no-doubled-joshi",
  "ja-technical-writing/no-unmatched-pair",
]);

// sections splits text into pieces that start at a heading, each with the
// lines before it replaced by empty lines. It does not cut inside a
// <!-- textlint-disable --> ... <!-- textlint-enable --> region, which
// must reach the linter whole.
export function sections(text) {
  const lines = text.split("\n");
  const starts = [0];
  let disabled = false;
  for (let i = 0; i < lines.length; i++) {
    if (/<!--\s*textlint-disable/.test(lines[i])) disabled = true;
    if (/<!--\s*textlint-enable/.test(lines[i])) disabled = false;
    if (i > 0 && !disabled && /^#{1,6}\s/.test(lines[i])) starts.push(i);
  }
  return starts.map((start, k) => "\n".repeat(start) + lines.slice(start, starts[k + 1]).join("\n"));
}

// lintFiles lints files one after another: the sentence rules section by
// section, the other rules on the whole file.
async function lintFiles(files) {
  const descriptor = await loadTextlintrc();
  const rules = descriptor.rule.toKernelRulesFormat();
  const split = rules.filter((r) => sentenceRules.has(r.ruleId));
  if (split.length !== sentenceRules.size) {
    throw new Error(`lint.mjs: .textlintrc.yml has ${split.map((r) => r.ruleId)}, not all of ${[...sentenceRules]}`);
  }
  const whole = createLinter({ descriptor: descriptor.shallowMerge({ rules: rules.filter((r) => !sentenceRules.has(r.ruleId)) }) });
  const bySection = createLinter({ descriptor: descriptor.shallowMerge({ rules: split }) });
  const results = [];
  for (const f of files) {
    const text = blankCode(await readFile(f, "utf8"));
    const result = await whole.lintText(text, f);
    for (const section of sections(text)) {
      result.messages.push(...(await bySection.lintText(section, f)).messages);
    }
    result.messages.sort((a, b) => a.line - b.line || a.column - b.column);
    results.push(result);
  }
  return results;
}

if (!isMainThread) {
  parentPort.postMessage(await lintFiles(workerData));
} else {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error("usage: node book/lint/lint.mjs FILE...");
    process.exit(2);
  }
  // Each file is linted whole, as before, but the files are shared out
  // among one worker per CPU, the largest first to the least loaded:
  // a chapter takes seconds (chapter 4's 2,400 lines about 10 s), and
  // one after another the book took 40 s on a 2-core machine.
  const sizes = new Map(await Promise.all(files.map(async (f) => [f, (await stat(f)).size])));
  const shares = Array.from({ length: Math.min(availableParallelism(), files.length) }, () => ({ files: [], size: 0 }));
  for (const f of [...files].sort((a, b) => sizes.get(b) - sizes.get(a))) {
    const least = shares.reduce((a, b) => (b.size < a.size ? b : a));
    least.files.push(f);
    least.size += sizes.get(f);
  }
  const byFile = new Map();
  await Promise.all(
    shares.map(
      (share) =>
        new Promise((resolve, reject) => {
          const w = new Worker(new URL(import.meta.url), { workerData: share.files });
          w.once("message", (results) => {
            for (const r of results) byFile.set(r.filePath, r);
            resolve();
          });
          w.once("error", reject);
          w.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`a lint worker exited with ${code}`))));
        }),
    ),
  );
  const results = files.map((f) => byFile.get(f)); // in the order given
  const formatter = await loadLinterFormatter({ formatterName: "stylish", color: process.stdout.isTTY });
  const out = formatter.format(results);
  if (out) console.log(out);
  process.exit(results.some((r) => r.messages.length > 0) ? 1 : 0);
}
