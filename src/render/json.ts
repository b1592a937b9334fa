/** JSON rendering of reports: the versioned schema's document, two-space indented. */
import type { Report } from '../report/model.js';

/** The report as a JSON document (see schema/report.schema.json). */
export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
