using System.Text;
using System.Text.Json;
using Kangen.Platform.Features.Operators;
using Kangen.Platform.Problems;
using Kangen.Protocol;

namespace Kangen.Platform.Features.Grants;

/// <summary>Flow 5 over HTTP: grant batches, bulk grant files and cancellations (signed operator requests).</summary>
public static class GrantEndpoints
{
    /// <summary>Adds the grant ledger.</summary>
    public static IHostApplicationBuilder AddGrants(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddScoped<GrantLedger>();
        return builder;
    }

    /// <summary>Maps the grant routes of <see cref="OperatorRoutes"/>.</summary>
    public static IEndpointRouteBuilder MapGrants(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost(OperatorRoutes.Grants, Batch).RequireAuthorization(OperatorPrincipal.Policy).WithTags("Operators")
            .Accepts<GrantBatch>("application/json").Produces<GrantBatchResult>()
            .WithSummary($"Report a batch of grants (at most {GrantLimits.BatchLines} lines); each line is accepted, partly accepted up to the cap, or refused with a code.");
        app.MapPost(OperatorRoutes.GrantsBulk, Bulk).RequireAuthorization(OperatorPrincipal.Policy).WithTags("Operators")
            .Accepts<GrantLine>(OperatorRoutes.Ndjson).Produces<GrantResult>(StatusCodes.Status200OK, OperatorRoutes.Ndjson)
            .WithSummary($"Report a bulk file of grants (NDJSON, one line per grant); answers one result per line as each chunk of {GrantLedger.ChunkLines} commits, then a summary line.");
        app.MapPost(OperatorRoutes.Cancellations, Cancel).RequireAuthorization(OperatorPrincipal.Policy).WithTags("Operators")
            .Accepts<CancellationBatch>("application/json").Produces<CancellationBatchResult>()
            .WithSummary("Cancel whole earlier grants by their keys (refunds when already settled).");
        return app;
    }

    private static async Task<IResult> Batch(HttpContext http, GrantLedger ledger, CancellationToken cancellationToken)
    {
        var (batch, problem) = await OperatorBodies.ReadJsonAsync<GrantBatch>(http, cancellationToken);
        if (problem is not null)
            return ProblemResults.From(problem);
        if (batch!.Grants is not { Count: > 0 })
            return ProblemResults.From(GrantProblems.BatchEmpty);
        if (batch.Grants.Count > GrantLimits.BatchLines)
            return ProblemResults.From(GrantProblems.BatchTooLarge.WithDetail($"{batch.Grants.Count} lines"));
        var results = await ledger.RecordAsync(OperatorPrincipal.Code(http.User), [.. batch.Grants.Select(g => new GrantInput(null, g))], cancellationToken);
        return TypedResults.Ok(new GrantBatchResult(results));
    }

    private static async Task<IResult> Cancel(HttpContext http, GrantLedger ledger, CancellationToken cancellationToken)
    {
        var (batch, problem) = await OperatorBodies.ReadJsonAsync<CancellationBatch>(http, cancellationToken);
        if (problem is not null)
            return ProblemResults.From(problem);
        if (batch!.Cancellations is not { Count: > 0 })
            return ProblemResults.From(GrantProblems.BatchEmpty);
        if (batch.Cancellations.Count > GrantLimits.BatchLines)
            return ProblemResults.From(GrantProblems.BatchTooLarge.WithDetail($"{batch.Cancellations.Count} lines"));
        var results = await ledger.CancelAsync(OperatorPrincipal.Code(http.User), batch.Cancellations, cancellationToken);
        return TypedResults.Ok(new CancellationBatchResult(results));
    }

    /// <summary>
    /// The body is spooled to a temporary file (checked against the signed digest before any line is decided), then
    /// read line by line; each chunk is decided and committed in its own transaction and its results written and
    /// flushed at once, so memory stays flat whatever the file's size and a client sees progress as it happens.
    /// A connection lost midway leaves the committed chunks recorded: sending the file again replays them.
    /// </summary>
    private static async Task Bulk(HttpContext http, GrantLedger ledger, CancellationToken cancellationToken)
    {
        var (file, problem) = await OperatorBodies.SpoolAsync(http, OperatorBodies.MaxBulkBytes, cancellationToken);
        if (problem is not null)
        {
            await ProblemResults.From(problem).ExecuteAsync(http);
            return;
        }
        await using var _ = file;
        var operatorCode = OperatorPrincipal.Code(http.User);
        long number = 0;
        long lines = 0, accepted = 0, partial = 0, refused = 0, points = 0;
        var chunk = new List<GrantInput>(GrantLedger.ChunkLines);
        var started = false;

        async Task FlushChunkAsync()
        {
            if (!started)
            {
                http.Response.StatusCode = StatusCodes.Status200OK;
                http.Response.ContentType = OperatorRoutes.Ndjson;
                started = true;
            }
            var results = await ledger.RecordAsync(operatorCode, chunk, cancellationToken);
            var buffer = new MemoryStream();
            foreach (var result in results)
            {
                lines++;
                switch (result.Status)
                {
                    case GrantResult.AcceptedStatus: accepted++; break;
                    case GrantResult.PartialStatus: partial++; break;
                    default: refused++; break;
                }
                if (!result.Replayed)
                    points += result.Accepted;
                await JsonSerializer.SerializeAsync(buffer, result, ProtocolJson.Options, cancellationToken);
                buffer.WriteByte((byte)'\n');
            }
            buffer.Position = 0;
            await buffer.CopyToAsync(http.Response.Body, cancellationToken);
            await http.Response.Body.FlushAsync(cancellationToken);
            chunk.Clear();
        }

        await foreach (var text in OperatorBodies.ReadLinesAsync(file!, cancellationToken))
        {
            number++;
            if (text is not null && string.IsNullOrWhiteSpace(text))
                continue;
            chunk.Add(new GrantInput(number, text is null ? null : Parse(text)));
            if (chunk.Count == GrantLedger.ChunkLines)
                await FlushChunkAsync();
        }
        if (chunk.Count > 0)
            await FlushChunkAsync();
        if (!started)
        {
            await ProblemResults.From(GrantProblems.BatchEmpty.WithDetail("the file has no lines")).ExecuteAsync(http);
            return;
        }
        var summary = JsonSerializer.SerializeToUtf8Bytes(new BulkSummaryLine(new BulkSummary(lines, accepted, partial, refused, points)), ProtocolJson.Options);
        await http.Response.Body.WriteAsync(summary, cancellationToken);
        await http.Response.Body.WriteAsync("\n"u8.ToArray(), cancellationToken);
    }

    private static GrantLine? Parse(string text)
    {
        try
        {
            return JsonSerializer.Deserialize<GrantLine>(text, ProtocolJson.Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
