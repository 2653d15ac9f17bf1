using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Html;

namespace Kangen.Platform.Web.Charts;

/// <summary>One category and its value.</summary>
public sealed record ChartPoint(string Label, long Value);

/// <summary>One named series of a time series chart: a value per x label.</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<long> Values);

/// <summary>An integer axis: from 0 to <see cref="Max"/> in steps of <see cref="Step"/> (1, 2 or 5 times a power of ten).</summary>
public readonly record struct IntegerAxis(long Max, long Step)
{
    /// <summary>The tick values, 0 included.</summary>
    public IEnumerable<long> Ticks()
    {
        for (var v = 0L; v <= Max; v += Step)
            yield return v;
    }

    /// <summary>A readable axis for data up to <paramref name="dataMax"/> with about <paramref name="ticks"/> intervals.</summary>
    public static IntegerAxis For(long dataMax, int ticks = 5)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ticks, 1);
        if (dataMax <= 0)
            return new IntegerAxis(1, 1);
        var raw = Math.Max(1.0, (double)dataMax / ticks);
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var fraction = raw / magnitude;
        var nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
        var step = Math.Max(1L, (long)(nice * magnitude));
        var max = (dataMax + step - 1) / step * step;
        return new IntegerAxis(max, step);
    }
}

/// <summary>
/// Charts rendered on the server as accessible inline SVG (no script, no inline style: the page's CSP holds; colours
/// come from site.css classes): <c>role="img"</c> with a title and a description, each mark with its own title, and
/// the same figures in a table inside a <c>details</c> element for screen readers and for copying.
/// </summary>
public static class SvgChart
{
    private const int Width = 720;
    private const int Left = 64, Right = 16, Top = 12;
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Vertical bars, one per category.</summary>
    public static IHtmlContent Bars(string id, string title, string description, IReadOnlyList<ChartPoint> points, string categoryHeader, string valueHeader)
    {
        ArgumentNullException.ThrowIfNull(points);
        const int height = 260, bottom = 48;
        var axis = IntegerAxis.For(points.Count == 0 ? 0 : points.Max(p => p.Value));
        var svg = Open(id, title, description, Width, height);
        var plotHeight = height - Top - bottom;
        YAxis(svg, axis, plotHeight, Width);
        var slot = points.Count == 0 ? 0 : (Width - Left - Right) / (double)points.Count;
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i];
            var h = plotHeight * (double)p.Value / axis.Max;
            var barWidth = Math.Min(slot * 0.7, 96);
            var x = Left + i * slot + (slot - barWidth) / 2;
            var y = Top + plotHeight - h;
            svg.Append(Invariant, $"<rect class=\"bar series-1\" x=\"{x:0.#}\" y=\"{y:0.#}\" width=\"{barWidth:0.#}\" height=\"{h:0.#}\" data-label=\"{Escape(p.Label)}\" data-value=\"{p.Value}\"><title>{Escape(p.Label)}: {p.Value:N0}</title></rect>");
            svg.Append(Invariant, $"<text class=\"value\" x=\"{x + barWidth / 2:0.#}\" y=\"{y - 4:0.#}\" text-anchor=\"middle\">{p.Value:N0}</text>");
            svg.Append(Invariant, $"<text class=\"label\" x=\"{x + barWidth / 2:0.#}\" y=\"{Top + plotHeight + 18}\" text-anchor=\"middle\">{Escape(p.Label)}</text>");
        }
        svg.Append("</svg>");
        return Figure(id, title, svg, [categoryHeader, valueHeader], points.Select(p => new[] { p.Label, p.Value.ToString("N0", Invariant) }));
    }

    /// <summary>Horizontal bars, one row per category (long labels, many categories).</summary>
    public static IHtmlContent HorizontalBars(string id, string title, string description, IReadOnlyList<ChartPoint> points, string categoryHeader, string valueHeader)
    {
        ArgumentNullException.ThrowIfNull(points);
        const int row = 26, left = 200, bottom = 28;
        var height = Top + Math.Max(1, points.Count) * row + bottom;
        var axis = IntegerAxis.For(points.Count == 0 ? 0 : points.Max(p => p.Value));
        var svg = Open(id, title, description, Width, height);
        var plotWidth = Width - left - Right - 40;
        var plotBottom = Top + Math.Max(1, points.Count) * row;
        foreach (var tick in axis.Ticks())
        {
            var x = left + plotWidth * (double)tick / axis.Max;
            svg.Append(Invariant, $"<line class=\"grid\" x1=\"{x:0.#}\" y1=\"{Top}\" x2=\"{x:0.#}\" y2=\"{plotBottom}\"/>");
            svg.Append(Invariant, $"<text class=\"tick\" x=\"{x:0.#}\" y=\"{plotBottom + 16}\" text-anchor=\"middle\">{tick:N0}</text>");
        }
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i];
            var w = plotWidth * (double)p.Value / axis.Max;
            var y = Top + i * row + 4;
            svg.Append(Invariant, $"<text class=\"label\" x=\"{left - 6}\" y=\"{y + 13}\" text-anchor=\"end\">{Escape(p.Label)}</text>");
            svg.Append(Invariant, $"<rect class=\"bar series-1\" x=\"{left}\" y=\"{y}\" width=\"{w:0.#}\" height=\"{row - 8}\" data-label=\"{Escape(p.Label)}\" data-value=\"{p.Value}\"><title>{Escape(p.Label)}: {p.Value:N0}</title></rect>");
            svg.Append(Invariant, $"<text class=\"value\" x=\"{left + w + 4:0.#}\" y=\"{y + 13}\">{p.Value:N0}</text>");
        }
        svg.Append("</svg>");
        return Figure(id, title, svg, [categoryHeader, valueHeader], points.Select(p => new[] { p.Label, p.Value.ToString("N0", Invariant) }));
    }

    /// <summary>
    /// A time series: one x label per period; a single series as columns, several as lines (one class per series, a
    /// legend below).
    /// </summary>
    public static IHtmlContent TimeSeries(string id, string title, string description, IReadOnlyList<string> periods, IReadOnlyList<ChartSeries> series, string periodHeader)
    {
        ArgumentNullException.ThrowIfNull(periods);
        ArgumentNullException.ThrowIfNull(series);
        if (series.Any(s => s.Values.Count != periods.Count))
            throw new ArgumentException("Every series needs one value per period.", nameof(series));
        const int bottom = 40;
        // One legend line per series: program names are long.
        var legend = series.Count > 1 ? 20 * series.Count + 4 : 0;
        var height = 260 + legend;
        var max = series.SelectMany(s => s.Values).DefaultIfEmpty(0).Max();
        var axis = IntegerAxis.For(max);
        var svg = Open(id, title, description, Width, height);
        var plotHeight = height - Top - bottom - legend;
        YAxis(svg, axis, plotHeight, Width);
        var slot = periods.Count == 0 ? 0 : (Width - Left - Right) / (double)periods.Count;
        // Every period has its mark; the labels thin out so they never overlap (about one per 60 px).
        var every = Math.Max(1, (int)Math.Ceiling(60 / Math.Max(1, slot)));
        for (var i = 0; i < periods.Count; i += every)
            svg.Append(Invariant, $"<text class=\"label\" x=\"{Left + (i + 0.5) * slot:0.#}\" y=\"{Top + plotHeight + 18}\" text-anchor=\"middle\">{Escape(periods[i])}</text>");
        double Y(long v) => Top + plotHeight - plotHeight * (double)v / axis.Max;
        if (series.Count == 1)
        {
            var s = series[0];
            for (var i = 0; i < periods.Count; i++)
            {
                var y = Y(s.Values[i]);
                svg.Append(Invariant, $"<rect class=\"bar series-1\" x=\"{Left + i * slot + slot * 0.1:0.#}\" y=\"{y:0.#}\" width=\"{Math.Max(1, slot * 0.8):0.#}\" height=\"{Top + plotHeight - y:0.#}\" data-label=\"{Escape(periods[i])}\" data-value=\"{s.Values[i]}\"><title>{Escape(periods[i])}: {s.Values[i]:N0}</title></rect>");
            }
        }
        else
        {
            for (var k = 0; k < series.Count; k++)
            {
                var s = series[k];
                var points = string.Join(' ', Enumerable.Range(0, periods.Count).Select(i => string.Create(Invariant, $"{Left + (i + 0.5) * slot:0.#},{Y(s.Values[i]):0.#}")));
                svg.Append(Invariant, $"<polyline class=\"line series-{k % 4 + 1}\" points=\"{points}\" data-series=\"{Escape(s.Name)}\"/>");
                for (var i = 0; i < periods.Count; i++)
                    svg.Append(Invariant, $"<circle class=\"dot series-{k % 4 + 1}\" cx=\"{Left + (i + 0.5) * slot:0.#}\" cy=\"{Y(s.Values[i]):0.#}\" r=\"3\" data-series=\"{Escape(s.Name)}\" data-label=\"{Escape(periods[i])}\" data-value=\"{s.Values[i]}\"><title>{Escape(s.Name)}, {Escape(periods[i])}: {s.Values[i]:N0}</title></circle>");
                var lx = Left;
                var ly = height - legend + 16 + k * 20;
                svg.Append(Invariant, $"<rect class=\"bar series-{k % 4 + 1}\" x=\"{lx}\" y=\"{ly - 10}\" width=\"12\" height=\"12\"/><text class=\"legend\" x=\"{lx + 16}\" y=\"{ly}\">{Escape(s.Name)}</text>");
            }
        }
        svg.Append("</svg>");
        var rows = Enumerable.Range(0, periods.Count).Select(i => new[] { periods[i] }.Concat(series.Select(s => s.Values[i].ToString("N0", Invariant))).ToArray());
        return Figure(id, title, svg, [periodHeader, .. series.Select(s => s.Name)], rows);
    }

    /// <summary>Escapes text for SVG or HTML content and attribute values.</summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text))
            return "";
        var b = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            b.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => c.ToString(),
            });
        }
        return b.ToString();
    }

    private static StringBuilder Open(string id, string title, string description, int width, int height)
    {
        var svg = new StringBuilder(4096);
        var safeId = Escape(id);
        svg.Append(Invariant, $"<svg class=\"chart-svg\" role=\"img\" viewBox=\"0 0 {width} {height}\" preserveAspectRatio=\"xMinYMin meet\" aria-labelledby=\"{safeId}-title {safeId}-desc\" data-chart=\"{safeId}\">");
        svg.Append(Invariant, $"<title id=\"{safeId}-title\">{Escape(title)}</title><desc id=\"{safeId}-desc\">{Escape(description)}</desc>");
        return svg;
    }

    private static void YAxis(StringBuilder svg, IntegerAxis axis, int plotHeight, int width)
    {
        foreach (var tick in axis.Ticks())
        {
            var y = Top + plotHeight - plotHeight * (double)tick / axis.Max;
            svg.Append(Invariant, $"<line class=\"grid\" x1=\"{Left}\" y1=\"{y:0.#}\" x2=\"{width - Right}\" y2=\"{y:0.#}\"/>");
            svg.Append(Invariant, $"<text class=\"tick\" x=\"{Left - 6}\" y=\"{y + 4:0.#}\" text-anchor=\"end\">{tick:N0}</text>");
        }
    }

    private static HtmlString Figure(string id, string title, StringBuilder svg, IReadOnlyList<string> headers, IEnumerable<string[]> rows)
    {
        var html = new StringBuilder(svg.Length + 1024);
        html.Append(Invariant, $"<figure class=\"chart\" id=\"{Escape(id)}\"><figcaption>{Escape(title)}</figcaption>");
        html.Append(svg);
        html.Append("<details><summary>").Append(Escape(WebCulture.Pick("数値を表で見る", "以表格查看数值", "Figures as a table"))).Append("</summary>");
        html.Append(Invariant, $"<table data-chart-table=\"{Escape(id)}\"><thead><tr>");
        for (var i = 0; i < headers.Count; i++)
            html.Append(i == 0 ? "<th scope=\"col\">" : "<th scope=\"col\" class=\"num\">").Append(Escape(headers[i])).Append("</th>");
        html.Append("</tr></thead><tbody>");
        var any = false;
        foreach (var row in rows)
        {
            any = true;
            html.Append("<tr>");
            for (var i = 0; i < row.Length; i++)
                html.Append(i == 0 ? "<th scope=\"row\">" : "<td class=\"num\">").Append(Escape(row[i])).Append(i == 0 ? "</th>" : "</td>");
            html.Append("</tr>");
        }
        if (!any)
            html.Append(Invariant, $"<tr><td colspan=\"{headers.Count}\">").Append(Escape(WebCulture.Pick("データはまだありません。", "暂无数据。", "No data yet."))).Append("</td></tr>");
        html.Append("</tbody></table></details></figure>");
        return new HtmlString(html.ToString());
    }
}
