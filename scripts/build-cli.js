// Bundles the terminal face (src/cli/main.ts and what it imports from src/node and src/lib) into
// .hearth-cli/hearth.mjs with rolldown. Packages stay external: Node loads them from node_modules.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function buildCli() {
	await build({
		input: path.join(ROOT, 'src/cli/main.ts'),
		platform: 'node',
		logLevel: 'warn',
		resolve: {
			alias: { $lib: path.join(ROOT, 'src/lib'), $workers: path.join(ROOT, 'workers') }
		},
		external: (id) => !/^(\.|\/|\$lib\/|\$workers\/)/.test(id),
		output: {
			file: path.join(ROOT, '.hearth-cli', 'hearth.mjs'),
			format: 'esm',
			codeSplitting: false,
			sourcemap: true
		}
	});
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildCli();
