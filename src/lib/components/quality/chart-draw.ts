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
	Tooltip
} from 'chart.js';
import type { ChartSpec } from '$lib/components/quality/charts';

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

export function draw(canvas: HTMLCanvasElement, spec: ChartSpec): Chart {
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
