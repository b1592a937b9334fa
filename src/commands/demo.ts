/** `tlsflight demo` (placeholder until the lab lands). */
export async function demoCommand(): Promise<number> {
  return 0;
}
