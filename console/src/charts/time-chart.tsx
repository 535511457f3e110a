import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface ChartSeries {
  label: string;
  color: string;
  /** Which y axis: "left" or "right". */
  axis?: "left" | "right";
  /** Stepped (replica counts change in steps), not interpolated. */
  step?: boolean;
  dash?: number[];
  values: (number | null)[];
}

/** A shaded, labelled span of x (a fault window). */
export interface ChartBand {
  from: number;
  to: number;
  label: string;
}

export interface TimeChartProps {
  title: string;
  /** x values: Unix seconds for "time", seconds since the start for "elapsed". */
  x: number[];
  xKind: "time" | "elapsed";
  series: ChartSeries[];
  /** Axis labels with their units, e.g. "replicas", "jobs/s". */
  left: string;
  right?: string;
  bands?: ChartBand[];
  height?: number;
  /** Fix the y range's lower end at zero (counts). */
  fromZero?: boolean;
  /** The left axis counts whole things (jobs, replicas): ticks at whole numbers only. */
  integer?: boolean;
}

const BAND_FILL = "rgba(214, 69, 65, 0.13)";
const BAND_EDGE = "rgba(214, 69, 65, 0.55)";

/** Shades each band across the plot and writes its label at the top. */
function bandsPlugin(bands: readonly ChartBand[]): uPlot.Plugin {
  return {
    hooks: {
      drawClear: [
        (u) => {
          const { ctx } = u;
          const { top, height } = u.bbox;
          ctx.save();
          for (const band of bands) {
            const x0 = u.valToPos(band.from, "x", true);
            const x1 = u.valToPos(band.to, "x", true);
            ctx.fillStyle = BAND_FILL;
            ctx.fillRect(x0, top, Math.max(2, x1 - x0), height);
            ctx.fillStyle = BAND_EDGE;
            ctx.fillRect(x0, top, 1, height);
          }
          ctx.restore();
        },
      ],
      draw: [
        (u) => {
          const { ctx } = u;
          ctx.save();
          ctx.font = `${Math.round(11 * devicePixelRatio)}px system-ui, sans-serif`;
          ctx.fillStyle = "#8a2a26";
          ctx.textBaseline = "top";
          // uPlot leaves the alignment of its last axis label on the context.
          ctx.textAlign = "left";
          let row = 0;
          let lastEnd = -Infinity;
          for (const band of bands) {
            const x0 = u.valToPos(band.from, "x", true);
            // Overlapping labels step down a row instead of printing over each other.
            row = x0 < lastEnd ? row + 1 : 0;
            const text = band.label;
            ctx.fillText(text, x0 + 4 * devicePixelRatio, u.bbox.top + (4 + row * 14) * devicePixelRatio);
            lastEnd = x0 + ctx.measureText(text).width + 12 * devicePixelRatio;
          }
          ctx.restore();
        },
      ],
    },
  };
}

const WHOLE_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000];

const integerish = (values: number[]) => values.map((v) => (Math.abs(v) >= 100 || Number.isInteger(v) ? String(Math.round(v)) : v.toFixed(Math.abs(v) < 1 ? 2 : 1)));

/**
 * A time-series chart on uPlot: x axis in local time (or seconds since the start), one or two y
 * axes labelled with their units, ticks and grid, a legend that shows the values under the cursor,
 * and optional shaded bands. Resizes with its container.
 */
export function TimeChart(props: TimeChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const shape = `${props.xKind}|${props.left}|${props.right ?? ""}|${props.series.map((s) => `${s.label}:${s.axis ?? "left"}`).join(",")}|${JSON.stringify(props.bands ?? [])}`;

  useEffect(() => {
    const element = host.current;
    if (element === null) return;
    const width = Math.max(280, element.clientWidth);
    const hasRight = props.right !== undefined && props.series.some((s) => s.axis === "right");
    const elapsed = props.xKind === "elapsed";
    const options: uPlot.Options = {
      title: props.title,
      width,
      height: props.height ?? 220,
      scales: {
        x: { time: !elapsed },
        y: props.fromZero === false ? {} : { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
        ...(hasRight ? { r: props.fromZero === false ? {} : { range: (_u: uPlot, _min: number, max: number) => [0, Math.max(1, max * 1.1)] } } : {}),
      },
      axes: [
        {
          label: elapsed ? "time since start (s)" : "local time",
          labelSize: 20,
          ...(elapsed ? { values: (_u: uPlot, ticks: number[]) => ticks.map((t) => `${Math.round(t)} s`) } : {}),
          grid: { stroke: "#eceef1" },
          ticks: { stroke: "#c9ced6" },
        },
        {
          label: props.left,
          labelSize: 20,
          values: (_u, ticks) => integerish(ticks),
          grid: { stroke: "#eceef1" },
          ticks: { stroke: "#c9ced6" },
          size: 50,
          ...(props.integer === true ? { incrs: WHOLE_STEPS } : {}),
        },
        ...(hasRight ? [{ label: props.right, scale: "r", side: 1, labelSize: 20, values: (_u: uPlot, ticks: number[]) => integerish(ticks), grid: { show: false }, size: 50 }] : []),
      ],
      series: [
        { label: elapsed ? "t" : "time", ...(elapsed ? { value: (_u: uPlot, v: number | null) => (v === null ? "–" : `${v.toFixed(1)} s`) } : {}) },
        ...props.series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          scale: s.axis === "right" && hasRight ? "r" : "y",
          spanGaps: false,
          points: { show: false },
          ...(s.dash === undefined ? {} : { dash: s.dash }),
          ...(s.step === true ? { paths: uPlot.paths.stepped!({ align: 1 }) } : {}),
          value: (_u: uPlot, v: number | null) => (v === null ? "–" : Number.isInteger(v) ? String(v) : v.toFixed(2)),
        })),
      ],
      plugins: props.bands === undefined || props.bands.length === 0 ? [] : [bandsPlugin(props.bands)],
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
    };
    const chart = new uPlot(options, [props.x, ...props.series.map((s) => s.values)] as uPlot.AlignedData, element);
    plot.current = chart;
    const observer = new ResizeObserver(() => {
      const next = Math.max(280, element.clientWidth);
      if (Math.abs(next - chart.width) > 2) chart.setSize({ width: next, height: chart.height });
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = undefined;
    };
  }, [shape]);

  useEffect(() => {
    plot.current?.setData([props.x, ...props.series.map((s) => s.values)] as uPlot.AlignedData);
  }, [props.x, props.series]);

  return <div class="chart" ref={host} data-chart={props.title} />;
}
