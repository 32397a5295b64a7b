import { cpus } from 'node:os';
import { describe, expect, it } from 'vitest';
import { machineDuringFlow, type CpuSample } from '../../../bench/pipeline/catch-up.js';
import {
  groupCpuBetween,
  machineCpuBetween,
  parsePidStat,
  parseProcStat,
  sampleGroupTicks,
  sampleMachineCpu,
  type GroupTicks,
  type MachineCpuSample,
} from '../../../bench/pipeline/machine-cpu.js';

// proc(5): user nice system idle iowait irq softirq steal guest guest_nice.
const STAT = `cpu  1000 10 200 5000 40 3 7 50 300 0
cpu0 500 5 100 2500 20 1 4 25 150 0
cpu1 500 5 100 2500 20 2 3 25 150 0
intr 12345 0 0
ctxt 999
`;

describe('parseProcStat: the machine CPU line of /proc/stat', () => {
  it('sums busy, idle and stolen ticks, guest time once (inside user), over the cpuN lines', () => {
    expect(parseProcStat(STAT)).toEqual({
      busyTicks: 1000 + 10 + 200 + 3 + 7,
      idleTicks: 5000 + 40,
      stealTicks: 50,
      cores: 2,
    });
  });

  it('refuses a text without the aggregate line, or a short one, with a reason', () => {
    expect(() => parseProcStat('cpu0 1 2 3 4 5 6 7 8\n')).toThrow(/no aggregate "cpu" line/);
    expect(() => parseProcStat('cpu  1 2 3\n')).toThrow(/cannot read the "cpu" line/);
  });

  it('reads this machine: as many cores as the OS reports, and time that only moves forward', () => {
    const ticks = (x: MachineCpuSample): number => x.busyTicks + x.idleTicks + x.stealTicks;
    const a = sampleMachineCpu();
    expect(a.cores).toBe(cpus().length);
    // Until 20 ticks have passed over all cores (0.1 s on 2 at USER_HZ 100), at most 5 s.
    let b = sampleMachineCpu();
    const giveUpAt = performance.now() + 5_000;
    while (ticks(b) - ticks(a) < 20 && performance.now() < giveUpAt) b = sampleMachineCpu();
    expect(ticks(b) - ticks(a)).toBeGreaterThanOrEqual(20);
    const use = machineCpuBetween(a, b);
    // This loop kept one core busy, and there are no more cores than the machine has.
    expect(use.busyCores).toBeGreaterThan(0);
    expect(use.busyCores).toBeLessThanOrEqual(a.cores);
  });
});

describe('machineCpuBetween: cores busy between two samples', () => {
  const at = (busy: number, idle: number, steal = 0): MachineCpuSample => ({
    busyTicks: busy,
    idleTicks: idle,
    stealTicks: steal,
    cores: 2,
  });

  it('counts elapsed ticks per core as the wall time', () => {
    // 10 s on 2 cores = 2,000 ticks: 1,500 busy, 300 idle, 200 stolen.
    const use = machineCpuBetween(at(0, 0), at(1500, 300, 200));
    expect(use.busyCores).toBeCloseTo(1.5, 9);
    expect(use.stealCores).toBeCloseTo(0.2, 9);
    expect(use.busySec).toBeCloseTo(15, 9);
    expect(use.cores).toBe(2);
  });

  it('is zero when no tick elapsed', () => {
    expect(machineCpuBetween(at(5, 5), at(5, 5))).toEqual({
      busyCores: 0,
      stealCores: 0,
      busySec: 0,
      cores: 2,
    });
  });
});

describe('process groups: PostgreSQL and Java CPU from /proc/PID/stat', () => {
  it('reads the command name, parentheses and spaces in it included, and utime + stime', () => {
    const text = '4242 (postgres: a (b)) S 1 2 3 4 5 6 7 8 9 10 120 30 0 0 20 0 1 0 100 0 0';
    expect(parsePidStat(text)).toEqual({ comm: 'postgres: a (b)', ticks: 150 });
    expect(parsePidStat('garbage')).toBeUndefined();
  });

  it('charges each process what it spent in between, a new one all it spent, and none that left', () => {
    const from: GroupTicks = new Map([
      [1, { group: 'postgres', ticks: 100 }],
      [2, { group: 'postgres', ticks: 50 }], // exits
      [3, { group: 'java', ticks: 1000 }],
    ]);
    const to: GroupTicks = new Map([
      [1, { group: 'postgres', ticks: 130 }],
      [4, { group: 'postgres', ticks: 20 }], // started in between
      [3, { group: 'java', ticks: 1010 }],
    ]);
    const spent = groupCpuBetween(from, to);
    expect(spent.postgres).toBeCloseTo(0.5, 9);
    expect(spent.java).toBeCloseTo(0.1, 9);
  });

  it('finds the PostgreSQL the tests run against on this machine', () => {
    const groups = [...sampleGroupTicks().values()].map((g) => g.group);
    expect(groups).toContain('postgres');
  });
});

describe('machineDuringFlow: where the cores went while the catch-up was in full flow', () => {
  // Every 0.5 s: the machine 2 cores busy, dedup 1 core, locate 0.5, PostgreSQL 0.2 (a backend that
  // runs throughout, 0.1, and from sample 2 on another one, 0.1), Java 0.1; reads 100/s after a slow
  // start.
  const sample = (i: number, reads: number): CpuSample => {
    const groups: GroupTicks = new Map([
      [10, { group: 'postgres', ticks: 1000 + i * 5 }],
      [20, { group: 'java', ticks: 5000 + i * 5 }],
    ]);
    if (i >= 2) groups.set(11, { group: 'postgres', ticks: (i - 1) * 5 });
    return {
      atMs: i * 500,
      reads,
      machine: { busyTicks: i * 100, idleTicks: 0, stealTicks: 0, cores: 2 },
      stageCpuSec: { dedup: i * 0.5, locate: i * 0.25 },
      groups,
    };
  };
  const samples = [sample(0, 0), sample(1, 0), sample(2, 50), sample(3, 100), sample(4, 150), sample(5, 200)];

  it('takes the samples around the marks and charges their CPU to the reads stored between them', () => {
    // 10% of 200 = 20 is crossed between samples 1 and 2; 70% = 140 between 3 and 4.
    const m = machineDuringFlow(samples, 20, 140)!;
    expect(m.seconds).toBeCloseTo(1.5, 9); // samples 1 → 4
    expect(m.busyCores).toBeCloseTo(2, 9);
    // 3 s of machine CPU (2 cores × 1.5 s) over 150 reads.
    expect(m.coreUsPerRead).toBeCloseTo(20_000, 6);
    expect(m.stagesCoreUsPerRead['dedup']).toBeCloseTo(10_000, 6);
    expect(m.stagesCoreUsPerRead['locate']).toBeCloseTo(5_000, 6);
    // Backend 10: 15 ticks; backend 11, started after sample 1: all of its 15 ticks. Java: 15 ticks.
    expect(m.postgresCoreUsPerRead).toBeCloseTo(2_000, 6);
    expect(m.javaCoreUsPerRead).toBeCloseTo(1_000, 6);
    expect(m.otherCoreUsPerRead).toBeCloseTo(2_000, 6);
  });

  it('is undefined when the upper mark is never reached or nothing was stored in between', () => {
    expect(machineDuringFlow(samples, 20, 1_000)).toBeUndefined();
    expect(machineDuringFlow([sample(0, 0)], 0, 0)).toBeUndefined();
  });
});
