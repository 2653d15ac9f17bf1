using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Kangen.Platform.Features.Services;
using Kangen.Platform.Problems;
using Kangen.Platform.Storage;
using Kangen.Protocol;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Platform.Features.Operators;

/// <summary>
/// The operator's own routes (signed requests): who it is, its keys (rotation without downtime: add the new key,
/// switch to it, revoke the old one), the enrolment feed; and, anonymous, the platform's public signing key.
/// </summary>
public static class OperatorSelfEndpoints
{
    /// <summary>Default records per feed request.</summary>
    public const int DefaultFeedLimit = 10_000;

    /// <summary>Most records per feed request.</summary>
    public const int MaxFeedLimit = 100_000;

    /// <summary>Maps <c>/api/v1/operator/me</c>, <c>/keys</c>, <c>/enrolments</c> and <c>/platform-key</c>.</summary>
    public static IEndpointRouteBuilder MapOperatorSelf(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet(OperatorRoutes.PlatformKey, (PlatformSigningKey key) => Results.Text(key.PublicPem, "application/x-pem-file"))
            .AllowAnonymous().WithTags("Operator API")
            .WithSummary("The platform's public signing key (PEM): check the platform's signed calls to your verification endpoint with it.");
        var group = app.MapGroup("").RequireAuthorization(OperatorPrincipal.Policy).WithTags("Operator API");
        group.MapGet(OperatorRoutes.Me, Me).WithSummary("The calling operator: code, status, endpoint, services and keys.");
        group.MapPost(OperatorRoutes.Keys, AddKey).Accepts<KeyRegistration>("application/json")
            .WithSummary("Add a P-256 public key to the calling operator (then sign with it and revoke the old one).");
        group.MapDelete(OperatorRoutes.Keys + "/{keyId}", RevokeKey)
            .WithSummary("Revoke one of the calling operator's keys; its last active key cannot be revoked.");
        group.MapGet(OperatorRoutes.Enrolments, Feed)
            .Produces(StatusCodes.Status200OK, contentType: OperatorRoutes.Ndjson)
            .WithSummary("The calling operator's enrolment feed as NDJSON, in order, after a cursor (?after=&limit=1..100000).");
        return app;
    }

    private static async Task<Ok<OperatorProfile>> Me(HttpContext http, KangenDbContext db, ServiceCatalogue catalogue, CancellationToken cancellationToken) =>
        TypedResults.Ok((await OperatorAdminEndpoints.ProfileAsync(db, catalogue, OperatorPrincipal.Code(http.User), cancellationToken))!);

    private static async Task<Results<Created<OperatorKeyInfo>, ProblemHttpResult>> AddKey(
        HttpContext http, KangenDbContext db, WriteGate gate, TimeProvider time, CancellationToken cancellationToken)
    {
        var (body, problem) = await OperatorBodies.ReadJsonAsync<KeyRegistration>(http, cancellationToken);
        if (problem is not null)
            return ProblemResults.From(problem);
        var code = OperatorPrincipal.Code(http.User);
        var (info, refused) = await OperatorKeys.AddAsync(db, gate, time, code, body!.PublicKeyPem, "operator:" + code, cancellationToken);
        return refused is not null ? ProblemResults.From(refused) : TypedResults.Created($"{OperatorRoutes.Keys}/{info!.KeyId}", info);
    }

    private static async Task<Results<Ok<OperatorKeyInfo>, ProblemHttpResult>> RevokeKey(
        HttpContext http, string keyId, KangenDbContext db, WriteGate gate, TimeProvider time, OperatorKeyCache keys, CancellationToken cancellationToken)
    {
        var code = OperatorPrincipal.Code(http.User);
        var (info, problem) = await OperatorKeys.RevokeAsync(db, gate, time, keys, code, keyId, keepOne: true, "operator:" + code, cancellationToken);
        return problem is not null ? ProblemResults.From(problem) : TypedResults.Ok(info!);
    }

    private static readonly JsonEncodedText CursorName = JsonEncodedText.Encode("cursor");
    private static readonly JsonEncodedText KindName = JsonEncodedText.Encode("kind");
    private static readonly JsonEncodedText PersonName = JsonEncodedText.Encode("person");
    private static readonly JsonEncodedText ServiceName = JsonEncodedText.Encode("service");
    private static readonly JsonEncodedText AccountReferenceName = JsonEncodedText.Encode("accountReference");
    private static readonly JsonEncodedText ProgramName = JsonEncodedText.Encode("program");
    private static readonly JsonEncodedText AtName = JsonEncodedText.Encode("at");
    private static readonly JsonEncodedText ReasonName = JsonEncodedText.Encode("reason");

    /// <summary>
    /// Streams the feed straight from the database to the response: rows are read untracked as they come, written
    /// as one <see cref="EnrolmentRecord"/> JSON object per line and flushed every few hundred lines, so memory stays
    /// flat whatever the limit.
    /// </summary>
    private static async Task<IResult> Feed(HttpContext http, KangenDbContext db, string? after, string? limit, CancellationToken cancellationToken)
    {
        if (!EnrolmentFeed.TryParseCursor(after, out var sequence, out var ordinal))
            return ProblemResults.From(OperatorProblems.RequestInvalid.WithDetail("after must be a cursor from the feed (<sequence>.<ordinal>) or empty").ForField("after"));
        var take = DefaultFeedLimit;
        if (!string.IsNullOrEmpty(limit)
            && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out take) || take is < 1 or > MaxFeedLimit))
            return ProblemResults.From(OperatorProblems.RequestInvalid.WithDetail($"limit must be 1 to {MaxFeedLimit:N0}").ForField("limit"));
        var code = OperatorPrincipal.Code(http.User);

        var rows = db.EnrolmentEvents.AsNoTracking()
            // The redundant ">=" gives both databases a range start on the feed index (operator, sequence, ordinal).
            .Where(e => e.OperatorCode == code && e.AuditSequence >= sequence && (e.AuditSequence > sequence || e.Ordinal > ordinal))
            .OrderBy(e => e.AuditSequence).ThenBy(e => e.Ordinal)
            .Take(take)
            .Select(e => new { e.AuditSequence, e.Ordinal, e.Kind, e.Pseudonym, e.Service, e.AccountReference, e.Program, e.At, e.Reason })
            .AsAsyncEnumerable();

        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = OperatorRoutes.Ndjson;
        var pipe = http.Response.BodyWriter;
        await using var writer = new Utf8JsonWriter(pipe, new JsonWriterOptions { SkipValidation = true });
        var cursor = new char[32]; // one buffer for every line's cursor
        var written = 0;
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            writer.WriteStartObject();
            row.AuditSequence.TryFormat(cursor, out var length, provider: CultureInfo.InvariantCulture);
            cursor[length++] = '.';
            row.Ordinal.TryFormat(cursor.AsSpan(length), out var more, provider: CultureInfo.InvariantCulture);
            writer.WriteString(CursorName, cursor.AsSpan(0, length + more));
            writer.WriteString(KindName, row.Kind);
            writer.WriteString(PersonName, row.Pseudonym);
            writer.WriteString(ServiceName, row.Service);
            writer.WriteString(AccountReferenceName, row.AccountReference);
            if (row.Program is not null)
                writer.WriteString(ProgramName, row.Program);
            writer.WriteString(AtName, row.At);
            if (row.Reason is not null)
                writer.WriteString(ReasonName, row.Reason);
            writer.WriteEndObject();
            writer.Flush();
            // Each line is a JSON document of its own: the writer starts afresh after the newline.
            pipe.Write("\n"u8);
            writer.Reset(pipe);
            if (++written % 512 == 0)
                await pipe.FlushAsync(cancellationToken);
        }
        await pipe.FlushAsync(cancellationToken);
        return Results.Empty;
    }
}
