// The small latency/availability chart of /ftp status, rendered server-side to PNG with
// Chart.js on a skia canvas (@napi-rs/canvas): no browser, no native build step.
import { createCanvas } from '@napi-rs/canvas';
import { Chart, registerables } from 'chart.js';
import type { hourlySeries } from '../alerts/target-status.js';

Chart.register(...registerables);

export async function renderStatusChart(target: string, series: ReturnType<typeof hourlySeries>): Promise<Buffer> {
  return renderSeriesChart(`${target} — last 24 h (UTC)`, series.map((s) => ({ label: `${new Date(s.hourStart).toISOString().slice(11, 13)}:00`, availability: s.availability, p95: s.p95 })));
}

/** The same chart for any series of points (a report's hours or days). */
export async function renderSeriesChart(title: string, series: Array<{ label: string; availability: number | null; p95: number | null }>): Promise<Buffer> {
  const canvas = createCanvas(900, 320);
  const labels = series.map((s) => s.label);
  const chart = new Chart(canvas.getContext('2d') as unknown as CanvasRenderingContext2D, {
    type: 'line',
    data: {
      labels,
      datasets: [
        { label: 'check time p95 (ms)', data: series.map((s) => s.p95), borderColor: '#2563eb', backgroundColor: '#2563eb', yAxisID: 'ms', spanGaps: true, tension: 0.2 },
        { label: 'availability (%)', data: series.map((s) => s.availability), borderColor: '#16a34a', backgroundColor: '#16a34a', yAxisID: 'pct', spanGaps: true, stepped: true },
      ],
    },
    options: {
      responsive: false,
      animation: false,
      devicePixelRatio: 1,
      plugins: { title: { display: true, text: title }, legend: { position: 'bottom' } },
      scales: {
        ms: { type: 'linear', position: 'left', beginAtZero: true, title: { display: true, text: 'ms' } },
        pct: { type: 'linear', position: 'right', min: 0, max: 100, grid: { drawOnChartArea: false }, title: { display: true, text: '%' } },
      },
    },
  });
  // White behind the transparent chart, so it reads in dark-mode chat clients too.
  const ctx = canvas.getContext('2d');
  ctx.globalCompositeOperation = 'destination-over';
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const png = await canvas.encode('png');
  chart.destroy();
  return png;
}
