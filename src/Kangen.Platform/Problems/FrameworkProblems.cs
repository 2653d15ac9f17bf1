using Microsoft.AspNetCore.Http;

namespace Kangen.Platform.Problems;

/// <summary>
/// Stable codes for the problems the framework writes itself, before any endpoint runs: routing's 415 for a body that
/// is not <c>application/json</c> (the <c>Accepts</c> metadata), 405, 404 for no route, Kestrel's refusals. Without
/// them a client would get a refusal without a <c>code</c>, the one field it is told to rely on (invariant 9).
/// Problems of our own (<see cref="ProblemResults"/>) already carry their code and are left alone.
/// </summary>
public static class FrameworkProblems
{
    /// <summary>Adds the codes to every problem details response written through <see cref="IProblemDetailsService"/>.</summary>
    public static IServiceCollection AddFrameworkProblemCodes(this IServiceCollection services) =>
        services.Configure<ProblemDetailsOptions>(options =>
        {
            var earlier = options.CustomizeProblemDetails;
            options.CustomizeProblemDetails = context =>
            {
                earlier?.Invoke(context);
                var status = context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode;
                if (!context.ProblemDetails.Extensions.ContainsKey("code") && CodeFor(status) is { } code)
                    context.ProblemDetails.Extensions["code"] = code;
            };
        });

    /// <summary>The code of a framework problem with <paramref name="status"/>, or null for a status we do not name.</summary>
    public static string? CodeFor(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "request.invalid",
        StatusCodes.Status401Unauthorized => "request.unauthenticated",
        StatusCodes.Status403Forbidden => "request.forbidden",
        StatusCodes.Status404NotFound => "request.not-found",
        StatusCodes.Status405MethodNotAllowed => "request.method-not-allowed",
        StatusCodes.Status406NotAcceptable => "request.not-acceptable",
        StatusCodes.Status413PayloadTooLarge => "request.too-large",
        StatusCodes.Status415UnsupportedMediaType => "request.unsupported-media-type",
        StatusCodes.Status431RequestHeaderFieldsTooLarge => "request.headers-too-large",
        >= 500 => "server.error",
        _ => null,
    };
}
