import { describe, expect, it } from 'vitest';
import {
	downloadSeconds,
	formatEta,
	planFirstRun,
	type InBrowserCandidate
} from '$lib/onboarding/first-run';

const MLC: InBrowserCandidate = {
	engine: 'webllm',
	variantId: 'Qwen2.5-1.5B-Instruct-q4f16_1-MLC',
	name: 'Qwen2.5 1.5B Instruct',
	downloadBytes: 1_000_000_000,
	needs: 'webgpu'
};
const GGUF: InBrowserCandidate = {
	engine: 'gguf',
	variantId: 'qwen2.5-0.5b-instruct-q4_k_m.gguf',
	name: 'Qwen2.5 0.5B Instruct',
	downloadBytes: 400_000_000,
	needs: 'wasm'
};
const desktop = { phone: false, webgpu: true };
const phone = { phone: true, webgpu: false };

describe('planFirstRun', () => {
	it('leads with the recommended in-browser model where WebGPU runs it', () => {
		const plan = planFirstRun({ ...desktop, downlinkMbps: 80 }, [MLC], true);
		expect(plan.primary).toEqual({
			kind: 'download',
			candidate: MLC,
			etaSeconds: 100,
			etaKnown: true
		});
		expect(plan.secondary).toEqual(['ollama', 'server', 'models']);
	});

	it('says the estimate is a guess where the browser does not tell the speed', () => {
		const plan = planFirstRun(desktop, [MLC], true);
		expect(plan.primary).toMatchObject({ kind: 'download', etaKnown: false, etaSeconds: 400 });
	});

	it('waits for the assessment before offering a download, without a wrong guess', () => {
		expect(planFirstRun(desktop, [], false).primary).toEqual({ kind: 'assessing' });
		// Without WebGPU too: llama.cpp's candidate is sized to the memory the assessment reads.
		expect(planFirstRun(phone, [], false).primary).toEqual({ kind: 'assessing' });
	});

	it('offers a phone without WebGPU the GGUF model on its CPU, with no Ollama anywhere', () => {
		const plan = planFirstRun(phone, [GGUF], true);
		expect(plan.primary).toMatchObject({ kind: 'download', candidate: GGUF, etaSeconds: 160 });
		expect(plan.secondary).toEqual(['server', 'models']);
	});

	it('offers a desktop without WebGPU the GGUF model first, Ollama and a server after it', () => {
		const plan = planFirstRun({ phone: false, webgpu: false }, [GGUF], true);
		expect(plan.primary).toMatchObject({ kind: 'download', candidate: GGUF });
		expect(plan.secondary).toEqual(['ollama', 'server', 'models']);
	});

	it('skips a WebGPU model on a device without WebGPU and takes a WebAssembly one', () => {
		const plan = planFirstRun(phone, [MLC, GGUF], true);
		expect(plan.primary).toMatchObject({ kind: 'download', candidate: GGUF });
		expect(plan.secondary).toEqual(['server', 'models']);
	});

	it('offers a phone without an in-browser engine a server, never Ollama', () => {
		const plan = planFirstRun(phone, [MLC], true);
		expect(plan.primary).toEqual({ kind: 'server' });
		expect(plan.secondary).toEqual([]);
	});

	it('offers a desktop without WebGPU Ollama first, a server second', () => {
		const plan = planFirstRun({ phone: false, webgpu: false }, [], true);
		expect(plan.primary).toEqual({ kind: 'ollama' });
		expect(plan.secondary).toEqual(['server']);
	});

	it('falls back to a server where WebGPU runs but no model fits', () => {
		const plan = planFirstRun({ phone: true, webgpu: true }, [], true);
		expect(plan.primary).toEqual({ kind: 'server' });
		expect(plan.secondary).toEqual(['models']);
	});
});

describe('download time', () => {
	it('converts bytes and megabits', () => {
		expect(downloadSeconds(1_000_000_000, 10)).toBe(800);
		expect(downloadSeconds(10, 100)).toBe(1);
	});
	it('reads as a person would say it', () => {
		expect(formatEta(12)).toBe('about 10 s');
		expect(formatEta(800)).toBe('about 13 min');
		expect(formatEta(4200)).toBe('about 1 h 10 min');
		expect(formatEta(7200)).toBe('about 2 h');
	});
});
