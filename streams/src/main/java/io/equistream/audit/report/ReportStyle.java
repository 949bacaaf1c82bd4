package io.equistream.audit.report;

/** The page's inline stylesheet (no external fonts or assets). */
final class ReportStyle {
  private ReportStyle() {}

  static final String CSS = """
      :root { color-scheme: light; }
      body { margin: 0; background: #f6f7f9; color: #1d2430;
        font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
      main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; }
      header, section { background: #fff; border: 1px solid #dde1e7; border-radius: 8px;
        padding: 16px 22px 20px; margin: 0 0 20px; }
      h1 { font-size: 24px; margin: 0 0 12px; }
      h2 { font-size: 19px; margin: 0 0 6px; border-bottom: 1px solid #eef0f3; padding-bottom: 6px; }
      .explain { color: #4a5566; max-width: 960px; margin: 6px 0 12px; }
      .note, .empty { color: #8a4b00; background: #fff7e6; border: 1px solid #f3d9a4; border-radius: 6px;
        padding: 8px 12px; }
      .empty { font-size: 16px; font-weight: 600; }
      dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 0 0 8px; }
      dl.facts dt { font-weight: 600; color: #4a5566; }
      dl.facts dd { margin: 0; overflow-wrap: anywhere; }
      details summary { cursor: pointer; color: #4a5566; }
      svg.chart { display: block; max-width: 100%; height: auto; margin: 10px 0 14px; background: #fff; }
      svg.chart text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: #1d2430; }
      svg.chart .chart-title { font-size: 14px; font-weight: 600; }
      svg.chart .axis-label { font-size: 12px; fill: #4a5566; }
      svg.chart .tick-label { font-size: 11px; fill: #4a5566; }
      svg.chart .value-label { font-size: 10px; fill: #4a5566; }
      svg.chart .na { font-size: 10px; fill: #8a4b00; }
      svg.chart .grid { stroke: #eef0f3; }
      svg.chart .axis, svg.chart .tick { stroke: #9aa3af; }
      svg.chart .marker { stroke-width: 2; stroke-dasharray: 5 3; }
      svg.chart .marker-label { font-size: 11px; font-weight: 600; }
      svg.chart .bar:hover, svg.chart .point:hover { opacity: 0.75; }
      table.data { border-collapse: collapse; margin: 6px 0 4px; min-width: 50%; }
      table.data th, table.data td { border-bottom: 1px solid #eef0f3; padding: 4px 10px; text-align: left;
        vertical-align: top; }
      table.data th { background: #f1f3f6; font-weight: 600; }
      table.data td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
      table.data td.text { white-space: pre-wrap; overflow-wrap: anywhere; max-width: 380px;
        font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
      table.data tbody tr:nth-child(even) { background: #fafbfc; }
      .wide { overflow-x: auto; max-width: 100%; }
      table.compact { font-size: 12px; }
      table.compact th, table.compact td { padding: 3px 5px; }
      table.compact td:first-child { white-space: nowrap; }
      details.table { margin: 8px 0 4px; }
      details.table > summary { font-weight: 600; padding: 4px 0; }
      p.lead { font-weight: 600; margin: 4px 0 8px; }
      ul.sets { margin: 4px 0 8px; padding-left: 20px; color: #1d2430; }
      h3 { font-size: 15px; margin: 16px 0 4px; }
      footer { color: #6b7585; font-size: 12px; text-align: center; }
      """;
}
