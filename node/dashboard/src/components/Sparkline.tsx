/** A small live chart of one series over the last hour (uPlot). */
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import { scaleTop } from "../lib/history";
import "uplot/dist/uPlot.min.css";

/** One sample: seconds since the epoch, and the value. */
export type Sample = [number, number];

export function Sparkline(props: { samples: Sample[]; label: string; color?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    if (!box.current) return;
    plot.current = new uPlot(
      {
        width: 260,
        height: 70,
        legend: { show: false },
        cursor: { show: false },
        // The scale runs from 0 to a round number above the highest value, both labelled, so
        // that a flat or single-sample series still reads against it.
        axes: [
          { show: false },
          { size: 52, font: "10px sans-serif", stroke: "#8a94a6", splits: (u) => [0, u.scales.y.max ?? 1] },
        ],
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, scaleTop(max)] } },
        series: [{}, { label: props.label, stroke: props.color ?? "#3b82f6", width: 2, fill: "rgba(59,130,246,0.08)" }],
      },
      [[], []],
      box.current,
    );
    return () => plot.current?.destroy();
  }, [props.label, props.color]);
  useEffect(() => {
    plot.current?.setData([props.samples.map((s) => s[0]), props.samples.map((s) => s[1])]);
  }, [props.samples]);
  return <div className="sparkline" ref={box} aria-label={`${props.label} over the last hour`} />;
}
