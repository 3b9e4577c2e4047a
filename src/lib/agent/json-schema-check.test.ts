import { describe, expect, it } from 'vitest';
import { schemaProblem } from '$lib/agent/json-schema-check';
import { responseSchema } from '$lib/agent/schema-mode';

const weather = {
	name: 'weather',
	description: 'Weather',
	parameters: {
		type: 'object',
		properties: {
			place: { type: 'string', minLength: 1 },
			days: { type: 'integer', minimum: 1, maximum: 7 },
			units: { type: 'string', enum: ['metric', 'imperial'] },
			tags: { type: 'array', items: { type: 'string' }, maxItems: 2 }
		},
		required: ['place'],
		additionalProperties: false
	}
};

describe('schemaProblem', () => {
	const schema = responseSchema([weather]);

	it('accepts what the schema-mode grammar allows', () => {
		expect(schemaProblem({ action: 'answer' }, schema)).toBeNull();
		expect(
			schemaProblem(
				{ action: 'call', tool: 'weather', arguments: { place: 'Oslo', days: 3, tags: ['a'] } },
				schema
			)
		).toBeNull();
	});

	it('names the first problem with its path', () => {
		const call = (args: unknown) => ({ action: 'call', tool: 'weather', arguments: args });
		expect(schemaProblem({ action: 'call', tool: 'nope', arguments: {} }, schema)).toContain(
			'none of its anyOf'
		);
		expect(schemaProblem(call({}), weather.parameters)).toBe('$: "place" is missing');
		expect(schemaProblem({ place: 'x', days: 9 }, weather.parameters)).toBe(
			'$.days: above maximum'
		);
		expect(schemaProblem({ place: 'x', days: 1.5 }, weather.parameters)).toContain(
			'expected "integer"'
		);
		expect(schemaProblem({ place: 'x', units: 'kelvin' }, weather.parameters)).toContain(
			'not one of'
		);
		expect(schemaProblem({ place: 'x', tags: ['a', 'b', 'c'] }, weather.parameters)).toBe(
			'$.tags: too many items'
		);
		expect(schemaProblem({ place: 'x', extra: 1 }, weather.parameters)).toBe(
			'$: "extra" is not allowed'
		);
		expect(schemaProblem({ place: '' }, weather.parameters)).toBe('$.place: shorter than 1');
	});
});
