using Kangen.SmartCard;

namespace Kangen.Cli.Features.Card.Agent;

/// <summary>A card the agent offers: an emulated card file or a PC/SC reader. Opened anew for every operation.</summary>
public abstract class AgentCard
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    private protected AgentCard(string id, string label)
    {
        Id = id;
        Label = label;
    }

    /// <summary>Stable id in URLs: <c>emulated-0</c>, <c>emulated-1</c>, ... in command-line order, <c>pcsc-0</c> for the reader.</summary>
    public string Id { get; }

    /// <summary><c>emulated</c> or <c>pcsc</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>The card file's name or the reader's name.</summary>
    public string Label { get; }

    /// <summary>Whether a card can be reached right now (the file exists; the reader holds a card).</summary>
    public abstract bool IsPresent();

    /// <summary>A transport to the card, or null when it is absent.</summary>
    /// <exception cref="SmartCardException">The card could not be reached (transient PC/SC failures included).</exception>
    /// <exception cref="InvalidDataException">The card file is damaged.</exception>
    public abstract ICardTransport? Open();

    /// <summary>One operation at a time per card: a second request waits for the first, up to <paramref name="timeout"/>.</summary>
    internal async Task<IDisposable?> LockAsync(TimeSpan timeout, CancellationToken cancellationToken)
        => await _gate.WaitAsync(timeout, cancellationToken) ? new Releaser(_gate) : null;

    private sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                gate.Release();
        }
    }
}

/// <summary>An emulated card kept in a card file; its PIN counters persist in that file.</summary>
public sealed class EmulatedAgentCard(string id, string cardFilePath) : AgentCard(id, Path.GetFileName(cardFilePath))
{
    /// <summary>The card file.</summary>
    public string CardFilePath { get; } = Path.GetFullPath(cardFilePath);

    /// <inheritdoc />
    public override string Kind => "emulated";

    /// <inheritdoc />
    public override bool IsPresent() => File.Exists(CardFilePath);

    /// <inheritdoc />
    public override ICardTransport? Open()
    {
        if (!IsPresent())
            return null;
        try
        {
            return new InProcessTransport(EmulatedCard.Load(CardFilePath));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }
}

/// <summary>Whatever card is in a PC/SC reader (a real My Number Card, or vpcd's virtual one).</summary>
public sealed class PcscAgentCard(string id, string reader) : AgentCard(id, reader)
{
    /// <summary>The reader's name as pcscd lists it.</summary>
    public string Reader { get; } = reader;

    /// <inheritdoc />
    public override string Kind => "pcsc";

    /// <inheritdoc />
    public override bool IsPresent()
    {
        try
        {
            using var context = PcscContext.Establish();
            return HoldsCard(context);
        }
        catch (SmartCardException)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public override ICardTransport? Open()
    {
        using (var context = PcscContext.Establish())
        {
            if (!HoldsCard(context))
                return null;
        }
        // Present a moment ago; if it is pulled out now, Connect throws a transient SmartCardException.
        return PcscTransport.Connect(Reader, PcscProtocols.Any);
    }

    // A mute card (inserted but not answering) counts as absent.
    private bool HoldsCard(PcscContext context) => context.GetStatus([Reader]) is [{ IsCardPresent: true, IsMute: false }];
}
