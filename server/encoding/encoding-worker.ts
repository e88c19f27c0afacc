import { parentPort } from 'node:worker_threads';
import { runEncodingTask, type EncodingTask } from './encoding-tasks.ts';

/** One task at a time: the pool sends the next only after this one answered. */
parentPort!.on('message', ({ task }: { task: EncodingTask }) => {
  try {
    const { result, transfer } = runEncodingTask(task);
    parentPort!.postMessage({ ok: true, result }, transfer);
  } catch (error) {
    parentPort!.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
  }
});
