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
			'.stryker-tmp/',
			'.hearth-cli/'
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
		// The core (the turn, agents, tools, knowledge, memory, engines) serves every face: the web
		// app, the terminal and the local API. It never imports a face or Svelte; faces import it.
		// (One block per file set: a later block naming the same rule would replace this one.)
		files: ['src/lib/**/*.ts'],
		ignores: ['src/lib/state/**', 'src/lib/components/**', '**/*.test.ts'],
		rules: {
			'no-restricted-imports': [
				'error',
				{
					paths: [{ name: 'svelte', message: 'The core is plain TypeScript: no Svelte.' }],
					patterns: [
						{
							group: [
								'$lib/state/*',
								'$lib/components/*',
								'$app/*',
								'**/src/cli/*',
								'**/src/server/*',
								'**/server/*',
								'**/node/*',
								'$node/*'
							],
							message: 'The core never imports a face (state/, components/, the terminal, the API).'
						}
					]
				}
			]
		}
	},
	{
		// The web face runs in the browser: it never imports the Node adapters of the other faces.
		files: [
			'src/lib/state/**/*.ts',
			'src/lib/components/**/*.ts',
			'src/lib/**/*.svelte',
			'src/routes/**'
		],
		rules: {
			'no-restricted-imports': [
				'error',
				{
					patterns: [
						{
							group: ['**/node/*', '$node/*', '**/src/cli/*', '**/src/server/*', '**/server/*'],
							message: 'The web face must not import the Node faces or their adapters.'
						}
					]
				}
			]
		}
	},
	{
		files: ['scripts/**/*.js', 'bench/**/*.js', 'tests/**/*.ts', '.ci/**'],
		rules: { 'no-console': 'off' }
	}
);
