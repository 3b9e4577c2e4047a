// Chart.js, registered with only the pieces Hearth draws (bars and lines), loaded with the first
// chart so nothing of it is in the app shell.
import type * as ChartJs from 'chart.js';
import type { Chart } from 'chart.js';

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

// Readable in both themes (checked against the light and dark surfaces).
const COLOURS = ['#2563eb', '#d97706', '#16a34a', '#dc2626', '#7c3aed', '#0891b2'];

let loaded: Promise<typeof ChartJs> | null = null;

function load(): Promise<typeof ChartJs> {
	loaded ??= import('chart.js').then((module) => {
		const { Chart, BarController, BarElement, LineController, LineElement, PointElement } = module;
		const { CategoryScale, LinearScale, Legend, Tooltip } = module;
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
		return module;
	});
	return loaded;
}

export async function drawChart(canvas: HTMLCanvasElement, spec: ChartSpec): Promise<Chart> {
	const { Chart } = await load();
	const text = getComputedStyle(canvas).color || '#444';
	return new Chart(canvas, {
		type: spec.type,
		data: {
			labels: spec.labels,
			datasets: spec.series.map((s, i) => {
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
			})
		},
		options: {
			responsive: true,
			maintainAspectRatio: false,
			// The dashboard re-renders on every filter change: no animation to wait for.
			animation: false,
			plugins: { legend: { labels: { color: text } } },
			scales: {
				x: { stacked: spec.stacked, ticks: { color: text, maxRotation: 0, autoSkip: true } },
				y: {
					stacked: spec.stacked,
					beginAtZero: true,
					...(spec.percent ? { max: 100 } : {}),
					ticks: { color: text },
					title: spec.y ? { display: true, text: spec.y, color: text } : undefined
				}
			}
		}
	});
}
