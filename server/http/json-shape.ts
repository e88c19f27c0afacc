import { HttpError } from './http-error.ts';

/**
 * Bounds on the shape of a JSON body, checked on the raw text before `JSON.parse`: a body within the
 * byte limit can still be a bomb for whatever walks it next (100,000 nested arrays overflow a
 * recursive validator; 40,000 keys in one object make every lookup and log line slow).
 */
export interface JsonShapeLimits {
  /** Deepest nesting of objects and arrays. @default 32 */
  maxDepth: number;
  /** Most members in one object or elements in one array. @default 2000 */
  maxMembers: number;
}

export const DEFAULT_JSON_SHAPE: JsonShapeLimits = { maxDepth: 32, maxMembers: 2000 };

/**
 * Throws HttpError 413 `json_too_complex` when `text` nests deeper or holds larger containers than
 * `limits` allow. Scans once, O(length), without building anything; text that is not JSON is left for
 * the parser to refuse.
 */
export function assertJsonShape(text: string, limits: JsonShapeLimits = DEFAULT_JSON_SHAPE): void {
  const counts: number[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
      continue;
    }
    switch (ch) {
      case 0x22: inString = true; break;
      case 0x7b: case 0x5b: // { [
        counts.push(0);
        if (counts.length > limits.maxDepth) throw tooComplex(`JSON nested deeper than ${limits.maxDepth} levels`);
        break;
      case 0x7d: case 0x5d: counts.pop(); break; // } ]
      case 0x2c: { // ,
        const top = counts.length - 1;
        if (top >= 0 && ++counts[top]! >= limits.maxMembers) throw tooComplex(`a JSON object or array with more than ${limits.maxMembers} members`);
        break;
      }
    }
  }
}

const tooComplex = (what: string) => new HttpError(413, 'json_too_complex', `request bodies may not contain ${what}`);
