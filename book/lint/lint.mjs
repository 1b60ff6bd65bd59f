// lint.mjs runs textlint over the book's markdown (make lint) with the
// contents of fenced code blocks blanked out first, keeping every line, so
// that problems are reported at the file's own lines and columns.
//
// Why: the rules never check code blocks, but sentence-splitter 5.0.1
// (used by seven of the Japanese rules) builds, for every paragraph, an
// array as long as the paragraph's offset in the file; with chapters that
// are mostly code, that made make lint quadratic in the code's length
// (35 s for the book, 11 s for chapter 7 alone). Blank code costs nothing.
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

// lintFiles lints files one after another with one linter.
async function lintFiles(files) {
  const linter = createLinter({ descriptor: await loadTextlintrc() });
  const results = [];
  for (const f of files) {
    results.push(await linter.lintText(blankCode(await readFile(f, "utf8")), f));
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
