/**
 * Validation against the official SARIF 2.1.0 schema that @microsoft/jest-sarif ships. Its matcher
 * needs tslib, which it does not declare, so the schema is checked here with its own ajv (v6, draft-04).
 */
import { createRequire } from 'node:module';

// Resolve ajv as jest-sarif does, so a differently hoisted ajv (v8 has no draft-04) is never picked up.
const require = createRequire(createRequire(import.meta.url).resolve('@microsoft/jest-sarif'));

interface AjvError {
  dataPath: string;
  message?: string;
}
interface AjvInstance {
  addMetaSchema(schema: object): void;
  compile(schema: object): ((data: unknown) => boolean) & { errors?: AjvError[] | null };
}

let validate: ReturnType<AjvInstance['compile']> | undefined;

/** The schema violations of a SARIF log, as "path: message" lines; empty when it is valid. */
export function sarifSchemaErrors(log: unknown): string[] {
  if (!validate) {
    const Ajv = require('ajv') as new (options: object) => AjvInstance;
    const ajv = new Ajv({ schemaId: 'auto', allErrors: true, format: 'full' });
    ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-04.json') as object);
    validate = ajv.compile(require('./schemas/sarif-2.1.0-rtm.5.json') as object);
  }
  return validate(log) ? [] : (validate.errors ?? []).map((e) => `${e.dataPath || '/'}: ${e.message ?? 'invalid'}`);
}
