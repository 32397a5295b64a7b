export { accepts, freePort } from '../../runtime/local-ports.js';
