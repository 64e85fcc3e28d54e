import { Ajv } from 'ajv';
import type { FastifyInstance } from 'fastify';

/**
 * The worklist routes' validator: strict (no type coercion, nothing removed). Fastify's default Ajv removes
 * unknown properties, which inside a `oneOf` would strip fields of the right branch while trying the others.
 */
export function useStrictValidator(app: FastifyInstance): void {
  const ajv = new Ajv({ discriminator: true, allErrors: false, strict: false, coerceTypes: false, removeAdditional: false, useDefaults: false });
  app.setValidatorCompiler(({ schema }) => ajv.compile(schema));
}
