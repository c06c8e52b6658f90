#!/usr/bin/env node
// The installed CLI runs the compiled sources (npm run build / scripts/setup.sh).
import { main } from '../dist/client/main.js';

await main();
