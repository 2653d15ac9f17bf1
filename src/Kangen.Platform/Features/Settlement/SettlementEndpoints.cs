using System.Globalization;
using System.Text;
using System.Text.Json;
using Kangen.Platform.Features.Grants;
using Kangen.Platform.Features.Operators;
using Kangen.Platform.Features.Staff;
using Kangen.Platform.Problems;
using Kangen.Platform.Storage;
using Kangen.Protocol;

namespace Kangen.Platform.Features.Settlement;

/// <summary>Flow 6 over HTTP: the operator's envelopes, CSV lines, confirmation and reconciliation; the administrator's close, list and export.</summary>
public static class SettlementEndpoints
{
    /// <summary>The administrator's settlement routes.</summary>
    public const string AdminRoute = "/api/v1/admin/settlements";

    /// <summary>The header of the CSV export.</summary>
    public const string CsvHeader = "key,kind,person,service,program,points,occurred_at,month,status";

    /// <summary>Adds the settlement book (the admin routes use the staff policy <see cref="StaffRoles.AdminPolicy"/>).</summary>
    public static IHostApplicationBuilder AddSettlement(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddScoped<SettlementBook>();
        return builder;
    }

    /// <summary>Maps the settlement routes.</summary>
    public static IEndpointRouteBuilder MapSettlement(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var route = OperatorRoutes.Settlements;
        app.MapGet(route + "/{month}", OperatorEnvelope).RequireAuthorization(OperatorPrincipal.Policy).WithTags("Operators")
            .Produces<SettlementEnvelope>().WithSummary("The caller's envelope of a month: final or confirmed when closed, else a live estimate.");
        app.MapGet(route + "/{month}/lines", OperatorLines).RequireAuthorization(OperatorPrincipal.Policy).WithTags("Operators")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv").WithSummary("The ledger lines of the caller's envelope (or estimate), CSV.");
        app.MapPost(route + "/{month}/confirm", Confirm).RequireAuthorization(OperatorPrincipal.Policy).WithTags("Operators")
            .Accepts<SettlementConfirmation>("application/json").Produces<SettlementEnvelope>()
            .WithSummary("Confirm a final envelope with the operator's control totals (count, points).");
        app.MapPost(route + "/{month}/reconcile", Reconcile).RequireAuthorization(OperatorPrincipal.Policy).WithTags("Operators")
            .Accepts<ReconciliationLine>(OperatorRoutes.Ndjson).Produces<ReconciliationDifference>(StatusCodes.Status200OK, OperatorRoutes.Ndjson)
            .WithSummary("Send the operator's ledger lines of the envelope (NDJSON); answers the differences (NDJSON).");

        app.MapGet(AdminRoute, AdminList).RequireAuthorization(StaffRoles.AdminPolicy).WithTags("Administration")
            .Produces<SettlementEnvelope[]>().WithSummary("Every registered operator's envelope (or estimate) of a month (?month=yyyy-MM).");
        app.MapPost(AdminRoute + "/{operator}/{month}/close", AdminClose).RequireAuthorization(StaffRoles.AdminPolicy).WithTags("Administration")
            .Produces<SettlementEnvelope>().WithSummary("Close an operator's month (after it ended): claims its unsettled lines into the final envelope.");
        app.MapGet(AdminRoute + "/{operator}/{month}/lines", AdminLines).RequireAuthorization(StaffRoles.AdminPolicy).WithTags("Administration")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv").WithSummary("The ledger lines of an operator's envelope (or estimate), CSV.");
        return app;
    }

    private static async Task<IResult> OperatorEnvelope(HttpContext http, string month, SettlementBook book, CancellationToken cancellationToken)
    {
        if (!GrantRules.TryParseMonth(month, out var m))
            return ProblemResults.From(SettlementProblems.MonthInvalid.WithDetail(month));
        return TypedResults.Ok(await book.EnvelopeAsync(OperatorPrincipal.Code(http.User), m, cancellationToken));
    }

    private static Task OperatorLines(HttpContext http, string month, SettlementBook book, CancellationToken cancellationToken) =>
        WriteLinesAsync(http, OperatorPrincipal.Code(http.User), month, book, cancellationToken);

    private static Task AdminLines(HttpContext http, string @operator, string month, SettlementBook book, CancellationToken cancellationToken) =>
        WriteLinesAsync(http, @operator, month, book, cancellationToken);

    private static async Task<IResult> Confirm(HttpContext http, string month, SettlementBook book, CancellationToken cancellationToken)
    {
        if (!GrantRules.TryParseMonth(month, out var m))
            return ProblemResults.From(SettlementProblems.MonthInvalid.WithDetail(month));
        var (confirmation, problem) = await OperatorBodies.ReadJsonAsync<SettlementConfirmation>(http, cancellationToken);
        if (problem is not null)
            return ProblemResults.From(problem);
        var (envelope, refusal) = await book.ConfirmAsync(OperatorPrincipal.Code(http.User), m, confirmation!, OperatorPrincipal.KeyId(http.User), cancellationToken);
        return refusal is not null ? ProblemResults.From(refusal) : TypedResults.Ok(envelope);
    }

    private static async Task Reconcile(HttpContext http, string month, SettlementBook book, CancellationToken cancellationToken)
    {
        if (!GrantRules.TryParseMonth(month, out var m))
        {
            await ProblemResults.From(SettlementProblems.MonthInvalid.WithDetail(month)).ExecuteAsync(http);
            return;
        }
        var (file, problem) = await OperatorBodies.SpoolAsync(http, OperatorBodies.MaxBulkBytes, cancellationToken);
        if (problem is not null)
        {
            await ProblemResults.From(problem).ExecuteAsync(http);
            return;
        }
        await using var _ = file;
        var (reconciliation, invalid) = await Reconciliation.ReadAsync(file!, cancellationToken);
        if (invalid is not null)
        {
            await ProblemResults.From(invalid).ExecuteAsync(http);
            return;
        }
        await using var __ = reconciliation;
        var lines = await book.LinesAsync(OperatorPrincipal.Code(http.User), m, cancellationToken);
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = OperatorRoutes.Ndjson;
        var written = 0;
        await foreach (var difference in reconciliation!.CompareAsync(book.KeysInOrder(lines), cancellationToken))
        {
            await http.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(difference, ProtocolJson.Options), cancellationToken);
            await http.Response.Body.WriteAsync("\n"u8.ToArray(), cancellationToken);
            if (++written % 1000 == 0)
                await http.Response.Body.FlushAsync(cancellationToken);
        }
    }

    private static async Task<IResult> AdminList(string? month, SettlementBook book, CancellationToken cancellationToken)
    {
        if (!GrantRules.TryParseMonth(month, out var m))
            return ProblemResults.From(SettlementProblems.MonthInvalid.WithDetail("?month=yyyy-MM is required"));
        return TypedResults.Ok(await book.AllAsync(m, cancellationToken));
    }

    private static async Task<IResult> AdminClose(HttpContext http, string @operator, string month, SettlementBook book, CancellationToken cancellationToken)
    {
        if (!GrantRules.TryParseMonth(month, out var m))
            return ProblemResults.From(SettlementProblems.MonthInvalid.WithDetail(month));
        var (envelope, problem) = await book.CloseAsync(@operator, m, StaffRoles.StaffId(http.User), cancellationToken);
        return problem is not null ? ProblemResults.From(problem) : TypedResults.Ok(envelope);
    }

    /// <summary>Streams the envelope's lines as CSV (RFC 4180, UTF-8, LF), flushing every 1,000 rows.</summary>
    private static async Task WriteLinesAsync(HttpContext http, string operatorCode, string month, SettlementBook book, CancellationToken cancellationToken)
    {
        if (!GrantRules.TryParseMonth(month, out var m))
        {
            await ProblemResults.From(SettlementProblems.MonthInvalid.WithDetail(month)).ExecuteAsync(http);
            return;
        }
        var lines = await book.LinesAsync(operatorCode, m, cancellationToken);
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"settlement-{operatorCode}-{month}.csv\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        await writer.WriteLineAsync(CsvHeader);
        var rows = 0;
        await foreach (var line in book.Export(lines, operatorCode).WithCancellation(cancellationToken))
        {
            await writer.WriteLineAsync(Row(line));
            if (++rows % 1000 == 0)
                await writer.FlushAsync(cancellationToken);
        }
        await writer.FlushAsync(cancellationToken);
    }

    /// <summary>One CSV row of a line.</summary>
    public static string Row(EnvelopeLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        // RFC 4180 quoting by the platform's one CSV writer: every stored value is a code or a key today, so nothing
        // is quoted; it keeps the file well-formed if that ever changes.
        return ReferenceData.Csv.Join([line.Key, line.Kind, line.Person, line.Service, line.Program,
            line.Points.ToString(CultureInfo.InvariantCulture),
            line.OccurredAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            GrantRules.MonthText(line.Month), line.Status]);
    }
}
