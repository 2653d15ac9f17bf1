namespace Kangen.SmartCard;

/// <summary>
/// The one exception of this library: a card answered with an error status word, or the
/// transport to the card failed. Misuse (null arguments, a malformed PIN passed to the client,
/// a disposed object) raises the standard CLR exceptions instead.
/// </summary>
/// <remarks>
/// As <c>PostgresException</c> carries the SQLSTATE, this carries the card's status word:
/// <see cref="StatusWord"/> is SW1 SW2 (e.g. <c>0x63C2</c>), or 0 when the failure did not come
/// from the card (<see cref="IsTransient"/> transport failures, malformed responses).
/// </remarks>
public sealed class SmartCardException : Exception
{
    /// <summary>A failure reported by the card with <paramref name="statusWord"/>.</summary>
    public SmartCardException(string message, ushort statusWord)
        : base(message)
    {
        StatusWord = statusWord;
    }

    /// <summary>A failure that did not come with a status word (transport or protocol).</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="isTransient">True when retrying (reinserting the card, restarting the reader) may help.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public SmartCardException(string message, bool isTransient, Exception? innerException = null)
        : base(message, innerException)
    {
        IsTransient = isTransient;
    }

    /// <summary>SW1 SW2 as one number (e.g. <c>0x6982</c>); 0 when the card gave no status word.</summary>
    public ushort StatusWord { get; }

    /// <summary>For a wrong PIN (<c>63Cx</c>): the tries left; otherwise null.</summary>
    public int? TriesLeft => StatusWords.TriesLeft(StatusWord);

    /// <summary>
    /// True when the PIN or password is blocked: the card answered <c>6983</c>, or <c>63C0</c>
    /// (a wrong attempt that used the last try). A blocked user PIN is reset by the municipal office
    /// (<see cref="CardIssuer.ResetPin"/>), never by a card command.
    /// </summary>
    public bool IsBlocked => StatusWord is StatusWords.AuthenticationMethodBlocked or StatusWords.VerificationFailedBase;

    /// <summary>True for transport-level failures (reader gone, card removed, service stopped) where a retry may succeed.</summary>
    public bool IsTransient { get; }
}
