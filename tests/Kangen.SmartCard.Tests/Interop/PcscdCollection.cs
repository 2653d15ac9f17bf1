namespace Kangen.SmartCard.Tests.Interop;

/// <summary>
/// Tests that put an emulated card into pcscd's virtual reader (vpcd slot 0, port 35963). They share
/// one reader, so they run one at a time; they need pcscd with vsmartcard-vpcd and OpenSC:
/// <c>scripts/pcsc.sh install &amp;&amp; scripts/pcsc.sh start</c>. Without pcscd they fail, never skip.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PcscdCollection : ICollectionFixture<IssuerFixture>
{
    public const string Name = "pcscd (vpcd slot 0)";
    public const string Reader = "Virtual PCD 00 00";
    public const string Socket = "/run/pcscd/pcscd.comm";
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    /// <summary>Fails the test with the fix in the message when pcscd or its virtual reader is missing.</summary>
    public static void RequirePcscd()
    {
        Assert.True(File.Exists(Socket),
            $"pcscd is not running ({Socket} does not exist). Run: scripts/pcsc.sh install && scripts/pcsc.sh start");
        using var context = PcscContext.Establish();
        var readers = context.ListReaders();
        Assert.True(readers.Contains(Reader),
            $"pcscd has no '{Reader}' reader (readers: {string.Join(", ", readers)}). Install vsmartcard-vpcd and restart pcscd: scripts/pcsc.sh install && scripts/pcsc.sh stop && scripts/pcsc.sh start");
    }
}

/// <summary>An emulated card inserted into <see cref="PcscdCollection.Reader"/> for the lifetime of the object.</summary>
internal sealed class InsertedCard : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly Task _run;

    private InsertedCard(VpcdBridge bridge, CancellationTokenSource stop, Task run, List<string> log)
    {
        Bridge = bridge;
        _stop = stop;
        _run = run;
        Log = log;
    }

    public VpcdBridge Bridge { get; }

    public List<string> Log { get; }

    public static async Task<InsertedCard> InsertAsync(ICardSide card)
    {
        PcscdCollection.RequirePcscd();
        var log = new List<string>();
        var bridge = new VpcdBridge(card, new VpcdBridgeOptions { MaxConnectAttempts = 3, ReconnectDelay = TimeSpan.FromMilliseconds(200), Log = line => { lock (log) log.Add(line); } });
        var stop = new CancellationTokenSource();
        var run = bridge.RunAsync(stop.Token);
        var inserted = new InsertedCard(bridge, stop, run, log);
        await Task.WhenAny(bridge.WaitForConnectionAsync(), run).WaitAsync(PcscdCollection.Wait);
        if (run.IsFaulted)
            await run;
        using var context = PcscContext.Establish();
        Assert.True(context.WaitForCard(PcscdCollection.Reader, PcscdCollection.Wait),
            $"pcscd did not see the card in '{PcscdCollection.Reader}' within {PcscdCollection.Wait.TotalSeconds} s; bridge log: {string.Join(" | ", log)}");
        return inserted;
    }

    /// <summary>Pulls the card out (closes the vpcd connection) and waits until pcscd sees the reader empty.</summary>
    public async Task RemoveAsync()
    {
        await _stop.CancelAsync();
        await _run.WaitAsync(PcscdCollection.Wait);
        using var context = PcscContext.Establish();
        Assert.True(context.WaitForCardRemoval(PcscdCollection.Reader, PcscdCollection.Wait), "pcscd still sees a card after the bridge closed");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_run.IsCompleted)
            await RemoveAsync();
        _stop.Dispose();
    }
}
