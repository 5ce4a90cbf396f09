// Types of parse-prometheus-text-format 1.1 (a JavaScript package without typings), read from
// its dist/parse-prometheus-text-format.cjs.js: one entry per metric family, values as written.
declare module 'parse-prometheus-text-format' {
  export interface ParsedSample {
    value?: string;
    labels?: Record<string, string>;
    timestamp_ms?: string;
  }
  /** A summary's samples are folded into one: quantile label value -> value, and _count, _sum. */
  export interface ParsedSummary {
    quantiles?: Record<string, string>;
    count?: string;
    sum?: string;
  }
  export interface ParsedFamily {
    name: string;
    help: string;
    type: 'COUNTER' | 'GAUGE' | 'SUMMARY' | 'HISTOGRAM' | 'UNTYPED';
    metrics: Array<ParsedSample & ParsedSummary>;
  }
  export default function parsePrometheusTextFormat(text: string): ParsedFamily[];
}
