#!/usr/bin/env node
// The `wedsync` command. Our sources are TypeScript run through tsx, so this shim registers tsx's
// loader and then hands over to the real entry point.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
// Exit explicitly: after `serve` shuts down, timers of closed documents must not keep the process up.
process.exit(await main(process.argv.slice(2)));
