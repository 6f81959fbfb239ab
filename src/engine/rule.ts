import type { RuleMeta, SuggestedFix, ThreadFlow } from './types.js';
import type Parser from 'tree-sitter';
import type { FileModel, PackageView } from './semantic/model.js';
import type { PackageModel } from './semantic/package.js';
import type { FileDelta } from './delta.js';
import type { ApiModels } from './models/index.js';
import type { BodyTest, SkeletonContext } from './skeleton.js';

/** A position in the file being analyzed (1-based line and column). */
export interface Span {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** What a rule reports; the engine adds the file, rule id and severity, and applies the diff filter. */
export interface Diagnostic extends Span {
  message: string;
  /** Other accesses in the race; `file` when they sit in another file of the package. */
  related?: { file?: string; line: number; message: string }[];
  /** Each racing goroutine's path to its access (files named in full). */
  threads?: ThreadFlow[];
  /** A proposed fix; the engine verifies it before it reaches a finding. */
  fix?: SuggestedFix;
  fixHint?: string;
}

/**
 * A detector: a meta block and a run over the shared semantic model, either of one file (`run`) or
 * of the whole package (`runPackage`, reporting in any of its files).
 */
export interface Rule {
  meta: RuleMeta;
  run?(model: FileModel, report: (diagnostic: Diagnostic) => void): void;
  runPackage?(pkg: PackageModel, report: (file: FileModel, diagnostic: Diagnostic) => void): void;
  /**
   * Functions this rule needs in the model beyond those that spawn goroutines (always walked) and
   * those `lockingBodies` and `lockedMethods` choose: given the file's package-level view, a test on a
   * function's text.
   */
  walks?(view: PackageView): ((functionText: string) => boolean) | undefined;
  /**
   * The top-level function bodies this rule reads beyond those the model walks, told from the text
   * before the file is parsed: the engine parses only the bodies the model or some rule may read
   * (engine/skeleton.ts), and a left-out body is an empty block. A test on each function, 'all' for
   * every body of the file, or undefined when the rule reads nothing but the model's units and
   * accesses, the walked functions' nodes, signatures, package-level declarations and text.
   * Functions `walks` selects must pass the test too (or the file is parsed twice). A rule without
   * `bodies` has every body parsed.
   */
  bodies?(ctx: SkeletonContext): BodyTest | 'all' | undefined;
  /**
   * Which methods of structs that hold a mutex the model must walk for this rule even when they
   * neither lock, start goroutines nor serve requests: lock-guard inference reads every one of them,
   * a rule that reads only what goroutines and lockers do needs none (though such a method may start
   * a goroutine the walk finds and SPAWNING_BODY misses: model.ts mightSpawn). A test on the
   * method's text, or undefined for none. A rule without `lockedMethods` has all of them walked.
   */
  lockedMethods?(ctx: SkeletonContext): BodyTest | undefined;
  /**
   * Which functions that take a lock or use an atomic, but start no goroutine, the model must walk
   * for this rule: lock-guard inference reads every one, a rule that reads only what goroutines do
   * needs none (the locks a goroutine's own code takes are in its walk). A test on the function's
   * text, or undefined for none. A rule without `lockingBodies` has all of them walked.
   */
  lockingBodies?(ctx: SkeletonContext): BodyTest | undefined;
}

/** `bodies` for a rule that reads only what the model walked (see Rule.bodies). */
export function onlyWalkedBodies(): undefined {
  return undefined;
}

/** Both versions of one changed file, for rules that judge what a pull request removes. */
export interface VersionPair {
  delta: FileDelta;
  baseTree: Parser.Tree;
  headTree: Parser.Tree;
  /** The head's effective Go language version. */
  goVersion?: string;
  /** The bundled models with the user's. */
  models: ApiModels;
}

/** A finding on the head version that rests on a line the pull request deleted. */
export interface RemovalDiagnostic extends Diagnostic {
  /** The deleted line, by its base line number (or the moved line, by its head line). */
  removed: { line: number; text: string };
}

/** A detector over base and head: what the pull request took away. */
export interface DifferentialRule {
  meta: RuleMeta;
  compare(pair: VersionPair, report: (diagnostic: RemovalDiagnostic) => void): void;
}
