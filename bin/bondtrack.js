#!/usr/bin/env node
// The `bondtrack` command. Sources are TypeScript run through tsx's loader, so a checkout runs
// without a separate compile step; `npm run build` type-checks the same files.
import { register } from 'tsx/esm/api';

register();
// Before anything loads kafkajs: its record batches are checksummed natively (see the module).
const { useNativeCrc32cInKafkajs } = await import('../pipeline/runtime/kafkajs-crc32c.ts');
useNativeCrc32cInKafkajs();
await import('../cli/main.ts');
