// Golden code cases: the answer's Python must pass hidden tests in the sandbox.
import type { EvalCase } from '$lib/evals/types';

const code = (id: string, task: string, tests: string): EvalCase => ({
	id: `code-${id}`,
	category: 'code',
	agent: 'code',
	tools: ['run_python'],
	turns: [{ text: `${task} Reply with the function in a \`\`\`python code block.` }],
	graders: [{ kind: 'code-tests', tests }]
});

export const CODE_CASES: EvalCase[] = [
	code(
		'palindrome',
		'Write a Python function `is_palindrome(s)` that returns True when s reads the same backwards, ignoring case, spaces and punctuation.',
		[
			'assert is_palindrome("A man, a plan, a canal: Panama")',
			'assert is_palindrome("racecar")',
			'assert not is_palindrome("hearth")',
			'assert is_palindrome("")'
		].join('\n')
	),
	code(
		'fizzbuzz',
		'Write a Python function `fizzbuzz(n)` that returns a list of strings for 1..n: "Fizz" for multiples of 3, "Buzz" for multiples of 5, "FizzBuzz" for both, otherwise the number.',
		[
			'assert fizzbuzz(5) == ["1", "2", "Fizz", "4", "Buzz"]',
			'assert fizzbuzz(15)[-1] == "FizzBuzz"',
			'assert len(fizzbuzz(30)) == 30'
		].join('\n')
	),
	code(
		'fibonacci',
		'Write a Python function `fib(n)` returning the n-th Fibonacci number, with fib(0) == 0 and fib(1) == 1.',
		[
			'assert fib(0) == 0',
			'assert fib(1) == 1',
			'assert fib(10) == 55',
			'assert fib(30) == 832040'
		].join('\n')
	),
	code(
		'vowels',
		'Write a Python function `count_vowels(s)` that counts the vowels (a, e, i, o, u, either case) in s.',
		[
			'assert count_vowels("Hearth") == 2',
			'assert count_vowels("AEIOU xyz") == 5',
			'assert count_vowels("") == 0'
		].join('\n')
	),
	code(
		'flatten',
		'Write a Python function `flatten(items)` that flattens arbitrarily nested lists into one list, keeping order.',
		[
			'assert flatten([1, [2, [3, 4]], 5]) == [1, 2, 3, 4, 5]',
			'assert flatten([]) == []',
			'assert flatten([[[]]]) == []'
		].join('\n')
	),
	code(
		'word-counts',
		'Write a Python function `word_counts(text)` that returns a dict mapping each lower-cased word to how often it appears (words are runs of letters).',
		[
			'assert word_counts("The cat and the hat") == {"the": 2, "cat": 1, "and": 1, "hat": 1}',
			'assert word_counts("") == {}',
			'assert word_counts("Go, go, GO!") == {"go": 3}'
		].join('\n')
	)
];
