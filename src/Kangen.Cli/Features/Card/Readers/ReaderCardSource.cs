using Kangen.SmartCard;

namespace Kangen.Cli.Features.Card.Readers;

/// <summary>
/// Opens the card in a PC/SC reader for the card commands' <c>--reader &lt;name&gt;</c>, as
/// <c>CardCli.Open</c> opens a card file: a transport (inside a PC/SC transaction, so no other
/// program interleaves APDUs) and a JPKI client with the JPKI AP selected.
/// </summary>
internal static class ReaderCardSource
{
    /// <summary>Connects to the card in <paramref name="reader"/>; dispose the returned scope to end the transaction and disconnect.</summary>
    /// <exception cref="SmartCardException">pcscd is not running, the reader is unknown, or it holds no card (the message names the PC/SC error).</exception>
    public static ReaderSession Open(string reader)
    {
        var transport = PcscTransport.Connect(reader);
        try
        {
            var transaction = transport.BeginTransaction();
            var client = new JpkiClient(transport);
            client.SelectJpkiAp();
            return new ReaderSession(transport, transaction, client);
        }
        catch
        {
            transport.Dispose();
            throw;
        }
    }
}

/// <summary>A card in a reader, held for one command.</summary>
internal sealed class ReaderSession(PcscTransport transport, IDisposable transaction, JpkiClient client) : IDisposable
{
    public PcscTransport Transport { get; } = transport;

    public JpkiClient Client { get; } = client;

    public void Dispose()
    {
        transaction.Dispose();
        Transport.Dispose();
    }
}
