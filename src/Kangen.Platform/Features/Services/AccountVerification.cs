namespace Kangen.Platform.Features.Services;

/// <summary>
/// Asks a payment service's operator whether an account exists and matches its codes. The platform calls it at
/// application time, so a mistyped ID is caught before it is recorded. The in-process implementation is
/// <see cref="DemoOperators"/>; the Operators feature adds one over HTTP.
/// </summary>
public interface IAccountVerifier
{
    /// <summary>The operator's answer about the account in <paramref name="fields"/>.</summary>
    Task<AccountVerification> VerifyAsync(ValidatedFields fields, CancellationToken cancellationToken);
}

/// <summary>What an operator answers about an account.</summary>
public abstract record AccountVerification
{
    private AccountVerification()
    {
    }

    /// <summary>The account exists and the codes match.</summary>
    /// <param name="AccountReference">The operator's stable opaque reference of the account: the same account gives the same reference whatever the input's width or spacing.</param>
    /// <param name="MaskedHolderName">The holder's name, partly masked, for the applicant to confirm (e.g. <c>ヤマダ タ＊＊</c>).</param>
    public sealed record Verified(string AccountReference, string MaskedHolderName) : AccountVerification;

    /// <summary>The operator refuses the account.</summary>
    /// <param name="Reason"><c>not-found</c>, <c>codes-mismatch</c> or <c>closed</c>.</param>
    public sealed record Rejected(string Reason) : AccountVerification
    {
        /// <summary>No such account.</summary>
        public const string NotFound = "not-found";
        /// <summary>The account exists but a code or password does not match.</summary>
        public const string CodesMismatch = "codes-mismatch";
        /// <summary>The account is closed or suspended.</summary>
        public const string Closed = "closed";
    }

    /// <summary>The operator could not be asked (unreachable, down, timed out).</summary>
    /// <param name="Detail">What went wrong, for support staff.</param>
    public sealed record Unavailable(string Detail) : AccountVerification;
}
