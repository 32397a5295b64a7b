// Moved to simulators/read-noise.ts, next to the faults the simulation applies itself.
export { ReadNoise, type ReadNoiseOptions } from '../../simulators/index.js';
