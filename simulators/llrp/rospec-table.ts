/**
 * The reader's ROSpecs and their life cycle (spec 1.0.1 §10.1, reference §4.1):
 *
 *   ADD_ROSPEC (CurrentState must be Disabled) → Disabled
 *   ENABLE_ROSPEC                              Disabled → Inactive (→ Active at once with an Immediate start trigger)
 *   START_ROSPEC                               Inactive → Active (only a Null start trigger waits for it)
 *   STOP_ROSPEC                                Active → Inactive
 *   DISABLE_ROSPEC                             any → Disabled
 *   DELETE_ROSPEC                              removes it (0 = all)
 *
 * Pure: every operation returns the outcome the reader answers with, and the specs whose state
 * changed, so the connection can send ROSpecEvents and start or stop reporting.
 */
export type RoSpecState = 'Disabled' | 'Inactive' | 'Active';

/** LLRPStatus codes the table answers with (spec 1.0.1 §14.2.1). */
export const Status = {
  M_Success: 0,
  M_ParameterError: 100,
  M_FieldError: 101,
  P_FieldError: 201,
  P_UnsupportedParameter: 209,
  A_Invalid: 300,
  A_OutOfRange: 301,
} as const;

/** A refusal, as the reader's LLRPStatus carries it. */
export interface Refusal {
  statusCode: number;
  description: string;
  fieldError?: { fieldNum: number; errorCode: number };
  parameterError?: {
    parameterType: number;
    errorCode: number;
    fieldError?: { fieldNum: number; errorCode: number };
  };
}

export type Outcome = { ok: true; changed: number[] } | { ok: false; refusal: Refusal };

export interface StoredRoSpec<S> {
  id: number;
  state: RoSpecState;
  /** Start trigger type (0 Null, 1 Immediate, …). */
  startTrigger: number;
  spec: S;
}

/** ROSpec parameter type and the field numbers of ROSpecID and CurrentState inside it. */
const ROSPEC_PARAMETER = 177;
const FIELD_ROSPEC_ID = 0;
const FIELD_CURRENT_STATE = 2;

export class RoSpecTable<S> {
  private readonly specs = new Map<number, StoredRoSpec<S>>();

  constructor(private readonly maxSpecs = 8) {}

  get(id: number): StoredRoSpec<S> | undefined {
    return this.specs.get(id);
  }

  all(): StoredRoSpec<S>[] {
    return [...this.specs.values()];
  }

  active(): StoredRoSpec<S>[] {
    return this.all().filter((s) => s.state === 'Active');
  }

  add(id: number, currentState: number, startTrigger: number, spec: S): Outcome {
    if (id === 0) return fieldOfRoSpec(FIELD_ROSPEC_ID, 'ROSpecID 0 is reserved');
    if (this.specs.has(id)) return fieldOfRoSpec(FIELD_ROSPEC_ID, `ROSpecID ${id} already exists`);
    if (currentState !== 0)
      return fieldOfRoSpec(FIELD_CURRENT_STATE, 'CurrentState of an added ROSpec must be 0 (Disabled)');
    if (startTrigger !== 0 && startTrigger !== 1) {
      return {
        ok: false,
        refusal: {
          statusCode: Status.M_ParameterError,
          description: `ROSpecStartTrigger type ${startTrigger} not supported by this emulator (Null and Immediate are)`,
          parameterError: { parameterType: 179, errorCode: Status.P_UnsupportedParameter },
        },
      };
    }
    if (this.specs.size >= this.maxSpecs)
      return fieldOfRoSpec(
        FIELD_ROSPEC_ID,
        `at most ${this.maxSpecs} ROSpecs (LLRPCapabilities.MaxNumROSpecs)`,
      );
    this.specs.set(id, { id, state: 'Disabled', startTrigger, spec });
    return { ok: true, changed: [] };
  }

  delete(id: number): Outcome {
    if (id === 0) {
      const changed = this.all()
        .filter((s) => s.state === 'Active')
        .map((s) => s.id);
      this.specs.clear();
      return { ok: true, changed };
    }
    const spec = this.specs.get(id);
    if (spec === undefined) return unknownId(id);
    this.specs.delete(id);
    return { ok: true, changed: spec.state === 'Active' ? [id] : [] };
  }

  enable(id: number): Outcome {
    return this.each(id, (spec) => {
      if (spec.state !== 'Disabled') return false;
      spec.state = spec.startTrigger === 1 ? 'Active' : 'Inactive';
      return true;
    });
  }

  disable(id: number): Outcome {
    return this.each(id, (spec) => {
      if (spec.state === 'Disabled') return false;
      spec.state = 'Disabled';
      return true;
    });
  }

  start(id: number): Outcome {
    if (id === 0) return messageField('ROSpecID 0 is not allowed in START_ROSPEC');
    const spec = this.specs.get(id);
    if (spec === undefined) return unknownId(id);
    if (spec.state === 'Disabled') return messageField(`ROSpec ${id} is Disabled: ENABLE_ROSPEC it first`);
    if (spec.state === 'Active') return messageField(`ROSpec ${id} is already Active`);
    spec.state = 'Active';
    return { ok: true, changed: [id] };
  }

  stop(id: number): Outcome {
    if (id === 0) return messageField('ROSpecID 0 is not allowed in STOP_ROSPEC');
    const spec = this.specs.get(id);
    if (spec === undefined) return unknownId(id);
    if (spec.state !== 'Active') return messageField(`ROSpec ${id} is not Active`);
    spec.state = 'Inactive';
    return { ok: true, changed: [id] };
  }

  /** Apply `change` to spec `id` or (0) to all; `changed` lists those whose Active-ness flipped. */
  private each(id: number, change: (spec: StoredRoSpec<S>) => boolean): Outcome {
    const targets = id === 0 ? this.all() : [this.specs.get(id)];
    if (targets[0] === undefined && id !== 0) return unknownId(id);
    const changed: number[] = [];
    for (const spec of targets) {
      if (spec === undefined) continue;
      const wasActive = spec.state === 'Active';
      if (change(spec) && wasActive !== (spec.state === 'Active')) changed.push(spec.id);
    }
    return { ok: true, changed };
  }
}

function unknownId(id: number): Outcome {
  return messageField(`no ROSpec with ROSpecID ${id}`);
}

/** A bad field of the message itself (its ROSpecID, field 0). */
function messageField(description: string): Outcome {
  return {
    ok: false,
    refusal: {
      statusCode: Status.M_FieldError,
      description,
      fieldError: { fieldNum: FIELD_ROSPEC_ID, errorCode: Status.A_Invalid },
    },
  };
}

/** A bad field inside the ROSpec parameter of ADD_ROSPEC. */
function fieldOfRoSpec(fieldNum: number, description: string): Outcome {
  return {
    ok: false,
    refusal: {
      statusCode: Status.M_ParameterError,
      description,
      parameterError: {
        parameterType: ROSPEC_PARAMETER,
        errorCode: Status.P_FieldError,
        fieldError: { fieldNum, errorCode: Status.A_Invalid },
      },
    },
  };
}
