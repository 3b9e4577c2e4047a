// The built-in golden set, shipped as data. Its version goes up whenever a case changes, so runs
// of different versions are never compared as if they were the same test.
import { CODE_CASES } from '$lib/evals/golden/code';
import {
	ARITHMETIC_CASES,
	FACT_CASES,
	REASONING_CASES,
	SPEED_CASES
} from '$lib/evals/golden/basics';
import { KNOWLEDGE_CASES, MEMORY_CASES } from '$lib/evals/golden/knowledge';
import { INJECTION_CASES, TOOL_CASES } from '$lib/evals/golden/tools';
import type { EvalSet } from '$lib/evals/types';

export const CORE_SET: EvalSet = {
	id: 'hearth-core',
	name: 'Hearth core',
	version: 1,
	builtIn: true,
	description:
		'Arithmetic, facts, tool use, documents with citations, memory, code, reasoning, prompt injection and response time.',
	cases: [
		...ARITHMETIC_CASES,
		...FACT_CASES,
		...TOOL_CASES,
		...KNOWLEDGE_CASES,
		...MEMORY_CASES,
		...CODE_CASES,
		...REASONING_CASES,
		...INJECTION_CASES,
		...SPEED_CASES
	]
};

/** Every built-in set. */
export const BUILT_IN_SETS: readonly EvalSet[] = [CORE_SET];
