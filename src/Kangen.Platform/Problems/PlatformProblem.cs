using Microsoft.AspNetCore.Http.HttpResults;

namespace Kangen.Platform.Problems;

/// <summary>
/// An expected failure of a request: a stable machine-readable code, the HTTP status it maps to, the
/// message in Japanese, Chinese and English, the field it concerns (for validation) and a detail for
/// support staff (English, never a secret).
/// </summary>
public sealed record PlatformProblem(string Code, int Status, string Ja, string Zh, string En, string? Detail = null, string? Field = null)
{
    /// <summary>The same problem with a detail.</summary>
    public PlatformProblem WithDetail(string? detail) => this with { Detail = detail };

    /// <summary>The same problem about a field.</summary>
    public PlatformProblem ForField(string field) => this with { Field = field };

    /// <summary>"code: English message (detail)".</summary>
    public override string ToString() => Code + ": " + En + (Detail is null ? "" : $" ({Detail})");
}

/// <summary>The one place where expected failures become RFC 9457 problem details.</summary>
public static class ProblemResults
{
    /// <summary>The base of every problem <c>type</c> URI; the code completes it.</summary>
    public const string TypeBase = "https://kangen.dev/problems/";

    /// <summary>
    /// <c>application/problem+json</c> with <c>type</c> (base + code), <c>title</c> (English), <c>status</c>,
    /// <c>detail</c>, and the extensions <c>code</c>, <c>errors</c> (field -> messages, for validation) and
    /// <c>problems</c> (every problem with its ja / zh / en messages). The first problem sets the status and code.
    /// </summary>
    public static ProblemHttpResult From(IReadOnlyList<PlatformProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (problems.Count == 0)
            throw new ArgumentException("At least one problem is needed.", nameof(problems));
        var first = problems[0];
        var extensions = new Dictionary<string, object?>
        {
            ["code"] = first.Code,
            ["problems"] = problems.Select(p => new { code = p.Code, field = p.Field, ja = p.Ja, zh = p.Zh, en = p.En, detail = p.Detail }).ToArray(),
        };
        var fields = problems.Where(p => p.Field is not null).ToArray();
        if (fields.Length > 0)
            extensions["errors"] = fields.GroupBy(p => p.Field!).ToDictionary(g => g.Key, g => g.Select(p => p.En).ToArray());
        return TypedResults.Problem(
            title: first.En,
            detail: first.Detail,
            statusCode: first.Status,
            type: TypeBase + first.Code,
            extensions: extensions);
    }

    /// <summary>One problem as a result.</summary>
    public static ProblemHttpResult From(PlatformProblem problem) => From([problem]);
}
