import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { startServer } from '../../scripts/serve.js';
import { waitReady } from './helpers';

// The Python sandbox in the built app, driven through its one documented debug entry,
// window.__hearthPython (src/lib/python/shared.ts): the built chunks are hashed and minified, so
// there is no module to import. Pyodide loads from the app's own /pyodide/ (no CDN). A cold start
// takes 8-12 s here, so the runs share one page.

type Hook = {
	state(): string;
	interruptible(): boolean;
	start(): Promise<unknown>;
	run(
		code: string,
		options?: { timeoutMs?: number; stopAfterMs?: number; files?: { name: string; text: string }[] }
	): Promise<{
		ok: boolean;
		streamed: string;
		elapsedMs: number;
		stdout?: string;
		stderr?: string;
		result?: string;
		error?: { code?: string; type?: string; message: string; traceback?: string };
	}>;
};

async function openSandbox(page: Page, url = '/'): Promise<void> {
	await page.goto(url);
	await waitReady(page);
	await page.waitForFunction(() => '__hearthPython' in window);
}

function python(
	page: Page,
	code: string,
	options: Parameters<Hook['run']>[1] = {}
): ReturnType<Hook['run']> {
	return page.evaluate(
		([source, opts]) =>
			(window as unknown as { __hearthPython: Hook }).__hearthPython.run(source, opts),
		[code, options] as const
	);
}

test.describe('Python sandbox', () => {
	test.describe.configure({ mode: 'serial', timeout: 120_000 });
	let page: Page;

	test.beforeAll(async ({ browser }) => {
		page = await browser.newPage();
		await openSandbox(page);
	});
	test.afterAll(() => page.close());

	test('runs code and streams its output', async () => {
		const run = await python(page, 'for i in range(3):\n    print("line", i)\nsum(range(10))');
		expect(run.ok).toBe(true);
		expect(run.stdout).toBe('line 0\nline 1\nline 2\n');
		expect(run.streamed).toBe(run.stdout);
		expect(run.result).toBe('45');
	});

	test('returns an exception as data with its traceback', async () => {
		const run = await python(page, 'def parse(s):\n    return int(s)\n\nparse("seven")');
		expect(run.ok).toBe(true);
		expect(run.error?.type).toBe('ValueError');
		expect(run.error?.traceback).toContain('File "<cell>", line 2, in parse');
		expect(run.error?.traceback).toContain("invalid literal for int() with base 10: 'seven'");
	});

	test('reads attached files under /data but cannot change them', async () => {
		const run = await python(
			page,
			[
				'import os',
				'print(open("/data/notes.txt").read())',
				'for attempt in [lambda: open("/data/notes.txt", "w"), lambda: open("/data/x", "w"),',
				'                lambda: os.chmod("/data/notes.txt", 0o666)]:',
				'    try:',
				'        attempt()',
				'        print("WROTE")',
				'    except OSError as e:',
				'        print(type(e).__name__)'
			].join('\n'),
			{ files: [{ name: 'notes.txt', text: 'kept safe' }] }
		);
		expect(run.stdout).toBe('kept safe\nPermissionError\nPermissionError\nPermissionError\n');
	});

	test('has no network: the fetch family is gone from the worker scope', async () => {
		const run = await python(
			page,
			[
				'import js',
				'names = ["fetch", "XMLHttpRequest", "WebSocket", "EventSource", "importScripts",',
				'         "Worker", "SharedWorker", "caches", "indexedDB", "FontFace", "postMessage"]',
				'print([n for n in names if hasattr(js, n)])',
				'from pyodide.http import pyfetch',
				'await pyfetch("/")'
			].join('\n')
		);
		expect(run.stdout).toBe('[]\n');
		// pyfetch fails for want of a JavaScript fetch to call, not for any other reason.
		expect(run.error).toMatchObject({
			type: 'NameError',
			message: expect.stringMatching(/_jsfetch/)
		});
	});

	test('stops an endless loop at the time limit and stays usable', async () => {
		const stuck = await python(page, 'while True:\n    pass', { timeoutMs: 1500 });
		expect(stuck.ok).toBe(false);
		expect(stuck.error?.code).toBe('python_timeout');
		const after = await python(page, '2 + 2');
		expect(after.result).toBe('4');
	});

	test('the stop button ends a run', async () => {
		const stopped = await python(page, 'while True:\n    pass', { stopAfterMs: 500 });
		expect(stopped.error?.code).toBe('aborted');
		expect((await python(page, '"ok"')).result).toBe("'ok'");
	});
});

test('with cross-origin isolation a stop is a KeyboardInterrupt, not a restart', async ({
	browser
}) => {
	test.setTimeout(120_000);
	const server = await startServer({ dir: 'build', port: 0, quiet: true, isolated: true });
	const page = await browser.newPage();
	try {
		await openSandbox(page, server.url);
		expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
		await page.evaluate(() =>
			(window as unknown as { __hearthPython: Hook }).__hearthPython.start()
		);
		expect(
			await page.evaluate(() =>
				(window as unknown as { __hearthPython: Hook }).__hearthPython.interruptible()
			)
		).toBe(true);
		// A mark on the interpreter itself (sys outlives each run's fresh globals): it survives
		// only if the stop interrupted this interpreter instead of replacing the worker.
		const stopped = await python(page, 'import sys\nsys.hearth_mark = 42\nwhile True:\n    pass', {
			stopAfterMs: 500
		});
		expect(stopped.error?.code).toBe('aborted');
		const after = await python(page, "import sys\ngetattr(sys, 'hearth_mark', None)");
		expect(after.result).toBe('42');
	} finally {
		await page.close();
		await server.close();
	}
});

test('after one run Python works offline (service worker cache)', async ({ page, context }) => {
	test.setTimeout(120_000);
	await openSandbox(page);
	await page.evaluate(() => navigator.serviceWorker.ready);
	// Python's files must pass through the service worker to be cached: make sure it controls.
	if (!(await page.evaluate(() => navigator.serviceWorker.controller !== null))) {
		await page.reload();
		await openSandbox(page);
	}
	expect((await python(page, 'print("online")')).stdout).toBe('online\n');

	await context.setOffline(true);
	try {
		await page.reload();
		await waitReady(page);
		await page.waitForFunction(() => '__hearthPython' in window);
		const run = await python(page, 'import json\njson.dumps({"offline": True})');
		expect(run.ok).toBe(true);
		expect(run.result).toBe('\'{"offline": true}\'');
	} finally {
		await context.setOffline(false);
	}
});
