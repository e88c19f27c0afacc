import fs from 'node:fs';
import path from 'node:path';
import * as Y from 'yjs';
import type { LocalStore } from './local-store.ts';

export interface FileStoreOptions {
  /** Fold the appended updates into one state once this many have accumulated. @default 500 */
  compactAfter?: number;
}

/**
 * A LocalStore for Node clients (headless peers, mobile-style apps, CLIs): one file per wedding in
 * `dir`, holding length-prefixed Yjs updates. Each update is appended synchronously, so an edit made
 * offline survives the process being killed right after.
 */
export function createFileStore(dir: string, options: FileStoreOptions = {}): LocalStore {
  const compactAfter = options.compactAfter ?? 500;
  let bound: { file: string; ydoc: Y.Doc; onUpdate: (u: Uint8Array) => void; count: number } | undefined;

  const frame = (update: Uint8Array) => {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(update.byteLength);
    return Buffer.concat([header, update]);
  };

  const compact = () => {
    if (!bound) return;
    const tmp = `${bound.file}.tmp`;
    fs.writeFileSync(tmp, frame(Y.encodeStateAsUpdate(bound.ydoc)));
    fs.renameSync(tmp, bound.file);
    bound.count = 1;
  };

  return {
    async bind(weddingId, ydoc) {
      if (bound) throw new Error('this file store is already bound to a document');
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${weddingId}.ydoc`);
      const updates: Uint8Array[] = [];
      if (fs.existsSync(file)) {
        const buf = fs.readFileSync(file);
        let pos = 0;
        // A torn final record (the process died mid-append) is ignored; every complete one is kept.
        while (pos + 4 <= buf.length) {
          const len = buf.readUInt32BE(pos);
          if (pos + 4 + len > buf.length) break;
          updates.push(buf.subarray(pos + 4, pos + 4 + len));
          pos += 4 + len;
        }
      }
      if (updates.length) Y.applyUpdate(ydoc, Y.mergeUpdates(updates), 'local-store');
      const onUpdate = (update: Uint8Array) => {
        if (!bound) return;
        fs.appendFileSync(file, frame(update));
        if (++bound.count >= compactAfter) compact();
      };
      bound = { file, ydoc, onUpdate, count: updates.length };
      ydoc.on('update', onUpdate);
      if (updates.length > compactAfter) compact();
    },
    async replace(weddingId, ydoc) {
      if (bound) bound.ydoc.off('update', bound.onUpdate);
      bound = undefined;
      fs.rmSync(path.join(dir, `${weddingId}.ydoc`), { force: true });
      await this.bind(weddingId, ydoc);
    },
    async close() {
      if (!bound) return;
      bound.ydoc.off('update', bound.onUpdate);
      compact();
      bound = undefined;
    },
  };
}
