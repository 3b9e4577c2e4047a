import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

export default ts.config(
	{
		ignores: [
			'build/',
			'.svelte-kit/',
			'node_modules/',
			'test-results/',
			'playwright-report/',
			'.test-reports/',
			'.bench/',
			'reports/',
			'.stryker-tmp/'
		]
	},
	js.configs.recommended,
	...ts.configs.recommended,
	...svelte.configs.recommended,
	{
		languageOptions: { globals: { ...globals.browser, ...globals.node } },
		rules: {
			'@typescript-eslint/no-explicit-any': 'error',
			'@typescript-eslint/consistent-type-imports': 'error',
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
			'no-console': ['error', { allow: ['warn', 'error'] }]
		}
	},
	{
		files: ['**/*.svelte', '**/*.svelte.ts'],
		languageOptions: {
			parserOptions: {
				projectService: true,
				extraFileExtensions: ['.svelte'],
				parser: ts.parser,
				svelteConfig
			}
		}
	},
	{
		// Workers adapt one library to one protocol: they may not reach into the app's layers.
		files: ['workers/**/*.ts'],
		rules: {
			'no-restricted-imports': [
				'error',
				{ patterns: ['$lib/state/*', '$lib/components/*', '$lib/storage/*', '$lib/agent/*'] }
			]
		}
	},
	{
		files: ['scripts/**/*.js', 'bench/**/*.js', 'tests/**/*.ts', '.ci/**'],
		rules: { 'no-console': 'off' }
	}
);
