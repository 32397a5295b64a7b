import { describe, expect, it } from 'vitest';
import { BacklogGate } from '../../../bench/pipeline/backlog-gate.js';

// Issue 7, capacity mode: publishers wait while `maxBacklog` batches are not yet in the raw topic.
describe('backlog gate', () => {
  it('admits at once below the backlog and holds publishers until the bridge delivers', async () => {
    let delivered = 0;
    let polls = 0;
    const gate = new BacklogGate(3, () => {
      polls++;
      return Promise.resolve(delivered);
    });
    await gate.admit(0);
    await gate.admit(2);
    expect(gate.heldMs).toBe(0);
    let admitted = false;
    const waiting = gate.admit(3).then(() => (admitted = true));
    // Held across polls of the raw topic while nothing more was delivered.
    await expect.poll(() => polls).toBeGreaterThanOrEqual(2);
    expect(admitted).toBe(false);
    delivered = 1;
    await waiting;
    expect(admitted).toBe(true);
    expect(gate.heldMs).toBeGreaterThan(0);
  });

  it('fails the publisher when the raw topic cannot be read', async () => {
    const gate = new BacklogGate(1, () => Promise.reject(new Error('broker gone')));
    await expect(gate.admit(1)).rejects.toThrow('broker gone');
  });
});
