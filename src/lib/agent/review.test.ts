import { describe, expect, it } from 'vitest';
import { readDecision } from '$lib/agent/review';
import { fileTools } from '$lib/agent/test-tools';
import type { AnyTool } from '$lib/tools/types';

describe('readDecision', () => {
	const { writeFile } = fileTools();
	const reviewed: AnyTool = {
		...writeFile,
		review: { prepare: async (args) => ({ args, review: undefined as never }) }
	};

	it('keeps yes and no as they were for every tool', () => {
		expect(readDecision(writeFile, true)).toEqual({ kind: 'yes' });
		expect(readDecision(writeFile, false)).toEqual({ kind: 'no' });
		expect(readDecision(reviewed, false)).toEqual({ kind: 'no' });
	});

	it('takes edited arguments only for a reviewed tool, validated against its schema', () => {
		// A tool without a review cannot be edited: an edited answer is its plain yes.
		expect(readDecision(writeFile, { args: { path: 'x', content: 'evil' } })).toEqual({
			kind: 'yes'
		});
		expect(readDecision(reviewed, { args: { path: 'a.txt', content: 'hi' } })).toEqual({
			kind: 'edited',
			args: { path: 'a.txt', content: 'hi' }
		});
		const invalid = readDecision(reviewed, { args: { path: 3 } });
		expect(invalid.kind).toBe('invalid');
		expect(invalid.kind === 'invalid' && invalid.error).toMatch(/not valid.*path/);
	});
});
