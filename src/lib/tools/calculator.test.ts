import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { calculate, calculatorTool, MAX_EXPRESSION_LENGTH } from '$lib/tools/calculator';
import { HearthError } from '$lib/types/errors';
import type { ToolContext } from '$lib/tools/types';

const ctx = {} as ToolContext; // the calculator reads nothing from its context

async function failure(expression: string): Promise<HearthError> {
	const e = await calculate(expression).catch((err: unknown) => err);
	expect(e).toBeInstanceOf(HearthError);
	return e as HearthError;
}

describe('calculator', () => {
	it('calculates and hides float noise', async () => {
		expect(await calculate('2 + 3 * 4')).toBe('14');
		expect(await calculate('0.1 + 0.2')).toBe('0.3');
		expect(await calculate('1/3')).toBe('0.333333333333');
		expect(await calculate('sqrt(-4)')).toBe('2i');
		expect(await calculate('det([1,2;3,4])')).toBe('-2');
		// The first call loads mathjs (about 6 s on a loaded 2-core machine).
	}, 30_000);

	it('converts units', async () => {
		expect(await calculate('12 inch to cm')).toBe('30.48 cm');
		expect(await calculate('5 km to mile')).toBe('3.10685596119 mile');
		expect(await calculate('100 degF to degC')).toBe('37.7777777778 degC');
	});

	it('answers every part of a multi-part expression, with a fresh scope each time', async () => {
		expect(await calculate('x = 3; x^2')).toBe('9');
		expect((await failure('x + 1')).message).toContain('Undefined symbol x');
	});

	it('refuses the functions that reach the parser or build huge matrices', async () => {
		for (const expr of ['evaluate("1+1")', 'parse("1")', 'import({})', 'createUnit("foo")']) {
			const e = await failure(expr);
			expect(e.code).toBe('tool_failed');
			expect(e.message).toMatch(/is not available here/);
		}
		expect((await failure('zeros(100000, 100000)')).message).toMatch(/zeros is not available/);
		expect((await failure('1:1e9')).message).toMatch(/range is not available/);
	});

	it('reports bad syntax as invalid arguments, with mathjs’s reason', async () => {
		const e = await failure('3 +');
		expect(e.code).toBe('tool_invalid_args');
		expect(e.message).toContain('Unexpected end of expression');
		expect((await failure('sqrt')).code).toBe('tool_invalid_args');
	});

	it('validates arguments and runs as a tool', async () => {
		expect(v.safeParse(calculatorTool.schema, { expression: '  ' }).success).toBe(false);
		const long = { expression: '1+'.repeat(MAX_EXPRESSION_LENGTH) + '1' };
		expect(v.safeParse(calculatorTool.schema, long).success).toBe(false);
		const args = v.parse(calculatorTool.schema, { expression: ' 2^10 ' });
		const result = await calculatorTool.run(args, ctx);
		expect(result.content).toBe('2^10 = 1024');
		expect(result.untrusted).toBe(false);
		expect(calculatorTool.sideEffect || calculatorTool.network).toBe(false);
		expect((await calculatorTool.run({ expression: 'factorial(500)' }, ctx)).content).toMatch(
			/too large/
		);
	});
});
