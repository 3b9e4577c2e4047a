// `hearth` in a pseudo-terminal (util-linux `script`), where a TTY matters: Ctrl-C stops the
// answer and the REPL carries on; rendered Markdown on a colour terminal, none with NO_COLOR.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startOllamaFixture } from '../../tests/fixtures/ollama-fixture.js';

const BIN = path.join(process.cwd(), 'bin/hearth.js');
const HAVE_SCRIPT = spawnSync('script', ['--version']).status === 0;

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

/** hearth in a pseudo-terminal; `send` types into it, `until` waits for output. */
function inTerminal(args: string[], env: Record<string, string>) {
	const command = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
	const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
		env: { PATH: process.env.PATH ?? '', TERM: 'xterm-256color', COLUMNS: '80', ...env },
		stdio: ['pipe', 'pipe', 'pipe']
	});
	let output = '';
	const waiters: { test: RegExp; resolve: () => void }[] = [];
	child.stdout.on('data', (c: Buffer) => {
		output += c.toString();
		for (const w of waiters.splice(0)) {
			if (w.test.test(output)) w.resolve();
			else waiters.push(w);
		}
	});
	return {
		send: (text: string) => child.stdin.write(text),
		until: (test: RegExp) =>
			new Promise<void>((resolve) => {
				if (test.test(output)) resolve();
				else waiters.push({ test, resolve });
			}),
		output: () => output,
		exited: new Promise<number | null>((resolve) => child.on('close', resolve))
	};
}

describe.skipIf(!HAVE_SCRIPT)('hearth in a terminal', () => {
	let ollama: Awaited<ReturnType<typeof startOllamaFixture>>;
	let home: string;
	let env: Record<string, string>;
	beforeAll(async () => {
		ollama = await startOllamaFixture({});
		home = await mkdtemp(path.join(tmpdir(), 'hearth-tty-'));
		env = { HOME: home, HEARTH_HOME: home, OLLAMA_HOST: ollama.url };
	});
	afterAll(async () => {
		await ollama.close();
		await rm(home, { recursive: true, force: true });
	});

	it('Ctrl-C stops the answer, not the REPL; the next message is answered', async () => {
		const t = inTerminal(['chat'], env);
		await t.until(/›/);
		t.send('tell me a long one [[slow]]\r');
		// A paragraph is printed when complete; the fixture's 300 words take 24 s, so the answer is
		// well under way (and saved in part) after a few seconds.
		await new Promise((resolve) => setTimeout(resolve, 4000));
		t.send('\x03');
		await t.until(/\(stopped\)/);
		t.send('still here?\r');
		await t.until(/still here\?[\s\S]*still here\?/);
		t.send('/exit\r');
		expect(await t.exited).toBe(0);
		// The stopped answer was kept as far as it went, marked stopped.
		const list = spawnSync(process.execPath, [BIN, 'history', '--json'], {
			env: { ...process.env, ...env },
			encoding: 'utf8'
		});
		const conversations = JSON.parse(list.stdout) as { id: string }[];
		const shown = spawnSync(process.execPath, [BIN, 'history', conversations[0]!.id, '--json'], {
			env: { ...process.env, ...env },
			encoding: 'utf8'
		});
		const { messages } = JSON.parse(shown.stdout) as {
			messages: { content: string; status: string }[];
		};
		expect(messages[1]!.status).toBe('aborted');
		expect(messages[1]!.content).toMatch(/^w1 w2/);
		expect(t.output()).toContain(messages[1]!.content.trim().split(' ').at(-1));
		expect(messages[3]!.content).toBe('still here?');
	});

	it('asks about proposed memories at the idle prompt, after the quiet spell; y keeps one', async () => {
		const propose = JSON.stringify([
			{ text: 'The user keeps bees.', kind: 'fact' },
			{ text: 'The user prefers tabs.', kind: 'preference' }
		]);
		const t = inTerminal(['chat'], env);
		await t.until(/›/);
		t.send(`I keep bees and prefer tabs. [[memories:${propose}]]\r`);
		// Read once answering has been quiet (10 s, as in the web app), then asked at once.
		await t.until(/2 things worth remembering\?[\s\S]*1\/2 The user keeps bees\.[\s\S]*Keep it\?/);
		t.send('y\r');
		await t.until(/2\/2 The user prefers tabs\.[\s\S]*Keep it\?/);
		t.send('later\r');
		await t.until(/Kept 1\. 1 left for later/);
		t.send('/exit\r');
		expect(await t.exited).toBe(0);
		expect(t.output()).toContain('1 proposed memory waits: hearth memories proposals');
		const list = spawnSync(process.execPath, [BIN, 'memories', '--json'], {
			env: { ...process.env, ...env },
			encoding: 'utf8'
		});
		const memories = JSON.parse(list.stdout) as { text: string; status: string }[];
		expect(memories.map((m) => [m.text, m.status]).sort()).toEqual([
			['The user keeps bees.', 'kept'],
			['The user prefers tabs.', 'proposed']
		]);
	});

	it('renders Markdown with colour on a terminal, and plain with NO_COLOR', async () => {
		const styled = inTerminal(['ask', 'show me [[markdown]]'], env);
		expect(await styled.exited).toBe(0);
		expect(styled.output()).toContain('\x1b[');
		const plain = inTerminal(['ask', 'show me [[markdown]]'], { ...env, NO_COLOR: '1' });
		expect(await plain.exited).toBe(0);
		expect(plain.output()).not.toContain('\x1b[');
	});
});
