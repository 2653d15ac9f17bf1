using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using Kangen.SmartCard;
using Spectre.Console;

namespace Kangen.Cli.Features.Card;

/// <summary>What the card-file subcommands share: the data folder option, PIN input, card loading and error messages.</summary>
internal static class CardCli
{
    public const string DataEnvironmentVariable = "KANGEN_DATA";
    public const string DefaultDataDirectory = "kangen-data";
    public static readonly TimeSpan JstOffset = TimeSpan.FromHours(9);

    public static Option<string?> DataOption() => new("--data")
    {
        Description = $"Data folder holding the issuer (default: ${DataEnvironmentVariable}, else ./{DefaultDataDirectory}; created on first use).",
    };

    public static Argument<string> CardFileArgument() => new("card-file") { Description = "The emulated card file (JSON)." };

    /// <summary>The card of a command that works on a card file or on a real card: the file argument is then optional.</summary>
    public static Argument<string?> CardFileOrReaderArgument() => new("card-file")
    {
        Description = "The emulated card file (JSON); omit it and give --reader to use a card in a PC/SC reader.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    public static Option<string?> ReaderOption() => new("--reader")
    {
        Description = "Use the card in this PC/SC reader instead of a card file (names: kangen card readers).",
    };

    /// <summary>Checks that exactly one of a card file and a reader was given; false after a usage error.</summary>
    public static bool CheckCardSource(CliContext context, ParseResult parse, Argument<string?> cardFile, Option<string?> reader)
    {
        if ((parse.GetValue(cardFile) is null) != (parse.GetValue(reader) is null))
            return true;
        context.Error("Give exactly one of a card file and --reader <name>.");
        return false;
    }

    /// <summary>
    /// Opens the card given by <see cref="CheckCardSource"/>: the card file through the in-process transport,
    /// or the card in a PC/SC reader inside a transaction. The caller disposes the scope.
    /// </summary>
    public static (IDisposable Scope, ICardTransport Transport, JpkiClient Client) Open(ParseResult parse, Argument<string?> cardFile, Option<string?> reader)
    {
        if (parse.GetValue(reader) is { } name)
        {
            var session = Readers.ReaderCardSource.Open(name);
            return (session, session.Transport, session.Client);
        }
        var (transport, client) = Open(parse.GetValue(cardFile)!);
        return (transport, transport, client);
    }

    public static Option<string?> PinOption(string name = "--pin", string description = "The 4-digit user-authentication PIN (prompted for when omitted on an interactive console).") =>
        new(name) { Description = description };

    public static string DataDirectory(ParseResult parse, Option<string?> data) =>
        parse.GetValue(data) is { Length: > 0 } given ? given
        : Environment.GetEnvironmentVariable(DataEnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment
        : DefaultDataDirectory;

    /// <summary>The PIN from the option, or a secret prompt on an interactive console; null (after an error) when neither.</summary>
    public static string? Pin(CliContext context, ParseResult parse, Option<string?> option, string prompt = "PIN (4 digits):")
    {
        if (parse.GetValue(option) is { } given)
            return given;
        if (context.Console.Profile.Capabilities.Interactive)
            return context.Console.Prompt(new TextPrompt<string>(prompt).Secret());
        context.Error($"{option.Name} is required when the console is not interactive.");
        return null;
    }

    /// <summary>
    /// <see cref="Pin"/> checked for shape: the PIN, or null with <paramref name="exitCode"/> set
    /// (usage when none could be had, failure when it is not 4 digits, so no try is spent on it).
    /// </summary>
    public static string? CheckedPin(CliContext context, ParseResult parse, Option<string?> option, out int exitCode, string prompt = "PIN (4 digits):")
    {
        exitCode = ExitCodes.Ok;
        if (Pin(context, parse, option, prompt) is not { } pin)
            exitCode = ExitCodes.Usage;
        else if (!CheckPinFormat(context, pin))
            exitCode = ExitCodes.Failure;
        else
            return pin;
        return null;
    }

    public static bool CheckPinFormat(CliContext context, string pin)
    {
        if (PinRules.IsValidAuthenticationPin(pin))
            return true;
        context.Error("暗証番号は数字4桁です / 密码为4位数字 / The PIN is exactly 4 digits.");
        return false;
    }

    /// <summary>
    /// Runs <paramref name="body"/> and turns the failures a user can cause (missing or damaged card
    /// file, refusal by the issuer, card status words) into readable errors and exit code 1.
    /// </summary>
    public static int Guard(CliContext context, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (FileNotFoundException e)
        {
            context.Error($"ファイルがありません / 文件不存在 / File not found: {e.FileName ?? e.Message}");
        }
        catch (InvalidDataException e)
        {
            context.Error($"カードファイルが壊れています / 卡文件已损坏 / Damaged file: {e.Message}");
        }
        catch (SmartCardException e)
        {
            ReportCardError(context, e);
        }
        catch (InvalidOperationException e)
        {
            context.Error($"発行者が拒否しました / 发行机构拒绝 / The issuer refused: {e.Message}");
        }
        catch (ArgumentException e)
        {
            context.Error(e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            context.Error($"読み書きできません / 无法读写 / Cannot read or write: {e.Message}");
        }
        return ExitCodes.Failure;
    }

    public static void ReportCardError(CliContext context, SmartCardException e)
    {
        if (e.IsBlocked)
            context.Error("暗証番号がロックされています。市区町村の窓口で初期化してください / 密码已锁定，请到市区町村窗口重置 / " +
                          "The PIN is locked: go to the municipal office to have it reset (kangen card reset-pin).");
        else if (e.TriesLeft is { } left)
            context.Error($"暗証番号が違います（残り{left}回）/ 密码错误（剩余{left}次）/ Wrong PIN: {left} tries left.");
        else
            context.Error($"カードエラー / 卡错误 / Card error {e.StatusWord:X4}: {e.Message}");
    }

    /// <summary>Loads the card file and opens a client on it; the caller disposes the transport.</summary>
    public static (InProcessTransport Transport, JpkiClient Client) Open(string cardFile)
    {
        var transport = new InProcessTransport(EmulatedCard.Load(cardFile));
        return (transport, new JpkiClient(transport));
    }

    /// <summary>
    /// What a client does with the card to prove it is present: read the user-authentication certificate,
    /// VERIFY the PIN, and SIGN the SHA-256 DigestInfo of <paramref name="data"/>.
    /// </summary>
    public static (byte[] Certificate, byte[] Signature) SignWithCard(JpkiClient client, string pin, ReadOnlySpan<byte> data)
    {
        var certificate = client.ReadAuthenticationCertificate();
        client.VerifyAuthPin(pin);
        return (certificate, client.SignWithAuthenticationKey(JpkiClient.CreateSha256DigestInfo(data)));
    }

    public static string Jst(DateTime utc) => new DateTimeOffset(utc.ToUniversalTime(), TimeSpan.Zero).ToOffset(JstOffset).ToString("yyyy-MM-dd HH:mm:ss 'JST'");

    public static string Jst(DateTimeOffset instant) => instant.ToOffset(JstOffset).ToString("yyyy-MM-dd HH:mm:ss 'JST'");

    public static bool TryParseDate(CliContext context, string? text, string option, out DateOnly? date)
    {
        date = null;
        if (text is null)
            return true;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", out var parsed))
        {
            date = parsed;
            return true;
        }
        context.Error($"{option} must be a date as yyyy-MM-dd; got '{text}'.");
        return false;
    }

    public static string Policies(X509Certificate2 certificate)
    {
        if (certificate.Extensions["2.5.29.32"] is not { } extension)
            return "-";
        var reader = new System.Formats.Asn1.AsnReader(extension.RawData, System.Formats.Asn1.AsnEncodingRules.DER).ReadSequence();
        var policies = new List<string>();
        while (reader.HasData)
            policies.Add(reader.ReadSequence().ReadObjectIdentifier());
        return string.Join(", ", policies);
    }
}
