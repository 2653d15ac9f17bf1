using System.Globalization;
using System.Text.Json;
using Kangen.Operator.Grants;
using Kangen.Operator.Rebates;
using Kangen.Operator.Storage;
using Kangen.Protocol;
using Kangen.Rules;
using Microsoft.EntityFrameworkCore;

namespace Kangen.Operator.Enrolments;

/// <summary>What one pull applied.</summary>
/// <param name="Records">Records read.</param>
/// <param name="Enrolled">Programs enrolled.</param>
/// <param name="Suspended">Suspensions.</param>
/// <param name="Resumed">Resumptions.</param>
/// <param name="Renewed">Card renewals.</param>
/// <param name="FixedGrants">Fixed grants (parts 2, 3) written to the outbox.</param>
/// <param name="Cursor">The cursor after the last record.</param>
public sealed record PullSummary(int Records, int Enrolled, int Suspended, int Resumed, int Renewed, int FixedGrants, string? Cursor);

/// <summary>
/// Reads the enrolment feed page by page from the persisted cursor and applies it: enrolments (with the fixed
/// grant of parts 2 and 3), suspensions (stop granting), resumptions and renewals. The cursor is saved in the
/// same database transaction as each page's effects, so a crash re-reads at most the page it was applying.
/// </summary>
/// <param name="client">The platform.</param>
/// <param name="ledger">The ledger (for fixed grants).</param>
/// <param name="time">The clock.</param>
/// <param name="pageSize">Records per page.</param>
public sealed class EnrolmentPuller(PlatformClient client, OperatorLedger ledger, TimeProvider time, int pageSize = 500)
{
    /// <summary>Pulls until the feed has nothing more.</summary>
    public async Task<PullSummary> PullAsync(OperatorDb db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var state = await db.Feed.FirstOrDefaultAsync(f => f.Id == 1, cancellationToken);
        if (state is null)
        {
            state = new FeedStateRow { Id = 1 };
            db.Feed.Add(state);
        }
        int records = 0, enrolled = 0, suspended = 0, resumed = 0, renewed = 0, fixedGrants = 0;
        while (true)
        {
            var query = $"{OperatorRoutes.Enrolments}?limit={pageSize.ToString(CultureInfo.InvariantCulture)}"
                + (state.Cursor is null ? "" : "&after=" + Uri.EscapeDataString(state.Cursor));
            var text = await client.GetTextAsync(query, cancellationToken);
            var page = ProtocolJson.ReadLines<EnrolmentRecord>(text);
            foreach (var record in page)
            {
                switch (record.Kind)
                {
                    case EnrolmentRecord.Enrolled:
                        if (await EnrolAsync(db, record, cancellationToken))
                            fixedGrants++;
                        enrolled++;
                        break;
                    case EnrolmentRecord.Suspended:
                        var s = await OperatorLedger.PersonAsync(db, record.Person, cancellationToken);
                        s.Suspended = true;
                        s.SuspendedReason = record.Reason;
                        suspended++;
                        break;
                    case EnrolmentRecord.Resumed:
                        var r = await OperatorLedger.PersonAsync(db, record.Person, cancellationToken);
                        r.Suspended = false;
                        r.SuspendedReason = null;
                        resumed++;
                        break;
                    case EnrolmentRecord.Renewed:
                        (await OperatorLedger.PersonAsync(db, record.Person, cancellationToken)).Renewals++;
                        renewed++;
                        break;
                }
                state.Cursor = record.Cursor;
            }
            state.PulledAt = time.GetUtcNow();
            await db.SaveChangesAsync(cancellationToken);
            records += page.Count;
            if (page.Count < pageSize)
                return new PullSummary(records, enrolled, suspended, resumed, renewed, fixedGrants, state.Cursor);
        }
    }

    private async Task<bool> EnrolAsync(OperatorDb db, EnrolmentRecord record, CancellationToken cancellationToken)
    {
        var program = record.Program ?? "";
        await OperatorLedger.PersonAsync(db, record.Person, cancellationToken);
        var exists = db.Enrolments.Local.Any(e => e.Person == record.Person && e.Service == record.Service && e.Program == program)
            || await db.Enrolments.AnyAsync(e => e.Person == record.Person && e.Service == record.Service && e.Program == program, cancellationToken);
        if (!exists)
        {
            db.Enrolments.Add(new EnrolmentRow
            {
                Person = record.Person,
                Service = record.Service,
                AccountReference = record.AccountReference,
                Program = program,
                EnrolledAt = record.At,
                Cursor = record.Cursor,
            });
        }
        // Parts 2 and 3 are a direct grant of the fixed amount once the person is enrolled for them.
        return ProgramKinds.TryParse(program, out var kind) && kind != ProgramKind.CardAcquisition
            && await ledger.GrantFixedAsync(db, record.Person, record.Service, kind, record.At, cancellationToken);
    }
}
