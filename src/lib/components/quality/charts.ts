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

export async function drawChart(canvas: HTMLCanvasElement, spec: ChartSpec): Promise<Chart> {
	const { draw } = await loadCharts();
	return draw(canvas, spec);
}
