import { describeError } from '../../runtime/errors.js';
import { CustomsStatus } from '../../schemas/index.js';

/** A customs status ready for `{prefix}.customs.v1`: keyed by EPC (the co-partitioning key). */
export interface CustomsRecord {
  key: string;
  status: CustomsStatus;
}

export interface RejectedCustomsLine {
  line: number;
  text: string;
  code: 'BT_CUSTOMS_INVALID' | 'BT_CUSTOMS_UNKNOWN_SSCC';
  reason: string;
}

/**
 * Parses customs statuses, one JSON object per line (blank lines skipped), into records keyed by
 * EPC. An SSCC-only status is resolved through the manifest: the customs topic is keyed by EPC so
 * that a status lands on the partition number of the pallet's observations. Bad lines are returned
 * with a stable code and the reason, never thrown.
 */
export function parseCustomsLines(
  text: string,
  ssccToEpc: ReadonlyMap<string, string>,
): { records: CustomsRecord[]; rejected: RejectedCustomsLine[] } {
  const records: CustomsRecord[] = [];
  const rejected: RejectedCustomsLine[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    let status: CustomsStatus;
    try {
      status = CustomsStatus.parse(JSON.parse(line));
    } catch (err) {
      rejected.push({ line: index + 1, text: line, code: 'BT_CUSTOMS_INVALID', reason: describeError(err) });
      return;
    }
    const epc = status.epc ?? (status.sscc === undefined ? undefined : ssccToEpc.get(status.sscc));
    if (epc === undefined) {
      rejected.push({
        line: index + 1,
        text: line,
        code: 'BT_CUSTOMS_UNKNOWN_SSCC',
        reason: `SSCC ${status.sscc ?? '?'} is in no manifest and the status names no EPC`,
      });
      return;
    }
    records.push({ key: epc, status: status.epc === undefined ? { ...status, epc } : status });
  });
  return { records, rejected };
}
