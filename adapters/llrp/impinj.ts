import { f, s, type MessageSpec, type ParamSpec } from './codec-schema.js';
import { MessageType } from './message-types.js';
import { ParameterType } from './parameter-types.js';

/**
 * Impinj LLRP extensions (Octane LTK): CUSTOM_MESSAGE / Custom parameters with vendor 25882
 * (0x651a). Subtypes and layouts from sllurp `llrp_proto.py` (Impinj section) and the Wireshark
 * dissector `packet-llrp.c`. A reader only honours them after IMPINJ_ENABLE_EXTENSIONS.
 */
export const IMPINJ_VENDOR_ID = 25882;

export const ImpinjSubtype = {
  // CUSTOM_MESSAGE subtypes (u8)
  IMPINJ_ENABLE_EXTENSIONS: 21,
  IMPINJ_ENABLE_EXTENSIONS_RESPONSE: 22,
  // Custom parameter subtypes (u32)
  ImpinjInventorySearchMode: 23,
  ImpinjTagReportContentSelector: 50,
  ImpinjEnableSerializedTID: 51,
  ImpinjEnableRFPhaseAngle: 52,
  ImpinjEnablePeakRSSI: 53,
  ImpinjEnableGPSCoordinates: 54,
  ImpinjRFPhaseAngle: 56,
  ImpinjPeakRSSI: 57,
  ImpinjEnableOptimizedRead: 65,
  ImpinjEnableRFDopplerFrequency: 67,
  ImpinjRFDopplerFrequency: 68,
} as const;

const custom = (
  name: keyof typeof ImpinjSubtype,
  fields: ParamSpec['fields'],
  slots: ParamSpec['slots'] = [],
): ParamSpec => ({
  name,
  typeNum: ParameterType.Custom,
  vendorId: IMPINJ_VENDOR_ID,
  subtype: ImpinjSubtype[name],
  fields,
  slots,
});

/** The ImpinjEnableX parameters: one u16 mode each (0 disabled, 1 enabled). */
const enable = (name: keyof typeof ImpinjSubtype) => custom(name, [f.u16('mode')]);

export const IMPINJ_PARAMETERS: readonly ParamSpec[] = [
  custom('ImpinjInventorySearchMode', [f.u16('inventorySearchMode')], [s.custom()]),
  custom(
    'ImpinjTagReportContentSelector',
    [],
    [
      s.opt('enableSerializedTid', 'ImpinjEnableSerializedTID'),
      s.opt('enableRfPhaseAngle', 'ImpinjEnableRFPhaseAngle'),
      s.opt('enablePeakRssi', 'ImpinjEnablePeakRSSI'),
      s.opt('enableGpsCoordinates', 'ImpinjEnableGPSCoordinates'),
      s.opt('enableOptimizedRead', 'ImpinjEnableOptimizedRead'),
      s.opt('enableRfDopplerFrequency', 'ImpinjEnableRFDopplerFrequency'),
      s.custom(),
    ],
  ),
  enable('ImpinjEnableSerializedTID'),
  enable('ImpinjEnableRFPhaseAngle'),
  enable('ImpinjEnablePeakRSSI'),
  enable('ImpinjEnableGPSCoordinates'),
  enable('ImpinjEnableOptimizedRead'),
  enable('ImpinjEnableRFDopplerFrequency'),
  custom('ImpinjRFPhaseAngle', [f.u16('phaseAngle')]),
  custom('ImpinjPeakRSSI', [f.s16('rssiCentiDbm')]),
  custom('ImpinjRFDopplerFrequency', [f.s16('dopplerFrequency')]),
];

export const IMPINJ_MESSAGES: readonly MessageSpec[] = [
  {
    name: 'IMPINJ_ENABLE_EXTENSIONS',
    typeNum: MessageType.CUSTOM_MESSAGE,
    vendorId: IMPINJ_VENDOR_ID,
    subtype: ImpinjSubtype.IMPINJ_ENABLE_EXTENSIONS,
    fields: [f.rsvd(32)],
    slots: [s.custom()],
  },
  {
    name: 'IMPINJ_ENABLE_EXTENSIONS_RESPONSE',
    typeNum: MessageType.CUSTOM_MESSAGE,
    vendorId: IMPINJ_VENDOR_ID,
    subtype: ImpinjSubtype.IMPINJ_ENABLE_EXTENSIONS_RESPONSE,
    fields: [],
    slots: [s.one('llrpStatus', 'LLRPStatus'), s.custom()],
  },
];
