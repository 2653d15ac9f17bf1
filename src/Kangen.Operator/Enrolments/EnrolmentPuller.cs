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
    /// <summary>
    /// Pulls until the feed has nothing more. Safe beside another puller of the same database (the worker of
    /// <c>kangen operator run</c> and a <c>kangen operator simulate</c>, say): a page is applied only if the saved cursor is
    /// still the one it was read after, checked and moved in one write transaction; else it is dropped and the pull goes on
    /// from where the other puller got, so no record is applied twice.
    /// </summary>
    public async Task<PullSummary> PullAsync(OperatorDb db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        // Each page is its own write transaction (BEGIN IMMEDIATE): joined to a caller's, the check below would not hold.
        if (db.Database.CurrentTransaction is not null || db.ChangeTracker.HasChanges())
            throw new InvalidOperationException("The enrolment feed is pulled in transactions of its own; pull outside the caller's transaction, with nothing unsaved.");
        var cursor = (await db.Feed.AsNoTracking().FirstOrDefaultAsync(f => f.Id == 1, cancellationToken))?.Cursor;
        int records = 0, enrolled = 0, suspended = 0, resumed = 0, renewed = 0, fixedGrants = 0;
        while (true)
        {
            var query = $"{OperatorRoutes.Enrolments}?limit={pageSize.ToString(CultureInfo.InvariantCulture)}"
                + (cursor is null ? "" : "&after=" + Uri.EscapeDataString(cursor));
            var text = await client.GetTextAsync(query, cancellationToken);
            var page = ProtocolJson.ReadLines<EnrolmentRecord>(text);
            // SQLite's BEGIN IMMEDIATE (Microsoft.Data.Sqlite's default) takes the write lock here, before the cursor is
            // read again: no other puller can apply a page between that check and this commit.
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var saved = await db.Feed.AsNoTracking().FirstOrDefaultAsync(f => f.Id == 1, cancellationToken);
            if (saved?.Cursor != cursor)
            {
                await transaction.RollbackAsync(cancellationToken);
                cursor = saved?.Cursor;
                // The other puller changed rows this context may hold from earlier pages (all saved): read them afresh.
                db.ChangeTracker.Clear();
                continue;
            }
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
                cursor = record.Cursor;
            }
            var state = await db.Feed.FindAsync([1], cancellationToken);
            if (state is null)
            {
                state = new FeedStateRow { Id = 1 };
                db.Feed.Add(state);
            }
            state.Cursor = cursor;
            state.PulledAt = time.GetUtcNow();
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            records += page.Count;
            if (page.Count < pageSize)
                return new PullSummary(records, enrolled, suspended, resumed, renewed, fixedGrants, cursor);
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
