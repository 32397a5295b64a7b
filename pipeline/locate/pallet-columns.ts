import type { StateStore } from '../../runtime/state-store.js';
import type { PalletTimerState, PalletTimerStore } from '../rules/pallet-timers.js';
import { EpcSlots } from './epc-slots.js';
import type { PalletState } from './locate-operator.js';
import type { SeenStore, SeenWindows } from './locate-state.js';
import { NumberSlab } from './number-slab.js';

/**
 * `alerted` holds two optional booleans, each as 0 (unset), 1 (false) or 2 (true): `dwellAlerted`
 * in the low two bits, `missingAlerted` above them.
 */
const tri = (b: boolean | undefined): number => (b === undefined ? 0 : b ? 2 : 1);
const DWELL_BITS = 3;
const MISSING_SHIFT = 2;

const LOCATE = 1;
const TIMERS = 2;
/** `current` is present (possibly empty): `[]` and absent weigh differently (LocateOperator). */
const HAS_CURRENT = 4;
const PORTAL_DECIDED = 8;
const SEEN = 16;

type Recent = PalletState['recent'];
type Portal = NonNullable<PalletState['portal']>;

/**
 * The per-pallet state of one locate partition (LocateOperator's `PalletState`, PalletTimers'
 * `PalletTimerState` and the stage's replay guard `SeenWindows` of the same pallet) in
 * struct-of-arrays columns indexed by an EPC slot
 * (`EpcSlots`), instead of two objects per pallet in string-keyed Maps: about a third of the heap
 * (docs/pipeline.md, "State size"). Zones, gates and sites are interned to small ints; optional
 * times are NaN when absent; the packed current-zone evidence and the seen windows (as
 * [name id, time, …]) live in a `NumberSlab`. Only
 * pallets with evidence for another zone, or a passage being judged, have objects (side maps),
 * and those go when the evidence does.
 *
 * `locate`, `timers` and `seen` are `StateStore`s that hand out a fresh object per `get`: a caller that
 * changes it must `set` it back (the operators do).
 */
export class PalletColumns {
  private readonly slots = new EpcSlots();
  private readonly names: string[] = [''];
  private readonly nameIds = new Map<string, number>();
  private readonly slab = new NumberSlab();
  private flags = new Uint8Array(1024);
  // locate
  private zone = new Uint16Array(1024);
  private lastSeenUs = new Float64Array(1024);
  private summaryUs = new Float64Array(1024);
  private heldUs = new Float64Array(1024);
  private current = new Int32Array(1024).fill(-1);
  private currentLength = new Uint8Array(1024);
  private portalGate = new Uint16Array(1024);
  private portalLastUs = new Float64Array(1024);
  // timers
  private site = new Uint16Array(1024);
  private partition = new Int32Array(1024);
  private timerZone = new Uint16Array(1024);
  private enteredUs = new Float64Array(1024);
  private timerLastSeenUs = new Float64Array(1024);
  /** dwellAlerted and missingAlerted, 2 bits each: 0 absent, 1 false, 2 true. */
  private alerted = new Uint8Array(1024);
  // seen windows
  private seenHandle = new Int32Array(1024).fill(-1);
  private seenLength = new Uint8Array(1024);
  // side maps, by slot: only pallets that have these
  private readonly recent = new Map<number, Recent>();
  private readonly passages = new Map<number, Pick<Portal, 'reads' | 'ids'>>();
  private readonly longCurrent = new Map<number, number[]>();
  private readonly longSeen = new Map<number, SeenWindows>();
  private seenCount = 0;
  private locateCount = 0;
  private timersCount = 0;

  readonly locate: StateStore<PalletState>;
  readonly timers: PalletTimerStore;
  readonly seen: SeenStore;

  constructor() {
    this.slots.onGrow = (capacity) => this.grow(capacity);
    this.locate = this.locateStore();
    this.timers = this.timersStore();
    this.seen = this.seenStore();
  }

  private seenStore(): SeenStore {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the store is a view of these columns
    const self = this;
    return {
      advance: (epc, key, atUs) => this.advanceSeen(epc, key, atUs),
      get: (epc) => {
        const slot = this.slots.find(epc);
        return slot >= 0 && this.flags[slot]! & SEEN ? this.readSeen(slot) : undefined;
      },
      set: (epc, value) => this.writeSeen(this.slots.intern(epc), value),
      delete: (epc) => {
        const slot = this.slots.find(epc);
        if (slot >= 0 && this.flags[slot]! & SEEN) this.clearSeen(slot);
      },
      *entries() {
        for (let slot = 0; slot < self.slots.highWater; slot++)
          if (self.flags[slot]! & SEEN) yield [self.slots.epcOf(slot), self.readSeen(slot)];
      },
      get size() {
        return self.seenCount;
      },
    };
  }

  private readSeen(slot: number): SeenWindows {
    const long = this.longSeen.get(slot);
    if (long) return { ...long };
    const out: SeenWindows = {};
    const handle = this.seenHandle[slot]!;
    if (handle < 0) return out;
    const packed = this.slab.read(handle, this.seenLength[slot]!);
    for (let i = 0; i < packed.length; i += 2) out[this.names[packed[i]!]!] = packed[i + 1]!;
    return out;
  }

  /**
   * `get`, compare, `set` without an object: in place when the pallet's seen windows already hold
   * `key` (nearly always), else through `writeSeen`.
   */
  private advanceSeen(epc: string, key: string, atUs: number): boolean {
    const slot = this.slots.find(epc);
    if (slot >= 0 && this.flags[slot]! & SEEN && !this.longSeen.has(slot)) {
      const handle = this.seenHandle[slot]!;
      const name = this.nameIds.get(key);
      if (handle >= 0 && name !== undefined)
        for (let i = 0; i < this.seenLength[slot]!; i += 2)
          if (this.slab.at(handle, i) === name) {
            if (atUs <= this.slab.at(handle, i + 1)) return false;
            this.slab.setAt(handle, i + 1, atUs);
            return true;
          }
    }
    const seen = (slot >= 0 && this.flags[slot]! & SEEN ? this.readSeen(slot) : undefined) ?? {};
    const last = seen[key];
    if (last !== undefined && atUs <= last) return false;
    seen[key] = atUs;
    this.writeSeen(slot >= 0 ? slot : this.slots.intern(epc), seen);
    return true;
  }

  private writeSeen(slot: number, seen: SeenWindows): void {
    if (!(this.flags[slot]! & SEEN)) this.seenCount++;
    this.flags[slot] = this.flags[slot]! | SEEN;
    const keys = Object.keys(seen);
    const handle = this.seenHandle[slot]!;
    if (keys.length === 0 || keys.length * 2 > NumberSlab.MAX) {
      this.slab.release(handle);
      this.seenHandle[slot] = -1;
      this.seenLength[slot] = 0;
      if (keys.length > 0) this.longSeen.set(slot, { ...seen });
      else this.longSeen.delete(slot);
      return;
    }
    this.longSeen.delete(slot);
    const packed: number[] = [];
    for (const key of keys) packed.push(this.intern(key), seen[key]!);
    this.seenHandle[slot] = this.slab.write(handle, packed);
    this.seenLength[slot] = packed.length;
  }

  private clearSeen(slot: number): void {
    this.slab.release(this.seenHandle[slot]!);
    this.seenHandle[slot] = -1;
    this.seenLength[slot] = 0;
    this.longSeen.delete(slot);
    this.flags[slot] = this.flags[slot]! & ~SEEN;
    this.seenCount--;
    this.releaseIfEmpty(slot);
  }

  private locateStore(): StateStore<PalletState> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the store is a view of these columns
    const self = this;
    return {
      get: (epc) => {
        const slot = this.slots.find(epc);
        return slot >= 0 && this.flags[slot]! & LOCATE ? this.readLocate(slot) : undefined;
      },
      set: (epc, value) => this.writeLocate(this.slots.intern(epc), value),
      delete: (epc) => {
        const slot = this.slots.find(epc);
        if (slot >= 0 && this.flags[slot]! & LOCATE) this.clearLocate(slot);
      },
      *entries() {
        for (let slot = 0; slot < self.slots.highWater; slot++)
          if (self.flags[slot]! & LOCATE) yield [self.slots.epcOf(slot), self.readLocate(slot)];
      },
      get size() {
        return self.locateCount;
      },
    };
  }

  private timersStore(): PalletTimerStore {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the store is a view of these columns
    const self = this;
    return {
      seenInPlace: (epc, partition, atUs) => {
        const slot = this.slots.find(epc);
        if (slot < 0 || !(this.flags[slot]! & TIMERS)) return false;
        this.partition[slot] = partition;
        if (atUs > this.timerLastSeenUs[slot]!) {
          this.timerLastSeenUs[slot] = atUs;
          this.alerted[slot] = (this.alerted[slot]! & DWELL_BITS) | (tri(false) << MISSING_SHIFT);
        }
        return true;
      },
      get: (epc) => {
        const slot = this.slots.find(epc);
        return slot >= 0 && this.flags[slot]! & TIMERS ? this.readTimers(slot) : undefined;
      },
      set: (epc, value) => this.writeTimers(this.slots.intern(epc), value),
      delete: (epc) => {
        const slot = this.slots.find(epc);
        if (slot >= 0 && this.flags[slot]! & TIMERS) this.clearTimers(slot);
      },
      *entries() {
        for (let slot = 0; slot < self.slots.highWater; slot++)
          if (self.flags[slot]! & TIMERS) yield [self.slots.epcOf(slot), self.readTimers(slot)];
      },
      get size() {
        return self.timersCount;
      },
    };
  }

  private readLocate(slot: number): PalletState {
    const f = this.flags[slot]!;
    const state: PalletState = { lastSeenUs: this.lastSeenUs[slot]!, recent: this.recent.get(slot) ?? [] };
    const zone = this.zone[slot]!;
    if (zone !== 0) state.zone = this.names[zone]!;
    const summaryUs = this.summaryUs[slot]!;
    if (!Number.isNaN(summaryUs)) state.summaryUs = summaryUs;
    if (f & HAS_CURRENT) {
      const handle = this.current[slot]!;
      state.current =
        this.longCurrent.get(slot) ?? (handle < 0 ? [] : this.slab.read(handle, this.currentLength[slot]!));
    }
    const heldUs = this.heldUs[slot]!;
    if (!Number.isNaN(heldUs)) state.heldUs = heldUs;
    const gate = this.portalGate[slot]!;
    if (gate !== 0) {
      const passage = this.passages.get(slot);
      state.portal = {
        gate: this.names[gate]!,
        reads: passage?.reads ?? [],
        lastUs: this.portalLastUs[slot]!,
        ids: passage?.ids ?? [],
        decided: (f & PORTAL_DECIDED) !== 0,
      };
    }
    return state;
  }

  private writeLocate(slot: number, s: PalletState): void {
    let f = this.flags[slot]!;
    if (!(f & LOCATE)) this.locateCount++;
    f |= LOCATE;
    this.zone[slot] = s.zone === undefined ? 0 : this.intern(s.zone);
    this.lastSeenUs[slot] = s.lastSeenUs;
    this.summaryUs[slot] = s.summaryUs ?? NaN;
    this.heldUs[slot] = s.heldUs ?? NaN;
    if (s.recent.length > 0) this.recent.set(slot, s.recent);
    else this.recent.delete(slot);
    this.writeCurrent(slot, s.current);
    f = s.current ? f | HAS_CURRENT : f & ~HAS_CURRENT;
    const portal = s.portal;
    if (portal) {
      this.portalGate[slot] = this.intern(portal.gate);
      this.portalLastUs[slot] = portal.lastUs;
      f = portal.decided ? f | PORTAL_DECIDED : f & ~PORTAL_DECIDED;
      if (portal.reads.length > 0 || portal.ids.length > 0)
        this.passages.set(slot, { reads: portal.reads, ids: portal.ids });
      else this.passages.delete(slot);
    } else {
      this.portalGate[slot] = 0;
      this.passages.delete(slot);
      f &= ~PORTAL_DECIDED;
    }
    this.flags[slot] = f;
  }

  private writeCurrent(slot: number, current: number[] | undefined): void {
    const handle = this.current[slot]!;
    if (!current || current.length === 0 || current.length > NumberSlab.MAX) {
      this.slab.release(handle);
      this.current[slot] = -1;
      this.currentLength[slot] = 0;
      if (current && current.length > NumberSlab.MAX) this.longCurrent.set(slot, current);
      else this.longCurrent.delete(slot);
      return;
    }
    this.longCurrent.delete(slot);
    this.current[slot] = this.slab.write(handle, current);
    this.currentLength[slot] = current.length;
  }

  private clearLocate(slot: number): void {
    this.writeCurrent(slot, undefined);
    this.recent.delete(slot);
    this.passages.delete(slot);
    this.portalGate[slot] = 0;
    this.zone[slot] = 0;
    this.flags[slot] = this.flags[slot]! & (TIMERS | SEEN);
    this.locateCount--;
    this.releaseIfEmpty(slot);
  }

  private readTimers(slot: number): PalletTimerState {
    const state: PalletTimerState = {
      site: this.names[this.site[slot]!]!,
      partition: this.partition[slot]!,
      lastSeenUs: this.timerLastSeenUs[slot]!,
    };
    const zone = this.timerZone[slot]!;
    if (zone !== 0) state.zone = this.names[zone]!;
    const enteredUs = this.enteredUs[slot]!;
    if (!Number.isNaN(enteredUs)) state.enteredUs = enteredUs;
    const a = this.alerted[slot]!;
    if (a & DWELL_BITS) state.dwellAlerted = (a & DWELL_BITS) === tri(true);
    if (a >> MISSING_SHIFT) state.missingAlerted = a >> MISSING_SHIFT === tri(true);
    return state;
  }

  private writeTimers(slot: number, s: PalletTimerState): void {
    if (!(this.flags[slot]! & TIMERS)) this.timersCount++;
    this.flags[slot] = this.flags[slot]! | TIMERS;
    this.site[slot] = this.intern(s.site);
    this.partition[slot] = s.partition;
    this.timerZone[slot] = s.zone === undefined ? 0 : this.intern(s.zone);
    this.enteredUs[slot] = s.enteredUs ?? NaN;
    this.timerLastSeenUs[slot] = s.lastSeenUs;
    this.alerted[slot] = tri(s.dwellAlerted) | (tri(s.missingAlerted) << MISSING_SHIFT);
  }

  private clearTimers(slot: number): void {
    this.flags[slot] = this.flags[slot]! & ~TIMERS;
    this.timersCount--;
    this.releaseIfEmpty(slot);
  }

  private releaseIfEmpty(slot: number): void {
    if (this.flags[slot]! & (LOCATE | TIMERS | SEEN)) return;
    this.flags[slot] = 0;
    this.current[slot] = -1;
    this.slots.release(slot);
  }

  private intern(name: string): number {
    let id = this.nameIds.get(name);
    if (id === undefined) {
      id = this.names.length;
      if (id > 0xffff) throw new Error('PalletColumns: more than 65535 zone, gate, site and antenna names');
      this.names.push(name);
      this.nameIds.set(name, id);
    }
    return id;
  }

  private grow(capacity: number): void {
    const f64 = (a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(capacity);
      b.set(a);
      return b;
    };
    const u16 = (a: Uint16Array<ArrayBuffer>): Uint16Array<ArrayBuffer> => {
      const b = new Uint16Array(capacity);
      b.set(a);
      return b;
    };
    const u8 = (a: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> => {
      const b = new Uint8Array(capacity);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array<ArrayBuffer>, fill: number): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(capacity).fill(fill);
      b.set(a);
      return b;
    };
    this.flags = u8(this.flags);
    this.zone = u16(this.zone);
    this.lastSeenUs = f64(this.lastSeenUs);
    this.summaryUs = f64(this.summaryUs);
    this.heldUs = f64(this.heldUs);
    this.current = i32(this.current, -1);
    this.currentLength = u8(this.currentLength);
    this.portalGate = u16(this.portalGate);
    this.portalLastUs = f64(this.portalLastUs);
    this.site = u16(this.site);
    this.partition = i32(this.partition, 0);
    this.timerZone = u16(this.timerZone);
    this.enteredUs = f64(this.enteredUs);
    this.timerLastSeenUs = f64(this.timerLastSeenUs);
    this.alerted = u8(this.alerted);
    this.seenHandle = i32(this.seenHandle, -1);
    this.seenLength = u8(this.seenLength);
  }
}
