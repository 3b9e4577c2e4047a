// `npm test`: lint, type-check, unit tests, production build, end-to-end tests in Chromium.
// Every step runs even if an earlier one failed, so one run shows everything that is wrong;
// the last line sums the test counts of both layers, so a run that executed nothing shows it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

// Not test-results/: Playwright empties that folder when it starts.
const RESULTS = '.test-reports';

/** @param {string} label @param {string} command @param {string[]} args */
function step(label, command, args) {
	console.log(`\n▶ ${label}: ${command} ${args.join(' ')}`);
	const started = Date.now();
	const { status } = spawnSync(command, args, { stdio: 'inherit', env: process.env });
	const ok = status === 0;
	console.log(`${ok ? '✔' : '✘'} ${label} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
	return ok;
}

/** @param {string} file */
function readJson(file) {
	try {
		return JSON.parse(readFileSync(file, 'utf8'));
	} catch {
		return null;
	}
}

rmSync(RESULTS, { recursive: true, force: true });
mkdirSync(RESULTS, { recursive: true });

const failedSteps = [];
if (!step('format', 'npx', ['prettier', '--check', '.'])) failedSteps.push('format');
if (!step('lint', 'npx', ['eslint', '.'])) failedSteps.push('lint');
if (!step('types', 'npm', ['run', '--silent', 'check'])) failedSteps.push('types');
if (
	!step('unit', 'npx', [
		'vitest',
		'run',
		'--reporter=default',
		'--reporter=json',
		`--outputFile.json=${RESULTS}/unit.json`
	])
)
	failedSteps.push('unit');
const built = step('build', 'npx', ['vite', 'build', '--logLevel', 'warn']);
if (!built) failedSteps.push('build');
if (built && !step('e2e', 'npx', ['playwright', 'test'])) failedSteps.push('e2e');

const unit = readJson(`${RESULTS}/unit.json`);
const e2e = readJson(`${RESULTS}/e2e.json`);
const passed = (unit?.numPassedTests ?? 0) + (e2e?.stats?.expected ?? 0) + (e2e?.stats?.flaky ?? 0);
const failed = (unit?.numFailedTests ?? 0) + (e2e?.stats?.unexpected ?? 0);
const skipped =
	(unit?.numPendingTests ?? 0) + (unit?.numTodoTests ?? 0) + (e2e?.stats?.skipped ?? 0);
if (!unit) failedSteps.push('unit results missing');
if (built && !e2e) failedSteps.push('e2e results missing');

console.log(
	`\nunit: ${unit?.numPassedTests ?? 0} passed, ${unit?.numFailedTests ?? 0} failed · ` +
		`e2e: ${e2e?.stats?.expected ?? 0} passed, ${e2e?.stats?.unexpected ?? 0} failed`
);
if (failedSteps.length) console.log(`Failed steps: ${failedSteps.join(', ')}`);
if (!existsSync('build/index.html')) console.log('No production build was produced.');
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failedSteps.length === 0 && failed === 0 && passed > 0 ? 0 : 1);
