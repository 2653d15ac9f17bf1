using System.Globalization;
using System.Xml.Linq;
using Kangen.Platform.Web.Charts;

namespace Kangen.Platform.Tests.Features.Admin;

public sealed class SvgChartTests
{
    [Theory]
    [InlineData(0, 1, 1)]
    [InlineData(1, 1, 1)]
    [InlineData(3, 3, 1)]
    [InlineData(7, 8, 2)]
    [InlineData(48, 50, 10)]
    [InlineData(123, 150, 50)]
    [InlineData(20000, 20000, 5000)]
    [InlineData(1_234_567, 1_500_000, 500_000)]
    public void Axes_end_on_a_nice_whole_number_at_or_above_the_largest_value(long max, long axisMax, long step)
    {
        var axis = IntegerAxis.For(max);
        Assert.Equal(new IntegerAxis(axisMax, step), axis);
        Assert.True(axis.Max >= max);
        Assert.All(axis.Ticks(), t => Assert.Equal(0, t % step));
        Assert.Equal(axis.Max, axis.Ticks().Last());
    }

    [Fact]
    public void Bars_carry_their_values_a_title_a_description_and_the_same_figures_in_a_table()
    {
        var html = SvgChart.Bars("c1", "Per channel", "web 3, cli 1", [new ChartPoint("web", 3), new ChartPoint("cli", 1)], "Channel", "Count").ToString()!;

        var figure = XElement.Parse(html);
        var svg = figure.Element("svg")!;
        Assert.Equal("img", (string?)svg.Attribute("role"));
        Assert.Equal("c1-title c1-desc", (string?)svg.Attribute("aria-labelledby"));
        Assert.Equal("Per channel", svg.Element("title")!.Value);
        Assert.Equal("web 3, cli 1", svg.Element("desc")!.Value);
        var bars = svg.Elements("rect").Where(r => ((string?)r.Attribute("class"))!.Contains("bar", StringComparison.Ordinal)).ToArray();
        Assert.Equal(["web", "cli"], bars.Select(b => (string?)b.Attribute("data-label")));
        Assert.Equal(["3", "1"], bars.Select(b => (string?)b.Attribute("data-value")));
        // The taller value has the taller bar, in proportion to the axis (0..3).
        var heights = bars.Select(b => double.Parse((string)b.Attribute("height")!, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(3.0, heights[0] / heights[1], 1);
        var rows = figure.Descendants("tbody").Single().Elements("tr").Select(r => string.Join("|", r.Elements().Select(c => c.Value))).ToArray();
        Assert.Equal(["web|3", "cli|1"], rows);
    }

    [Fact]
    public void Labels_are_escaped_so_no_markup_gets_through()
    {
        const string label = "<script>alert('x')</script> & \"q\"";
        var html = SvgChart.HorizontalBars("c2", "A <b>title</b>", "d", [new ChartPoint(label, 5)], "Service", "Count").ToString()!;

        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);
        var figure = XElement.Parse(html);
        Assert.Equal(label, (string?)figure.Descendants("rect").Single().Attribute("data-label"));
        Assert.Equal("A <b>title</b>", figure.Element("figcaption")!.Value);
        Assert.Empty(figure.Descendants("script"));
    }

    [Fact]
    public void A_time_series_of_several_series_draws_a_line_each_and_a_table_column_each()
    {
        var html = SvgChart.TimeSeries("c3", "Grants", "d", ["10-01", "10-02", "10-03"],
            [new ChartSeries("one", [1, 2, 3]), new ChartSeries("two", [0, 5, 0])], "Day").ToString()!;

        var figure = XElement.Parse(html);
        Assert.Equal(2, figure.Descendants("polyline").Count());
        Assert.Equal(6, figure.Descendants("circle").Count());
        Assert.Equal(["Day", "one", "two"], figure.Descendants("thead").Single().Descendants("th").Select(t => t.Value));
        Assert.Equal("10-02|2|5", string.Join("|", figure.Descendants("tbody").Single().Elements("tr").ElementAt(1).Elements().Select(c => c.Value)));
        Assert.Throws<ArgumentException>(() => SvgChart.TimeSeries("c4", "t", "d", ["a"], [new ChartSeries("s", [1, 2])], "p"));
    }

    [Fact]
    public void An_empty_chart_renders_an_axis_and_says_there_is_no_data()
    {
        var figure = XElement.Parse(SvgChart.Bars("c5", "Nothing", "none", [], "Channel", "Count").ToString()!);
        Assert.Empty(figure.Descendants("rect"));
        Assert.Single(figure.Descendants("tbody").Single().Elements("tr"));
    }
}
