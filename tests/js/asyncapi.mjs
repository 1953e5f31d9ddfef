// Validate AsyncAPI documents with the AsyncAPI Initiative's own parser.
// Usage: node asyncapi.mjs <document.json>...
// Prints one JSON object per document: {file, errors: [...], warnings: [...]}; exit 1 on errors.
import { readFileSync } from "node:fs";
import { Parser, DiagnosticSeverity } from "@asyncapi/parser";

const parser = new Parser();
let failed = false;
for (const file of process.argv.slice(2)) {
  const { document, diagnostics } = await parser.parse(readFileSync(file, "utf8"));
  const show = (d) => ({ code: d.code, message: d.message, path: d.path.join(".") });
  const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error).map(show);
  const warnings = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Warning).map(show);
  if (document === undefined && errors.length === 0) errors.push({ message: "not parsed" });
  failed ||= errors.length > 0;
  console.log(JSON.stringify({ file, errors, warnings }));
}
process.exit(failed ? 1 : 0);
