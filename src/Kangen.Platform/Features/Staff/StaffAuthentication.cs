using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Kangen.Platform.Problems;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Kangen.Platform.Features.Staff;

/// <summary>One staff credential: <c>Kangen:Staff:Tokens:n</c>.</summary>
public sealed class StaffToken
{
    /// <summary>Who (an agent or clerk id; appears in the audit log).</summary>
    public string Id { get; set; } = "";

    /// <summary><c>counter</c>, <c>call-centre</c>, <c>municipal</c> or <c>admin</c>.</summary>
    public string Role { get; set; } = "";

    /// <summary>SHA-256 (hex) of the token; the token itself is never configured or stored.</summary>
    public string Sha256 { get; set; } = "";
}

/// <summary>The staff credentials.</summary>
public sealed class StaffOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Kangen:Staff";

    /// <summary>The credentials.</summary>
    public List<StaffToken> Tokens { get; set; } = [];
}

/// <summary>Staff roles and policies.</summary>
public static class StaffRoles
{
    /// <summary>Call-centre agents.</summary>
    public const string CallCentre = "call-centre";
    /// <summary>Municipal offices.</summary>
    public const string Municipal = "municipal";
    /// <summary>Counter staff at a procedure spot (the assisted terminal of the web pages).</summary>
    public const string Counter = "counter";
    /// <summary>Administrators (every staff policy).</summary>
    public const string Admin = "admin";

    /// <summary>The authorization policy of the call-centre routes.</summary>
    public const string CallCentrePolicy = "staff:call-centre";

    /// <summary>The authorization policy of administration routes (role admin only).</summary>
    public const string AdminPolicy = "staff:admin";

    /// <summary>The authorization policy of municipal routes such as link suspension (roles municipal and admin).</summary>
    public const string MunicipalPolicy = "staff:municipal";

    /// <summary>The claim carrying the staff id.</summary>
    public const string IdClaim = "kangen:staff";

    /// <summary>The SHA-256 (hex) to configure for a token.</summary>
    public static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>
    /// The configured credential a token belongs to, or null. Every configured hash is compared in constant time,
    /// so the answer's timing says nothing about which one (or whether one) matched.
    /// </summary>
    public static StaffToken? Match(string token, StaffOptions options)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(options);
        var hash = Encoding.ASCII.GetBytes(HashToken(token));
        StaffToken? match = null;
        foreach (var candidate in options.Tokens)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, Encoding.ASCII.GetBytes(candidate.Sha256.Trim().ToLowerInvariant().PadRight(64)[..64])))
                match = candidate;
        }
        return token.Length == 0 ? null : match;
    }

    /// <summary>The principal of a staff member: their id and role.</summary>
    public static ClaimsPrincipal Principal(StaffToken staff, string scheme)
    {
        ArgumentNullException.ThrowIfNull(staff);
        return new ClaimsPrincipal(new ClaimsIdentity([new Claim(IdClaim, staff.Id), new Claim(ClaimTypes.Role, staff.Role)], scheme, IdClaim, ClaimTypes.Role));
    }

    /// <summary>Whether a role runs an assisted counter terminal: counter staff, or an administrator (who may do everything).</summary>
    public static bool IsCounter(string? role) => role is Counter or Admin;

    /// <summary>The staff id of an authenticated staff principal.</summary>
    public static string StaffId(ClaimsPrincipal user) => user?.FindFirstValue(IdClaim) ?? throw new InvalidOperationException("Not a staff principal.");
}

/// <summary>
/// <c>Authorization: Staff &lt;token&gt;</c> for staff consoles and their APIs. Tokens are configured by hash; the
/// comparison runs over every configured hash in constant time. Refusals answer with problem details
/// (<c>staff.credential-required</c>, <c>staff.credential-invalid</c>, <c>staff.role-forbidden</c>).
/// </summary>
public sealed class StaffAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IOptionsMonitor<StaffOptions> staff)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>The scheme name.</summary>
    public const string SchemeName = "KangenStaff";

    private PlatformProblem _problem = StaffProblems.CredentialRequired;

    /// <inheritdoc />
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Staff ", StringComparison.OrdinalIgnoreCase))
            return Task.FromResult(AuthenticateResult.NoResult());
        var match = StaffRoles.Match(header["Staff ".Length..].Trim(), staff.CurrentValue);
        if (match is null)
        {
            _problem = StaffProblems.CredentialInvalid;
            return Task.FromResult(AuthenticateResult.Fail(_problem.Code));
        }
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(StaffRoles.Principal(match, SchemeName), SchemeName)));
    }

    /// <inheritdoc />
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Staff";
        await ProblemResults.From(_problem).ExecuteAsync(Context);
    }

    /// <inheritdoc />
    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        await ProblemResults.From(StaffProblems.RoleForbidden).ExecuteAsync(Context);
}

/// <summary>The codes of staff authentication.</summary>
public static class StaffProblems
{
    /// <summary>No staff credential.</summary>
    public static readonly PlatformProblem CredentialRequired = new("staff.credential-required", StatusCodes.Status401Unauthorized,
        "職員の認証が必要です。", "需要工作人员认证。", "A staff credential is required (Authorization: Staff <token>).");

    /// <summary>Unknown staff credential.</summary>
    public static readonly PlatformProblem CredentialInvalid = new("staff.credential-invalid", StatusCodes.Status401Unauthorized,
        "職員の認証情報が正しくありません。", "工作人员认证信息不正确。", "The staff credential is not valid.");

    /// <summary>The role may not use this route.</summary>
    public static readonly PlatformProblem RoleForbidden = new("staff.role-forbidden", StatusCodes.Status403Forbidden,
        "この操作を行う権限がありません。", "您无权执行此操作。", "This staff role may not do this.");
}

/// <summary>Registration of staff authentication and policies.</summary>
public static class StaffRegistration
{
    /// <summary>Adds the <c>Staff</c> scheme and the call-centre, admin and municipal policies.</summary>
    public static IHostApplicationBuilder AddStaff(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<StaffOptions>().BindConfiguration(StaffOptions.Section);
        builder.Services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, StaffAuthenticationHandler>(StaffAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder().AddPolicy(StaffRoles.CallCentrePolicy, policy => policy
            .AddAuthenticationSchemes(StaffAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser()
            .RequireRole(StaffRoles.CallCentre, StaffRoles.Admin));
        builder.Services.AddAuthorizationBuilder().AddPolicy(StaffRoles.AdminPolicy, policy => policy
            .AddAuthenticationSchemes(StaffAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser()
            .RequireRole(StaffRoles.Admin));
        builder.Services.AddAuthorizationBuilder().AddPolicy(StaffRoles.MunicipalPolicy, policy => policy
            .AddAuthenticationSchemes(StaffAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser()
            .RequireRole(StaffRoles.Municipal, StaffRoles.Admin));
        return builder;
    }
}
