using System.Security.Cryptography;
using System.Text;
using Kangen.Protocol;

namespace Kangen.Platform.Features.Services;

/// <summary>
/// The published rule of the demo operators (docs/services.md, "Demo operators"): every value is an HMAC-SHA256
/// under a per-operator key derived from <see cref="PublishedSecret"/>, so anyone can compute valid demo accounts
/// and nobody mistakes them for real ones.
/// </summary>
public static class DemoDerivation
{
    /// <summary>The public constant every demo operator key is derived from. Not a secret, by design.</summary>
    public const string PublishedSecret = "kangen-demo-operators-v1";

    /// <summary>About 2 % of accounts are closed: those whose closure byte is below this.</summary>
    internal const int ClosedBelow = 5;

    private static readonly string[] FamilyNames =
        ["ヤマダ", "スズキ", "タナカ", "サトウ", "タカハシ", "ワタナベ", "イトウ", "ナカムラ", "コバヤシ", "カトウ",
         "ヨシダ", "ヤマモト", "マツモト", "イノウエ", "キムラ", "ハヤシ", "シミズ", "ヤマグチ", "モリ", "イケダ"];

    private static readonly string[] GivenNames =
        ["タロウ", "ハナコ", "ケンジ", "ユミ", "ヒロシ", "サクラ", "ダイスケ", "アヤ", "ショウタ", "ミサキ",
         "タクヤ", "ナオミ", "ユウキ", "アキラ", "メグミ", "コウジ"];

    /// <summary>The demo key of an operator: HMAC-SHA256(key = UTF-8 of <see cref="PublishedSecret"/>, message = "operator|" + code).</summary>
    public static byte[] OperatorKey(string operatorCode) =>
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(PublishedSecret), Encoding.UTF8.GetBytes("operator|" + operatorCode));

    /// <summary>HMAC-SHA256 under the operator's demo key of "label|service|parts...".</summary>
    internal static byte[] Mac(PaymentService service, string label, params string[] parts) =>
        HMACSHA256.HashData(OperatorKey(service.Operator), Encoding.UTF8.GetBytes(string.Join('|', [label, service.Code.Value, .. parts])));

    /// <summary>The value of a secret field of the account: the field's pattern filled from the HMAC stream of "secret|service|field|accountId".</summary>
    /// <exception cref="NotSupportedException">When the field's pattern is outside what the sampler understands.</exception>
    public static string Secret(PaymentService service, ServiceField field, string normalisedAccountId)
    {
        var stream = new DemoStream(OperatorKey(service.Operator), $"secret|{service.Code}|{field.Name}|{normalisedAccountId}");
        var positions = Sampler(field).Positions(field.MinLength, field.MaxLength, stream.Next)
            ?? throw new NotSupportedException($"No length of {service.Code}.{field.Name} fits its pattern.");
        var chars = positions.Select(p => p[stream.Next(p.Length)]).ToArray();
        ApplyCheckDigit(field, chars);
        return FieldNormalisation.Apply(field.Normalisation, new string(chars));
    }

    /// <summary>Whether the demo operator treats the account as closed (about 2 % of IDs).</summary>
    public static bool IsClosed(PaymentService service, string normalisedAccountId) =>
        Mac(service, "closed", normalisedAccountId)[0] < ClosedBelow;

    /// <summary>The operator's reference of the account: operator code, "-", then base32 of an HMAC of the ID (at most 40 characters).</summary>
    public static string AccountReference(PaymentService service, string normalisedAccountId)
    {
        var mac = Base32(Mac(service, "reference", normalisedAccountId));
        return service.Operator + "-" + mac[..Math.Min(26, 39 - service.Operator.Length)];
    }

    /// <summary>The invented holder of the account, masked: family name shown, given name after its first character hidden.</summary>
    public static string MaskedHolderName(PaymentService service, string normalisedAccountId)
    {
        var mac = Mac(service, "holder", normalisedAccountId);
        var family = FamilyNames[mac[0] % FamilyNames.Length];
        var given = GivenNames[mac[1] % GivenNames.Length];
        return family + " " + given[0] + new string('＊', given.Length - 1);
    }

    internal static PatternSampler Sampler(ServiceField field) => PatternSampler.TryCreate(field.Pattern)
        ?? throw new NotSupportedException($"The demo operators cannot make values for the pattern {field.Pattern} of field {field.Name}.");

    internal static void ApplyCheckDigit(ServiceField field, char[] chars)
    {
        if (field.CheckDigit == CheckDigitKind.None)
            return;
        var payload = chars[..^1].Where(char.IsAsciiDigit).ToArray();
        chars[^1] = CheckDigits.Compute(field.CheckDigit, payload);
    }

    private static string Base32(byte[] bytes)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        var builder = new StringBuilder((bytes.Length * 8 + 4) / 5);
        int buffer = 0, bits = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                builder.Append(alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        if (bits > 0)
            builder.Append(alphabet[(buffer << (5 - bits)) & 31]);
        return builder.ToString();
    }
}

/// <summary>An endless deterministic byte stream: HMAC-SHA256(key, label + "|" + block number), block after block.</summary>
internal sealed class DemoStream(byte[] key, string label)
{
    private byte[] _block = [];
    private int _used;
    private int _counter;

    /// <summary>A number in [0, <paramref name="bound"/>) (bias below 1e-9 for the small bounds used here).</summary>
    public int Next(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bound);
        ulong value = 0;
        for (var i = 0; i < 5; i++)
            value = (value << 8) | NextByte();
        return (int)(value % (ulong)bound);
    }

    /// <summary>The next 8 bytes as a number.</summary>
    public ulong NextUInt64()
    {
        ulong value = 0;
        for (var i = 0; i < 8; i++)
            value = (value << 8) | NextByte();
        return value;
    }

    private byte NextByte()
    {
        if (_used == _block.Length)
        {
            _block = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(label + "|" + _counter++));
            _used = 0;
        }
        return _block[_used++];
    }
}
