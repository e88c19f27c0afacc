import { parentPort } from 'node:worker_threads';
import type { RunOfShow } from '../../schema/document/run-of-show.ts';
import { runOfShowPdf } from './run-of-show-pdf.ts';

/**
 * One render at a time (the pool sends the next only after this one answered). The fonts this
 * thread parses (pdf-fonts.ts keeps them per module instance) stay for the life of the worker, so
 * only its first mixed-script PDF pays for parsing them.
 */
parentPort!.on('message', ({ task }: { task: RunOfShow }) => {
  Promise.resolve(task).then(runOfShowPdf).then((pdf) => {
    // A fresh, whole ArrayBuffer to transfer: a small Buffer may be a slice of Node's shared pool.
    const bytes = new Uint8Array(pdf.byteLength);
    bytes.set(pdf);
    parentPort!.postMessage({ ok: true, result: bytes }, [bytes.buffer]);
  }, (error: unknown) => {
    parentPort!.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
  });
});
