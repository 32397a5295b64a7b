#!/usr/bin/env node
// The `bondtrack` command. Sources are TypeScript run through tsx's loader, so a checkout runs
// without a separate compile step; `npm run build` type-checks the same files.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
