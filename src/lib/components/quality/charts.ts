// The dashboard's charts: what a chart shows (ChartSpec), and Chart.js loaded on demand
// (chart-draw.ts), so nothing of it is in the app shell. The Evals and metrics screen starts the
// load once it has painted, so the Metrics tab usually finds the library ready.
import type { Chart } from 'chart.js';
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

let loaded: Promise<typeof ChartDraw> | null = null;

/** Loads Chart.js (once); safe to call early and often. */
export function loadCharts(): Promise<typeof ChartDraw> {
	// A failed load (the chunk went missing after an update) is tried again next time.
	loaded ??= import('$lib/components/quality/chart-draw').catch((e: unknown) => {
		loaded = null;
		throw e;
	});
	return loaded;
}

/** After the next frame has been painted. */
function afterPaint(): Promise<void> {
	return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Draws a chart once what is on screen has painted, one chart per frame: a chart costs tens of
 * milliseconds (Chart.js measures the canvas and its fonts), so drawing six at once would hold
 * the dashboard's numbers and tables back until all six were done. Null when the canvas left the
 * page before its turn.
 */
export function drawChart(canvas: HTMLCanvasElement, spec: ChartSpec): Promise<Chart | null> {
	const turn = queue.then(async () => {
		const [{ draw }] = await Promise.all([loadCharts(), afterPaint()]);
		return canvas.isConnected ? draw(canvas, spec) : null;
	});
	queue = turn.catch(() => undefined);
	return turn;
}
