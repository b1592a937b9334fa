/** The tool's version, read once from package.json. */
import { readFileSync } from 'node:fs';

const pkgUrl = new URL('../../package.json', import.meta.url);

/** tlsflight's own version. */
export const TOOL_VERSION: string = (
  JSON.parse(readFileSync(pkgUrl, 'utf8')) as { version: string }
).version;
