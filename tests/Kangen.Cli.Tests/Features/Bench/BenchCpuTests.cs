using Kangen.Cli.Features.Bench;

namespace Kangen.Cli.Tests.Features.Bench;

public sealed class BenchCpuTests
{
    [Fact]
    public void The_machine_is_busy_for_all_but_its_idle_and_disk_wait_ticks_and_guest_time_is_not_counted_twice()
    {
        // user 100 (guest 7 inside it), nice 20 (guest_nice 3 inside it), system 30, idle 400, iowait 50, irq 5, softirq 15, steal 10.
        var (busy, total) = CpuReading.ParseStat("cpu  100 20 30 400 50 5 15 10 7 3");

        Assert.Equal(630, total);
        Assert.Equal(180, busy);
    }

    [Theory]
    [InlineData("cpu0 100 20 30 400 50 5 15 10 0 0")]
    [InlineData("cpu  100 20 30 400 50 5 15")]
    [InlineData("cpu  100 20 30 -400 50 5 15 10 0 0")]
    [InlineData("")]
    [InlineData(null)]
    public void A_line_of_another_shape_leaves_the_machine_figure_out(string? line) =>
        Assert.Equal((null, null), CpuReading.ParseStat(line));

    [Fact]
    public void A_phases_figures_are_its_processor_time_and_allocations_per_request_and_its_shares_of_the_cores()
    {
        var before = new CpuReading(TimeSpan.FromSeconds(10), MachineBusy: 1_000, MachineTotal: 2_000, Allocated: 5_000_000,
            GcPaused: TimeSpan.FromSeconds(3), Collections: 40, Compiling: TimeSpan.FromSeconds(7), MethodsCompiled: 9_000);
        var after = new CpuReading(TimeSpan.FromSeconds(11.5), MachineBusy: 1_150, MachineTotal: 2_400, Allocated: 5_000_000 + 2_048_000,
            GcPaused: TimeSpan.FromSeconds(3.25), Collections: 65, Compiling: TimeSpan.FromSeconds(7.3), MethodsCompiled: 9_420);

        var figures = BenchCpu.Figures("applications", 1_000, TimeSpan.FromSeconds(2), before, after).ToDictionary(f => f.Name, f => (f.Value, f.Unit));

        Assert.Equal((1.5, "ms"), figures["processor time per request (applications)"]);
        Assert.Equal((2.0, "KiB"), figures["allocated per request (applications)"]);
        Assert.Equal((Math.Round(100 * 1.5 / (2 * Environment.ProcessorCount), 1), "%"), figures["process processor use (applications)"]);
        Assert.Equal((37.5, "%"), figures["machine processor busy (applications)"]);
        Assert.Equal((12.5, "%"), figures["paused for garbage collection (applications)"]);
        Assert.Equal((25.0, "collections"), figures["collections per 1,000 requests (applications)"]);
        Assert.Equal((0.3, "ms"), figures["compiling methods per request (applications)"]);
        Assert.Equal((420.0, "methods"), figures["methods compiled (applications)"]);
    }

    [Fact]
    public void A_phase_that_runs_a_path_for_the_first_time_shows_the_jit_at_work_in_this_process()
    {
        var before = CpuReading.Now();
        // A generic method over a type made here: no earlier code of this process can have compiled this instantiation.
        Assert.Equal(3, FirstRun<(int, string, decimal)>.Count([(1, "a", 1m), (2, "b", 2m), (3, "c", 3m)]));
        var after = CpuReading.Now();

        Assert.True(after.MethodsCompiled > before.MethodsCompiled);
        Assert.True(after.Compiling > before.Compiling);
    }

    [Fact]
    public void A_phase_without_requests_or_whose_machine_counters_did_not_move_reports_what_it_can()
    {
        var reading = new CpuReading(TimeSpan.FromSeconds(1), 10, 20, 0, TimeSpan.Zero, 0, TimeSpan.Zero, 0);

        Assert.Empty(BenchCpu.Figures("empty", 0, TimeSpan.FromSeconds(1), reading, reading));
        var names = BenchCpu.Figures("still", 5, TimeSpan.FromSeconds(1), reading, reading).Select(f => f.Name).ToArray();
        Assert.DoesNotContain("machine processor busy (still)", names);
        Assert.Contains("processor time per request (still)", names);
    }

    private static class FirstRun<T>
    {
        public static int Count(IEnumerable<T> items) => items.Count();
    }
}
