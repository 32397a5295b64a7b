import type { TagRead } from '../../schemas/index.js';
import { LlrpReaderEmulator, type LlrpReaderEmulatorOptions } from './reader-emulator.js';

export interface LlrpEmulatorFleetOptions {
  readerIds: readonly string[];
  host?: string;
  /** First port; reader i listens on basePort + i. 0 (default): a free port each. */
  basePort?: number;
  /** Options every emulator shares (wire shape, clock, field size). */
  emulator?: Omit<LlrpReaderEmulatorOptions, 'readerId' | 'host' | 'port'>;
}

/** Dozens of emulated LLRP readers in one process, one port each (the simulator's site readers). */
export class LlrpEmulatorFleet {
  private constructor(readonly emulators: ReadonlyMap<string, LlrpReaderEmulator>) {}

  static async start(options: LlrpEmulatorFleetOptions): Promise<LlrpEmulatorFleet> {
    const emulators = new Map<string, LlrpReaderEmulator>();
    try {
      for (const [i, readerId] of options.readerIds.entries()) {
        const basePort = options.basePort ?? 0;
        const emulator = new LlrpReaderEmulator({
          ...options.emulator,
          readerId,
          ...(options.host === undefined ? {} : { host: options.host }),
          port: basePort === 0 ? 0 : basePort + i,
        });
        emulators.set(readerId, emulator);
        await emulator.start();
      }
    } catch (err) {
      await Promise.all([...emulators.values()].map((e) => e.stop()));
      throw err;
    }
    return new LlrpEmulatorFleet(emulators);
  }

  get(readerId: string): LlrpReaderEmulator | undefined {
    return this.emulators.get(readerId);
  }

  /** The reads of one reader's step: into its field (reported once a client inventories). */
  inject(readerId: string, reads: readonly TagRead[]): boolean {
    const emulator = this.emulators.get(readerId);
    if (emulator === undefined) return false;
    emulator.inject(reads);
    return true;
  }

  /** `readerId host:port` lines, for the user to point `bondtrack adapter llrp` at. */
  describe(): string[] {
    return [...this.emulators.values()].map((e) => `${e.readerId} ${e.address}`);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.emulators.values()].map((e) => e.stop()));
  }
}
