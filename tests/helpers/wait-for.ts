/**
 * Wait until `check` resolves true, asking every `pollMs`; fail naming `what` after `timeoutMs`.
 * For conditions on real services (committed offsets, stored rows), instead of a sleep.
 */
export async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  { timeoutMs = 60_000, pollMs = 100 }: { timeoutMs?: number; pollMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
