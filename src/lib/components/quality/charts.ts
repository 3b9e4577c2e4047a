// The dashboard's charts: what a chart shows (ChartSpec), and Chart.js loaded on demand
// (chart-draw.ts), so nothing of it is in the app shell. The Evals and metrics screen starts the
// load once it has painted, so the Metrics tab usually finds the library ready.
import type * as ChartDraw from '$lib/components/quality/chart-draw';

export interface ChartSeries {
	label: string;
	data: (number | null)[];
	/** Drawn as a dashed line (a goal). */
	goal?: boolean;
}

export interface ChartSpec {
	type: 'bar' | 'line';
	labels: string[];
	series: ChartSeries[];
	/** Axis title. */
	y?: string;
	/** Percentages: 0–100 %. */
	percent?: boolean;
	stacked?: boolean;
}

/** A chart on a canvas: new numbers are drawn in place, without building it again. */
export interface DrawnChart {
	update(spec: ChartSpec): void;
	destroy(): void;
}

let loaded: Promise<typeof ChartDraw> | null = null;
/** Whether a real chart has been drawn on this page (then Chart.js needs no warming). */
let drawnAny = false;

/** Loads Chart.js (once); safe to call early and often. */
export function loadCharts(): Promise<typeof ChartDraw> {
	// A failed load (the chunk went missing after an update) is tried again next time.
	loaded ??= import('$lib/components/quality/chart-draw').catch((e: unknown) => {
		loaded = null;
		throw e;
	});
	return loaded;
}

/**
 * Loads Chart.js and, when the page is idle, has it draw off screen once, so the first real
 * chart does not pay for compiling the library's code. Never fails.
 */
export function warmCharts(): void {
	loadCharts()
		.then(({ warm }) => {
			const idle = globalThis.requestIdleCallback ?? ((run: () => void) => setTimeout(run, 1));
			idle(() => {
				// A real chart drawn first has already done the warming.
				if (drawnAny) return;
				try {
					warm();
				} catch {
					// Only a head start: the real charts draw without it.
				}
			});
		})
		.catch(() => undefined);
}

/** After the next frame has been painted. */
function afterPaint(): Promise<void> {
	return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));
}

interface Pending {
	canvas: HTMLCanvasElement;
	/** Read when the chart is drawn, so data that arrived while waiting is drawn at once. */
	spec: () => ChartSpec;
	resolve: (chart: DrawnChart | null) => void;
	reject: (e: unknown) => void;
}

let pending: Pending[] = [];
let flushing = false;

async function flush(): Promise<void> {
	let lib: typeof ChartDraw | undefined;
	let failure: unknown;
	try {
		[lib] = await Promise.all([loadCharts(), afterPaint()]);
	} catch (e) {
		failure = e;
	}
	const batch = pending;
	pending = [];
	flushing = false;
	if (!lib) {
		for (const p of batch) p.reject(failure);
		return;
	}
	drawnAny ||= batch.length > 0;
	const first = batch.find((p) => p.canvas.isConnected);
	const text = first ? getComputedStyle(first.canvas).color : '';
	for (const p of batch) {
		try {
			p.resolve(p.canvas.isConnected ? lib.draw(p.canvas, p.spec(), text) : null);
		} catch (e) {
			p.reject(e);
		}
	}
}

/**
 * Draws a chart once what is on screen has painted. Every chart asked for before then is drawn
 * in the same task: waiting a frame per chart cost more than the charts themselves on a busy
 * machine (frames are long there), and one frame's wait still lets the numbers and tables paint
 * first. Null when the canvas left the page before its turn.
 */
export function drawChart(
	canvas: HTMLCanvasElement,
	spec: () => ChartSpec
): Promise<DrawnChart | null> {
	return new Promise((resolve, reject) => {
		pending.push({ canvas, spec, resolve, reject });
		if (!flushing) {
			flushing = true;
			void flush();
		}
	});
}
