// Chart.js with only the pieces Hearth draws (bars and lines) imported by name, so the bundler
// leaves the rest of the library out of this chunk. Loaded through charts.ts, never statically.
import {
	BarController,
	BarElement,
	CategoryScale,
	Chart,
	Legend,
	LinearScale,
	LineController,
	LineElement,
	PointElement,
	Tooltip,
	type ChartDataset,
	type ChartOptions
} from 'chart.js';
import type { ChartSpec, DrawnChart } from '$lib/components/quality/charts';

Chart.register(
	BarController,
	BarElement,
	LineController,
	LineElement,
	PointElement,
	CategoryScale,
	LinearScale,
	Legend,
	Tooltip
);

// Readable in both themes (checked against the light and dark surfaces).
const COLOURS = ['#2563eb', '#d97706', '#16a34a', '#dc2626', '#7c3aed', '#0891b2'];

function datasets(spec: ChartSpec): ChartDataset<'bar' | 'line', (number | null)[]>[] {
	return spec.series.map((s, i) => {
		const colour = s.goal ? '#dc2626' : COLOURS[i % COLOURS.length]!;
		return {
			type: s.goal ? ('line' as const) : spec.type,
			label: s.label,
			data: s.data,
			borderColor: colour,
			backgroundColor: colour,
			borderDash: s.goal ? [6, 4] : undefined,
			pointRadius: s.goal ? 0 : 2,
			spanGaps: true
		};
	});
}

function options(spec: ChartSpec, colour: string): ChartOptions<'bar' | 'line'> {
	return {
		responsive: true,
		maintainAspectRatio: false,
		// Drawn once and updated in place when the numbers change: no animation to wait for.
		animation: false,
		plugins: {
			// One series needs no legend: the title and the axis say what it is.
			legend: { display: spec.series.length > 1, labels: { color: colour } }
		},
		scales: {
			x: {
				stacked: spec.stacked,
				// Which day labels fit is judged from a sample of them, not by measuring all.
				ticks: { color: colour, maxRotation: 0, autoSkip: true, sampleSize: 8 }
			},
			y: {
				stacked: spec.stacked,
				beginAtZero: true,
				...(spec.percent ? { max: 100 } : {}),
				ticks: { color: colour },
				title: spec.y ? { display: true, text: spec.y, color: colour } : undefined
			}
		}
	};
}

/** `text`: the colour of the axis and legend text (read once for every chart drawn together). */
export function draw(canvas: HTMLCanvasElement, spec: ChartSpec, text: string): DrawnChart {
	const colour = text || '#444';
	const chart = new Chart(canvas, {
		type: spec.type,
		data: { labels: spec.labels, datasets: datasets(spec) },
		options: options(spec, colour)
	});
	return {
		update(next) {
			chart.data.labels = next.labels;
			chart.data.datasets = datasets(next);
			chart.update('none');
		},
		destroy: () => chart.destroy()
	};
}

/**
 * Draws a throwaway chart of each kind off screen, so the code Chart.js runs for a chart is
 * compiled before the first real one: the first chart on a page cost several times the next
 * ones. Run while the person is still on the Evals tab.
 */
export function warm(): void {
	if (typeof OffscreenCanvas === 'undefined') return;
	const labels = ['a', 'b', 'c'];
	for (const type of ['bar', 'line'] as const) {
		const spec: ChartSpec = {
			type,
			labels,
			stacked: type === 'bar',
			y: 'y',
			series: [
				{ label: 'x', data: [1, 2, 3] },
				{ label: 'goal', data: [2, 2, 2], goal: true }
			]
		};
		// Chart.js takes an OffscreenCanvas as it takes a canvas element (its basic platform).
		const canvas = new OffscreenCanvas(300, 150) as unknown as HTMLCanvasElement;
		new Chart(canvas, {
			type,
			data: { labels, datasets: datasets(spec) },
			options: options(spec, '#444')
		}).destroy();
	}
}
