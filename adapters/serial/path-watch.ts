import { stat } from 'node:fs/promises';

/**
 * Watch that a device path still leads to the device that was opened: same device and inode (a
 * replugged USB adapter or a new pty gets a new node). serialport does not always notice an
 * unplug: on a 0-byte read its Linux binding retries forever instead of reporting it
 * (serialport/bindings-cpp#162), so without this a port could stay "open" on a dead device.
 *
 * Calls `onGone` (at most once) when the path vanishes or leads elsewhere. A path the file system
 * does not know at all (Windows COM3) is not watched. Returns a function that stops watching.
 */
export function watchDevicePath(
  path: string,
  intervalMs: number,
  onGone: (reason: string) => void,
): () => void {
  let openedIdentity: string | undefined;
  let checking = false;
  let stopped = false;
  const stop = (): void => {
    stopped = true;
    clearInterval(timer);
  };
  const gone = (reason: string): void => {
    if (stopped) return;
    stop();
    onGone(reason);
  };
  const check = async (): Promise<void> => {
    if (checking || stopped) return;
    checking = true;
    try {
      const st = await stat(path);
      const identity = `${st.dev}:${st.ino}:${st.rdev}`;
      openedIdentity ??= identity;
      if (identity !== openedIdentity) gone('the path now leads to another device');
    } catch (err) {
      if (openedIdentity === undefined) stop();
      else if ((err as NodeJS.ErrnoException).code === 'ENOENT') gone('the device path is gone');
    } finally {
      checking = false;
    }
  };
  // unref: watching must not keep a stopping process alive.
  const timer = setInterval(() => void check(), intervalMs).unref();
  void check(); // takes the identity right after the open
  return stop;
}
