// The extractor's fingerprint: what the cached facts were extracted with (this code's version,
// the facts query, the kernel knowledge, the grammar's bytes). A cache or lookup file of another
// fingerprint is re-indexed, never trusted. Loads no parser, so a warm CLI lookup can check it.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { grammarPath, queryText } from './assets';
import { knowledgeFingerprint, type Knowledge } from './knowledge';

/** Bump when extract.ts output changes meaning; part of the cache fingerprint. */
export const EXTRACTOR_VERSION = 7;

const fingerprints = new WeakMap<Knowledge, string>();
export function engineFingerprint(k: Knowledge): string {
  const known = fingerprints.get(k);
  if (known) return known;
  const h = crypto.createHash('sha1');
  h.update(String(EXTRACTOR_VERSION)).update(queryText('facts.scm')).update(knowledgeFingerprint(k));
  h.update(fs.readFileSync(grammarPath()));
  const out = h.digest('hex');
  fingerprints.set(k, out);
  return out;
}
