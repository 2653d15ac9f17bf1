using Microsoft.AspNetCore.Authentication;

namespace Kangen.Platform.Features.Operators;

/// <summary>Registration of the operator scheme and policy (the operator features add their routes).</summary>
public static class OperatorAuthenticationRegistration
{
    /// <summary>Adds the signed-request scheme, its key cache and the <see cref="OperatorPrincipal.Policy"/> policy.</summary>
    public static IHostApplicationBuilder AddOperatorAuthentication(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<OperatorKeyCache>();
        builder.Services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, OperatorAuthenticationHandler>(OperatorPrincipal.SchemeName, null);
        builder.Services.AddAuthorizationBuilder().AddPolicy(OperatorPrincipal.Policy, policy => policy
            .AddAuthenticationSchemes(OperatorPrincipal.SchemeName)
            .RequireAuthenticatedUser()
            .RequireClaim(OperatorPrincipal.CodeClaim));
        return builder;
    }
}
