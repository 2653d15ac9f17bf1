using Microsoft.EntityFrameworkCore;

namespace Kangen.Operator.Storage;

/// <summary>A customer account of one of the operator's services (the operator's own data: never sent).</summary>
public sealed class AccountRow
{
    /// <summary>Row id.</summary>
    public long Id { get; set; }
    /// <summary>The service code.</summary>
    public string Service { get; set; } = "";
    /// <summary>The account ID, normalised.</summary>
    public string AccountId { get; set; } = "";
    /// <summary>PBKDF2-SHA256 of the secret fields (base64).</summary>
    public string CodesHash { get; set; } = "";
    /// <summary>The hash's random salt (base64).</summary>
    public string CodesSalt { get; set; } = "";
    /// <summary>The holder's name in katakana, family and given name separated by a space.</summary>
    public string HolderKana { get; set; } = "";
    /// <summary><c>open</c> or <c>closed</c>.</summary>
    public string Status { get; set; } = "open";
    /// <summary>The opaque stable reference the platform learns at verification.</summary>
    public string Reference { get; set; } = "";
    /// <summary>When it was opened.</summary>
    public DateTimeOffset OpenedAt { get; set; }
}

/// <summary>A program a person enrolled for on one of the operator's accounts (from the enrolment feed).</summary>
public sealed class EnrolmentRow
{
    /// <summary>Row id.</summary>
    public long Id { get; set; }
    /// <summary>The person's pseudonym for this operator.</summary>
    public string Person { get; set; } = "";
    /// <summary>The service.</summary>
    public string Service { get; set; } = "";
    /// <summary>The account reference.</summary>
    public string AccountReference { get; set; } = "";
    /// <summary>The program code.</summary>
    public string Program { get; set; } = "";
    /// <summary>When the platform recorded it.</summary>
    public DateTimeOffset EnrolledAt { get; set; }
    /// <summary>The feed position it came from.</summary>
    public string Cursor { get; set; } = "";
}

/// <summary>What the operator keeps per person: suspension and rebate state.</summary>
public sealed class PersonRow
{
    /// <summary>The pseudonym.</summary>
    public string Person { get; set; } = "";
    /// <summary>True while the platform says stop granting (death or fraud).</summary>
    public bool Suspended { get; set; }
    /// <summary>The suspension's reason.</summary>
    public string? SuspendedReason { get; set; }
    /// <summary>How many times the person's card was renewed (the pseudonym stays).</summary>
    public int Renewals { get; set; }
    /// <summary>Part 1 points proposed and not refused: pending lines at their proposal, answered lines at what the platform accepted.</summary>
    public long CardAcquisitionCommitted { get; set; }
    /// <summary>Qualifying spend so far (yen), for <c>after-reaching-N</c> services.</summary>
    public long CumulativeSpend { get; set; }
    /// <summary>True once an <c>after-reaching-N</c> threshold was reached.</summary>
    public bool ThresholdReached { get; set; }
    /// <summary>True once the platform answered partial, refused for a cap, or a remaining of zero: part 1 is exhausted.</summary>
    public bool CapReached { get; set; }
}

/// <summary>The enrolment feed position (one row).</summary>
public sealed class FeedStateRow
{
    /// <summary>Always 1.</summary>
    public int Id { get; set; } = 1;
    /// <summary>The cursor of the last record applied.</summary>
    public string? Cursor { get; set; }
    /// <summary>When the feed was last read.</summary>
    public DateTimeOffset? PulledAt { get; set; }
}

/// <summary>A purchase, charge or return on an account (stays with the operator).</summary>
public sealed class TransactionRow
{
    /// <summary>The operator's transaction id.</summary>
    public string Id { get; set; } = "";
    /// <summary>The service.</summary>
    public string Service { get; set; } = "";
    /// <summary>The account reference.</summary>
    public string AccountReference { get; set; } = "";
    /// <summary>The enrolled person when the transaction earned (or could earn) points.</summary>
    public string? Person { get; set; }
    /// <summary><c>purchase</c>, <c>charge</c> or <c>return</c>.</summary>
    public string Kind { get; set; } = "";
    /// <summary>Yen, positive.</summary>
    public long Amount { get; set; }
    /// <summary>When.</summary>
    public DateTimeOffset At { get; set; }
    /// <summary>The month (yyyyMM, Japan time).</summary>
    public int Month { get; set; }
    /// <summary>For a return: the purchase returned.</summary>
    public string? ReturnOf { get; set; }
}

/// <summary>A grant in the outbox and, once answered, its result. Written before anything is sent.</summary>
public sealed class GrantRow
{
    /// <summary>The deterministic idempotency key.</summary>
    public string Key { get; set; } = "";
    /// <summary>The pseudonym.</summary>
    public string Person { get; set; } = "";
    /// <summary>The service.</summary>
    public string Service { get; set; } = "";
    /// <summary>The program code.</summary>
    public string Program { get; set; } = "";
    /// <summary>Points proposed.</summary>
    public long Points { get; set; }
    /// <summary>The grant instant sent (decides the settlement month).</summary>
    public DateTimeOffset GrantedAt { get; set; }
    /// <summary>The settlement month of <see cref="GrantedAt"/> (yyyyMM, Japan time).</summary>
    public int Month { get; set; }
    /// <summary>What earned it: a transaction id, or a month for monthly grants, or the enrolment.</summary>
    public string Source { get; set; } = "";
    /// <summary><c>pending</c>, <c>accepted</c>, <c>partial</c> or <c>refused</c>.</summary>
    public string Status { get; set; } = GrantStatus.Pending;
    /// <summary>Points the platform recorded.</summary>
    public long Accepted { get; set; }
    /// <summary>The platform's reason when not all was accepted.</summary>
    public string? Reason { get; set; }
    /// <summary>Send attempts.</summary>
    public int Attempts { get; set; }
    /// <summary>When the answer arrived.</summary>
    public DateTimeOffset? AnsweredAt { get; set; }
    /// <summary>True once a cancellation of this grant was queued.</summary>
    public bool Cancelled { get; set; }
    /// <summary>The month (yyyy-MM) whose settlement this line was confirmed in, once confirmed.</summary>
    public string? SettledIn { get; set; }
}

/// <summary>The states of <see cref="GrantRow.Status"/> and <see cref="CancellationRow.Status"/>.</summary>
public static class GrantStatus
{
    /// <summary>Written, not yet answered.</summary>
    public const string Pending = "pending";
    /// <summary>All points recorded.</summary>
    public const string Accepted = "accepted";
    /// <summary>Some points recorded.</summary>
    public const string Partial = "partial";
    /// <summary>Nothing recorded.</summary>
    public const string Refused = "refused";
    /// <summary>A cancellation taken before settlement.</summary>
    public const string Cancelled = "cancelled";
    /// <summary>A cancellation of a settled grant: refunded later.</summary>
    public const string Refund = "refund";
}

/// <summary>A cancellation in the outbox (a returned purchase) and its answer.</summary>
public sealed class CancellationRow
{
    /// <summary>The deterministic key (<c>c.</c> + the grant key).</summary>
    public string Key { get; set; } = "";
    /// <summary>The grant cancelled.</summary>
    public string GrantKey { get; set; } = "";
    /// <summary>When.</summary>
    public DateTimeOffset CancelledAt { get; set; }
    /// <summary>The month of <see cref="CancelledAt"/> (yyyyMM, Japan time).</summary>
    public int Month { get; set; }
    /// <summary><c>pending</c>, <c>cancelled</c>, <c>refund</c> or <c>refused</c>.</summary>
    public string Status { get; set; } = GrantStatus.Pending;
    /// <summary>Points taken back.</summary>
    public long Points { get; set; }
    /// <summary>Why refused.</summary>
    public string? Reason { get; set; }
    /// <summary>The month (yyyy-MM) whose settlement this line was confirmed in, once confirmed.</summary>
    public string? SettledIn { get; set; }
}

/// <summary>One settlement check.</summary>
public sealed class SettlementCheckRow
{
    /// <summary>Row id.</summary>
    public long Id { get; set; }
    /// <summary>yyyy-MM.</summary>
    public string Month { get; set; } = "";
    /// <summary>When checked.</summary>
    public DateTimeOffset CheckedAt { get; set; }
    /// <summary>The envelope's state when checked.</summary>
    public string EnvelopeState { get; set; } = "";
    /// <summary><c>confirmed</c>, <c>matches</c> (an estimate or already confirmed) or <c>differences</c>.</summary>
    public string Outcome { get; set; } = "";
    /// <summary>Local control total: lines.</summary>
    public long LocalCount { get; set; }
    /// <summary>Local control total: net points.</summary>
    public long LocalPoints { get; set; }
    /// <summary>The platform's lines.</summary>
    public long PlatformCount { get; set; }
    /// <summary>The platform's net points.</summary>
    public long PlatformPoints { get; set; }
    /// <summary>Differences found.</summary>
    public int Differences { get; set; }
}

/// <summary>
/// The operator's own database: one SQLite file per operator (<c>{data}/{operator}.db</c>), created with
/// <c>EnsureCreated</c> (the schema is small and versioned with the app; a schema change means a new file).
/// </summary>
public sealed class OperatorDb(DbContextOptions<OperatorDb> options) : DbContext(options)
{
    /// <summary>Customer accounts.</summary>
    public DbSet<AccountRow> Accounts => Set<AccountRow>();
    /// <summary>Enrolments from the feed.</summary>
    public DbSet<EnrolmentRow> Enrolments => Set<EnrolmentRow>();
    /// <summary>People.</summary>
    public DbSet<PersonRow> People => Set<PersonRow>();
    /// <summary>The feed position.</summary>
    public DbSet<FeedStateRow> Feed => Set<FeedStateRow>();
    /// <summary>Purchases, charges and returns.</summary>
    public DbSet<TransactionRow> Transactions => Set<TransactionRow>();
    /// <summary>The grant outbox and results.</summary>
    public DbSet<GrantRow> Grants => Set<GrantRow>();
    /// <summary>The cancellation outbox and results.</summary>
    public DbSet<CancellationRow> Cancellations => Set<CancellationRow>();
    /// <summary>Settlement checks.</summary>
    public DbSet<SettlementCheckRow> SettlementChecks => Set<SettlementCheckRow>();

    /// <summary>The database file of an operator.</summary>
    public static string PathOf(string dataFolder, string operatorCode) => Path.Combine(dataFolder, operatorCode + ".db");

    /// <inheritdoc />
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<AccountRow>(e =>
        {
            e.HasIndex(a => new { a.Service, a.AccountId }).IsUnique();
            e.HasIndex(a => a.Reference).IsUnique();
        });
        modelBuilder.Entity<EnrolmentRow>(e =>
        {
            e.HasIndex(x => new { x.Person, x.Service, x.Program }).IsUnique();
            e.HasIndex(x => new { x.AccountReference, x.Service });
        });
        modelBuilder.Entity<PersonRow>().HasKey(p => p.Person);
        modelBuilder.Entity<FeedStateRow>().HasKey(f => f.Id);
        modelBuilder.Entity<TransactionRow>(e =>
        {
            e.HasKey(t => t.Id);
            e.HasIndex(t => new { t.Person, t.Month });
        });
        modelBuilder.Entity<GrantRow>(e =>
        {
            e.HasKey(g => g.Key);
            e.HasIndex(g => g.Status);
            e.HasIndex(g => g.Source);
        });
        modelBuilder.Entity<CancellationRow>(e =>
        {
            e.HasKey(c => c.Key);
            e.HasIndex(c => c.Status);
        });
    }
}
