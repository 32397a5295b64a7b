import { readdirSync, readFileSync } from 'node:fs';

/**
 * The whole machine's CPU time so far, from the aggregate `cpu` line of /proc/stat (proc(5)), in
 * USER_HZ ticks. The stages' own CPU (/proc/PID/stat) says what they spent; this says what
 * everything spent — the Kafka broker, PostgreSQL, the bench itself — and whether the cores were
 * all busy, which is what a ratio against the raw consume on shared cores comes down to.
 */
export interface MachineCpuSample {
  /** user + nice + system + irq + softirq (guest time is already inside user and nice). */
  busyTicks: number;
  /** idle + iowait. */
  idleTicks: number;
  /** Time the hypervisor ran something else while we had work: a shared VM's noise, made visible. */
  stealTicks: number;
  /** The `cpuN` lines: cores the ticks are spread over. */
  cores: number;
}

/** What the machine did between two samples, in cores (busy ticks ÷ elapsed ticks per core). */
export interface MachineCpuUse {
  /** Cores busy on average: 2 is a 2-core machine saturated. */
  busyCores: number;
  stealCores: number;
  /** CPU seconds spent, all processes together. */
  busySec: number;
  /** The machine's cores: the most `busyCores` can be. */
  cores: number;
}

/** Linux USER_HZ (100 on every Linux we run; /proc/stat counts in it). */
const TICKS_PER_SEC = 100;

/** Parse /proc/stat's text. Throws when its aggregate `cpu` line is missing or short. */
export function parseProcStat(text: string): MachineCpuSample {
  const lines = text.split('\n');
  const total = lines.find((l) => l.startsWith('cpu '));
  if (!total) throw new Error('/proc/stat: no aggregate "cpu" line');
  const f = total.trim().split(/\s+/).slice(1).map(Number);
  if (f.length < 8 || f.slice(0, 8).some((x) => !Number.isFinite(x)))
    throw new Error(`/proc/stat: cannot read the "cpu" line: ${total}`);
  // Checked above: eight finite fields (the defaults only satisfy the type checker).
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
  return {
    busyTicks: user + nice + system + irq + softirq,
    idleTicks: idle + iowait,
    stealTicks: steal,
    cores: Math.max(1, lines.filter((l) => /^cpu\d+\s/.test(l)).length),
  };
}

/** The machine's CPU time now (synchronous: a procfs read, taken where a moment matters). */
export function sampleMachineCpu(): MachineCpuSample {
  return parseProcStat(readFileSync('/proc/stat', 'utf8'));
}

/** The machine's use between two samples; zero when no tick elapsed. */
export function machineCpuBetween(from: MachineCpuSample, to: MachineCpuSample): MachineCpuUse {
  const busy = to.busyTicks - from.busyTicks;
  const steal = to.stealTicks - from.stealTicks;
  const elapsed = busy + steal + (to.idleTicks - from.idleTicks);
  // Elapsed ticks are summed over the cores: per core, they are the wall time.
  const perCore = elapsed / to.cores;
  return {
    busyCores: perCore > 0 ? busy / perCore : 0,
    stealCores: perCore > 0 ? steal / perCore : 0,
    busySec: busy / TICKS_PER_SEC,
    cores: to.cores,
  };
}

/** Processes the catch-up's figures name besides the stages, by command name (proc(5) `comm`). */
export type ProcessGroup = 'postgres' | 'java';
const GROUPS: ReadonlySet<string> = new Set<ProcessGroup>(['postgres', 'java']);

/** Per live process of a named group: its group and CPU ticks so far (user + system). */
export type GroupTicks = Map<number, { group: ProcessGroup; ticks: number }>;

/**
 * Parse one /proc/PID/stat: its command name and its CPU ticks (utime + stime, fields 14 and 15 of
 * proc(5), the 12th and 13th after the name), or undefined when the text is not one. The name is in
 * parentheses and may hold spaces and ')': it ends at the last one.
 */
export function parsePidStat(text: string): { comm: string; ticks: number } | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const fields = text.slice(close + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? { comm: text.slice(open + 1, close), ticks } : undefined;
}

/**
 * The CPU ticks of every live PostgreSQL and Java process (the Kafka broker runs on Java here), for
 * `groupCpuBetween`. A process that exits between two samples takes its ticks with it: those stay in
 * the machine's remainder.
 */
export function sampleGroupTicks(): GroupTicks {
  const out: GroupTicks = new Map();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // gone since the listing
    }
    const stat = parsePidStat(text);
    if (stat && GROUPS.has(stat.comm)) out.set(pid, { group: stat.comm as ProcessGroup, ticks: stat.ticks });
  }
  return out;
}

/**
 * CPU seconds per group between two samples: each process live at the end, less what it had at the
 * start (nothing when it started in between).
 */
export function groupCpuBetween(from: GroupTicks, to: GroupTicks): Record<ProcessGroup, number> {
  const out: Record<ProcessGroup, number> = { postgres: 0, java: 0 };
  for (const [pid, now] of to) {
    const before = from.get(pid);
    const ticks = before && before.group === now.group ? now.ticks - before.ticks : now.ticks;
    out[now.group] += Math.max(0, ticks) / TICKS_PER_SEC;
  }
  return out;
}
