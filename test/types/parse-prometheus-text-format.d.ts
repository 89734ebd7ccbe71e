/** Types for parse-prometheus-text-format (it ships none): prom2json's shape. */
declare module 'parse-prometheus-text-format' {
  function parsePrometheusTextFormat(text: string): parsePrometheusTextFormat.MetricFamily[];
  namespace parsePrometheusTextFormat {
    interface Sample {
      labels?: Record<string, string>;
      value?: string;
      buckets?: Record<string, string>;
      quantiles?: Record<string, string>;
      count?: string;
      sum?: string;
    }
    interface MetricFamily {
      name: string;
      help: string;
      type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
      metrics: Sample[];
    }
  }
  export = parsePrometheusTextFormat;
}
