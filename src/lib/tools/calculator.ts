import * as v from 'valibot';
import type { MathJsInstance } from 'mathjs';
import { HearthError } from '$lib/types/errors';
import type { Tool } from '$lib/tools/types';

/** Long expressions are the cheap way to build huge matrices; real questions are short. */
export const MAX_EXPRESSION_LENGTH = 1000;
/** Significant digits in answers: enough for money and science, hides float noise (0.1 + 0.2). */
const PRECISION = 12;

const schema = v.object({
	expression: v.pipe(
		v.string(),
		v.trim(),
		v.minLength(1, 'Give an expression to calculate.'),
		v.maxLength(
			MAX_EXPRESSION_LENGTH,
			`Keep the expression under ${MAX_EXPRESSION_LENGTH} characters.`
		),
		v.description(
			'A math expression in mathjs syntax, e.g. "17% * 2400", "sqrt(2) * 3", "5 km to mile", "100 degF to degC", "det([1,2;3,4])".'
		)
	)
});

type Evaluator = (expression: string) => unknown;
interface Calculator {
	evaluate: Evaluator;
	format(value: unknown): string;
}

/**
 * Functions that rewrite the parser or re-enter it (the mathjs security guide), plus the ones that
 * allocate arbitrarily large matrices: evaluation runs on the main thread and can't be interrupted.
 */
const DISABLED = [
	'import',
	'createUnit',
	'evaluate',
	'parse',
	'compile',
	'simplify',
	'derivative',
	'resolve',
	'reviver',
	'range',
	'ones',
	'zeros',
	'identity',
	'resize',
	'matrixFromFunction'
] as const;

function buildCalculator(math: MathJsInstance): Calculator {
	// Kept before the overrides below: ours is the only reference to the real parser.
	const parse = math.parse;
	const disabled: Record<string, () => never> = {};
	for (const name of DISABLED) {
		disabled[name] = () => {
			throw new Error(`The function ${name} is not available here.`);
		};
	}
	math.import(disabled, { override: true });
	return {
		// A fresh scope each call: one calculation never sees another's variables.
		evaluate: (expression) => parse(expression).compile().evaluate(new Map()),
		format: (value) => math.format(value, { precision: PRECISION })
	};
}

let loading: Promise<Calculator> | null = null;

/** mathjs is large: loaded on the first calculation, never in the initial bundle. */
function loadCalculator(): Promise<Calculator> {
	loading ??= import('mathjs').then(({ create, all }) => {
		if (!all) throw new HearthError('tool_failed', 'The calculator could not load.');
		return buildCalculator(create(all));
	});
	loading.catch(() => {
		loading = null;
	});
	return loading;
}

function isResultSet(value: unknown): value is { entries: unknown[] } {
	return (
		typeof value === 'object' &&
		value !== null &&
		(value as { type?: unknown }).type === 'ResultSet' &&
		Array.isArray((value as { entries?: unknown }).entries)
	);
}

/** Evaluates one expression (or several separated by ";" or new lines) and formats the answer. */
export async function calculate(expression: string): Promise<string> {
	const calc = await loadCalculator();
	let value: unknown;
	try {
		value = calc.evaluate(expression);
	} catch (e) {
		const message = e instanceof Error ? e.message : String(e);
		// A SyntaxError means the model wrote something mathjs can't read: its arguments were bad.
		const code = e instanceof SyntaxError ? 'tool_invalid_args' : 'tool_failed';
		throw new HearthError(code, `Can't calculate "${expression}": ${message}.`, { cause: e });
	}
	if (value === undefined) {
		throw new HearthError('tool_invalid_args', `"${expression}" has no value to calculate.`);
	}
	if (typeof value === 'function') {
		throw new HearthError(
			'tool_invalid_args',
			`"${expression}" names a function; call it with arguments, e.g. sqrt(2).`
		);
	}
	const values = isResultSet(value) ? value.entries : [value];
	return values.map((x) => calc.format(x)).join('; ');
}

export const calculatorTool: Tool<typeof schema> = {
	name: 'calculator',
	title: 'Calculator',
	description:
		'Exact arithmetic, algebra on numbers, matrices, statistics and unit conversions (mathjs syntax). Use it for any calculation instead of working it out yourself.',
	schema,
	sideEffect: false,
	network: false,
	defaultEnabled: true,
	timeoutMs: 10_000,
	describe: ({ expression }) => `Calculate ${expression}`,
	async run({ expression }) {
		const answer = await calculate(expression);
		const note = /\b(Infinity|NaN)\b/.test(answer)
			? ' (the result is too large or undefined as a number)'
			: '';
		return {
			content: `${expression} = ${answer}${note}`,
			preview: `${expression} = ${answer}`,
			untrusted: false
		};
	}
};
