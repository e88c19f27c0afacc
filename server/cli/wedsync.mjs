#!/usr/bin/env node
// The `wedsync` command. Our sources are TypeScript: this shim registers the loader that runs them
// (./typescript-loader.mjs) and then hands over to the real entry point.
import './typescript-loader.mjs';

const { main } = await import('./main.ts');
// Exit explicitly: after `serve` shuts down, timers of closed documents must not keep the process up.
process.exit(await main(process.argv.slice(2)));
