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
import { readFile } from "node:fs/promises";
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

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node book/lint/lint.mjs FILE...");
  process.exit(2);
}
const linter = createLinter({ descriptor: await loadTextlintrc() });
const results = [];
for (const f of files) {
  results.push(await linter.lintText(blankCode(await readFile(f, "utf8")), f));
}
const formatter = await loadLinterFormatter({ formatterName: "stylish", color: process.stdout.isTTY });
const out = formatter.format(results);
if (out) console.log(out);
process.exit(results.some((r) => r.messages.length > 0) ? 1 : 0);
