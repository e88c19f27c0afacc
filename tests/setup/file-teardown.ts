import { afterAll } from 'vitest';
import { runFileTeardowns } from '../helpers/teardown.ts';

// Setup files run before every test file, isolated or not: each file's registered teardowns run after it.
afterAll(runFileTeardowns);
