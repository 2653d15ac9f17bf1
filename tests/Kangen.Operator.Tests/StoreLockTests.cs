using System.Diagnostics;
using Kangen.Operator.Storage;

namespace Kangen.Operator.Tests;

/// <summary>
/// <see cref="OperatorStore.LockAsync"/>: the worker of <c>kangen operator run</c> and a <c>simulate</c> or <c>settle</c>
/// on one data folder take turns.
/// </summary>
public sealed class StoreLockTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly OperatorStore _store;

    public StoreLockTests() => _store = new OperatorStore(_folder.Path, "kangen-demo");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_held_store_is_refused_to_a_second_holder_until_released()
    {
        var first = await _store.LockAsync(TimeSpan.Zero, default);
        Assert.NotNull(first);

        Assert.Null(await _store.LockAsync(TimeSpan.Zero, default));
        first.Dispose();
        using var second = await _store.LockAsync(TimeSpan.Zero, default);
        Assert.NotNull(second);
    }

    [Fact]
    public async Task A_waiting_holder_gets_the_store_once_the_other_releases_it()
    {
        var first = (await _store.LockAsync(TimeSpan.Zero, default))!;
        var waiting = _store.LockAsync(TimeSpan.FromMinutes(1), default);
        Assert.False(waiting.IsCompleted);

        first.Dispose();
        using var second = await waiting;

        Assert.NotNull(second);
    }

    [Fact]
    public async Task The_lock_holds_across_processes()
    {
        // util-linux flock(1) takes the same flock(2) lock another kangen process would.
        using (await _store.LockAsync(TimeSpan.Zero, default))
            Assert.Equal(1, await FlockAsync());
        Assert.Equal(0, await FlockAsync());
    }

    private async Task<int> FlockAsync()
    {
        var start = new ProcessStartInfo("flock") { ArgumentList = { "--nonblock", _store.File + ".lock", "true" }, UseShellExecute = false };
        using var process = Process.Start(start)!;
        await process.WaitForExitAsync();
        return process.ExitCode;
    }
}
