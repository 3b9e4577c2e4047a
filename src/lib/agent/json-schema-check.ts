// Checks a value against the JSON Schema keywords Hearth's tool schemas and schema mode use, to
// verify what a grammar-constrained reply promised: the structure, types, required fields and
// enums a grammar enforces. Valibot's own checks (a time it can read, an address that parses) go
// beyond JSON Schema and are run separately by the agent (parseArguments).

type Schema = Record<string, unknown>;

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeOf(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'array';
	if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
	return typeof value;
}

function typeMatches(value: unknown, type: unknown): boolean {
	const types = Array.isArray(type) ? type : [type];
	const actual = typeOf(value);
	return types.some((t) => t === actual || (t === 'number' && actual === 'integer'));
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** The first way `value` breaks `schema` (with its path), or null when it conforms. */
export function schemaProblem(value: unknown, schema: unknown, path = '$'): string | null {
	if (!isRecord(schema)) return null;
	const s = schema as Schema;
	if (s.type !== undefined && !typeMatches(value, s.type)) {
		return `${path}: expected ${JSON.stringify(s.type)}, got ${typeOf(value)}`;
	}
	if (Array.isArray(s.enum) && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
		return `${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`;
	}
	if ('const' in s && JSON.stringify(s.const) !== JSON.stringify(value)) {
		return `${path}: expected ${JSON.stringify(s.const)}`;
	}
	for (const key of ['anyOf', 'oneOf'] as const) {
		const branches = s[key];
		if (Array.isArray(branches) && !branches.some((b) => schemaProblem(value, b, path) === null)) {
			return `${path}: matches none of its ${key} branches`;
		}
	}
	if (Array.isArray(s.allOf)) {
		for (const part of s.allOf) {
			const problem = schemaProblem(value, part, path);
			if (problem) return problem;
		}
	}
	if (typeof value === 'string') {
		const min = num(s.minLength);
		const max = num(s.maxLength);
		const length = [...value].length;
		if (min !== undefined && length < min) return `${path}: shorter than ${min}`;
		if (max !== undefined && length > max) return `${path}: longer than ${max}`;
	}
	if (typeof value === 'number') {
		if (num(s.minimum) !== undefined && value < num(s.minimum)!) return `${path}: below minimum`;
		if (num(s.maximum) !== undefined && value > num(s.maximum)!) return `${path}: above maximum`;
		if (num(s.exclusiveMinimum) !== undefined && value <= num(s.exclusiveMinimum)!) {
			return `${path}: not above the exclusive minimum`;
		}
		if (num(s.exclusiveMaximum) !== undefined && value >= num(s.exclusiveMaximum)!) {
			return `${path}: not below the exclusive maximum`;
		}
	}
	if (Array.isArray(value)) {
		if (num(s.minItems) !== undefined && value.length < num(s.minItems)!)
			return `${path}: too few items`;
		if (num(s.maxItems) !== undefined && value.length > num(s.maxItems)!)
			return `${path}: too many items`;
		if (isRecord(s.items)) {
			for (const [i, item] of value.entries()) {
				const problem = schemaProblem(item, s.items, `${path}[${i}]`);
				if (problem) return problem;
			}
		}
	}
	if (isRecord(value)) {
		const properties = isRecord(s.properties) ? s.properties : {};
		for (const key of Array.isArray(s.required) ? s.required : []) {
			if (typeof key === 'string' && !(key in value)) return `${path}: "${key}" is missing`;
		}
		for (const [key, child] of Object.entries(value)) {
			if (key in properties) {
				const problem = schemaProblem(child, properties[key], `${path}.${key}`);
				if (problem) return problem;
			} else if (s.additionalProperties === false) {
				return `${path}: "${key}" is not allowed`;
			} else if (isRecord(s.additionalProperties)) {
				const problem = schemaProblem(child, s.additionalProperties, `${path}.${key}`);
				if (problem) return problem;
			}
		}
	}
	return null;
}
