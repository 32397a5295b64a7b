export { cbvTerms } from './cbv-vocabulary.js';
export { epcUrnToDigitalLink } from './digital-link.js';
export { EPCIS_CONTEXT, epcisDocument, exportEpcis, type EpcisDocument } from './epcis-document.js';
export { startEpcisServer, type EpcisServer } from './epcis-server.js';
export { eventHashId, hashPreHashString, preHashString } from './event-hash.js';
export { BONDTRACK_NS, timeZoneOffset, toObjectEvent, type EpcisObjectEvent } from './object-event.js';
export { readZoneEvents, type ZoneEventRow } from './zone-event-rows.js';
