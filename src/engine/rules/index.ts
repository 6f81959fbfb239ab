import type { DifferentialRule, Rule } from '../rule.js';
import { closureWrite } from './closure-write.js';
import { testClosureWrite } from './test-closure-write.js';
import { reassignedCapture } from './reassigned-capture.js';
import { sharedFieldWrite } from './shared-field-write.js';
import { siblingFieldWrite } from './sibling-field-write.js';
import { mutexLifetime } from './mutex-lifetime.js';
import { sharedContainer } from './shared-container.js';
import { sharedBuffer } from './shared-buffer.js';
import { copiedLock } from './copied-lock.js';
import { loopVarCapture } from './loop-var-capture.js';
import { waitGroupMisuse } from './waitgroup-misuse.js';
import { mixedAtomic } from './mixed-atomic.js';
import { rlockWrite } from './rlock-write.js';
import { unguardedField } from './unguarded-field.js';
import { parallelTestState } from './parallel-test-state.js';
import { packageState } from './package-state.js';
import { unjoinedResult } from './unjoined-result.js';
import { lockEscape } from './lock-escape.js';
import { removedSync } from './removed-sync.js';
import { appendAlias } from './append-alias.js';
import { writeAfterStart } from './write-after-start.js';

/** Every detector, in the order findings are produced. */
export const ALL_RULES: readonly Rule[] = [
  closureWrite,
  testClosureWrite,
  reassignedCapture,
  sharedFieldWrite,
  siblingFieldWrite,
  mutexLifetime,
  sharedBuffer,
  sharedContainer,
  copiedLock,
  loopVarCapture,
  waitGroupMisuse,
  mixedAtomic,
  rlockWrite,
  unguardedField,
  parallelTestState,
  packageState,
  unjoinedResult,
  lockEscape,
  appendAlias,
  writeAfterStart,
];

/** Detectors that compare a file's base and head (run by the differential review, src/engine/differential.ts). */
export const DIFFERENTIAL_RULES: readonly DifferentialRule[] = [removedSync];
