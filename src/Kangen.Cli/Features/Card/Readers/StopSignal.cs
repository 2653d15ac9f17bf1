using System.Runtime.InteropServices;

namespace Kangen.Cli.Features.Card.Readers;

/// <summary>
/// A cancellation token for long-running card commands (serve-vpcd, agent) that fires on Ctrl+C
/// (SIGINT) or SIGTERM as well as on the caller's token, so the command can remove the card and
/// close its listener before the process ends instead of being killed mid-APDU.
/// </summary>
internal sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly PosixSignalRegistration[] _registrations;

    public StopSignal(CancellationToken cancellationToken)
    {
        _source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
        ];
    }

    public CancellationToken Token => _source.Token;

    private void OnSignal(PosixSignalContext context)
    {
        // Handled here: the command winds down and returns its own exit code.
        context.Cancel = true;
        _source.Cancel();
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
            registration.Dispose();
        _source.Dispose();
    }
}
