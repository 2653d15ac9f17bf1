using Kangen.SmartCard;

namespace Kangen.Cli.Tests.Features.Card.Agent;

/// <summary>One issuer and one issued card for the agent tests; each test takes a private copy of the card file.</summary>
public sealed class AgentCardFixture : IDisposable
{
    public const string Pin = "7391";

    public AgentCardFixture()
    {
        Root = Directory.CreateTempSubdirectory("kangen-agent-tests-").FullName;
        Issuer = CardIssuer.Open(Path.Combine(Root, "data"));
        var path = Path.Combine(Root, "template.card");
        Issued = Issuer.Issue(path, new CardHolder("見本 花子", new DateOnly(1988, 2, 3), CardHolderSex.Female, "大阪府大阪市北区中之島1-3-20"), Pin, "PASS123");
        TemplateBytes = File.ReadAllBytes(path);
    }

    public string Root { get; }
    public CardIssuer Issuer { get; }
    public IssuedCard Issued { get; }
    public byte[] TemplateBytes { get; }

    /// <summary>A private copy of the issued card file (same keys and serials, fresh PIN counters).</summary>
    public string CopyOfCard()
    {
        var directory = Directory.CreateDirectory(Path.Combine(Root, Guid.NewGuid().ToString("N"))).FullName;
        var path = Path.Combine(directory, "card.json");
        File.WriteAllBytes(path, TemplateBytes);
        return path;
    }

    public void Dispose()
    {
        Issuer.Dispose();
        Directory.Delete(Root, recursive: true);
    }
}
