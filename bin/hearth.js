#!/usr/bin/env node
// `hearth`: the terminal face. Its TypeScript (src/cli, src/node and the core in src/lib) is
// bundled once with rolldown (already here through Vite) into .hearth-cli/, and again only when
// a source file is newer than the bundle; packages stay external and load from node_modules.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, '.hearth-cli', 'hearth.mjs');

/** @param {string} dir @returns {number} the newest mtime of a .ts file below `dir` */
function newest(dir) {
	let latest = 0;
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) latest = Math.max(latest, newest(full));
		else if (entry.name.endsWith('.ts')) latest = Math.max(latest, statSync(full).mtimeMs);
	}
	return latest;
}

function stale() {
	// The Python sandbox's child is built beside the CLI (scripts/build-cli.js).
	if (!existsSync(OUT) || !existsSync(path.join(ROOT, '.hearth-cli', 'python-child.mjs'))) {
		return true;
	}
	const built = statSync(OUT).mtimeMs;
	const sources = ['src/cli', 'src/node', 'src/lib'].map((d) => path.join(ROOT, d));
	return sources.some((dir) => existsSync(dir) && newest(dir) > built);
}

if (stale()) {
	const { buildCli } = await import('../scripts/build-cli.js');
	await buildCli();
}
const { main } = await import(pathToFileURL(OUT).href);
process.exitCode = await main(process.argv.slice(2));
