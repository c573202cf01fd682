// The dashboard's bar chart (Chart.js, vendored: window.Chart). One chart per canvas, updated in place.

const BRAND = "#4f46e5";
const REDUCED_MOTION = window.matchMedia("(prefers-reduced-motion: reduce)");
const COMPARE = "#c7d2fe";
const UTC = { timeZone: "UTC" };
const formats = {
  day: new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", ...UTC }),
  week: new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", ...UTC }),
  month: new Intl.DateTimeFormat(undefined, { month: "short", year: "numeric", ...UTC }),
  year: new Intl.DateTimeFormat(undefined, { year: "numeric", ...UTC }),
};

/** The axis label of a bucket that starts on ``start`` ("YYYY-MM-DD"). */
export function bucketLabel(start, granularity) {
  if (!start) return "";
  const date = new Date(`${String(start).slice(0, 10)}T00:00:00Z`);
  if (granularity === "quarter") return `Q${Math.floor(date.getUTCMonth() / 3) + 1} ${date.getUTCFullYear()}`;
  if (granularity === "week") return `Wk ${formats.week.format(date)}`;
  return (formats[granularity] || formats.day).format(date);
}

export function renderChart(canvas, { labels, current, previous, currentLabel, previousLabel, previousStarts,
  granularity, format }) {
  const datasets = [{
    label: currentLabel, data: current, backgroundColor: BRAND, borderRadius: 3, maxBarThickness: 42,
  }];
  if (previous) {
    datasets.push({ label: previousLabel, data: previous, backgroundColor: COMPARE, borderRadius: 3, maxBarThickness: 42 });
  }
  const tooltipLabel = (ctx) => {
    const start = ctx.datasetIndex === 1 && previousStarts ? previousStarts[ctx.dataIndex] : null;
    const when = start ? ` (${bucketLabel(start, granularity)})` : "";
    return ` ${ctx.dataset.label}${when}: ${format(ctx.raw)}`;
  };
  const options = {
    responsive: true,
    maintainAspectRatio: false,
    animation: REDUCED_MOTION.matches ? false : { duration: 200 },
    interaction: { mode: "index", intersect: false },
    scales: {
      x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true, autoSkipPadding: 12 } },
      y: { beginAtZero: true, grace: "5%", ticks: { callback: (value) => format(value, { compact: true }) },
        grid: { color: "#eef0f4" } },
    },
    plugins: {
      legend: { display: Boolean(previous), position: "bottom", labels: { boxWidth: 12, boxHeight: 12 } },
      tooltip: { callbacks: { label: tooltipLabel } },
    },
  };
  const existing = window.Chart.getChart(canvas);
  if (existing) {
    existing.data.labels = labels;
    existing.data.datasets = datasets;
    existing.options = options;
    existing.update();
    return existing;
  }
  return new window.Chart(canvas, { type: "bar", data: { labels, datasets }, options });
}
